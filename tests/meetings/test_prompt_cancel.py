"""A presenter taken off a published agenda gets their CANCEL at once, through every door; the
list's updated agenda still waits for the quiet period, and nobody is cancelled twice. Read
back from the real SMTP server with icalendar."""

import datetime
import email

import icalendar
import pytest
import time_machine

from adcmeet.meetings import actions
from adcmeet.meetings.mail import outbox, reminders
from adcmeet.meetings.models import AgendaItem, OutboundMail
from tests.factories import make_item, make_meeting, make_series

pytestmark = pytest.mark.django_db

LIST = "atlas-adc-dev@example.org"
EVE = "eve@uni.example"
MONDAY = datetime.datetime(2031, 1, 13, 11, 0, tzinfo=datetime.UTC)
EDIT = MONDAY + datetime.timedelta(minutes=5)


@pytest.fixture
def meeting(convener, developer):
    series = make_series()
    series.conveners.add(convener)
    meeting = make_meeting(series, on=datetime.date(2031, 1, 15))
    make_item(meeting, "PanDA news", section=AgendaItem.Section.HOT, presenter=developer)
    make_item(
        meeting,
        "Rucio at Dubna",
        section=AgendaItem.Section.FOCUS,
        presenter_name="Eve External",
        presenter_email=EVE,
        duration_minutes=20,
    )
    with time_machine.travel(MONDAY, tick=False):
        actions.publish_meeting(meeting=meeting, version=meeting.version, by=convener)
        deliver_all()
    meeting.refresh_from_db()
    return meeting


def deliver_all() -> None:
    for pk in OutboundMail.objects.pending().order_by("id").values_list("pk", flat=True):
        assert outbox.send_one(pk).outcome is outbox.Outcome.SENT


def received(smtp_server, addr: str) -> list[email.message.EmailMessage]:
    return [
        message
        for message, (_, rcpts) in zip(
            smtp_server.handler.messages, smtp_server.handler.envelopes, strict=True
        )
        if addr in rcpts
    ]


def invite_of(message) -> tuple[str, icalendar.Event]:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    event = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    return part.get_param("method"), event


def forget(smtp_server) -> None:
    smtp_server.handler.envelopes.clear()
    smtp_server.handler.messages.clear()


def test_removing_an_external_presenters_item_cancels_their_invite_before_the_list_update(
    meeting, smtp_server, convener
):
    forget(smtp_server)
    with time_machine.travel(EDIT, tick=False):
        actions.remove_item(
            item=meeting.items.get(title="Rucio at Dubna"), version=meeting.version, by=convener
        )
        deliver_all()
    (to_eve,) = received(smtp_server, EVE)
    method, event = invite_of(to_eve)
    assert method == "CANCEL"
    assert str(event["ATTENDEE"]) == f"mailto:{EVE}"
    assert event["SEQUENCE"] == 2
    assert "You are no longer on the agenda" in to_eve.get_body(("plain",)).get_content()
    # The list hears of the change only after the quiet period, in one update.
    assert received(smtp_server, LIST) == []
    reminders.queue_agenda_mails(EDIT + datetime.timedelta(minutes=30))
    with time_machine.travel(EDIT + datetime.timedelta(minutes=30), tick=False):
        deliver_all()
    (update,) = received(smtp_server, LIST)
    assert invite_of(update)[0] == "PUBLISH"
    assert len(received(smtp_server, EVE)) == 1, "Eve is cancelled once, not again by the update"


def test_bulk_removal_from_the_builder_cancels_each_removed_presenter_at_once(
    meeting, smtp_server, client, convener, developer
):
    forget(smtp_server)
    ids = list(meeting.items.values_list("pk", flat=True))
    with time_machine.travel(EDIT, tick=False):
        client.force_login(convener)  # a session of that moment
        response = client.post(
            f"/meetings/{meeting.pk}/items/remove/",
            {"version": meeting.version, "items": ids},
        )
        assert response.status_code == 302
        assert response["Location"].startswith(f"/meetings/{meeting.pk}/edit/")
        deliver_all()
    assert {invite_of(m)[0] for m in received(smtp_server, EVE)} == {"CANCEL"}
    assert {invite_of(m)[0] for m in received(smtp_server, developer.email)} == {"CANCEL"}
    assert received(smtp_server, LIST) == []


def test_another_presenter_set_on_an_item_cancels_the_previous_one_at_once(
    meeting, smtp_server, convener, developer, outsider
):
    forget(smtp_server)
    panda = meeting.items.get(title="PanDA news")
    with time_machine.travel(EDIT, tick=False):
        actions.update_item(item=panda, version=panda.version, by=convener, presenter=outsider)
        deliver_all()
    (to_bob,) = received(smtp_server, developer.email)
    assert invite_of(to_bob)[0] == "CANCEL"
    # The new presenter is invited with the list's update, after the quiet period.
    assert received(smtp_server, outsider.email) == []
    reminders.queue_agenda_mails(EDIT + datetime.timedelta(minutes=30))
    with time_machine.travel(EDIT + datetime.timedelta(minutes=30), tick=False):
        deliver_all()
    assert invite_of(received(smtp_server, outsider.email)[0])[0] == "REQUEST"
    assert len(received(smtp_server, developer.email)) == 1


def test_a_presenter_still_on_the_agenda_with_another_item_is_not_cancelled(
    meeting, convener, developer
):
    make_item(meeting, "PanDA outlook", section=AgendaItem.Section.HOT, presenter=developer)
    meeting.refresh_from_db()
    with time_machine.travel(EDIT, tick=False):
        actions.remove_item(
            item=meeting.items.get(title="PanDA news"), version=meeting.version, by=convener
        )
    assert not OutboundMail.objects.filter(ics_method="CANCEL").exists()


def test_a_title_edit_and_removals_from_a_draft_send_no_cancel(convener, developer):
    meeting = make_meeting(make_series(), on=datetime.date(2031, 1, 15))
    panda = make_item(meeting, "PanDA news", presenter=developer)
    with time_machine.travel(EDIT, tick=False):
        actions.update_item(item=panda, version=panda.version, by=convener, title="PanDA")
        actions.remove_item(item=panda, version=meeting.version, by=convener)
    assert not OutboundMail.objects.exists()


def test_a_presenter_removed_never_invited_is_owed_nothing(meeting, convener):
    late = make_item(meeting, "Late addition", presenter_name="Zoe", presenter_email="z@x.example")
    meeting.refresh_from_db()
    with time_machine.travel(EDIT, tick=False):
        actions.remove_item(item=late, version=meeting.version, by=convener)
    assert not OutboundMail.objects.filter(recipient="z@x.example").exists()
