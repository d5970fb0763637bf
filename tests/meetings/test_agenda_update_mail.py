"""The updated agenda goes out by itself once a published agenda has been left alone for the
quiet period: one mail per burst of edits, never for cancelled or past meetings. Edits happen
at fixed moments (time-machine); the scan is given its clock (`now`)."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command

from adcmeet.meetings import actions
from adcmeet.meetings.actions import AgendaError
from adcmeet.meetings.mail import reminders
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail
from tests.factories import make_item, make_meeting, make_series

pytestmark = pytest.mark.django_db

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
Kind = OutboundMail.Kind
LIST = "atlas-adc-dev@example.org"
WEDNESDAY = datetime.date(2031, 1, 15)
# Monday before the meeting, well clear of reminder and nudge times.
MONDAY_11 = datetime.datetime(2031, 1, 13, 11, 0, tzinfo=ZURICH)


def minutes(n: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


@pytest.fixture
def meeting(convener):
    """Wednesday's meeting, published on Monday at 11:00 (revision 1, mailed)."""
    series = make_series()
    series.conveners.add(convener)
    meeting = make_meeting(series, on=WEDNESDAY)
    make_item(meeting, "PanDA news", duration_minutes=15)
    with time_machine.travel(MONDAY_11, tick=False):
        actions.publish_meeting(
            meeting=meeting, version=meeting.version, by=convener, without_focus=True
        )
    meeting.refresh_from_db()
    assert (meeting.revision, meeting.announced_revision) == (1, 1)
    return meeting


def retitle(meeting: Meeting, title: str, *, at: datetime.datetime) -> Meeting:
    """The convener edits the published agenda at `at`."""
    meeting.refresh_from_db()
    item = meeting.items.live().get(section=AgendaItem.Section.HOT)
    with time_machine.travel(at, tick=False):
        actions.update_item(item=item, version=item.version, by=None, title=title)
    meeting.refresh_from_db()
    return meeting


def updates(meeting: Meeting):
    return OutboundMail.objects.filter(meeting=meeting, kind=Kind.AGENDA_UPDATE)


def test_an_edit_is_not_mailed_during_the_quiet_period(meeting, settings):
    settings.AGENDA_UPDATE_QUIET_MINUTES = 15
    edited = MONDAY_11 + minutes(30)
    retitle(meeting, "PanDA news and the new pilot", at=edited)
    assert (meeting.revision, meeting.announced_revision) == (2, 1)

    assert reminders.queue_agenda_mails(edited + minutes(14)) == []

    assert not updates(meeting).exists()
    meeting.refresh_from_db()
    assert meeting.announced_revision == 1


def test_after_the_quiet_period_one_update_goes_out_with_the_new_sequence(meeting, settings):
    settings.AGENDA_UPDATE_QUIET_MINUTES = 15
    edited = MONDAY_11 + minutes(30)
    retitle(meeting, "PanDA news and the new pilot", at=edited)

    ids = reminders.queue_agenda_mails(edited + minutes(15))

    (mail,) = updates(meeting)
    assert ids == [mail.pk]
    assert mail.recipient == LIST
    assert "SEQUENCE:2" in mail.ics
    assert "METHOD:PUBLISH" in mail.ics
    assert mail.key == f"agenda:meeting:{meeting.pk}:rev2:{LIST}"
    assert "PanDA news and the new pilot" in mail.body_text
    meeting.refresh_from_db()
    assert meeting.announced_revision == 2
    assert meeting.published_at == edited + minutes(15)
    # Later scans, the cron command included, find nothing more to send.
    assert reminders.queue_agenda_mails(edited + minutes(20)) == []
    out = io.StringIO()
    call_command("send_agenda_mails", "--at", (edited + minutes(25)).isoformat(), stdout=out)
    assert "Queued 0 agenda mail(s)." in out.getvalue()
    assert updates(meeting).count() == 1


def test_edits_during_the_quiet_period_make_one_mail_of_the_latest_revision(meeting, settings):
    settings.AGENDA_UPDATE_QUIET_MINUTES = 15
    first = MONDAY_11 + minutes(30)
    retitle(meeting, "PanDA news (draft title)", at=first)
    retitle(meeting, "PanDA news and the pilot", at=first + minutes(10))
    retitle(meeting, "PanDA news and the pilot factory", at=first + minutes(12))
    assert meeting.revision == 4

    # 15 minutes after the first edit, but only 3 after the last one: still waiting.
    assert reminders.queue_agenda_mails(first + minutes(15)) == []
    assert reminders.queue_agenda_mails(first + minutes(26)) == []
    assert len(reminders.queue_agenda_mails(first + minutes(27))) == 1
    assert reminders.queue_agenda_mails(first + minutes(60)) == []

    (mail,) = updates(meeting)
    assert "SEQUENCE:4" in mail.ics
    assert "PanDA news and the pilot factory" in mail.body_text
    assert "draft title" not in mail.body_text


def test_a_later_edit_makes_its_own_update_after_its_own_quiet_period(meeting, settings):
    settings.AGENDA_UPDATE_QUIET_MINUTES = 15
    first = MONDAY_11 + minutes(30)
    retitle(meeting, "PanDA news, take two", at=first)
    reminders.queue_agenda_mails(first + minutes(15))
    retitle(meeting, "PanDA news, take three", at=first + minutes(60))

    assert reminders.queue_agenda_mails(first + minutes(70)) == []
    assert len(reminders.queue_agenda_mails(first + minutes(75))) == 1

    assert sorted(m.key.split(":")[3] for m in updates(meeting)) == ["rev2", "rev3"]


def test_the_quiet_period_is_a_setting(meeting, settings):
    settings.AGENDA_UPDATE_QUIET_MINUTES = 60
    edited = MONDAY_11 + minutes(30)
    retitle(meeting, "PanDA news, slowly", at=edited)

    assert reminders.queue_agenda_mails(edited + minutes(59)) == []
    assert len(reminders.queue_agenda_mails(edited + minutes(60))) == 1


def test_sending_the_update_now_is_immediate_and_the_scan_adds_nothing(meeting, convener):
    edited = MONDAY_11 + minutes(30)
    meeting = retitle(meeting, "PanDA news, urgent", at=edited)

    with time_machine.travel(edited + minutes(1), tick=False):
        result = actions.publish_meeting(
            meeting=meeting, version=meeting.version, by=convener, without_focus=True
        )

    assert result.kind == Kind.AGENDA_UPDATE
    (mail,) = updates(meeting)
    assert "SEQUENCE:3" in mail.ics
    assert reminders.queue_agenda_mails(edited + minutes(30)) == []
    assert updates(meeting).count() == 1


def test_the_button_after_the_automatic_update_says_it_is_already_sent(meeting, convener):
    edited = MONDAY_11 + minutes(30)
    stale_page = retitle(meeting, "PanDA news, auto", at=edited)
    version = stale_page.version
    reminders.queue_agenda_mails(edited + minutes(20))

    with pytest.raises(AgendaError, match="already published and unchanged"):
        actions.publish_meeting(
            meeting=stale_page, version=version, by=convener, without_focus=True
        )
    assert updates(meeting).count() == 1


def test_cancelled_meetings_never_get_an_update(meeting, convener):
    edited = MONDAY_11 + minutes(30)
    meeting = retitle(meeting, "PanDA news, then cancelled", at=edited)
    # Even with revisions unannounced (as a cancellation written by hand could leave them).
    Meeting.objects.filter(pk=meeting.pk).update(state=Meeting.State.CANCELLED)

    assert reminders.queue_agenda_mails(edited + minutes(60)) == []
    assert reminders.agenda_mails_due(edited + minutes(60)) == []
    assert not updates(meeting).exists()


def test_past_and_held_meetings_never_get_an_update(meeting):
    edited = meeting.start - minutes(5)
    retitle(meeting, "Last-minute change", at=edited)

    # The quiet period ends after the meeting began: too late to mail.
    assert reminders.queue_agenda_mails(meeting.start + minutes(10)) == []
    Meeting.objects.filter(pk=meeting.pk).update(state=Meeting.State.HELD)
    assert reminders.queue_agenda_mails(meeting.start + minutes(120)) == []
    assert not updates(meeting).exists()


def test_the_update_is_rendered_from_the_agenda_it_announces(meeting, monkeypatch):
    """Between finding a meeting due and claiming its revision, a convener edits: the scan
    claims nothing, and the new edit waits for its own quiet period."""
    edited = MONDAY_11 + minutes(30)
    retitle(meeting, "Seen by the scan", at=edited)
    real = reminders._unannounced
    calls = []

    def edit_in_between(now):
        calls.append(now)
        if len(calls) == 2:  # the claim, after the candidates were read
            retitle(meeting, "Changed under the scan", at=edited + minutes(16))
        return real(now)

    monkeypatch.setattr(reminders, "_unannounced", edit_in_between)
    assert reminders.queue_agenda_updates(edited + minutes(16)) == []
    monkeypatch.undo()

    meeting.refresh_from_db()
    assert (meeting.revision, meeting.announced_revision) == (3, 1)
    assert not updates(meeting).exists()
    assert len(reminders.queue_agenda_updates(edited + minutes(31))) == 1
    (mail,) = updates(meeting)
    assert "Changed under the scan" in mail.body_text
    assert "SEQUENCE:3" in mail.ics


def test_the_dry_run_lists_the_update_without_announcing_it(meeting):
    edited = MONDAY_11 + minutes(30)
    retitle(meeting, "PanDA news, listed", at=edited)
    out = io.StringIO()

    call_command(
        "send_agenda_mails", "--dry-run", "--at", (edited + minutes(20)).isoformat(), stdout=out
    )

    assert (
        f"agenda_update    ADC development meeting <{LIST}>: "
        "Updated agenda: ADC development meeting, Wed 15 Jan 2031 17:00"
    ) in out.getvalue()
    assert "1 agenda mail(s) due; nothing queued (dry run)." in out.getvalue()
    meeting.refresh_from_db()
    assert meeting.announced_revision == 1
    assert not OutboundMail.objects.filter(kind=Kind.AGENDA_UPDATE).exists()


def test_the_update_after_the_reminder_time_stands_in_for_the_reminder(meeting):
    tuesday_10 = datetime.datetime(2031, 1, 14, 10, 0, tzinfo=ZURICH)
    retitle(meeting, "PanDA news, Tuesday", at=tuesday_10 - minutes(30))

    reminders.queue_agenda_mails(tuesday_10)

    kinds = set(OutboundMail.objects.filter(meeting=meeting).values_list("kind", flat=True))
    assert kinds == {Kind.AGENDA, Kind.AGENDA_UPDATE}


def test_the_builder_says_when_the_update_goes_out_by_itself(meeting, client, convener, settings):
    settings.AGENDA_UPDATE_QUIET_MINUTES = 15
    retitle(meeting, "PanDA news, pending", at=MONDAY_11 + minutes(30))
    client.force_login(convener)

    page = client.get(f"/meetings/{meeting.pk}/edit/").content.decode()

    assert "the agenda changed since it was mailed" in page
    assert (
        "The updated agenda goes out by itself 15 minutes after the last change (about 11:45) "
        "unless you send it now" in page
    )
    assert "Send the updated agenda" in page


def test_the_builder_says_when_the_meeting_starts_too_soon(meeting, client, convener):
    retitle(meeting, "Last-minute change", at=meeting.start - minutes(5))
    client.force_login(convener)

    page = client.get(f"/meetings/{meeting.pk}/edit/").content.decode()

    assert "The meeting starts too soon for the updated agenda to go out by itself" in page
