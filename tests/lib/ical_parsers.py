"""Independent readers of our iCalendar output, reduced to one comparable shape.

Besides icalendar (which wrote it): vobject (dateutil's VTIMEZONE reader), the strict Python
`ical` package and Mozilla's ical.js (Thunderbird's engine) under Node. Times come back in UTC
as each parser computes them; `own_zone` renames the zone so a parser can only use the
VTIMEZONE the feed carries, never its own copy of the tz database.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream

JS_DIR = Path(__file__).resolve().parent.parent / "js"
UTC = datetime.UTC


@dataclass(frozen=True)
class Parsed:
    uid: str
    summary: str
    description: str
    status: str
    sequence: int
    start: datetime.datetime | datetime.date  # aware UTC, or a date for all-day events
    end: datetime.datetime | datetime.date | None
    location: str = ""


def own_zone(text: str, tzid: str = "Europe/Zurich", alias: str = "Feed-Defined-Zone") -> str:
    """The same calendar with the zone renamed to one no tz database knows."""
    return text.replace(f"TZID:{tzid}", f"TZID:{alias}").replace(f"TZID={tzid}", f"TZID={alias}")


def _utc(value):
    if isinstance(value, datetime.datetime):
        assert value.tzinfo is not None, "a floating time: the zone was not resolved"
        return value.astimezone(UTC)
    return value


def _text(value) -> str:
    return "" if value is None else str(value)


def parse_icalendar(text: str) -> list[Parsed]:
    cal = icalendar.Calendar.from_ical(text)
    return [
        Parsed(
            uid=str(event["UID"]),
            summary=_text(event.get("SUMMARY")),
            description=_text(event.get("DESCRIPTION")),
            status=_text(event.get("STATUS")),
            sequence=int(event.get("SEQUENCE", 0)),
            start=_utc(event.decoded("DTSTART")),
            end=_utc(event.decoded("DTEND")) if "DTEND" in event else None,
            location=_text(event.get("LOCATION")),
        )
        for event in cal.walk("VEVENT")
    ]


def parse_vobject(text: str) -> list[Parsed]:
    cal = vobject.readOne(text)
    out = []
    for event in getattr(cal, "vevent_list", []):
        contents = event.contents
        out.append(
            Parsed(
                uid=event.uid.value,
                summary=event.summary.value if "summary" in contents else "",
                description=event.description.value if "description" in contents else "",
                status=event.status.value if "status" in contents else "",
                sequence=int(event.sequence.value) if "sequence" in contents else 0,
                start=_utc(event.dtstart.value),
                end=_utc(event.dtend.value) if "dtend" in contents else None,
                location=event.location.value if "location" in contents else "",
            )
        )
    return out


def parse_ical(text: str) -> list[Parsed]:
    """The `ical` package (pydantic-validated, strict about RFC 5545)."""
    cal = IcsCalendarStream.calendar_from_ics(text)
    return [
        Parsed(
            uid=event.uid,
            summary=event.summary or "",
            description=event.description or "",
            status=str(event.status.value) if event.status else "",
            sequence=event.sequence or 0,
            start=_utc(event.dtstart),
            end=_utc(event.dtend) if event.dtend else None,
            location=event.location or "",
        )
        for event in cal.events
    ]


def run_icaljs(text: str, node: str) -> dict:
    """ical.js's reading of `text`, as printed by tests/js/parse_ics.mjs."""
    # A zone far from Zurich and UTC, so a time read as floating cannot pass for right.
    env = {**os.environ, "TZ": "America/Chicago"}
    env.pop("NODE_PATH", None)
    result = subprocess.run(
        [node, str(JS_DIR / "parse_ics.mjs")],
        input=text.encode(),
        capture_output=True,
        cwd=JS_DIR,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def _js_time(value: str | None):
    if value is None:
        return None
    if len(value) == 10:
        return datetime.date.fromisoformat(value)
    assert value.endswith("Z"), f"ical.js did not convert {value} to UTC"
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_icaljs(text: str, node: str) -> list[Parsed]:
    return [
        Parsed(
            uid=event["uid"],
            summary=event["summary"] or "",
            description=event["description"] or "",
            status=event["status"] or "",
            sequence=event["sequence"] or 0,
            start=_js_time(event["start"]),
            end=_js_time(event["end"]),
            location=event["location"] or "",
        )
        for event in run_icaljs(text, node)["events"]
    ]


PYTHON_PARSERS = {"icalendar": parse_icalendar, "vobject": parse_vobject, "ical": parse_ical}


def parse_all(text: str, node: str) -> dict[str, list[Parsed]]:
    """Every parser's reading, keyed by parser name."""
    readings = {name: parse(text) for name, parse in PYTHON_PARSERS.items()}
    readings["ical.js"] = parse_icaljs(text, node)
    return readings


def physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n"), "content lines end in CRLF"
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines), "bare CR or LF"
    return lines
