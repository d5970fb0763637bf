"""The status request end to end (issue 17): beat's task run by a real Celery worker on the real
Redis queues the mails, the worker delivers them to a real SMTP server; each owner gets one
message listing all their items and their open actions, the slip digest due at the same
moment adds no second mail (whichever job runs first), and running them again sends nothing
more."""

import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone

from adcmeet.meetings.models import Heartbeat, Meeting, OutboundMail
from adcmeet.meetings.tasks import heartbeat, send_slip_reminders, send_status_requests
from tests.conftest import need
from tests.factories import (
    make_action,
    make_deliverable,
    make_meeting,
    make_roadmap,
    make_series,
)
from tests.meetings.mailservers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _concurrent_database():
    need(connection.vendor == "postgresql", "PostgreSQL (a worker writes concurrently)")


@pytest.fixture
def tomorrow(settings):
    """A meeting tomorrow (UTC), its status requests due since midnight."""
    settings.MAIL_SEND_HOUR = 0
    series = make_series(time_zone="UTC", start_time=datetime.time(23, 30))
    day = timezone.localtime(timezone.now(), datetime.UTC).date() + datetime.timedelta(days=1)
    return make_meeting(series, on=day, state=Meeting.State.DRAFT)


def by_recipient(messages):
    return {m["To"].addresses[0].addr_spec: m for m in messages}


def test_the_status_mail_reaches_each_owner_once(
    tomorrow, developer, manager, smtp_server, celery_worker
):
    roadmap = make_roadmap(tomorrow.scheduled_for.year)
    make_deliverable("looping job killer", roadmap=roadmap, period="April", owners=(developer,))
    make_deliverable("Rucio 35 in the pilot", roadmap=roadmap, period="Fall", owners=(developer,))
    make_deliverable("cost model", roadmap=roadmap, period="Fall", owners=(developer, manager))
    last_week = make_meeting(
        tomorrow.series,
        on=tomorrow.scheduled_for - datetime.timedelta(days=7),
        state=Meeting.State.HELD,
        revision=1,
    )
    make_action(
        last_week,
        "Send the Rucio slides",
        owner=developer,
        due=tomorrow.scheduled_for - datetime.timedelta(days=3),
    )

    # The slip digest falls due at the same moment; beat may hand it to the worker first.
    send_slip_reminders.delay()
    send_status_requests.delay()

    messages = by_recipient(smtp_server.wait_for_messages(2))
    assert set(messages) == {developer.email, manager.email}
    bob = messages[developer.email].get_body(("plain",)).get_content()
    assert messages[developer.email]["Subject"].startswith("How do your 3 deliverables stand")
    for title in ("looping job killer", "Rucio 35 in the pilot", "cost model"):
        assert title in bob
    assert len(re.findall(r"On track: https?://\S+/status/\S+/", bob)) == 3
    # What he promised, in the same mail: the digest he would also have had is not sent.
    actions = bob.split("Your open action, the overdue first:")[1]
    assert re.search(r"\* Send the Rucio slides\s+OVERDUE, was due", actions)
    carol = messages[manager.email].get_body(("plain",)).get_content()
    assert "cost model" in carol
    assert "looping job killer" not in carol

    send_status_requests.delay()  # beat's next quarter hour
    send_slip_reminders.delay()
    send_status_requests.delay()
    # One worker, one queue, one task at a time: once the heartbeat after them has run, so
    # have they.
    heartbeat.delay()

    wait_for(Heartbeat.objects.exists, what="the worker to finish the repeated runs")
    assert OutboundMail.objects.filter(kind=OutboundMail.Kind.STATUS_REQUEST).count() == 2
    assert not OutboundMail.objects.exclude(kind=OutboundMail.Kind.STATUS_REQUEST).exists()
    assert len(smtp_server.messages) == 2
