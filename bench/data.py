"""The benchmark database and its generated data (made again when stale)."""

import argparse
import datetime
import time
import urllib.parse

from bench.common import log

# Generated data is laid out around the day it was made (upcoming meetings, the current
# roadmap); after this long it is made again.
REGENERATE_AFTER_DAYS = 28


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        log(f"creating database {name}")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare_data(args: argparse.Namespace) -> dict:
    from django.core.management import call_command
    from django.utils import timezone

    from adcmeet.meetings.loaddata import MARKER_PREFIX, marker_name
    from adcmeet.meetings.models import Heartbeat

    log("migrate, collectstatic")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    wanted = marker_name(args.seed, args.scale)
    marker = Heartbeat.objects.filter(name__startswith=MARKER_PREFIX).first()
    fresh = (
        marker is not None
        and marker.name == wanted
        and timezone.now() - marker.beat_at < datetime.timedelta(days=REGENERATE_AFTER_DAYS)
    )
    started = time.monotonic()
    if fresh:
        log(f"data already generated ({wanted}, {marker.beat_at:%Y-%m-%d})")
    else:
        log(f"generating data ({wanted})")
        call_command(
            "generate_load_data",
            seed=args.seed,
            scale=args.scale,
            flush=marker is not None,
            verbosity=1,
        )
    call_command("clearsessions", verbosity=0)
    marker = Heartbeat.objects.get(name=wanted)
    return {
        "marker": wanted,
        "generated_at": marker.beat_at.isoformat(),
        "generated_now": not fresh,
        "seconds": round(time.monotonic() - started, 1),
    }
