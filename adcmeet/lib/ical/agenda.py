"""The agenda as a calendar event tells it: meeting order, clock times, the DESCRIPTION text."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any

from adcmeet.lib.agenda import PlannedItem, plan
from adcmeet.lib.ical.values import _absolute

# The order of the meeting: the focus topic first, the open floor last.
SECTION_ORDER = {"focus": 0, "hot": 1, "tracking": 2, "open_floor": 3}
SECTION_TITLES = {
    "focus": "Focus topic",
    "hot": "Hot topics",
    "tracking": "Deliverable tracking",
    "open_floor": "Open floor",
}


def ordered_items(items: Iterable[Any]) -> list[Any]:
    """Agenda items in meeting order (as `AgendaItemQuerySet.in_agenda_order`): by section,
    then position, then id, so prefetched items need no ORDER BY of their own."""
    return sorted(items, key=lambda i: (SECTION_ORDER.get(i.section, 99), i.position, i.pk or 0))


def agenda_schedule(meeting: Any, items: Iterable[Any]) -> list[PlannedItem]:
    """Planned clock times in the series' zone, from the shared time budget (lib/agenda)."""
    series = meeting.series
    return plan(
        ordered_items(items),
        start=meeting.start,
        zone=zoneinfo.ZoneInfo(series.time_zone),
        target_minutes=series.target_minutes,
        limit_minutes=series.limit_minutes,
    ).items


def meeting_end(meeting: Any, items: Sequence[Any]) -> datetime.datetime:
    """The planned end: the agenda's total length, or the series' target for an empty one."""
    minutes = sum(i.duration_minutes for i in items) or meeting.series.target_minutes
    return meeting.start + datetime.timedelta(minutes=minutes)


def _presenter(item: Any) -> str:
    return getattr(item, "presenter_display", "") or ""


def meeting_summary(meeting: Any) -> str:
    title = meeting.title or meeting.series.name
    return f"Cancelled: {title}" if meeting.state == "cancelled" else title


def _room(meeting: Any) -> str:
    return meeting.location or meeting.series.location


def _video(meeting: Any) -> str:
    return meeting.video_url or meeting.series.video_url


def agenda_text(
    meeting: Any, items: Sequence[Any], *, site_url: str, presenter_id: int | None = None
) -> str:
    """The agenda as plain text for DESCRIPTION: clock times, titles, presenters, sections."""
    lines: list[str] = []
    slots = agenda_schedule(meeting, items)
    if meeting.state == "cancelled":
        reason = f": {meeting.cancel_reason}" if meeting.cancel_reason else "."
        lines += [f"This meeting is cancelled{reason}", ""]
    elif meeting.state == "draft":
        lines += ["Draft agenda, not yet published: it may still change.", ""]
    if presenter_id is not None:
        mine = [s for s in slots if s.item.presenter_id == presenter_id]
        for slot in mine:
            lines.append(f"You present: {slot.item.title} at {slot.start:%H:%M}")
        if mine:
            lines.append("")
    if slots:
        lines.append(f"Agenda (times {meeting.series.time_zone}):")
        section = None
        for slot in slots:
            if slot.item.section != section:
                section = slot.item.section
                lines += ["", SECTION_TITLES.get(section, section)]
            who = _presenter(slot.item)
            line = f"{slot.start:%H:%M}  {slot.item.title}"
            if who:
                line += f" — {who}"
            lines.append(f"{line} ({slot.item.duration_minutes} min)")
    else:
        lines.append("No agenda items yet.")
    lines.append("")
    if _room(meeting):
        lines.append(f"Room: {_room(meeting)}")
    if _video(meeting):
        lines.append(f"Video: {_video(meeting)}")
    lines.append(f"Meeting page: {_absolute(site_url, meeting.get_absolute_url())}")
    return "\n".join(lines)
