"""The end of a live meeting through its actions: Reopen within its window (actions.live_end),
sessions nobody ended, ended by the held-marking job as of the driver's last sign of life,
and the start refused more than a day early. Instants are passed in, so seconds are exact."""

import datetime

import pytest

from adcmeet.lib import live_clock
from adcmeet.meetings import actions as meeting_actions
from adcmeet.meetings.actions import live, live_end
from adcmeet.meetings.models import AgendaItem, LiveSession, Meeting
from tests import factories

T0 = datetime.datetime(2031, 1, 15, 13, 0, tzinfo=datetime.UTC)


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


@pytest.fixture
def meeting(db):
    series = factories.make_series(limit_minutes=90)
    meeting = factories.make_meeting(series, state="published", revision=1, start=T0)
    factories.make_item(meeting, "Pilot and GlideinWMS", section="focus", duration_minutes=20)
    factories.make_item(meeting, "Rucio status", section="hot", duration_minutes=10)
    factories.make_item(meeting, "PanDA server release", section="hot", duration_minutes=10)
    factories.make_item(meeting, "AOB", section="open_floor", duration_minutes=5)
    return meeting


def item(meeting, title) -> AgendaItem:
    return meeting.items.get(title=title)


def session(meeting) -> LiveSession:
    return LiveSession.objects.select_related("meeting__series", "driver").get(meeting=meeting)


def go(action, meeting, minutes, by=None, **kwargs):
    current = session(meeting)
    return action(session=current, version=current.version, by=by, now=at(minutes), **kwargs)


def ended_on_rucio(meeting, convener):
    """Started at T0, Rucio taken up at 10 min, ended at 15: PanDA and AOB not reached."""
    live.start_meeting(meeting=meeting, by=convener, now=T0)
    go(live.step, meeting, 10, convener, to="next")
    return go(live.end_meeting, meeting, 15, convener)


def test_reopen_puts_the_meeting_back_paused_on_the_last_item_with_the_gap_uncounted(
    meeting, convener
):
    ended_on_rucio(meeting, convener)
    assert item(meeting, "AOB").not_reached is True

    reopened = go(live_end.reopen_meeting, meeting, 25, convener)

    assert reopened.ended_at is None
    assert reopened.current_item.title == "Rucio status"
    clock = live.state(reopened, now=at(40)).clock
    assert clock.paused
    # 15 minutes run when End was pressed; the ten minutes until Reopen are not.
    assert clock.meeting_elapsed_seconds == 15 * 60
    assert clock.item_elapsed_seconds == 5 * 60
    assert [item(meeting, t).not_reached for t in ("PanDA server release", "AOB")] == [False] * 2
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.PUBLISHED

    # Resumed at 30 and moved on at 32: Rucio ran 5 + 2 minutes, never the gap.
    go(live.resume, meeting, 30, convener)
    go(live.step, meeting, 32, convener, to="next")
    assert item(meeting, "Rucio status").actual_seconds == 7 * 60
    assert live.state(session(meeting), now=at(32)).clock.meeting_elapsed_seconds == 17 * 60
    go(live.end_meeting, meeting, 33, convener)
    assert item(meeting, "AOB").not_reached is True
    assert item(meeting, "PanDA server release").not_reached is False
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.HELD


def test_reopen_unmarks_only_what_end_marked(meeting, convener):
    ended_on_rucio(meeting, convener)
    focus = item(meeting, "Pilot and GlideinWMS")
    # After the end the convener says the focus topic was only touched on.
    live.mark_not_reached(item=focus, by=convener, not_reached=True)

    go(live_end.reopen_meeting, meeting, 20, convener)

    assert item(meeting, "Pilot and GlideinWMS").not_reached is True
    assert item(meeting, "AOB").not_reached is False


def test_reopen_is_refused_after_thirty_minutes(meeting, convener):
    ended_on_rucio(meeting, convener)

    with pytest.raises(live.LiveError, match="more than 30 minutes ago"):
        go(live_end.reopen_meeting, meeting, 15 + 30, convener)
    assert session(meeting).ended_at == at(15)
    assert item(meeting, "AOB").not_reached is True
    # One minute earlier it still could.
    assert go(live_end.reopen_meeting, meeting, 15 + 29, convener).ended_at is None


def test_reopen_is_refused_once_the_minutes_were_published(meeting, convener):
    ended_on_rucio(meeting, convener)
    Meeting.objects.filter(pk=meeting.pk).update(minutes_published_at=at(18), minutes_revision=1)

    with pytest.raises(live.LiveError, match="its minutes were published"):
        go(live_end.reopen_meeting, meeting, 20, convener)
    assert session(meeting).ended_at == at(15)


def test_reopen_on_a_stale_clock_is_told_and_does_nothing(meeting, convener):
    ended = ended_on_rucio(meeting, convener)

    with pytest.raises(live.ClockMoved, match="It is now ended"):
        live_end.reopen_meeting(session=ended, version=ended.version - 1, by=convener, now=at(20))
    assert session(meeting).ended_at == at(15)


def test_a_running_meeting_is_not_reopened(meeting, convener):
    live.start_meeting(meeting=meeting, by=convener, now=T0)

    with pytest.raises(live.LiveError, match="nothing to reopen"):
        go(live_end.reopen_meeting, meeting, 5, convener)


def test_reopen_leaves_held_a_meeting_the_job_had_marked_held_before_the_end(meeting, convener):
    live.start_meeting(meeting=meeting, by=convener, now=T0)
    # The meeting overran its hard limit: the job made it held while it still ran.
    meeting_actions.mark_meetings_held(now=at(91))
    go(live.end_meeting, meeting, 95, convener)

    go(live_end.reopen_meeting, meeting, 100, convener)

    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.HELD


def test_the_convener_who_reopens_drives(meeting, convener):
    ended_on_rucio(meeting, convener)
    other = factories.make_user("bob", roles=("Convener",))

    reopened = go(live_end.reopen_meeting, meeting, 20, other)

    assert reopened.driver == other
    with pytest.raises(live.NotDriving):
        go(live.step, meeting, 21, convener, to="next")


# --- starting ------------------------------------------------------------------------------


def test_a_meeting_more_than_a_day_ahead_cannot_be_started(meeting, convener):
    with pytest.raises(live.LiveError, match="from a day before its start"):
        live.start_meeting(meeting=meeting, by=convener, now=T0 - datetime.timedelta(days=7))
    assert not LiveSession.objects.exists()


@pytest.mark.parametrize("hours", [-24, -1, 3])
def test_a_meeting_starts_from_a_day_early_to_any_time_late(meeting, convener, hours):
    started = live.start_meeting(
        meeting=meeting, by=convener, now=T0 + datetime.timedelta(hours=hours)
    )
    assert started.ended_at is None


# --- sessions nobody ended ----------------------------------------------------------------


FORGOTTEN = 90 + 120  # the series' hard limit of 90 minutes, then two hours


def test_the_held_job_ends_a_forgotten_session_as_of_the_drivers_last_sign_of_life(
    meeting, convener
):
    live.start_meeting(meeting=meeting, by=convener, now=T0)
    go(live.step, meeting, 10, convener, to="next")
    # The driver's page kept polling until 25 minutes in, then the laptop was shut.
    live.driver_seen(session(meeting), convener, now=at(25))

    meeting_actions.mark_meetings_held(now=at(FORGOTTEN - 1))
    assert session(meeting).ended_at is None

    meeting_actions.mark_meetings_held(now=at(FORGOTTEN))

    ended = session(meeting)
    assert ended.ended_at == at(25)
    assert item(meeting, "Rucio status").actual_seconds == 15 * 60
    assert [item(meeting, t).not_reached for t in ("PanDA server release", "AOB")] == [True] * 2
    assert item(meeting, "Rucio status").not_reached is False
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.HELD
    clock = live.state(ended, now=at(FORGOTTEN)).clock
    assert clock.meeting_elapsed_seconds == 25 * 60
    # Ended hours ago: too late to reopen.
    with pytest.raises(live.LiveError, match="no longer be reopened"):
        go(live_end.reopen_meeting, meeting, FORGOTTEN + 1, convener)


def test_a_forgotten_session_without_a_driver_ends_at_its_last_step(meeting):
    live.start_meeting(meeting=meeting, by=None, now=T0)
    go(live.step, meeting, 10, to="next")
    go(live.pause, meeting, 12)

    meeting_actions.mark_meetings_held(now=at(FORGOTTEN + 60))

    ended = session(meeting)
    assert ended.ended_at == at(12)
    assert item(meeting, "Rucio status").actual_seconds == 2 * 60
    assert live_clock.meeting_elapsed(ended, at(FORGOTTEN + 60)) == 12 * 60


def test_the_held_job_leaves_ended_and_recent_sessions_alone(meeting, convener):
    ended_on_rucio(meeting, convener)
    other = factories.make_meeting(
        meeting.series,
        state="published",
        revision=1,
        on=datetime.date(2031, 1, 22),
        start=at(7 * 24 * 60),
    )
    factories.make_item(other, "Rucio status")
    live.start_meeting(meeting=other, by=convener, now=at(7 * 24 * 60))

    meeting_actions.mark_meetings_held(now=at(7 * 24 * 60 + 60))

    assert session(meeting).ended_at == at(15)
    assert session(other).ended_at is None
