"""Times as mail shows them: on the series' wall clock, in UTC, and on the reader's own clock
when their account names a zone that reads differently.

Mail is read far from Geneva (Dubna, Chicago, Tokyo): the series' time alone makes each
reader convert, and a wrong conversion is a missed meeting. The strings are built here, once,
so templates never convert (they would use the site's zone).
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

UTC = datetime.UTC


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def long_form(moment: datetime.datetime, zone: datetime.tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%A %d %B %Y, %H:%M} {local:%Z}"


def short_form(moment: datetime.datetime, zone: datetime.tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %Y %H:%M}"


def utc_form(moment: datetime.datetime) -> str:
    return f"{moment.astimezone(UTC):%a %d %b %Y, %H:%M} UTC"


def reader_zone(series_zone: str, reader: str) -> zoneinfo.ZoneInfo | None:
    """The reader's zone when it is valid and is not the series' own (then one line is enough)."""
    if not reader or reader == series_zone:
        return None
    return _zone(reader)


def times(
    start: datetime.datetime,
    *,
    series_zone: str,
    reader: str = "",
    moved_from: datetime.datetime | None = None,
) -> dict[str, Any]:
    """The context entries every meeting mail uses for its time (see the module docstring)."""
    zone = _zone(series_zone) or UTC
    mine = reader_zone(series_zone, reader)
    context: dict[str, Any] = {
        "when": long_form(start, zone),
        "when_short": short_form(start, zone),
        "when_utc": utc_form(start),
        "when_reader": long_form(start, mine) if mine else "",
        "reader_zone": str(mine) if mine else "",
        "moved_from": "",
        "moved_from_utc": "",
        "moved_from_reader": "",
    }
    if moved_from is not None:
        context["moved_from"] = long_form(moved_from, zone)
        context["moved_from_utc"] = utc_form(moved_from)
        context["moved_from_reader"] = long_form(moved_from, mine) if mine else ""
    return context
