"""VTIMEZONE: written from the zone's own transitions as RRULE-based STANDARD and DAYLIGHT
definitions (the form Outlook and tzurl.org publish, read by every client), verified against
zoneinfo for every year the calendar covers and open-ended into the future. icalendar's
`Timezone.from_tzid` writes an RDATE list valid only for a window.
"""

from __future__ import annotations

import calendar as _calendar
import datetime
import functools
import zoneinfo
from dataclasses import dataclass

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from adcmeet.lib.ical.values import UTC


@dataclass(frozen=True)
class _Onset:
    at: datetime.datetime  # UTC instant of the change
    local: datetime.datetime  # naive wall-clock time just before it (what DTSTART says)
    offset_from: datetime.timedelta
    offset_to: datetime.timedelta
    name: str
    dst: bool

    @property
    def key(self) -> tuple:
        local = self.local
        return (
            self.dst,
            self.offset_from,
            self.offset_to,
            self.name,
            local.month,
            local.weekday(),
            local.time(),
        )

    @property
    def bydays(self) -> set[int]:
        """Which "nth weekday of the month" descriptions fit: 1..4 and -1 (the last)."""
        day = self.local.day
        fits = {(day - 1) // 7 + 1}
        if day + 7 > _calendar.monthrange(self.local.year, self.local.month)[1]:
            fits.add(-1)
        return fits - {5}


def _state(tz: zoneinfo.ZoneInfo, at: datetime.datetime) -> tuple:
    local = at.astimezone(tz)
    return (local.utcoffset(), local.dst(), local.tzname())


def _onsets(tz: zoneinfo.ZoneInfo, first_year: int, last_year: int) -> list[_Onset]:
    """Every change of offset or name in the years, found by a daily scan and bisection."""
    onsets = []
    day = datetime.timedelta(days=1)
    zero = datetime.timedelta(0)
    at = datetime.datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime.datetime(last_year + 1, 1, 1, tzinfo=UTC)
    before = _state(tz, at)
    while at < end:
        after = _state(tz, at + day)
        if after != before:
            lo, hi = at, at + day
            while hi - lo > datetime.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if _state(tz, mid) == before:
                    lo = mid
                else:
                    hi = mid
            hi = hi.replace(microsecond=0)
            onsets.append(
                _Onset(
                    at=hi,
                    local=(hi + before[0]).replace(tzinfo=None),
                    offset_from=before[0],
                    offset_to=after[0],
                    name=after[2],
                    # By the offsets, not dst(): Europe/Dublin's tz data calls winter "DST".
                    dst=after[0] > before[0] if after[0] != before[0] else after[1] > zero,
                )
            )
            before = after
        at += day
    return onsets


def _runs(onsets: list[_Onset]) -> list[tuple[list[_Onset], int | None]]:
    """Group onsets into yearly rules: same kind, month, weekday and time, consecutive years,
    one "nth weekday" that fits all. Returns (onsets, byday or None for a single onset)."""
    by_key: dict[tuple, list[_Onset]] = {}
    for onset in onsets:
        by_key.setdefault(onset.key, []).append(onset)
    runs = []
    for group in by_key.values():
        run = [group[0]]
        fits = group[0].bydays
        for onset in group[1:]:
            narrowed = fits & onset.bydays
            if onset.local.year == run[-1].local.year + 1 and narrowed:
                run.append(onset)
                fits = narrowed
            else:
                runs.append((run, _pick(fits) if len(run) > 1 else None))
                run, fits = [onset], onset.bydays
        runs.append((run, _pick(fits) if len(run) > 1 else None))
    return sorted(runs, key=lambda r: r[0][0].at)


def _pick(fits: set[int]) -> int:
    # "Last Sunday" survives the years better than "5th Sunday" or "4th Sunday".
    return -1 if -1 in fits else min(fits)


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@functools.lru_cache(maxsize=64)
def _vtimezone_ical(tzid: str, first_year: int, last_year: int) -> bytes:
    tz = zoneinfo.ZoneInfo(tzid)
    # From the year before, so the first weeks of `first_year` have an onset before them
    # (summer time in the southern hemisphere spans the new year).
    onsets = _onsets(tz, first_year - 1, last_year)
    zone = Timezone()
    zone.add("tzid", tzid)
    if not onsets:
        # No changes in the years covered: one standard time from the start.
        offset, _, name = _state(tz, datetime.datetime(first_year, 1, 1, tzinfo=UTC))
        part = TimezoneStandard()
        part.add("dtstart", datetime.datetime(1970, 1, 1))
        part.add("tzoffsetfrom", offset)
        part.add("tzoffsetto", offset)
        part.add("tzname", name)
        zone.add_component(part)
        return zone.to_ical()
    last_by_key = {}
    for onset in onsets:
        last_by_key[onset.key] = onset
    for run, byday in _runs(onsets):
        first, last = run[0], run[-1]
        part = TimezoneDaylight() if first.dst else TimezoneStandard()
        part.add("dtstart", first.local)
        if byday is not None:
            rule = {
                "FREQ": "YEARLY",
                "BYMONTH": first.local.month,
                "BYDAY": f"{byday}{_WEEKDAYS[first.local.weekday()]}",
            }
            # The newest rule of each kind runs on into the future; older ones stop.
            if last is not last_by_key[first.key] or last.local.year < last_year:
                rule["UNTIL"] = last.at
            part.add("rrule", vRecur(rule))
        part.add("tzoffsetfrom", first.offset_from)
        part.add("tzoffsetto", first.offset_to)
        part.add("tzname", first.name)
        zone.add_component(part)
    return zone.to_ical()


# Beyond these years the zone's last rules stand for all time anyway (1970 is where tzdata's
# guarantees start); clamping keeps a stray year 1 or 9999 from overflowing datetime or
# scanning millennia day by day.
VTIMEZONE_YEARS = (1970, 2100)


def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """An RRULE-based VTIMEZONE for `tzid`, exact for the years given and open-ended after."""
    low, high = VTIMEZONE_YEARS
    first = min(max(first_year, low), high)
    last = min(max(last_year, first), high)
    return Timezone.from_ical(_vtimezone_ical(tzid, first, last))
