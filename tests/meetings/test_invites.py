"""Who is told, as their mail client sees it: the list receives the agenda as PUBLISH, each
presenter their own REQUEST (or CANCEL) naming them, through the real SMTP server; the
invites read the same in icalendar, vobject, `ical` and ical.js."""

import datetime
import email
import email.policy

import icalendar
import pytest
import time_machine

from adcmeet.meetings import actions
from adcmeet.meetings.actions.schedule import change_place
from adcmeet.meetings.mail import outbox, reminders
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail
from tests.factories import make_item, make_meeting, make_series
from tests.lib.ical_parsers import parse_all

pytestmark = pytest.mark.django_db

LIST = "atlas-adc-dev@example.org"
EVE = "eve@uni.example"
MONDAY = datetime.datetime(2031, 1, 13, 11, 0, tzinfo=datetime.UTC)


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
    meeting.refresh_from_db()
    return meeting


def deliver_all() -> None:
    """What the workers do, an hour after Monday's edits (rows are due from when queued)."""
    with time_machine.travel(MONDAY + datetime.timedelta(hours=1), tick=False):
        for pk in OutboundMail.objects.pending().order_by("id").values_list("pk", flat=True):
            assert outbox.send_one(pk).outcome is outbox.Outcome.SENT


def received(smtp_server, addr: str) -> list[email.message.EmailMessage]:
    """What the SMTP server accepted for `addr`, in order."""
    return [
        message
        for message, (_, rcpts) in zip(
            smtp_server.handler.messages, smtp_server.handler.envelopes, strict=True
        )
        if addr in rcpts
    ]


def calendar_part(message) -> email.message.EmailMessage:
    return next(p for p in message.walk() if p.get_content_type() == "text/calendar")


def event_of(message) -> icalendar.Event:
    return icalendar.Calendar.from_ical(calendar_part(message).get_content()).walk("VEVENT")[0]


def text_of(message) -> str:
    return next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()


def test_the_list_receives_publish_and_each_presenter_a_request_naming_them(
    meeting, smtp_server, developer, convener
):
    deliver_all()
    (to_list,) = received(smtp_server, LIST)
    (to_eve,) = received(smtp_server, EVE)
    (to_bob,) = received(smtp_server, developer.email)
    for message, method in ((to_list, "PUBLISH"), (to_eve, "REQUEST"), (to_bob, "REQUEST")):
        part = calendar_part(message)
        assert part.get_param("method") == method
        assert f"METHOD:{method}" in part.get_content()
        assert str(event_of(message)["ORGANIZER"]) == f"mailto:{convener.email}"
    assert event_of(to_list).get("ATTENDEE") is None
    assert str(event_of(to_eve)["ATTENDEE"]) == f"mailto:{EVE}"
    assert str(event_of(to_bob)["ATTENDEE"]) == f"mailto:{developer.email}"
    # Reply-To and ORGANIZER reach a person, never a no-reply address.
    assert to_eve["Reply-To"].addresses[0].addr_spec == convener.email


def test_every_parser_reads_the_request_to_a_presenter(meeting, smtp_server, node):
    deliver_all()
    (to_eve,) = received(smtp_server, EVE)
    for parser, events in parse_all(calendar_part(to_eve).get_content(), node).items():
        (event,) = events
        assert event.uid == f"meeting-{meeting.pk}@127.0.0.1", parser
        assert event.sequence == 1, parser
        assert event.start == datetime.datetime(2031, 1, 15, 16, 0, tzinfo=datetime.UTC), parser


def test_the_organizer_is_stored_once_and_survives_a_change_of_conveners(
    meeting, convener, manager
):
    meeting.series.refresh_from_db()
    assert meeting.series.organizer_email == convener.email
    meeting.series.conveners.set([manager])
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=5), tick=False):
        actions.remove_item(
            item=meeting.items.get(title="PanDA news"),
            version=meeting.version,
            by=manager,
        )
        meeting.refresh_from_db()
        actions.publish_meeting(meeting=meeting, version=meeting.version, by=manager)
    update = OutboundMail.objects.get(meeting=meeting, recipient=LIST, kind="agenda_update")
    event = icalendar.Calendar.from_ical(update.ics).walk("VEVENT")[0]
    assert str(event["ORGANIZER"]) == f"mailto:{convener.email}"
    assert event["ORGANIZER"].params["CN"] == "Alice Convener"


def test_a_removed_presenter_receives_a_cancel_for_them_alone(
    meeting, smtp_server, developer, convener
):
    deliver_all()
    smtp_server.handler.envelopes.clear()
    smtp_server.handler.messages.clear()
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=5), tick=False):
        actions.remove_item(
            item=meeting.items.get(title="PanDA news"),
            version=meeting.version,
            by=convener,
        )
    # Bob's CANCEL is queued by the removal itself (mail/uninvited.py); the quiet period's scan
    # then sends the list's update, which does not cancel him a second time.
    reminders.queue_agenda_mails(MONDAY + datetime.timedelta(minutes=25))
    deliver_all()
    (to_bob,) = received(smtp_server, developer.email)
    assert calendar_part(to_bob).get_param("method") == "CANCEL"
    event = event_of(to_bob)
    assert str(event["ATTENDEE"]) == f"mailto:{developer.email}"
    assert event["SEQUENCE"] == 2
    assert "You are no longer on the agenda" in text_of(to_bob)
    (to_eve,) = received(smtp_server, EVE)
    assert calendar_part(to_eve).get_param("method") == "REQUEST"
    assert calendar_part(received(smtp_server, LIST)[0]).get_param("method") == "PUBLISH"
    # Told once: the next update sends Bob nothing more.
    meeting.refresh_from_db()
    assert OutboundMail.objects.filter(recipient=developer.email, ics_method="CANCEL").count() == 1


def test_a_presenter_changed_to_someone_else_is_cancelled_and_the_new_one_invited(
    meeting, convener, outsider
):
    panda = meeting.items.get(title="PanDA news")
    AgendaItem.objects.filter(pk=panda.pk).update(presenter=outsider)
    Meeting.objects.filter(pk=meeting.pk).update(revision=2)
    meeting.refresh_from_db()
    actions.publish_meeting(meeting=meeting, version=meeting.version, by=convener)
    rows = {
        r.recipient: r.ics_method for r in OutboundMail.objects.filter(ics__contains="SEQUENCE:3")
    }
    assert rows["bob@example.org"] == "CANCEL"
    assert rows["dave@example.org"] == "REQUEST"


def test_a_cancelled_meeting_sends_cancel_to_its_presenters_and_a_notice_to_the_list(
    meeting, smtp_server, developer, convener
):
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=5), tick=False):
        actions.cancel_meeting(
            meeting=meeting, version=meeting.version, by=convener, reason="Workshop week"
        )
    deliver_all()
    cancels = received(smtp_server, developer.email)[-1], received(smtp_server, EVE)[-1]
    for message in cancels:
        assert calendar_part(message).get_param("method") == "CANCEL"
        assert event_of(message)["STATUS"] == "CANCELLED"
    notice = received(smtp_server, LIST)[-1]
    assert notice["Subject"].startswith("Cancelled:")
    assert calendar_part(notice).get_param("method") == "PUBLISH"
    assert event_of(notice)["STATUS"] == "CANCELLED"


def test_a_move_mail_shows_the_old_time_the_new_one_and_utc(meeting, convener, smtp_server):
    new_start = datetime.datetime(2031, 1, 16, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=5), tick=False):
        actions.move_meeting(meeting=meeting, version=meeting.version, by=convener, start=new_start)
    deliver_all()
    moved = received(smtp_server, LIST)[-1]
    assert moved["Subject"] == "Moved: ADC development meeting, now Thu 16 Jan 2031 11:00"
    text = text_of(moved)
    assert (
        "Moved from Wednesday 15 January 2031, 17:00 CET to Thursday 16 January 2031, 11:00 CET"
        in text
    )
    assert "In UTC: from Wed 15 Jan 2031, 16:00 UTC to Thu 16 Jan 2031, 10:00 UTC." in text
    assert event_of(moved)["SEQUENCE"] == 2


def test_a_presenter_with_a_time_zone_reads_the_time_on_their_own_clock(
    meeting, developer, smtp_server
):
    developer.time_zone = "America/Chicago"
    developer.save()
    Meeting.objects.filter(pk=meeting.pk).update(revision=2)
    meeting.refresh_from_db()
    actions.publish_meeting(meeting=meeting, version=meeting.version, by=None)
    deliver_all()
    text = text_of(received(smtp_server, developer.email)[-1])
    assert "Your time (America/Chicago): Wednesday 15 January 2031, 10:00 CST" in text
    assert "In UTC: Wed 15 Jan 2031, 16:00 UTC" in text


def test_a_room_change_grows_the_sequence_and_the_update_goes_out_after_the_quiet_period(
    meeting, convener
):
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=5), tick=False):
        change_place(
            meeting=meeting,
            version=meeting.version,
            by=convener,
            location="CERN 40-S2-D01",
            video_url="",
        )
    meeting.refresh_from_db()
    assert meeting.revision == 2
    reminders.queue_agenda_mails(MONDAY + datetime.timedelta(minutes=25))
    update = OutboundMail.objects.get(meeting=meeting, recipient=LIST, kind="agenda_update")
    assert "Room: CERN 40-S2-D01" in update.body_text
    assert "SEQUENCE:2" in update.ics
    assert "LOCATION:CERN 40-S2-D01" in update.ics.replace("\r\n ", "")


def test_changing_the_room_in_the_admin_goes_through_the_action(meeting, admin_client):
    page = admin_client.get(f"/admin/adcmeet/meeting/{meeting.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data["location"] = "CERN 40-S2-D01"
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        prefix = formset.formset.prefix
        data.update({f"{prefix}-{k}": v for k, v in management.initial.items()})
    response = admin_client.post(f"/admin/adcmeet/meeting/{meeting.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting.refresh_from_db()
    assert (meeting.location, meeting.revision, meeting.announced_revision) == (
        "CERN 40-S2-D01",
        2,
        1,
    )
