"""The live clock as a pure function (adcmeet.lib.live_clock): countdowns, pauses, returns to
an earlier item, ahead/behind against plan and the amber/red levels. No database."""

import datetime
from dataclasses import dataclass

from adcmeet.lib import live_clock
from adcmeet.lib.live_clock import AMBER, OK, RED

T0 = datetime.datetime(2031, 1, 15, 13, 0, tzinfo=datetime.UTC)


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


@dataclass
class Item:
    pk: int
    duration_minutes: int
    actual_seconds: int | None = None


@dataclass
class Session:
    started_at: datetime.datetime = T0
    ended_at: datetime.datetime | None = None
    current_item_id: int | None = 1
    item_started_at: datetime.datetime | None = T0
    item_elapsed_seconds: int = 0
    paused_at: datetime.datetime | None = None
    paused_seconds: int = 0


def agenda(*minutes: int) -> list[Item]:
    return [Item(pk=i + 1, duration_minutes=m) for i, m in enumerate(minutes)]


def clock(session, items, now, target=60, limit=90):
    return live_clock.clock(session, items, now=now, target_minutes=target, limit_minutes=limit)


def test_the_first_item_counts_down_from_its_planned_duration():
    state = clock(Session(), agenda(20, 10, 10), at(4))

    assert (state.position, state.count) == (1, 3)
    assert state.item_elapsed_seconds == 4 * 60
    assert state.item_remaining_seconds == 16 * 60
    assert state.meeting_elapsed_seconds == 4 * 60
    assert state.item_planned_offset_seconds == 0
    assert state.behind_seconds == 0  # on plan while within the item's time
    assert (state.running, state.paused, state.level) == (True, False, OK)


def test_an_overrun_item_goes_negative_and_puts_the_meeting_behind():
    state = clock(Session(), agenda(20, 10, 10), at(27))

    assert state.item_remaining_seconds == -7 * 60
    assert state.item_overrun
    assert state.behind_seconds == 7 * 60
    assert state.projected_seconds == 47 * 60


def test_an_item_finished_early_puts_the_meeting_ahead():
    items = agenda(20, 10, 10)
    items[0].actual_seconds = 15 * 60
    session = Session(current_item_id=2, item_started_at=at(15))

    state = clock(session, items, at(16))

    assert state.item_planned_offset_seconds == 20 * 60
    assert state.item_elapsed_seconds == 60
    assert state.behind_seconds == -5 * 60


def test_a_pause_stops_both_the_item_and_the_meeting():
    session = Session(paused_at=at(5))

    state = clock(session, agenda(20), at(30))

    assert (state.running, state.paused) == (False, True)
    assert state.item_elapsed_seconds == 5 * 60
    assert state.meeting_elapsed_seconds == 5 * 60


def test_after_a_pause_only_the_running_time_counts():
    # Paused from minute 5 to minute 12, resumed: the item had run 5 minutes before.
    session = Session(item_started_at=at(12), item_elapsed_seconds=5 * 60, paused_seconds=7 * 60)

    state = clock(session, agenda(20), at(14))

    assert state.item_elapsed_seconds == 7 * 60
    assert state.meeting_elapsed_seconds == 7 * 60


def test_a_return_to_an_earlier_item_goes_on_from_what_it_ran():
    items = agenda(10, 10, 10)
    items[0].actual_seconds = 8 * 60
    items[1].actual_seconds = 10 * 60
    # Back on the first item at minute 18, with its 8 minutes carried into the countdown.
    session = Session(current_item_id=1, item_started_at=at(18), item_elapsed_seconds=8 * 60)

    state = clock(session, items, at(21))

    assert state.position == 1
    assert state.item_elapsed_seconds == 11 * 60
    assert state.item_remaining_seconds == -60
    # 21 minutes run, the first item over its time, the third untouched: 31 of 30 planned.
    assert state.projected_seconds == 31 * 60
    assert state.behind_seconds == 60


def test_amber_once_the_projected_end_passes_the_objective():
    state = clock(Session(), agenda(30, 30), at(35))

    assert state.projected_seconds == 65 * 60
    assert state.level == AMBER


def test_red_within_five_minutes_of_the_hard_limit_or_past_it():
    assert clock(Session(), agenda(30, 30), at(54)).level == AMBER  # 84 min projected
    assert clock(Session(), agenda(30, 30), at(55)).level == RED  # 85: the margin
    assert clock(Session(), agenda(30, 30), at(100)).level == RED


def test_an_ended_meeting_stops_the_clock_and_projects_what_ran():
    session = Session(ended_at=at(40), current_item_id=None, item_started_at=None)

    state = clock(session, agenda(30, 30), at(70))

    assert (state.running, state.ended, state.current_item_id) == (False, True, None)
    assert state.meeting_elapsed_seconds == 40 * 60
    assert state.projected_seconds == 40 * 60
    assert state.level == OK


def test_times_across_a_daylight_saving_change_are_plain_utc_differences():
    # 2031-03-30 01:00 UTC is when Zurich springs forward; UTC durations do not notice.
    start = datetime.datetime(2031, 3, 30, 0, 50, tzinfo=datetime.UTC)
    session = Session(started_at=start, item_started_at=start)

    state = clock(session, agenda(30), start + datetime.timedelta(minutes=20))

    assert state.meeting_elapsed_seconds == 20 * 60


def test_minutes_and_seconds_read_naturally():
    assert live_clock.mmss(725) == "12:05"
    assert live_clock.mmss(-200) == "-3:20"
    assert live_clock.mmss(3723) == "1:02:03"
