"""Through a real Celery worker on Redis: the beat's held-marking task ends a live session a
convener forgot to end, as of the driver's last sign of life (actions.live_end)."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from adcmeet.meetings.actions import live
from adcmeet.meetings.models import LiveSession, Meeting
from adcmeet.meetings.tasks import mark_meetings_held
from tests import factories
from tests.conftest import need
from tests.meetings.mailservers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_held_task_on_the_worker_ends_a_forgotten_session(convener, celery_worker):
    need(connection.vendor == "postgresql", "PostgreSQL (a worker writes concurrently)")
    # Yesterday's meeting, started and left running: the driver's page last asked 40 minutes in.
    start = timezone.now() - datetime.timedelta(days=1)
    series = factories.make_series(limit_minutes=90)
    meeting = factories.make_meeting(
        series, state="published", revision=1, on=timezone.localdate(start), start=start
    )
    factories.make_item(meeting, "Pilot and GlideinWMS", section="focus", duration_minutes=20)
    factories.make_item(meeting, "AOB", section="open_floor", duration_minutes=5)
    live.start_meeting(meeting=meeting, by=convener, now=start)
    last_seen = start + datetime.timedelta(minutes=40)
    live.driver_seen(LiveSession.objects.get(meeting=meeting), convener, now=last_seen)

    mark_meetings_held.delay()

    def ended():
        return LiveSession.objects.filter(meeting=meeting, ended_at__isnull=False).exists()

    wait_for(ended, 30, "the forgotten session to end")
    session = LiveSession.objects.get(meeting=meeting)
    assert session.ended_at == last_seen
    focus, aob = meeting.items.order_by("position")
    assert focus.actual_seconds == 40 * 60
    assert aob.not_reached is True
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.HELD
