"""The time budget of an agenda: planned clock times, the total and what is left.

Plain functions over anything with a `duration_minutes`, so the meeting page, the builder and
the agenda mail all compute the same times. Clock times are computed in the series' zone from
the meeting's aware start (17:00 Zurich is 16:00 UTC in January and 15:00 UTC in July) and,
where the viewer's zone shows a different wall clock, also in the viewer's zone.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class HasDuration(Protocol):
    duration_minutes: int


@dataclass(frozen=True)
class PlannedItem:
    item: Any
    start: datetime.datetime  # in the series' zone
    end: datetime.datetime
    # The same instants in the viewer's zone, or None where its wall clock is the series' one.
    viewer_start: datetime.datetime | None
    viewer_end: datetime.datetime | None
    offset_minutes: int  # from the meeting start


@dataclass(frozen=True)
class Budget:
    items: list[PlannedItem]
    start: datetime.datetime
    end: datetime.datetime
    viewer_start: datetime.datetime | None
    viewer_end: datetime.datetime | None
    viewer_zone: str | None
    total_minutes: int
    target_minutes: int
    limit_minutes: int

    @property
    def remaining_to_target(self) -> int:
        """Minutes left before the objective; negative once past it."""
        return self.target_minutes - self.total_minutes

    @property
    def remaining_to_limit(self) -> int:
        return self.limit_minutes - self.total_minutes

    @property
    def over_target(self) -> bool:
        return self.total_minutes > self.target_minutes

    @property
    def over_limit(self) -> bool:
        return self.total_minutes > self.limit_minutes

    @property
    def level(self) -> str:
        """ "ok", "warning" (over the objective) or "blocked" (over the limit)."""
        if self.over_limit:
            return "blocked"
        if self.over_target:
            return "warning"
        return "ok"

    @property
    def message(self) -> str:
        if self.over_limit:
            return limit_message(self.total_minutes, self.limit_minutes)
        if self.over_target:
            return (
                f"The agenda runs {self.total_minutes} min, "
                f"{self.total_minutes - self.target_minutes} min over the "
                f"{self.target_minutes}-min objective (the limit is {self.limit_minutes} min)."
            )
        return (
            f"{self.total_minutes} min planned: {self.remaining_to_target} min left to the "
            f"{self.target_minutes}-min objective, {self.remaining_to_limit} min to the "
            f"{self.limit_minutes}-min limit."
        )


def limit_message(total_minutes: int, limit_minutes: int) -> str:
    return (
        f"The agenda runs {total_minutes} min, {total_minutes - limit_minutes} min over the "
        f"{limit_minutes}-min limit of the series: shorten or drop items before publishing."
    )


def shows_differently(instant: datetime.datetime, zone: zoneinfo.ZoneInfo | None) -> bool:
    """Whether `zone` reads a different wall clock than `instant`'s own zone at that instant.

    Paris and Zurich always agree, so a Paris viewer sees one time; Chicago differs.
    """
    if zone is None:
        return False
    return instant.utcoffset() != instant.astimezone(zone).utcoffset()


def zone_or_none(name: str | None) -> zoneinfo.ZoneInfo | None:
    """A zone from a user's profile; unknown or empty names mean "no preference"."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def plan(
    items: Iterable[HasDuration],
    *,
    start: datetime.datetime,
    zone: zoneinfo.ZoneInfo,
    target_minutes: int,
    limit_minutes: int,
    viewer_zone: zoneinfo.ZoneInfo | None = None,
) -> Budget:
    """Lay `items` (already in agenda order) end to end from `start`.

    Arithmetic happens on absolute instants, so an agenda spanning a DST change is still
    right; each time is then shown in the series' zone and, if different, the viewer's.
    """
    if start.tzinfo is None:
        raise ValueError("The meeting start must be an aware datetime.")
    # Python adds timedeltas to aware datetimes on the wall clock of their own zone; in UTC
    # that is real elapsed time.
    origin = start.astimezone(datetime.UTC)
    first = _in(origin, zone)
    other = viewer_zone if shows_differently(first, viewer_zone) else None
    planned: list[PlannedItem] = []
    offset = 0
    for item in items:
        begin = origin + datetime.timedelta(minutes=offset)
        offset += item.duration_minutes
        end = origin + datetime.timedelta(minutes=offset)
        planned.append(
            PlannedItem(
                item=item,
                start=_in(begin, zone),
                end=_in(end, zone),
                viewer_start=_in(begin, other) if other else None,
                viewer_end=_in(end, other) if other else None,
                offset_minutes=offset - item.duration_minutes,
            )
        )
    end = origin + datetime.timedelta(minutes=offset)
    return Budget(
        items=planned,
        start=first,
        end=_in(end, zone),
        viewer_start=_in(first, other) if other else None,
        viewer_end=_in(end, other) if other else None,
        viewer_zone=str(other) if other else None,
        total_minutes=offset,
        target_minutes=target_minutes,
        limit_minutes=limit_minutes,
    )


def total_minutes(items: Sequence[HasDuration]) -> int:
    return sum(item.duration_minutes for item in items)


def _in(instant: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    # Through UTC so the wall clock (and fold) is re-derived from the zone's rules.
    return instant.astimezone(datetime.UTC).astimezone(zone)
