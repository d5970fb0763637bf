"""CERN SSO through OpenID Connect, against a real (tiny) provider on 127.0.0.1.

The provider stub serves the token, userinfo and JWKS endpoints over HTTP and signs RS256
id_tokens with a key made for the test; mozilla-django-oidc's own views and our backend talk
to it for real. The only step skipped is the provider's login form: the test reads the
authorization redirect (state, nonce, PKCE challenge) as the provider would.
"""

import base64
import hashlib
import importlib
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Group
from django.urls import clear_url_caches

from adcmeet.accounts.models import CONVENER, DEVELOPER, MANAGER, User
from tests import factories

CLIENT_ID = "adcmeet-test"
CLIENT_SECRET = "stub-secret"


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Provider:
    """An OpenID provider that knows one pending authorization at a time."""

    def __init__(self):
        self.key = _new_key()
        self.kid = "stub-key-1"
        self.signing_key = self.key  # a test may sign with another key to forge a token
        self.claims: dict = {}
        self.id_token_overrides: dict = {}
        self.pending: dict[str, dict] = {}
        self.delay = 0.0
        self.token_requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self.server.server_port}/realms/cern"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def authorize(self, authorization_url: str) -> str:
        """What the provider does after the person logs in: remember the request, hand out a
        code for the callback."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorization_url).query))
        assert query["client_id"] == CLIENT_ID
        assert query["response_type"] == "code"
        code = f"code-{len(self.pending) + 1}"
        self.pending[code] = query
        return code

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def id_token(self, request: dict) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "sub": self.claims.get("sub", "f:1234"),
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": request.get("nonce"),
            **self.id_token_overrides,
        }
        return jwt.encode(payload, self.signing_key, algorithm="RS256", headers={"kid": self.kid})

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, body: dict, status: int = 200):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                time.sleep(provider.delay)
                path = urllib.parse.urlsplit(self.path).path
                if path.endswith("/certs"):
                    return self._json(provider.jwks())
                if path.endswith("/userinfo"):
                    if self.headers.get("Authorization") != "Bearer access-token":
                        return self._json({"error": "invalid_token"}, 401)
                    return self._json(provider.claims)
                return self._json({"error": "not_found"}, 404)

            def do_POST(self):
                time.sleep(provider.delay)
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                provider.token_requests.append(form)
                request = provider.pending.pop(form.get("code", ""), None)
                if (
                    request is None
                    or form.get("client_id") != CLIENT_ID
                    or form.get("client_secret") != CLIENT_SECRET
                    or form.get("redirect_uri") != request["redirect_uri"]
                ):
                    return self._json({"error": "invalid_grant"}, 400)
                # PKCE: the verifier sent now must match the challenge sent at the start.
                challenge = (
                    base64.urlsafe_b64encode(
                        hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                    )
                    .rstrip(b"=")
                    .decode()
                )
                if challenge != request.get("code_challenge"):
                    return self._json({"error": "invalid_grant", "reason": "pkce"}, 400)
                return self._json(
                    {
                        "access_token": "access-token",
                        "token_type": "Bearer",
                        "id_token": provider.id_token(request),
                        "expires_in": 300,
                    }
                )

        return Handler


@pytest.fixture
def provider():
    stub = Provider()
    yield stub
    stub.close()


def _reload_urls():
    import adcmeet.urls

    importlib.reload(adcmeet.urls)
    clear_url_caches()


@pytest.fixture
def sso(settings, provider, db):
    """Settings as adcmeet/settings.py makes them when OIDC_RP_CLIENT_ID is set."""
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_ISSUER = provider.issuer
    base = f"{provider.issuer}/protocol/openid-connect"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{base}/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{base}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{base}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{base}/certs"
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.OIDC_TIMEOUT = 2
    settings.OIDC_USE_PKCE = True
    settings.OIDC_ROLE_CLAIM = "cern_roles"
    settings.OIDC_CONVENER_GROUPS = ["adc-conveners"]
    settings.OIDC_DEVELOPER_GROUPS = ["adc-developers"]
    settings.OIDC_MANAGER_GROUPS = ["adc-managers", "adc-coordinators"]
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "adcmeet.accounts.oidc.RoleMappingOIDCBackend",
    ]
    _reload_urls()
    yield provider
    settings.OIDC_ENABLED = False
    _reload_urls()


def sso_login(client, provider, claims: dict, next_url: str = "/meetings/"):
    """The whole browser round trip; returns the callback's response."""
    provider.claims = claims
    start = client.get(f"/oidc/authenticate/?next={urllib.parse.quote(next_url)}")
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.issuer}/protocol/openid-connect/auth?")
    code = provider.authorize(start["Location"])
    state = provider.pending[code]["state"]
    return client.get("/oidc/callback/", {"code": code, "state": state})


ALICE = {
    "sub": "f:aa11",
    "cern_upn": "alice",
    "name": "Alice Liddell",
    "given_name": "Alice",
    "family_name": "Liddell",
    "email": "alice.liddell@cern.ch",
    "cern_affiliation": "CERN",
    "cern_roles": ["adc-conveners", "default-role"],
}


def _logged_in_user(client):
    return client.get("/me/").context["user"]


def test_first_sso_login_creates_the_person_with_their_roles(client, sso):
    response = sso_login(client, sso, ALICE)

    assert response.status_code == 302
    assert response["Location"] == "/meetings/"
    user = User.objects.get(cern_upn="alice")
    assert user.name == "Alice Liddell"
    assert user.email == "alice.liddell@cern.ch"
    assert user.affiliation == "CERN"
    assert not user.has_usable_password()
    assert set(user.groups.values_list("name", flat=True)) == {CONVENER}
    assert _logged_in_user(client) == user
    # a real token exchange happened, with the PKCE verifier
    assert sso.token_requests[0]["grant_type"] == "authorization_code"
    assert sso.token_requests[0]["code_verifier"]


def test_each_login_updates_details_and_grants_and_revokes_roles(client, sso):
    sso_login(client, sso, ALICE)
    client.logout()

    moved_on = {
        **ALICE,
        "email": "alice@newlab.example",
        "name": "Alice Pleasance Liddell",
        "cern_roles": ["/adc-coordinators", "adc-developers"],  # full group paths too
    }
    sso_login(client, sso, moved_on)

    user = User.objects.get(cern_upn="alice")  # the same person: keyed on the UPN, not email
    assert User.objects.count() == 1
    assert user.email == "alice@newlab.example"
    assert user.name == "Alice Pleasance Liddell"
    assert set(user.groups.values_list("name", flat=True)) == {MANAGER, DEVELOPER}


def test_roles_given_by_hand_outside_the_mapping_are_kept(client, sso, settings):
    settings.OIDC_MANAGER_GROUPS = []  # managers are appointed in the admin, not by SSO
    user = factories.make_user("someone", roles=(MANAGER,), cern_upn="alice")

    sso_login(client, sso, {**ALICE, "cern_roles": []})

    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == {MANAGER}


def test_a_local_account_linked_by_upn_is_the_one_logged_in(client, sso):
    local = factories.make_user("aliddell", cern_upn="alice", email="old@example.org")

    sso_login(client, sso, ALICE)

    assert _logged_in_user(client) == local
    local.refresh_from_db()
    assert local.email == "alice.liddell@cern.ch"
    assert local.has_usable_password()  # the local password still works


def test_the_same_email_never_takes_over_another_account(client, sso):
    local = factories.make_user("alice", email="alice.liddell@cern.ch")

    sso_login(client, sso, ALICE)

    user = _logged_in_user(client)
    assert user != local
    assert user.cern_upn == "alice"
    assert user.username != "alice"  # a free username was picked


def test_a_token_signed_with_another_key_is_refused(client, sso):
    sso.signing_key = _new_key()

    response = sso_login(client, sso, ALICE)

    assert response.status_code == 302
    assert response["Location"] == "/login/?sso=failed"
    assert not User.objects.filter(cern_upn="alice").exists()
    page = client.get(response["Location"]).content.decode()
    assert "Logging in with CERN SSO did not work" in page


@pytest.mark.parametrize(
    "override",
    [
        {"aud": "another-client"},
        {"iss": "https://evil.example/realms/cern"},
        {"exp": int(time.time()) - 3600},
        {"nonce": "replayed-nonce"},
    ],
    ids=["audience", "issuer", "expired", "nonce"],
)
def test_a_token_not_meant_for_this_login_is_refused(client, sso, override):
    sso.id_token_overrides = override

    response = sso_login(client, sso, ALICE)

    assert response["Location"] == "/login/?sso=failed"
    assert not User.objects.filter(cern_upn="alice").exists()


def test_claims_without_a_upn_are_refused(client, sso):
    claims = {k: v for k, v in ALICE.items() if k != "cern_upn"}

    response = sso_login(client, sso, claims)

    assert response["Location"] == "/login/?sso=failed"
    assert User.objects.count() == 0


def test_control_characters_in_claims_do_not_reach_the_profile(client, sso):
    sso_login(client, sso, {**ALICE, "name": "Alice\r\nBcc: everyone@cern.ch"})

    assert User.objects.get(cern_upn="alice").name == "Alice Bcc: everyone@cern.ch"


def test_a_provider_that_hangs_fails_the_login_within_the_timeout(client, sso, settings):
    settings.OIDC_TIMEOUT = 0.5
    sso.delay = 3

    started = time.monotonic()
    response = sso_login(client, sso, ALICE)

    assert time.monotonic() - started < 2.5
    assert response["Location"] == "/login/?sso=failed"


def test_the_login_page_offers_sso_when_it_is_configured(client, sso):
    page = client.get("/login/?next=/roadmap/").content.decode()
    assert "Log in with CERN SSO" in page
    assert 'href="/oidc/authenticate/?next=%2Froadmap%2F"' in page


def test_the_login_page_has_no_sso_button_without_configuration(client, db):
    page = client.get("/login/").content.decode()
    assert "CERN SSO" not in page
    assert client.get("/oidc/authenticate/").status_code == 404


def test_sso_roles_exist_as_groups(db):
    # The mapping targets these groups; a migration creates them.
    assert set(Group.objects.values_list("name", flat=True)) >= {CONVENER, DEVELOPER, MANAGER}
