"""The server under test: gunicorn with gthread workers in the production configuration."""

import argparse
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.common import HOST, ROOT
from bench.driver import Request, run_once


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def configure_environment(args: argparse.Namespace, port: int) -> None:
    """The production configuration, shared by this process and gunicorn."""
    site = f"http://{HOST}:{port}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "adcmeet.settings",
            "DEBUG": "false",
            "ADCMEET_TESTING": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": args.database_url,
            "DATABASE_POOL": "true",
            "ADCMEET_URLCONF": "bench.urls",
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "SITE_URL": site,
            "CSRF_TRUSTED_ORIGINS": site,
            "SITE_PRIVATE": "false",
            "ADCMEET_VAR_DIR": str(ROOT / "var" / "bench"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("EMAIL_HOST", None)
    os.environ.pop("OIDC_RP_CLIENT_ID", None)


class Server:
    """gunicorn with gthread workers, as production runs it; also used by loadtest/."""

    def __init__(
        self,
        port: int,
        *,
        workers: int,
        threads: int,
        log_path: Path = ROOT / "var" / "bench" / "gunicorn.log",
        ready_path: str = "/bench/bare/",
    ) -> None:
        self.port, self.workers, self.threads = port, workers, threads
        self.log_path = log_path
        self.ready_path = ready_path
        self.proc: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "adcmeet.wsgi:application",
            f"--bind={HOST}:{self.port}",
            "--worker-class=gthread",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            "--keep-alive=30",
            "--timeout=60",
            "--log-level=warning",
            "--error-logfile=-",
        ]

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        output = self.log_path.open("wb")
        self.proc = subprocess.Popen(self.command, cwd=ROOT, stdout=output, stderr=output)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_tail()}")
            try:
                status, _, _ = run_once(HOST, self.port, Request(self.ready_path))
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
