"""Two conveners in live mode at once, as real threads with their own connections on
PostgreSQL (tests/concurrency.race): the clock moves once per version, is told to the other,
and what an item ran is never counted twice."""

import datetime

import pytest
from django.db import connection

from adcmeet.meetings.actions import live
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
