"""Helpers for the operations tests: the deployment's own commands (read from
docker-compose.yml, so what is tested is what compose runs), run on this machine against
PostgreSQL and Redis, with an unwritable HOME as in the image."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

from tests import dbtools

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session", autouse=True)
def _drop_stray_sessions_before_teardown():
    """Overrides the suite's fixture of that name for these tests: they use no database of
    pytest-django's (each makes its own throwaway one, used by subprocesses), and when only
    they run pytest-django creates none, so there is nothing to end sessions in."""
    return


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_command(service: str) -> list[str]:
    """The service's command with the image's programs taken from this virtualenv."""
    argv = list(compose()["services"][service]["command"])
    if argv[0] == "python":
        argv[0] = sys.executable
    elif (BIN / argv[0]).exists():
        argv[0] = str(BIN / argv[0])
    return argv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off, JSON logs) and a HOME nothing can write under: a file."""
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    (tmp_path / "var").mkdir(exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "DJANGO_", "CELERY_", "EMAIL_", "LOG_", "GUNICORN_"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "adcmeet.settings",
        "DEBUG": "false",
        "ADCMEET_TESTING": "false",
        "SECRET_KEY": "ops-test-" + uuid.uuid4().hex * 2,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "adcmeet.example.org",
        "ADCMEET_VAR_DIR": str(tmp_path / "var"),
        "HOME": str(home),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "C_FORCE_ROOT": "1",  # CI runs as root; the image does not
    }
    for name in ("OIDC_RP_CLIENT_ID", "ADCMEET_URLCONF", "CACHE_URL", "TRUSTED_PROXY_COUNT"):
        env.pop(name, None)
    return env | extra


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory, collected_static):
    """A PostgreSQL database migrated by the compose `migrate` command."""
    make = dbtools.postgresql_databases()
    factory = next(make)
    url = factory("ops")
    result = subprocess.run(
        compose_command("migrate"),
        cwd=ROOT,
        env=base_env(url, tmp_path_factory.mktemp("migrate"), DATABASE_POOL="false"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    yield url
    for _ in make:
        pass


class Process:
    """A long-running process with its output (stdout and stderr) in one file."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path):
        self.log = log
        self.out = log.open("wb")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.out, stderr=self.out)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def lines(self) -> list[str]:
        return [line for line in self.text().splitlines() if line.strip()]

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.lines() if line.startswith("{")]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 40) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            self.out.close()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    """The status of a GET (redirects are not followed; 0 when nothing listens)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:  # not listening (yet)
        return 0
