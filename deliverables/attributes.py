"""A deliverable's facts as outline lines, written by the Markdown export and read back by the
importer, so export → import is a round trip of everything the plan says about an item.

Under a deliverable's bullet, before its notes::

    - PanDA: LFC registration in the server?
      - Status: in progress
      - Owners: bob, alice
      - Deadline: 2012-01-15
      - Lead time: 282 days (start by 2011-04-08)
      - any further sub-bullets are notes

Status is one of the card's labels; a done item carries its day, ``done (2011-05-02)``.
Owners are usernames (stable, unique; display names are neither). The start-by date is
derived from the deadline and the lead time and only written for the reader. A line is
an attribute only when its value reads: anything else stays a note, as before.
"""

from __future__ import annotations

import dataclasses
import datetime
import re

from deliverables.models import Deliverable

KEYS = ("status", "owners", "deadline", "lead time")
_LINE = re.compile(r"^(Status|Owners|Deadline|Lead time):\s*(\S.*)$", re.IGNORECASE)
_DAYS = re.compile(r"^(\d{1,5}) days?$")
_STATUS_BY_LABEL = {label.casefold(): value for value, label in Deliverable.Status.choices}


@dataclasses.dataclass
class Attributes:
    status: str = Deliverable.Status.PLANNED
    done_on: datetime.date | None = None
    owners: list[str] = dataclasses.field(default_factory=list)
    deadline: datetime.date | None = None
    lead_time_days: int | None = None


def _day(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        return None


def lines_for(item: Deliverable) -> list[tuple[str, str | None]]:
    """The attribute lines of `item` as (text, parenthesised note); none for a planned item
    nobody owns without a deadline, so the export of a fresh plan reads like the slides."""
    lines: list[tuple[str, str | None]] = []
    if item.status != Deliverable.Status.PLANNED:
        done = f"{item.done_on:%Y-%m-%d}" if item.done_on else None
        lines.append((f"Status: {item.get_status_display().lower()}", done))
    usernames = sorted(owner.username for owner in item.owners.all())
    if usernames:
        lines.append((f"Owners: {', '.join(usernames)}", None))
    if item.deadline:
        lines.append((f"Deadline: {item.deadline:%Y-%m-%d}", None))
        if item.lead_time_days is not None:
            start_by = item.compute_start_by()
            lines.append(
                (f"Lead time: {item.lead_time_days} days", f"start by {start_by:%Y-%m-%d}")
            )
    return lines


def read(text: str, note: str | None) -> tuple[str, str] | None:
    """(key, value) when the outline line `text` (with its parenthesised `note`) is an
    attribute line; None when it is a note."""
    match = _LINE.match(text.strip())
    if not match:
        return None
    key, value = match.group(1).casefold(), match.group(2).strip()
    return key, f"{value} ({note})" if note else value


def apply(attrs: Attributes, key: str, value: str) -> str | None:
    """Set `key` from `value` on `attrs`; the problem in words when it does not read."""
    if key == "status":
        label, _, rest = value.partition("(")
        status = _STATUS_BY_LABEL.get(" ".join(label.split()).casefold())
        if status is None:
            return f"unknown status “{label.strip()}” (one of: {', '.join(_STATUS_BY_LABEL)})"
        attrs.status = status
        if status == Deliverable.Status.DONE:
            attrs.done_on = _day(rest.rstrip(")"))
            if attrs.done_on is None:
                return "a done item says on which day: “Status: done (2011-05-02)”"
    elif key == "owners":
        attrs.owners = [name.strip().lstrip("@") for name in value.split(",") if name.strip()]
    elif key == "deadline":
        attrs.deadline = _day(value)
        if attrs.deadline is None:
            return f"deadline “{value}” is not a date (write 2012-01-15)"
    elif key == "lead time":
        match = _DAYS.match(value.partition("(")[0].strip())
        if not match:
            return f"lead time “{value}” is not a number of days (write “30 days”)"
        attrs.lead_time_days = int(match.group(1))
    return None


def check(attrs: Attributes) -> str | None:
    if attrs.lead_time_days is not None and attrs.deadline is None:
        return "a lead time needs a deadline"
    return None
