"""`make run`'s embedded mode: runserver with a Celery worker and beat on the filesystem broker,
SQLite and file mail. Started as a real process tree, as a developer would."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_env(var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # The embedded default is what no configuration at all gives.
        if key
        not in {"DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_HOST", "EMAIL_BACKEND", "RUN_MAIN"}
        and not key.startswith("PYTEST")
    }
    env.update({"ADCMEET_VAR_DIR": str(var_dir), "DEBUG": "true", "PYTHONUNBUFFERED": "1"})
    return env


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def stat_fields(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def worker_processes(var_dir: Path) -> dict[int, int]:
    """Live Celery processes of this embedded site (worker and beat), as pid -> parent pid."""
    needle = str(var_dir / "celerybeat-schedule")
    found = {}
    for entry in Path("/proc").glob("[0-9]*"):
        pid = int(entry.name)
        fields = stat_fields(pid)
        if fields and fields[0] != "Z" and needle in cmdline(pid):
            found[pid] = int(fields[1])
    return found


def worker_mains(var_dir: Path) -> list[int]:
    """Worker main processes: those not started by another worker (beat is a worker's child)."""
    procs = worker_processes(var_dir)
    return [pid for pid, parent in procs.items() if parent not in procs]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def home_status(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            return response.status
    except OSError:
        return None


def heartbeat(db: Path):
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            row = conn.execute("SELECT beat_at FROM adcmeet_heartbeat WHERE name='beat'").fetchone()
    except sqlite3.Error:
        return None
    return row and row[0]


@pytest.fixture
def var_dir(tmp_path):
    env = embedded_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
    )
    return tmp_path


QUEUE_A_MAIL = """
from adcmeet.meetings.models import OutboundMail
OutboundMail.objects.create(
    key="test:embedded", kind="reminder", recipient="atlas-adc-dev@example.org",
    subject="Queued while nothing ran", body_text="Hello from the outbox.",
)
"""


def mail_files(var_dir: Path) -> str:
    folder = var_dir / "mail"
    return "".join(p.read_text() for p in folder.glob("*.log")) if folder.exists() else ""


def test_make_run_serves_pages_and_beat_reports_without_redis(var_dir):
    # Mail queued while nothing ran (say, the site was down) goes out when it starts.
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", QUEUE_A_MAIL],
        cwd=ROOT,
        env=embedded_env(var_dir),
        check=True,
        timeout=120,
    )
    port = free_port()
    log = (var_dir / "server.log").open("w")
    # With the autoreloader on, as `make run` has it: runserver runs in two processes.
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver_embedded", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=embedded_env(var_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for(lambda: home_status(port) == 200, 60, "the home page")
        # The heartbeat travels beat -> filesystem broker -> worker -> SQLite.
        assert wait_for(lambda: heartbeat(var_dir / "adcmeet.sqlite3"), 60, "beat's heartbeat")
        assert len(worker_mains(var_dir)) == 1
        # No SMTP server: the file backend writes it under var/mail.
        sent = wait_for(lambda: mail_files(var_dir), 60, "the queued mail in var/mail")
        assert "Subject: Queued while nothing ran" in sent
        assert "To: atlas-adc-dev@example.org" in sent
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        finally:
            log.close()
    # Stopping runserver stops the worker and its beat: nothing is left sending mail.
    assert wait_for(lambda: not worker_processes(var_dir), 30, "the worker to stop")
