"""The run's world: production settings, a fresh database, the people and objects the users
act on, and the benchmark's gunicorn."""

import dataclasses
import datetime
import os
import secrets
import socket
import urllib.parse
from pathlib import Path

from bench.server import Server

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
VAR = ROOT / "var" / "loadtest"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def configure(database_url: str, port: int) -> None:
    """Production settings, shared by this process (setup, checks) and gunicorn."""
    site = f"http://{HOST}:{port}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "adcmeet.settings",
            "DEBUG": "false",
            "ADCMEET_TESTING": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "DATABASE_POOL": "true",
            "ALLOWED_HOSTS": HOST,
            "SITE_URL": site,
            "CSRF_TRUSTED_ORIGINS": site,
            "SITE_PRIVATE": "false",
            "ADCMEET_VAR_DIR": str(VAR),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # The broker is not part of this test; a closed port makes enqueueing fail fast and
            # the outbox keep the mail (as in production with Redis down).
            "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",
            "LOG_LEVEL": "WARNING",
            # 50 users share one address: throttling counts failed logins only, never these.
            "AXES_FAILURE_LIMIT": "1000",
        }
    )
    for name in ("EMAIL_HOST", "OIDC_RP_CLIENT_ID", "ADCMEET_URLCONF"):
        os.environ.pop(name, None)


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("adcmeet_loadtest"):
        raise SystemExit(f"refusing to recreate {name!r}: the name must start adcmeet_loadtest")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@dataclasses.dataclass
class Plan:
    conveners: list[dict]
    developers: list[dict]
    pollers: list[dict]
    meetings: list[int]
    series_slug: str


def create_world(users: int) -> Plan:
    """People and objects: a fifth conveners, half developers, the rest feed pollers."""
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from adcmeet.accounts.models import CONVENER, DEVELOPER, User
    from adcmeet.meetings.models import AgendaItem, Meeting, MeetingSeries
    from deliverables.models import Deliverable, Period, Roadmap

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)

    n_conveners = max(1, users // 5)
    n_developers = max(1, users // 2)
    n_pollers = max(1, users - n_conveners - n_developers)

    def session_for(user) -> str:
        # What logging in leaves behind; logging 50 people in over HTTP would only measure
        # password hashing.
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    series = MeetingSeries.objects.create(
        name="ADC development meeting", slug="adc-dev", limit_minutes=480, target_minutes=60
    )
    today = timezone.localdate()
    meetings = []
    for week in range(1, 6):
        day = today + datetime.timedelta(days=7 * week)
        meetings.append(
            Meeting.objects.create(series=series, start=series.start_on(day), scheduled_for=day)
        )
    roadmap = Roadmap.objects.create(name="Load test", year=today.year)
    period = Period.objects.create(
        roadmap=roadmap, label="Later", order=0, start=datetime.date(today.year, 1, 1)
    )
    convener_group = Group.objects.get(name=CONVENER)
    developer_group = Group.objects.get(name=DEVELOPER)

    conveners = []
    for n in range(n_conveners):
        user = User.objects.create_user(f"convener{n}", name=f"Convener {n}")
        user.groups.add(convener_group)
        meeting = meetings[n % len(meetings)]
        own = AgendaItem.objects.create(
            meeting=meeting, section="hot", title=f"own item of convener {n}", position=n,
            duration_minutes=1,
        )  # fmt: skip
        conveners.append(
            {"name": user.username, "session": session_for(user), "item": own.pk,
             "item_meeting": meeting.pk}
        )  # fmt: skip
    developers = []
    for n in range(n_developers):
        user = User.objects.create_user(f"developer{n}", name=f"Developer {n}")
        user.groups.add(developer_group)
        owned = []
        for k in range(2):
            d = Deliverable.objects.create(roadmap=roadmap, period=period, title=f"D{n}.{k}")
            d.owners.add(user)
            owned.append(d.pk)
        developers.append({"name": user.username, "session": session_for(user), "owned": owned})
    pollers = []
    for n in range(n_pollers):
        user = User.objects.create_user(f"poller{n}", name=f"Poller {n}")
        pollers.append({"name": user.username, "token": user.calendar_token})
    return Plan(conveners, developers, pollers, [m.pk for m in meetings], series.slug)


def make_server(port: int, workers: int, threads: int) -> Server:
    """The benchmark's gunicorn (production settings), ready once /healthz answers."""
    return Server(
        port, workers=workers, threads=threads, log_path=VAR / "gunicorn.log", ready_path="/healthz"
    )
