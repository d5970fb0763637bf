"""Two conveners in live mode at once, as real threads with their own connections on
PostgreSQL (tests/concurrency.race): the clock moves once per version, is told to the other,
and what an item ran is never counted twice."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from adcmeet.meetings.actions import live, live_end
from adcmeet.meetings.models import AgendaItem, LiveSession
from tests import factories
from tests.concurrency import errors, race, winners

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]

T0 = datetime.datetime(2031, 1, 15, 13, 0, tzinfo=datetime.UTC)


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


@pytest.fixture
def meeting():
    meeting = factories.make_meeting(factories.make_series(), state="published", revision=1)
    factories.make_item(meeting, "Pilot and GlideinWMS", section="focus", duration_minutes=20)
    factories.make_item(meeting, "Rucio status", section="hot", duration_minutes=10)
    factories.make_item(meeting, "PanDA server release", section="hot", duration_minutes=10)
    return meeting


@pytest.fixture
def alice(db):
    return factories.make_user("alice", roles=("Convener",))


@pytest.fixture
def bob(db):
    return factories.make_user("bob", roles=("Convener",))


def session(meeting) -> LiveSession:
    # Each actor loads its own copy, as each request would.
    return LiveSession.objects.select_related("meeting__series", "driver").get(meeting=meeting)


def test_two_nexts_on_the_same_clock_move_it_once_and_count_the_item_once(meeting, alice):
    live.start_meeting(meeting=meeting, by=alice, now=T0)

    def next_at(minutes):
        return lambda: live.step(
            session=session(meeting), version=1, by=alice, to="next", now=at(minutes)
        )

    outcomes = race(next_at(12), next_at(12.5))

    [refused] = errors(outcomes)
    assert isinstance(refused, live.ClockMoved)
    assert "It is now on “Rucio status”" in refused.message
    [won] = winners(outcomes)
    current = session(meeting)
    assert (current.version, current.current_item.title) == (2, "Rucio status")
    focus = AgendaItem.objects.get(meeting=meeting, title="Pilot and GlideinWMS")
    # Left once: its actual time is the winner's, not the sum of both.
    assert focus.actual_seconds == int((won.item_started_at - T0).total_seconds())
    assert focus.actual_seconds in (12 * 60, 12 * 60 + 30)


def test_a_take_over_while_the_driver_steps_one_wins_and_the_other_is_told(meeting, alice, bob):
    live.start_meeting(meeting=meeting, by=alice, now=T0)

    outcomes = race(
        lambda: live.step(session=session(meeting), version=1, by=alice, to="next", now=at(5)),
        lambda: live.take_over(session=session(meeting), version=1, by=bob, now=at(5)),
    )

    [refused] = errors(outcomes)
    assert isinstance(refused, live.ClockMoved)
    current = session(meeting)
    assert current.version == 2
    if outcomes[0].error is None:  # the step went first: Alice still drives, on Rucio
        assert (current.driver, current.current_item.title) == (alice, "Rucio status")
    else:  # the take-over went first: Bob drives, the clock did not move
        assert (current.driver, current.current_item.title) == (bob, "Pilot and GlideinWMS")
        with pytest.raises(live.NotDriving, match="Bob is driving"):
            live.step(session=session(meeting), version=2, by=alice, to="next", now=at(6))


def test_two_conveners_starting_at_once_make_one_session(meeting, alice, bob):
    outcomes = race(
        lambda: live.start_meeting(meeting=meeting, by=alice, now=T0),
        lambda: live.start_meeting(meeting=meeting, by=bob, now=T0),
    )

    [refused] = errors(outcomes)
    assert isinstance(refused, live.LiveError)
    assert "already running" in refused.message
    [won] = winners(outcomes)
    assert LiveSession.objects.get(meeting=meeting).driver_id == won.driver_id


def test_a_reopen_and_a_close_at_once_one_wins_and_the_other_is_told(alice, bob):
    now = timezone.now()
    meeting = factories.make_meeting(
        factories.make_series(),
        state="published",
        revision=1,
        start=now - datetime.timedelta(minutes=30),
    )
    factories.make_item(meeting, "Pilot and GlideinWMS", minutes="- PanDA pilot 3.9 is out")
    factories.make_item(meeting, "AOB")
    live.start_meeting(meeting=meeting, by=alice, now=now - datetime.timedelta(minutes=20))
    ended = live.end_meeting(session=session(meeting), version=1, by=alice, now=now)

    outcomes = race(
        lambda: live_end.reopen_meeting(session=session(meeting), version=ended.version, by=alice),
        lambda: live.close_meeting(session=session(meeting), by=bob),
    )

    [refused] = errors(outcomes)
    assert isinstance(refused, live.LiveError)
    meeting.refresh_from_db()
    current = session(meeting)
    if outcomes[0].error is None:  # reopened first: the meeting runs, its minutes wait
        assert "End the meeting first" in refused.message
        assert (current.ended_at, meeting.minutes_published_at) == (None, None)
    else:  # closed first: the minutes went out, the meeting stays ended
        assert "its minutes were published" in refused.message
        assert current.ended_at is not None
        assert meeting.minutes_published_at is not None


def test_two_conveners_reopening_at_once_reopen_it_once(meeting, alice, bob):
    live.start_meeting(meeting=meeting, by=alice, now=T0)
    ended = live.end_meeting(session=session(meeting), version=1, by=alice, now=at(10))

    def reopen(by):
        return lambda: live_end.reopen_meeting(
            session=session(meeting), version=ended.version, by=by, now=at(12)
        )

    outcomes = race(reopen(alice), reopen(bob))

    [refused] = errors(outcomes)
    assert isinstance(refused, live.ClockMoved)
    [won] = winners(outcomes)
    current = session(meeting)
    assert current.version == ended.version + 1
    assert current.driver == won.driver
    assert current.paused_at == at(10)
