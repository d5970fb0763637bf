"""The web keeps serving when Redis (the Celery broker) is down.

A real process configured with CELERY_BROKER_URL on a port where nothing listens: /healthz says
"degraded" (200, so the load balancer keeps the web in rotation) rather than "down", pages
render, and a change that queues mail is saved, with the mail waiting in the outbox for the
sweep, within a bounded time."""

import json
import socket

from tests.dbtools import manage

PROBE = """
import json, time
from django.test import Client
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail
from tests import factories
from adcmeet.accounts.models import CONVENER

convener = factories.make_user("alice", roles=(CONVENER,))
import datetime
from django.utils import timezone
meeting = factories.make_meeting(on=timezone.localdate() + datetime.timedelta(days=7))
factories.make_item(meeting, "PanDA news")

client = Client(HTTP_HOST="127.0.0.1")
started = time.monotonic()
health = client.get("/healthz")
health_seconds = time.monotonic() - started
home = client.get("/")
client.force_login(convener)
started = time.monotonic()
confirmed = {"version": meeting.version, "without_focus": "on"}  # the agenda has no focus topic
publish = client.post(f"/meetings/{meeting.pk}/publish/", confirmed)
publish_seconds = time.monotonic() - started
meeting.refresh_from_db()
print("RESULT", json.dumps({
    "health_status": health.status_code,
    "health": health.json(),
    "health_seconds": health_seconds,
    "home_status": home.status_code,
    "publish_status": publish.status_code,
    "publish_seconds": publish_seconds,
    "state": meeting.state,
    "queued": OutboundMail.objects.pending().count(),
}))
"""


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_with_the_broker_down_health_is_degraded_and_the_site_keeps_working(tmp_path):
    db = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    manage(db, "migrate", "--noinput", "-v0")
    broker = f"redis://127.0.0.1:{closed_port()}/0"
    result = manage(db, "shell", "-c", PROBE, env={"CELERY_BROKER_URL": broker})
    probe = json.loads(result.stdout.split("RESULT ", 1)[1])

    assert probe["health_status"] == 200
    assert probe["health"]["status"] == "degraded"
    assert probe["health"]["database"] == "ok"
    assert probe["health"]["broker"].startswith("unreachable")
    assert probe["health_seconds"] < 5
    assert probe["home_status"] == 200
    assert probe["publish_status"] in (200, 302)
    assert probe["publish_seconds"] < 10
    assert probe["state"] == "published"
    assert probe["queued"] >= 1  # waiting for the sweep, not lost


HEALTH = """
import json
from django.test import Client
print("RESULT", json.dumps(Client(HTTP_HOST="127.0.0.1").get("/healthz").json()))
"""


def test_with_the_broker_up_health_reports_it_ok(tmp_path, redis_url):
    db = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    manage(db, "migrate", "--noinput", "-v0")
    result = manage(db, "shell", "-c", HEALTH, env={"CELERY_BROKER_URL": redis_url})

    assert json.loads(result.stdout.split("RESULT ", 1)[1])["broker"] == "ok"
