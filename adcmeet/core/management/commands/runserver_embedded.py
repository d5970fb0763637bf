"""`make run`: Django's development server plus a Celery worker with embedded beat.

The embedded default has no Redis and no SMTP server, yet scheduled mail must still go out on
time: the worker runs as a child process on the broker from settings (kombu's filesystem
transport unless CELERY_BROKER_URL says otherwise) and mail lands in files under var/mail.

The worker is started once, by the process that lives for the whole session. With the
autoreloader that is the watching parent, not the child it restarts on every code change, so
a reload never spawns a second worker (or a second beat, which would send everything twice).
The worker is stopped, warm, when runserver stops, and dies with it if runserver is killed.
"""

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand
from django.utils import autoreload

PR_SET_PDEATHSIG = 1
WORKER_STOP_SECONDS = 15


def _die_with_parent() -> None:
    """In the worker (before exec): be sent SIGTERM if runserver dies, even by SIGKILL."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(libc_name, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def worker_command(*, loglevel: str = "INFO") -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "--app",
        "adcmeet",
        "worker",
        "--beat",
        "--schedule-filename",
        str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
        # One task at a time: SQLite has one writer, and mail volume is tiny.
        "--pool",
        "solo",
        "--hostname",
        "embedded@%h",
        # Gossip, mingle and broker heartbeats only matter with several workers on a real
        # broker; on the filesystem transport they are noise.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        loglevel,
    ]


class Command(RunserverCommand):
    help = (
        "Starts the development server together with a Celery worker and embedded beat, so "
        "scheduled mail goes out without Redis or a separate process."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-worker",
            action="store_false",
            dest="with_worker",
            help="Serve only; run the Celery worker and beat yourself.",
        )
        parser.add_argument(
            "--worker-loglevel",
            default="INFO",
            help="Log level of the embedded Celery worker (default INFO).",
        )

    def handle(self, *args, **options):
        # The autoreloader's child re-runs this command on every code change; only the
        # long-lived process owns the worker.
        if not options["with_worker"] or os.environ.get(autoreload.DJANGO_AUTORELOAD_ENV):
            return super().handle(*args, **options)

        # Without this, SIGTERM would end the process before `finally` could stop the worker.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        worker = self.start_worker(options["worker_loglevel"])
        try:
            return super().handle(*args, **options)
        finally:
            self.stop_worker(worker)

    def start_worker(self, loglevel: str) -> subprocess.Popen:
        command = worker_command(loglevel=loglevel)
        self.stdout.write(f"Starting the Celery worker with embedded beat on {_broker_label()}")
        return subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            command,
            cwd=settings.BASE_DIR,
            # preexec_fn is unsafe with threads; none exist yet at this point.
            preexec_fn=_die_with_parent,
        )

    def stop_worker(self, worker: subprocess.Popen) -> None:
        if worker.poll() is not None:
            return
        # SIGTERM is Celery's warm shutdown: the task in hand (a mail being sent) finishes.
        worker.terminate()
        try:
            worker.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _broker_label() -> str:
    url = settings.CELERY_BROKER_URL
    # Never print credentials from a broker URL.
    scheme, _, rest = url.partition("://")
    host = rest.rsplit("@", 1)[-1]
    return f"{scheme}://{host}" if host else f"{scheme}://"
