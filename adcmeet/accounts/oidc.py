"""CERN single sign-on (Keycloak, OpenID Connect) through mozilla-django-oidc.

Switched on by settings (OIDC_RP_CLIENT_ID). People are keyed on the identity provider's
stable `cern_upn` claim, never on email: an address can change hands or be shared, a UPN
cannot. Name, email and affiliation follow the claims on every login, and so do roles: the
provider's role/group claim (settings.OIDC_ROLE_CLAIM) is mapped to our groups Convener,
Developer and Manager, granted and revoked at each login. Groups outside that mapping (set by
hand in the admin) are left alone. Setup is described in docs/security.md.
"""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from adcmeet.accounts.models import CONVENER, DEVELOPER, MANAGER, User

log = logging.getLogger(__name__)

UPN_CLAIM = "cern_upn"


def role_mapping() -> dict[str, set[str]]:
    """Our role -> the identity-provider role/group names that grant it."""
    return {
        CONVENER: set(getattr(settings, "OIDC_CONVENER_GROUPS", [])),
        DEVELOPER: set(getattr(settings, "OIDC_DEVELOPER_GROUPS", [])),
        MANAGER: set(getattr(settings, "OIDC_MANAGER_GROUPS", [])),
    }


def claimed_groups(claims: dict) -> set[str]:
    """The provider's role/group names in the claims, whatever shape the claim takes.

    Keycloak sends a list of strings (client roles mapped to `cern_roles`, or `groups`); a
    group mapper with full paths gives "/adc/conveners", so the leading slash is dropped too.
    """
    value = claims.get(getattr(settings, "OIDC_ROLE_CLAIM", "cern_roles"), [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return set()
    names = set()
    for entry in value:
        if isinstance(entry, str) and entry:
            names.add(entry)
            names.add(entry.lstrip("/"))
    return names


def roles_from_claims(claims: dict) -> set[str]:
    groups = claimed_groups(claims)
    return {role for role, granting in role_mapping().items() if granting & groups}


def _clean(value, max_length: int) -> str:
    """A claim as a single line of text: no control characters (no header injection through a
    display name that ends up in mail), trimmed to the column's length."""
    if not isinstance(value, str):
        return ""
    text = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(text.split())[:max_length]


class RoleMappingOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with user matching on `cern_upn` and role mapping."""

    def authenticate(self, request, **kwargs):
        # An unreachable or misbehaving provider, or a token we refuse, is a failed login (the
        # callback sends the visitor back to the login page with a message), never a 500.
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, SuspiciousOperation, ValueError, KeyError) as exc:
            log.warning("OIDC login failed: %s: %s", exc.__class__.__name__, exc)
            return None

    def _verify_jws(self, payload, key):
        # The library checks the signature and the algorithm but not who the token is for;
        # a token issued to another client of the same realm must not log anyone in here.
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("The id_token is not signed with the expected algorithm.")
        issuer = getattr(settings, "OIDC_ISSUER", None)
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer,
                options={"require": ["exp", "iat", "aud"] + (["iss"] if issuer else [])},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"id_token rejected: {exc}") from exc

    def verify_claims(self, claims) -> bool:
        upn = claims.get(UPN_CLAIM)
        if not isinstance(upn, str) or not upn.strip():
            log.warning("OIDC login refused: no %s claim", UPN_CLAIM)
            return False
        return True

    def describe_user_by_claims(self, claims) -> str:
        return f"{UPN_CLAIM} {claims.get(UPN_CLAIM)}"

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(cern_upn=claims[UPN_CLAIM].strip())

    def get_username(self, claims) -> str:
        upn = _clean(claims[UPN_CLAIM], 150)
        username = upn
        # A local account may already use that name: never take it over, pick a free one.
        n = 1
        while self.UserModel.objects.filter(username=username).exists():
            n += 1
            suffix = f"-sso{n}"
            username = upn[: 150 - len(suffix)] + suffix
        return username

    @transaction.atomic
    def create_user(self, claims) -> User:
        user = self.UserModel(
            username=self.get_username(claims), cern_upn=claims[UPN_CLAIM].strip()
        )
        user.set_unusable_password()
        self._apply_claims(user, claims)
        user.save()
        self._apply_roles(user, claims)
        log.info("OIDC created user %s", user.cern_upn)
        return user

    @transaction.atomic
    def update_user(self, user, claims) -> User:
        self._apply_claims(user, claims)
        user.save()
        self._apply_roles(user, claims)
        return user

    def _apply_claims(self, user: User, claims: dict) -> None:
        given = _clean(claims.get("given_name"), 150)
        family = _clean(claims.get("family_name"), 150)
        name = _clean(claims.get("name"), 200) or " ".join(p for p in (given, family) if p)
        if name:
            user.name = name
        user.first_name = given or user.first_name
        user.last_name = family or user.last_name
        email = _clean(claims.get("email"), 254)
        if email and "@" in email:
            user.email = email
        affiliation = _clean(claims.get("cern_affiliation") or claims.get("affiliation"), 200)
        if affiliation:
            user.affiliation = affiliation

    def _apply_roles(self, user: User, claims: dict) -> None:
        granted = roles_from_claims(claims)
        # A role with no provider group configured is not managed by SSO: left as set by hand.
        managed = [role for role, granting in role_mapping().items() if granting]
        groups = {g.name: g for g in Group.objects.filter(name__in=managed)}
        to_add = [groups[r] for r in managed if r in granted and r in groups]
        to_remove = [groups[r] for r in managed if r not in granted and r in groups]
        if to_remove:
            user.groups.remove(*to_remove)
        if to_add:
            user.groups.add(*to_add)
        # The per-instance role cache (User.role_names) must not outlive this change.
        user.__dict__.pop("_role_names", None)
