"""What the agenda, updated-agenda and cancellation mails say, as a recipient's client sees
them: the message is built from the outbox row exactly as a worker sends it."""

import datetime
import email
import email.policy

import icalendar
import pytest
from django.utils import timezone

from adcmeet.meetings.mail import meeting_mail, outbox
from adcmeet.meetings.models import AgendaItem, OutboundMail
from tests.factories import make_item, make_meeting, make_series

pytestmark = pytest.mark.django_db

Kind = OutboundMail.Kind
Section = AgendaItem.Section
LIST = "atlas-adc-dev@example.org"
EVE = "eve@uni.example"


@pytest.fixture
def series(convener):
    series = make_series()
    series.conveners.add(convener)
    return series


@pytest.fixture
def meeting(series, developer):
    meeting = make_meeting(
        series,
        on=datetime.date(2031, 1, 15),
        state="published",
        revision=1,
        published_at=timezone.now(),
    )
    # Added out of order on purpose: the mail shows the meeting's order.
    make_item(meeting, "Open floor", section=Section.OPEN_FLOOR, duration_minutes=5, position=0)
    make_item(meeting, "PanDA news", section=Section.HOT, presenter=developer, duration_minutes=15)
    make_item(
        meeting,
        "Rucio at Dubna",
        section=Section.FOCUS,
        presenter_name="Eve External",
        presenter_email="eve@uni.example",
        presenter_affiliation="JINR",
        duration_minutes=20,
    )
    return meeting


def sent_as(meeting, kind=Kind.AGENDA, recipient=LIST) -> email.message.EmailMessage:
    meeting_mail.queue_meeting_mail(meeting, kind)
    row = OutboundMail.objects.filter(meeting=meeting, recipient=recipient).latest("pk")
    raw = outbox.build(row).message().as_bytes()
    return email.message_from_bytes(raw, policy=email.policy.default)


def parts(message) -> dict[str, email.message.EmailMessage]:
    return {part.get_content_type(): part for part in message.walk()}


def invite_of(message) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(parts(message)["text/calendar"].get_content())


def test_the_agenda_lists_items_in_meeting_order_with_clock_times_and_presenters(meeting):
    text = parts(sent_as(meeting))["text/plain"].get_content()
    focus = text.index("17:00  Rucio at Dubna — Eve External (JINR) (20 min)")
    hot = text.index("17:20  PanDA news — Bob Developer (15 min)")
    floor = text.index("17:35  Open floor (5 min)")
    assert focus < hot < floor
    assert text.index("Focus topic") < focus < text.index("Hot topics") < hot
    assert f"Meeting page: http://127.0.0.1:8000/meetings/{meeting.pk}/" in text
    assert "Room: CERN 513-1-024" in text
    assert "Wednesday 15 January 2031, 17:00 CET" in text


def test_the_html_part_shows_the_same_agenda_and_links_the_meeting(meeting):
    html = parts(sent_as(meeting))["text/html"].get_content()
    assert html.index("Rucio at Dubna") < html.index("PanDA news") < html.index("Open floor")
    assert ">17:20</td>" in html
    assert "Eve External (JINR)" in html
    assert f'href="http://127.0.0.1:8000/meetings/{meeting.pk}/"' in html


def test_titles_are_escaped_in_html_and_left_alone_in_text(meeting):
    make_item(meeting, "<script>alert(1)</script> & co", section=Section.HOT)
    message = sent_as(meeting)
    assert "<script>" not in parts(message)["text/html"].get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in (
        parts(message)["text/html"].get_content()
    )
    assert "<script>alert(1)</script> & co" in parts(message)["text/plain"].get_content()


def test_the_subject_names_the_meeting_and_its_local_time(meeting):
    assert sent_as(meeting)["Subject"] == "Agenda: ADC development meeting, Wed 15 Jan 2031 17:00"


def test_a_summer_meeting_is_shown_at_its_zurich_wall_clock_time(series):
    meeting = make_meeting(series, on=datetime.date(2031, 7, 16), state="published", revision=1)
    make_item(meeting, "Summer news", duration_minutes=10)
    message = sent_as(meeting)
    text = parts(message)["text/plain"].get_content()
    assert "Wednesday 16 July 2031, 17:00 CEST" in text
    assert "17:00  Summer news" in text
    event = invite_of(message).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime.datetime(2031, 7, 16, 15, 0, tzinfo=datetime.UTC)


def test_the_list_gets_a_publish_with_organizer_and_sequence_and_no_attendee(meeting, convener):
    message = sent_as(meeting)
    calendar_part = parts(message)["text/calendar"]
    assert calendar_part.get_param("method") == "PUBLISH"
    calendar = invite_of(message)
    assert calendar["METHOD"] == "PUBLISH"
    event = calendar.walk("VEVENT")[0]
    assert event["SEQUENCE"] == 1
    assert event["UID"] == f"meeting-{meeting.pk}@127.0.0.1"
    assert str(event["ORGANIZER"]) == f"mailto:{convener.email}"
    assert event["ORGANIZER"].params["CN"] == "Alice Convener"
    assert event.get("ATTENDEE") is None
    attachment = next(p for p in message.walk() if p.get_filename() == "meeting.ics")
    assert attachment.get_content().replace(b"\r\n", b"\n") == (
        calendar_part.get_content().encode().replace(b"\r\n", b"\n")
    )


def test_each_presenter_gets_a_request_naming_only_them(meeting, developer):
    message = sent_as(meeting, recipient="eve@uni.example")
    assert parts(message)["text/calendar"].get_param("method") == "REQUEST"
    event = invite_of(message).walk("VEVENT")[0]
    assert invite_of(message)["METHOD"] == "REQUEST"
    assert [str(a) for a in [event["ATTENDEE"]]] == ["mailto:eve@uni.example"]
    assert "You present: Rucio at Dubna." in parts(message)["text/plain"].get_content()
    mine = sent_as(meeting, recipient=developer.email)
    assert str(invite_of(mine).walk("VEVENT")[0]["ATTENDEE"]) == f"mailto:{developer.email}"
    assert next(p for p in mine.walk() if p.get_filename() == "invite.ics")


def test_every_agenda_mail_has_list_id_reply_to_conveners_and_auto_submitted(meeting):
    message = sent_as(meeting)
    assert message["List-Id"] == '"ADC development meeting" <adc-dev-meeting.adcmeet.local>'
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Reply-To"].addresses[0].addr_spec == "alice@example.org"
    assert message["To"].addresses[0].addr_spec == LIST
    assert message["Message-ID"].strip() == OutboundMail.objects.get(recipient=LIST).message_id


def test_the_external_presenter_gets_the_same_agenda_addressed_to_them(meeting):
    message = sent_as(meeting, recipient="eve@uni.example")
    assert message["To"].addresses[0].display_name == "Eve External"
    assert "Rucio at Dubna" in parts(message)["text/plain"].get_content()


def test_an_updated_agenda_says_so_and_its_invite_sequence_grows(meeting):
    sent_as(meeting)
    meeting.revision = 3
    meeting.save()
    make_item(meeting, "Late addition", section=Section.HOT)
    message = sent_as(meeting, Kind.AGENDA_UPDATE)
    assert message["Subject"].startswith("Updated agenda: ADC development meeting")
    text = parts(message)["text/plain"].get_content()
    assert "has changed" in text
    assert "revision 3" in text
    assert "Late addition" in text
    assert invite_of(message).walk("VEVENT")[0]["SEQUENCE"] == 3


def test_a_cancellation_carries_method_cancel_and_the_reason(meeting):
    sent_as(meeting)
    meeting.state = "cancelled"
    meeting.cancel_reason = "ADC technical interchange meeting that week"
    meeting.revision = 2
    meeting.save()
    message = sent_as(meeting, Kind.CANCELLATION)
    assert message["Subject"] == "Cancelled: ADC development meeting, Wed 15 Jan 2031 17:00"
    assert "is cancelled: ADC technical interchange meeting that week" in (
        parts(message)["text/plain"].get_content()
    )
    # The list is told with the cancelled event published; each presenter gets a CANCEL.
    assert parts(message)["text/calendar"].get_param("method") == "PUBLISH"
    listed = invite_of(message).walk("VEVENT")[0]
    assert (listed["STATUS"], listed["SEQUENCE"]) == ("CANCELLED", 2)
    eve = OutboundMail.objects.get(meeting=meeting, kind=Kind.CANCELLATION, recipient=EVE)
    message = email.message_from_bytes(
        outbox.build(eve).message().as_bytes(), policy=email.policy.default
    )
    assert parts(message)["text/calendar"].get_param("method") == "CANCEL"
    calendar = invite_of(message)
    assert calendar["METHOD"] == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 2
    assert str(event["ATTENDEE"]) == f"mailto:{EVE}"
    assert any(p.get_filename() == "cancel.ics" for p in message.walk())


def test_line_breaks_in_titles_and_names_never_become_headers(series, developer):
    meeting = make_meeting(
        series,
        title="ADC dev\r\nBcc: victim@example.org",
        state="published",
        revision=1,
    )
    make_item(
        meeting,
        "Talk",
        presenter_name="Mallory\r\nX-Injected: yes",
        presenter_email="mallory@uni.example",
    )
    for recipient in (LIST, "mallory@uni.example"):
        message = sent_as(meeting, recipient=recipient)
        assert message.get_all("Bcc") is None
        assert message.get_all("X-Injected") is None
        assert "\n" not in message["Subject"]
    assert message["To"].addresses[0].display_name == "Mallory X-Injected: yes"
