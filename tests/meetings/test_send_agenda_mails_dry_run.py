"""`send_agenda_mails --dry-run` lists what is due and writes nothing: not the outbox, not the
announced revision, not the series' organizer its rendering would otherwise store."""

import datetime
import io

import pytest
from django.core.management import call_command

from adcmeet.meetings.models import Meeting, MeetingSeries, OutboundMail
from tests.factories import make_item, make_meeting, make_series

pytestmark = pytest.mark.django_db

LIST = "atlas-adc-dev@example.org"


@pytest.fixture
def edited_unannounced(convener):
    """A published agenda changed on Monday morning and not mailed since; its series has a
    convener but no organizer stored yet (it was never mailed from here)."""
    series = make_series()
    series.conveners.add(convener)
    meeting = make_meeting(series, on=datetime.date(2031, 1, 15))
    make_item(meeting, "PanDA news", duration_minutes=15)
    Meeting.objects.filter(pk=meeting.pk).update(
        state=Meeting.State.PUBLISHED,
        revision=2,
        announced_revision=1,
        updated_at=datetime.datetime(2031, 1, 13, 9, 0, tzinfo=datetime.UTC),
    )
    return meeting


def snapshot():
    return (
        list(MeetingSeries.objects.values_list("organizer_name", "organizer_email")),
        list(Meeting.objects.values_list("revision", "announced_revision", "published_at")),
        OutboundMail.objects.count(),
    )


def test_the_dry_run_lists_the_update_and_leaves_every_row_as_it_was(edited_unannounced):
    before = snapshot()
    assert before[0] == [("", "")]
    out = io.StringIO()

    call_command("send_agenda_mails", "--dry-run", "--at", "2031-01-13T10:00Z", stdout=out)

    assert f"agenda_update    ADC development meeting <{LIST}>" in out.getvalue()
    assert "1 agenda mail(s) due; nothing queued (dry run)." in out.getvalue()
    assert snapshot() == before


def test_the_real_run_after_it_stores_the_organizer_and_queues_the_update(
    edited_unannounced, convener
):
    call_command(
        "send_agenda_mails", "--dry-run", "--at", "2031-01-13T10:00Z", stdout=io.StringIO()
    )
    out = io.StringIO()

    call_command("send_agenda_mails", "--at", "2031-01-13T10:00Z", stdout=out)

    assert "Queued 1 agenda mail(s)." in out.getvalue()
    series = MeetingSeries.objects.get()
    assert series.organizer_email == convener.email
    assert OutboundMail.objects.get().recipient == LIST
