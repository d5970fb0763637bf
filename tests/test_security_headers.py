"""Headers, cookies, CSP with no inline markup on any page, and login throttling."""

import datetime
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from tests import factories, urlwalk

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SITE_URL": "https://adcmeet.example.org",
    "ALLOWED_HOSTS": "adcmeet.example.org",
    "DEBUG": "false",
    "ADCMEET_TESTING": "false",
}


def production(tmp_path: Path, *args: str, extra: dict | None = None):
    """Run manage.py in a fresh process configured like production (not under pytest)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "OIDC_", "SECURE_", "PYTEST"))
    }
    env.update(PRODUCTION_ENV)
    env["SECRET_KEY"] = secrets.token_urlsafe(50)[:50]
    env["ADCMEET_VAR_DIR"] = str(tmp_path)
    env.update(extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = production(tmp_path, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = production(tmp_path, "check", extra={"SECRET_KEY": ""})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="adcmeet.example.org")
plain = client.get("/no-such-page/")
secure = client.get("/no-such-page/", secure=True)
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "hsts": secure.get("Strict-Transport-Security", ""),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "session_samesite": settings.SESSION_COOKIE_SAMESITE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "csrf_httponly": settings.CSRF_COOKIE_HTTPONLY,
    "csrf_samesite": settings.CSRF_COOKIE_SAMESITE,
}))
"""


def test_production_redirects_to_https_sends_hsts_and_secures_cookies(tmp_path, collected_static):
    result = production(tmp_path, "shell", "-c", PROBE)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])

    assert probe["plain_status"] == 301
    assert probe["plain_location"] == "https://adcmeet.example.org/no-such-page/"
    assert probe["hsts"] == "max-age=31536000; includeSubDomains"
    assert probe["session_secure"]
    assert probe["csrf_secure"]
    assert probe["session_httponly"]
    assert probe["csrf_httponly"]
    assert probe["session_samesite"] == probe["csrf_samesite"] == "Lax"


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_pages_carry_a_strict_content_security_policy_and_the_other_headers(client, db):
    response = client.get("/")

    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def world(db):
    return urlwalk.build_world()


@pytest.mark.parametrize("role", ["anonymous", "developer", "convener", "staff"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_no_page_has_inline_script_style_or_event_handlers(world, role, htmx):
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.user(role))
    headers = {"HX-Request": "true"} if htmx else {}
    problems, html_pages = [], 0
    for route in urlwalk.routes():
        url = route.url(world)
        response = client.get(url, headers=headers)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html_pages += 1
        if "Content-Security-Policy" not in response:
            problems.append(f"{url}: no Content-Security-Policy header")
        for problem in urlwalk.inline_markup_problems(response.content.decode()):
            problems.append(f"{url}: {problem}")
    assert problems == [], "\n".join(problems)
    assert html_pages > 10


def test_the_inline_markup_finder_finds_what_the_csp_would_block():
    page = (
        '<script>alert(1)</script><script src="/static/x.js"></script>'
        '<a href="#" onclick="x()">a</a><p style="color:red">b</p>'
        '<a href="JavaScript:alert(1)">c</a><style>p{}</style>'
        '<script type="application/json">{"data": 1}</script>'
    )
    assert urlwalk.inline_markup_problems(page) == [
        "<script> without src",
        "<a onclick=…> event handler",
        "<p style=…> attribute",
        "<a href='JavaScript:alert(1)'>",
        "<style> element",
    ]


# --- login --------------------------------------------------------------------------------


def _attempt(client, password: str, ip: str = "192.0.2.10"):
    return client.post("/login/", {"username": "bob", "password": password}, REMOTE_ADDR=ip)


def test_repeated_wrong_passwords_lock_that_login_with_a_clear_page(client, developer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _attempt(client, "wrong-password")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    assert _attempt(client, "wrong-password").status_code == 429  # the last one allowed

    locked = _attempt(client, "correct-horse-9")  # even the right password, for now

    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed log-ins" in page
    assert "15 minutes" in page
    assert "<strong>bob</strong>" in page
    assert "_auth_user_id" not in client.session


def test_a_lockout_is_per_address_and_ends_after_the_cool_off(client, developer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, "wrong-password")

    elsewhere = Client()
    assert _attempt(elsewhere, "correct-horse-9", ip="198.51.100.7").status_code == 302

    with time_machine.travel(datetime.timedelta(minutes=16)):
        assert _attempt(client, "correct-horse-9").status_code == 302


def test_a_successful_login_resets_the_failure_count(client, developer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _attempt(client, "wrong-password")
    assert _attempt(client, "correct-horse-9").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _attempt(client, "wrong-password")

    assert _attempt(client, "correct-horse-9").status_code == 302


def test_behind_the_proxy_the_address_the_proxy_saw_is_counted(client, developer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The client forges the left-most entry each time; our proxy appends the real one.
        client.post(
            "/login/",
            {"username": "bob", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 192.0.2.55",
        )

    locked = client.post(
        "/login/",
        {"username": "bob", "password": "correct-horse-9"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.99, 192.0.2.55",
    )
    other_person = Client().post(
        "/login/",
        {"username": "bob", "password": "correct-horse-9"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.77",
    )

    assert locked.status_code == 429
    assert other_person.status_code == 302


@pytest.mark.parametrize(
    "password",
    ["short1", "password123", "12345678901", "bob-developer"],
    ids=["too-short", "common", "numeric", "like-the-name"],
)
def test_weak_passwords_are_refused(developer, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=developer)


def test_a_good_password_is_accepted(developer):
    validate_password("correct-horse-battery-staple-9", user=developer)


def test_the_admin_password_form_applies_the_validators(client, db):
    admin = factories.make_user("root", is_staff=True, is_superuser=True)
    target = factories.make_user("erin")
    client.force_login(admin)

    response = client.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {"password1": "123456789", "password2": "123456789", "usable_password": "true"},
    )

    assert response.status_code == 200
    assert "This password is entirely numeric." in response.content.decode()
    target.refresh_from_db()
    assert target.check_password("correct-horse-9")
