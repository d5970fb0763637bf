"""`make run PORT=8080` must give links on 8080: SITE_URL follows PORT unless it is set.

Settings are read once per process, so each case loads them in a fresh interpreter with the
environment a developer's shell (or the Makefile's run target) would give."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _site_url(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT"}}
    clean.update(DEBUG="true", DJANGO_SETTINGS_MODULE="adcmeet.settings", **env)
    code = "from django.conf import settings; print(settings.SITE_URL)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_links_default_to_port_8000():
    assert _site_url() == "http://127.0.0.1:8000"


def test_links_follow_the_port_served_on():
    assert _site_url(PORT="8080") == "http://127.0.0.1:8080"


def test_an_explicit_site_url_wins_over_the_port():
    assert _site_url(PORT="8080", SITE_URL="https://adcmeet.cern.ch/") == "https://adcmeet.cern.ch"


def test_make_run_hands_its_port_to_the_server_and_the_settings():
    dry = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", "PORT=8080"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert dry.returncode == 0, dry.stderr
    assert "runserver_embedded 127.0.0.1:8080" in dry.stdout
    assert "export PORT := $(PORT)" in (ROOT / "Makefile").read_text()
