"""Publishing the minutes: the list gets them once, with decisions and actions by owner, each
owner their own actions; a correction is a short note, never a second copy. Delivered by the
real SMTP server; published through the minutes sheet's button."""

import datetime

import pytest
import time_machine

from adcmeet.meetings import actions
from adcmeet.meetings.actions.common import AgendaError
from adcmeet.meetings.actions.minutes import publish_minutes
from adcmeet.meetings.mail import outbox
from adcmeet.meetings.models import OutboundMail
from tests.factories import make_item, make_meeting, make_series

pytestmark = pytest.mark.django_db

LIST = "atlas-adc-dev@example.org"
AFTER = datetime.datetime(2031, 1, 15, 19, 0, tzinfo=datetime.UTC)


@pytest.fixture
def meeting(convener, developer, manager):
    series = make_series()
    series.conveners.add(convener)
    meeting = make_meeting(series, on=datetime.date(2031, 1, 15), state="held", revision=1)
    panda = make_item(meeting, "PanDA news", presenter=developer, minutes="Release 0.5 agreed.")
    actions.save_minutes(meeting=meeting, version=1, by=convener, text="Good turnout.")
    actions.add_action_item(
        meeting=meeting, by=convener, text="Tag the release", owner=developer, agenda_item=panda
    )
    actions.add_action_item(
        meeting=meeting,
        by=convener,
        text="Book the room",
        owner=manager,
        due=datetime.date(2031, 1, 20),
    )
    actions.add_action_item(meeting=meeting, by=convener, text="Find a volunteer")
    meeting.refresh_from_db()
    return meeting


def deliver_all(smtp_server) -> dict[str, list]:
    with time_machine.travel(AFTER + datetime.timedelta(hours=1), tick=False):
        for pk in OutboundMail.objects.pending().order_by("id").values_list("pk", flat=True):
            assert outbox.send_one(pk).outcome is outbox.Outcome.SENT
    by_rcpt: dict[str, list] = {}
    for message, (_, rcpts) in zip(
        smtp_server.handler.messages, smtp_server.handler.envelopes, strict=True
    ):
        for rcpt in rcpts:
            by_rcpt.setdefault(rcpt, []).append(message)
    return by_rcpt


def text_of(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_content().replace("\r\n", "\n")


def test_the_list_gets_the_minutes_once_with_decisions_and_actions_by_owner(
    meeting, convener, smtp_server
):
    with time_machine.travel(AFTER, tick=False):
        assert publish_minutes(meeting=meeting, by=convener) == "published"
    mail = deliver_all(smtp_server)
    (minutes,) = mail[LIST]
    assert minutes["Subject"] == "Minutes: ADC development meeting, Wed 15 Jan 2031 17:00"
    text = text_of(minutes)
    assert "Good turnout." in text
    assert "* PanDA news — Bob Developer\nRelease 0.5 agreed." in text
    # Owners by name, the unowned last.
    bob, carol, nobody = (
        text.index("Bob Developer:"),
        text.index("Carol Manager:"),
        text.index("No owner yet:"),
    )
    assert bob < carol < nobody
    assert "  - Book the room (due Mon 20 Jan 2031)" in text
    assert not any(p.get_content_type() == "text/calendar" for p in minutes.walk())


def test_each_owner_is_told_of_their_own_actions(meeting, convener, developer, smtp_server):
    with time_machine.travel(AFTER, tick=False):
        publish_minutes(meeting=meeting, by=convener)
    mail = deliver_all(smtp_server)
    (to_bob,) = mail[developer.email]
    text = text_of(to_bob)
    assert to_bob["Subject"] == "Your action from ADC development meeting, Wed 15 Jan 2031 17:00"
    assert "Tag the release [PanDA news]" in text
    assert "Book the room" not in text
    (to_carol,) = mail["carol@example.org"]
    assert "Book the room (due Mon 20 Jan 2031)" in text_of(to_carol)


def test_a_correction_sends_a_short_note_and_only_changed_owners_hear_again(
    meeting, convener, developer, smtp_server
):
    with time_machine.travel(AFTER, tick=False):
        publish_minutes(meeting=meeting, by=convener)
        with pytest.raises(AgendaError, match="already published and unchanged"):
            publish_minutes(meeting=meeting, by=convener)
        actions.save_minutes(meeting=meeting, version=2, by=convener, text="Good turnout (40).")
        actions.add_action_item(meeting=meeting, by=convener, text="Write it up", owner=developer)
        assert publish_minutes(meeting=meeting, by=convener) == "corrected"
    mail = deliver_all(smtp_server)
    _first, note = mail[LIST]
    assert note["Subject"] == "Minutes corrected: ADC development meeting, Wed 15 Jan 2031 17:00"
    assert "were corrected after they were sent (correction 1)" in text_of(note)
    assert "Good turnout" not in text_of(note)
    assert len(mail[developer.email]) == 2
    assert "Write it up" in text_of(mail[developer.email][1])
    assert len(mail["carol@example.org"]) == 1  # her actions did not change


def test_minutes_of_a_draft_or_future_meeting_are_not_published(convener):
    draft = make_meeting(make_series(slug="other"), on=datetime.date(2031, 1, 15))
    with pytest.raises(AgendaError, match="is draft"):
        publish_minutes(meeting=draft, by=convener)
    assert not OutboundMail.objects.exists()


def test_the_convener_publishes_from_the_minutes_sheet_and_others_may_not(
    meeting, client, convener, developer
):
    with time_machine.travel(AFTER, tick=False):
        client.force_login(developer)
        assert client.post(f"/meetings/{meeting.pk}/minutes/publish/").status_code == 403
        client.force_login(convener)
        page = client.get(f"/meetings/{meeting.pk}/minutes/").content.decode()
        assert "Publish and mail the minutes" in page
        response = client.post(f"/meetings/{meeting.pk}/minutes/publish/", follow=True)
    assert "Published the minutes" in response.content.decode()
    assert "Publish the correction" in response.content.decode()
    assert OutboundMail.objects.filter(kind="minutes", recipient=LIST).count() == 1


def test_the_publish_box_follows_a_save_on_the_sheet(meeting, client, convener):
    """Its status is outside every region the sheet swaps: htmx answers carry it out of band,
    so after a correction is saved it says there is something to publish."""
    with time_machine.travel(AFTER, tick=False):
        client.force_login(convener)
        publish_minutes(meeting=meeting, by=convener)
        page = client.get(f"/meetings/{meeting.pk}/minutes/").content.decode()
        assert "Unchanged since they were published" in page
        meeting.refresh_from_db()

        answer = client.post(
            f"/meetings/{meeting.pk}/minutes/save/",
            {"version": meeting.minutes_version, "minutes-text": "Good turnout; Rucio late."},
            HTTP_HX_REQUEST="true",
        ).content.decode()

        box = answer[answer.index('<section id="publish-minutes"') :]
        assert 'hx-swap-oob="true"' in box[: box.index(">")]
        assert "The minutes changed since they were published." in box
        assert "Publish the correction" in box
        # Without JavaScript: the redirect back shows the same status.
        page = client.get(f"/meetings/{meeting.pk}/minutes/").content.decode()
        assert "The minutes changed since they were published." in page


def test_a_presenter_minuting_their_item_gets_no_publish_box(meeting, client, developer):
    item = meeting.items.get(title="PanDA news")
    with time_machine.travel(AFTER, tick=False):
        client.force_login(developer)
        answer = client.post(
            f"/meetings/{meeting.pk}/items/{item.pk}/minutes/",
            {"version": item.minutes_version, f"minutes-{item.pk}-text": "Release 0.6 agreed."},
            HTTP_HX_REQUEST="true",
        ).content.decode()
    assert "Saved." in answer
    assert "publish-minutes" not in answer


def html_of(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    return part.get_content()


def record_outcomes_and_attendance(meeting, convener, developer, manager):
    panda = meeting.items.get(title="PanDA news")
    actions.record_outcome(
        meeting=meeting,
        by=convener,
        kind="decision",
        text="Release 0.5 goes to production",
        agenda_item=panda,
    )
    actions.record_outcome(
        meeting=meeting, by=convener, kind="information", text="CERN closes for a week"
    )
    actions.set_attendance(meeting=meeting, by=convener, user=developer)
    actions.set_attendance(meeting=meeting, by=convener, user=manager, status="regrets")
    actions.set_attendance(meeting=meeting, by=convener, name="Hiro Ito", affiliation="BNL")


def test_the_list_mail_carries_decisions_information_and_attendance_in_text_and_html(
    meeting, convener, developer, manager, smtp_server
):
    record_outcomes_and_attendance(meeting, convener, developer, manager)
    with time_machine.travel(AFTER, tick=False):
        publish_minutes(meeting=meeting, by=convener)
    mail = deliver_all(smtp_server)

    (minutes,) = mail[LIST]
    text = text_of(minutes)
    assert "Decisions\n  - Release 0.5 goes to production [PanDA news]" in text
    assert "Information\n  - CERN closes for a week" in text
    assert "Present: Bob Developer\n" in text
    assert "Invitees: Hiro Ito (BNL)\n" in text
    assert "Regrets: Carol Manager\n" in text
    assert "  - Book the room (due Mon 20 Jan 2031)" in text
    html = html_of(minutes)
    assert "Release 0.5 goes to production" in html
    assert "<strong>Regrets:</strong> Carol Manager" in html


def test_a_decision_recorded_after_publishing_is_a_correction_note_never_a_second_copy(
    meeting, convener, developer, manager, smtp_server
):
    with time_machine.travel(AFTER, tick=False):
        publish_minutes(meeting=meeting, by=convener)
        meeting.refresh_from_db()
        assert actions.minutes_status(meeting) == "unchanged"
        record_outcomes_and_attendance(meeting, convener, developer, manager)
        assert actions.minutes_status(meeting) == "changed"
        assert publish_minutes(meeting=meeting, by=convener) == "corrected"
        with pytest.raises(AgendaError, match="unchanged"):
            publish_minutes(meeting=meeting, by=convener)
    mail = deliver_all(smtp_server)

    first, note = mail[LIST]
    assert "Release 0.5 goes to production" not in text_of(first)
    assert note["Subject"].startswith("Minutes corrected:")
    assert "Release 0.5 goes to production" not in text_of(note)


def test_minutes_with_only_a_decision_may_be_published(convener):
    series = make_series()
    meeting = make_meeting(series, on=datetime.date(2031, 1, 15), state="held", revision=1)
    actions.record_outcome(meeting=meeting, by=convener, kind="decision", text="Go")

    with time_machine.travel(AFTER, tick=False):
        assert publish_minutes(meeting=meeting, by=convener) == "published"
