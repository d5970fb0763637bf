"""Period labels as an outline writes them ("April", "Summer 2012", "Q3", "Later") and the
dates they stand for, read in outline order (see deliverables.importer for the rules)."""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import re

from deliverables.models import Period

MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
} | {"sept": 9}
SEASONS = {
    "winter": (1, 2),
    "spring": (3, 5),
    "summer": (6, 8),
    "fall": (9, 12),
    "autumn": (9, 12),
}
QUARTERS = {"q1": (1, 3), "q2": (4, 6), "q3": (7, 9), "q4": (10, 12), "h1": (1, 6), "h2": (7, 12)}
OPEN_ENDED = {"later", "longer term", "long term", "future", "beyond"}
_LABEL_RE = re.compile(r"^(?P<name>[a-z][a-z0-9 ]*?)(?:\s+(?P<year>(?:19|20|21)\d\d))?$")


@dataclasses.dataclass(frozen=True)
class Bucket:
    """A period name's nominal range: months `first`..`last` of `year`, or open-ended."""

    first: int = 1
    last: int = 12
    year: int | None = None
    open_ended: bool = False


def resolve_period(label: str) -> Bucket | None:
    """The bucket a period label names, or None when it names none."""
    key = " ".join(label.strip().rstrip(":").lower().split())
    match = _LABEL_RE.match(key)
    if not match:
        return None
    name, year = match["name"], int(match["year"]) if match["year"] else None
    if name in OPEN_ENDED:
        return Bucket(open_ended=True) if year is None else None
    if name in MONTHS:
        return Bucket(MONTHS[name], MONTHS[name], year)
    if name in SEASONS:
        return Bucket(*SEASONS[name], year)
    if name in QUARTERS:
        return Bucket(*QUARTERS[name], year)
    return None


def month_range(year: int, first: int, last: int) -> tuple[datetime.date, datetime.date]:
    return (
        datetime.date(year, first, 1),
        datetime.date(year, last, calendar.monthrange(year, last)[1]),
    )


@dataclasses.dataclass
class PlannedPeriod:
    label: str
    start: datetime.date
    end: datetime.date | None
    line_no: int
    existing: Period | None = None
    created: Period | None = None

    @property
    def is_new(self) -> bool:
        return self.existing is None

    @property
    def row(self) -> Period | None:
        return self.existing or self.created


def overlap(planned: PlannedPeriod, rows) -> Period | None:
    far = datetime.date.max
    for row in rows:
        if planned.start <= (row.end or far) and row.start <= (planned.end or far):
            return row
    return None


def span(start: datetime.date, end: datetime.date | None) -> str:
    return f"{start:%-d %b %Y} to {end:%-d %b %Y}" if end else f"from {start:%-d %b %Y}"


def plan_dates(
    label: str,
    bucket: Bucket,
    line_no: int,
    year: int,
    previous: PlannedPeriod | None,
    errors: list[tuple[int, str]],
) -> PlannedPeriod | None:
    if bucket.open_ended:
        if previous is None:
            return PlannedPeriod(label, datetime.date(year, 1, 1), None, line_no)
        if previous.end is None:
            errors.append((line_no, f"“{label}” follows “{previous.label}”, which never ends"))
            return None
        return PlannedPeriod(label, previous.end + datetime.timedelta(days=1), None, line_no)
    if previous is not None and previous.end is None:
        errors.append((line_no, f"“{label}” comes after the open-ended “{previous.label}”"))
        return None
    start, end = month_range(bucket.year or year, bucket.first, bucket.last)
    if bucket.year is None and previous is not None and start < previous.start:
        start, end = month_range(start.year + 1, bucket.first, bucket.last)
    if previous is not None and previous.end is not None and start <= previous.end:
        start = previous.end + datetime.timedelta(days=1)
        if start > end:
            errors.append(
                (
                    line_no,
                    f"“{label}” lies within “{previous.label}” above it; list periods in order",
                )
            )
            return None
    return PlannedPeriod(label, start, end, line_no)
