import datetime
import zoneinfo
from dataclasses import dataclass

import pytest

from adcmeet.lib.agenda import limit_message, plan, shows_differently, zone_or_none

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = datetime.UTC


@dataclass
class Item:
    title: str
    duration_minutes: int


def wednesday_17h(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(17, 0), tzinfo=ZURICH)


def budget(durations, *, day=datetime.date(2031, 1, 15), viewer_zone=None, target=60, limit=90):
    items = [Item(f"item {n}", minutes) for n, minutes in enumerate(durations)]
    return plan(
        items,
        start=wednesday_17h(day),
        zone=ZURICH,
        target_minutes=target,
        limit_minutes=limit,
        viewer_zone=viewer_zone,
    )


def clock(instant: datetime.datetime) -> str:
    return instant.strftime("%H:%M")


def test_items_get_consecutive_clock_times_from_the_meeting_start():
    result = budget([20, 15, 10, 5])

    assert [clock(p.start) for p in result.items] == ["17:00", "17:20", "17:35", "17:45"]
    assert [clock(p.end) for p in result.items] == ["17:20", "17:35", "17:45", "17:50"]
    assert [p.offset_minutes for p in result.items] == [0, 20, 35, 45]
    assert clock(result.end) == "17:50"


def test_17h_zurich_is_16h_utc_in_january():
    result = budget([20, 10], day=datetime.date(2031, 1, 15))

    assert clock(result.items[0].start) == "17:00"
    assert result.items[0].start.astimezone(UTC).hour == 16
    assert result.items[1].start.astimezone(UTC).strftime("%H:%M") == "16:20"


def test_17h_zurich_is_15h_utc_in_july():
    result = budget([20, 10], day=datetime.date(2031, 7, 16))

    assert clock(result.items[0].start) == "17:00"
    assert result.items[0].start.astimezone(UTC).hour == 15
    assert result.items[1].start.astimezone(UTC).strftime("%H:%M") == "15:20"


def test_a_viewer_in_chicago_sees_their_own_wall_clock_in_winter_and_summer():
    january = budget([20, 10], day=datetime.date(2031, 1, 15), viewer_zone=CHICAGO)
    july = budget([20, 10], day=datetime.date(2031, 7, 16), viewer_zone=CHICAGO)

    # Chicago is 7 h behind Zurich in both seasons (both observe DST, on different dates).
    assert [clock(p.viewer_start) for p in january.items] == ["10:00", "10:20"]
    assert [clock(p.viewer_start) for p in july.items] == ["10:00", "10:20"]
    assert january.viewer_zone == "America/Chicago"


def test_between_the_two_dst_switches_chicago_is_only_six_hours_behind():
    # The US moves its clocks on 9 March 2031, Europe on 30 March: for three weeks the gap
    # is one hour smaller, which is why times come from each zone's rules, not fixed offsets.
    result = budget([20], day=datetime.date(2031, 3, 19), viewer_zone=CHICAGO)

    assert clock(result.items[0].start) == "17:00"
    assert clock(result.items[0].viewer_start) == "11:00"


def test_a_viewer_whose_wall_clock_matches_the_series_sees_one_time():
    result = budget([20, 10], viewer_zone=PARIS)

    assert result.viewer_zone is None
    assert all(p.viewer_start is None for p in result.items)


def test_remaining_time_to_the_objective_and_the_limit():
    result = budget([20, 15, 10])

    assert result.total_minutes == 45
    assert result.remaining_to_target == 15
    assert result.remaining_to_limit == 45
    assert result.level == "ok"
    assert "15 min left to the 60-min objective" in result.message


def test_over_the_objective_is_a_warning_only():
    result = budget([30, 30, 15])

    assert result.over_target
    assert not result.over_limit
    assert result.level == "warning"
    assert result.remaining_to_target == -15
    assert "15 min over the 60-min objective" in result.message


def test_exactly_at_the_limit_is_allowed_one_minute_more_is_blocked():
    at_limit = budget([60, 30])
    over = budget([60, 31])

    assert not at_limit.over_limit
    assert at_limit.level == "warning"
    assert over.over_limit
    assert over.level == "blocked"
    assert over.message == limit_message(91, 90)
    assert "1 min over the 90-min limit" in over.message


def test_an_empty_agenda_ends_when_it_starts():
    result = budget([])

    assert result.items == []
    assert result.total_minutes == 0
    assert result.end == result.start


def test_the_start_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        plan(
            [],
            start=datetime.datetime(2031, 1, 15, 17),
            zone=ZURICH,
            target_minutes=60,
            limit_minutes=90,
        )


def test_an_agenda_running_across_the_dst_change_keeps_real_durations():
    # A late-night meeting on the night clocks go back (26 Oct 2031, 03:00 → 02:00):
    # 02:30 CEST + 60 min is 02:30 CET, and the agenda still lasts 60 minutes.
    start = datetime.datetime(2031, 10, 26, 2, 30, tzinfo=ZURICH, fold=0)
    result = plan([Item("long", 60)], start=start, zone=ZURICH, target_minutes=60, limit_minutes=90)

    assert clock(result.end) == "02:30"
    assert result.end.fold == 1  # the second 02:30 of that night
    elapsed = result.end.astimezone(UTC) - result.start.astimezone(UTC)
    assert elapsed == datetime.timedelta(minutes=60)


def test_unknown_or_empty_zone_names_mean_no_preference():
    assert zone_or_none("") is None
    assert zone_or_none("Mars/Olympus_Mons") is None
    assert zone_or_none("America/Chicago") == CHICAGO


def test_shows_differently_compares_wall_clocks_at_that_instant():
    instant = wednesday_17h(datetime.date(2031, 1, 15))

    assert shows_differently(instant, CHICAGO)
    assert not shows_differently(instant, PARIS)
    assert not shows_differently(instant, None)
