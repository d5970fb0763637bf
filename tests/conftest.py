"""Shared fixtures: personas, service checks and the browser.

Under CI=true a test that needs PostgreSQL, Redis, Chromium or Node fails instead of skipping:
a green run must never hide a missing service.
"""

import os
import shutil
import socket
import urllib.parse

import pytest

from adcmeet.accounts.models import CONVENER, DEVELOPER, MANAGER
from tests import factories

# Playwright's sync API keeps an event loop in the test thread; Django refuses ORM calls there
# unless told this is safe, which it is in tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def need(condition: bool, what: str) -> None:
    """Skip a test whose service is missing on a developer's machine; fail on CI."""
    if condition:
        return
    if ON_CI:
        pytest.fail(f"{what} is required on CI but is not available", pytrace=False)
    pytest.skip(f"{what} not available")


def pytest_sessionstart(session):
    if ON_CI and "postgres" not in os.environ.get("DATABASE_URL", ""):
        raise pytest.UsageError("On CI the suite runs on PostgreSQL: set DATABASE_URL.")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A database per run, created and dropped, so concurrent runs never collide."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" in db["ENGINE"]:
        db.setdefault("TEST", {})["NAME"] = f"test_adcmeet_{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def _drop_stray_sessions_before_teardown(django_db_setup, django_db_blocker):
    """Worker subprocesses, live-server and race-test threads may still hold a connection when
    the run ends; PostgreSQL refuses to drop a database in use, which would turn a green run
    into a teardown error. End those sessions before pytest-django drops the database."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    from django.db import OperationalError

    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
    except OperationalError:  # a run of tests that used no database made none to clean
        pass


@pytest.fixture(scope="session")
def collected_static():
    """Production settings serve only collected, hashed static files (the image collects them
    at build time); a fresh checkout has none, and every page that links a stylesheet would be
    a 500. Tests that run the app with production settings collect them once."""
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=Path(__file__).resolve().parent.parent,
        # As the Dockerfile does: production storage (the hashed manifest), a throwaway key.
        env=env
        | {
            "DEBUG": "false",
            "ADCMEET_TESTING": "false",
            "SECRET_KEY": "collectstatic-only-" + "x" * 40,
            "DATABASE_URL": "sqlite:///:memory:",
        },
        check=True,
        capture_output=True,
        timeout=300,
    )


# --- personas -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clear_cache():
    """Every test starts with an empty cache: fragments and feeds cached from one test's data
    never answer another's, and each test sees its own misses and hits."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def convener(db):
    return factories.make_user("alice", roles=(CONVENER,), name="Alice Convener")


@pytest.fixture
def developer(db):
    return factories.make_user("bob", roles=(DEVELOPER,), name="Bob Developer")


@pytest.fixture
def manager(db):
    return factories.make_user("carol", roles=(MANAGER,), name="Carol Manager")


@pytest.fixture
def outsider(db):
    return factories.make_user("dave", name="Dave Outsider", is_adc_member=False)


# --- services -------------------------------------------------------------------------------


def _port_open(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    need(_port_open(url), f"Redis at {url}")
    return url


@pytest.fixture(scope="session")
def node():
    path = shutil.which("node")
    need(path is not None, "Node.js")
    return path


@pytest.fixture(scope="session")
def js_modules():
    """tests/js/node_modules, installed by `make jsdeps` (ical.js, axe-core)."""
    path = os.path.join(os.path.dirname(__file__), "js", "node_modules")
    need(os.path.isdir(path), "tests/js/node_modules (run make jsdeps)")
    return path


# --- browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    need(os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_context(browser):
    context = browser.new_context(timezone_id="Europe/Zurich", locale="en-GB")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def login_as(browser, live_server, client):
    """login_as(user) -> a Playwright page whose context holds that user's session."""
    contexts = []

    def _login(user, *, timezone_id: str = "Europe/Zurich"):
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        context = browser.new_context(timezone_id=timezone_id, locale="en-GB")
        context.set_default_timeout(10_000)
        context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
        contexts.append(context)
        # Forget the cookie without logout(): that would flush the session the browser holds.
        client.cookies.clear()
        return context.new_page()

    yield _login
    for context in contexts:
        context.close()
