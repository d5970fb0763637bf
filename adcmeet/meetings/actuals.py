"""Learning from what the meetings actually took (`AgendaItem.actual_seconds`, recorded by the
live clock): duration suggestions for the builder, and planned against actual on the meeting
page once the meeting ran.

Suggestions come from the series' recent history: an item presented by someone who presented
before, or a recurring item whose title ran before, is shown how long such items actually ran
on average. A recurring item is judged by its title (the open floor is the open floor whoever
chairs it), any other by its presenter. One query per builder answer, whatever the number of
items: the recent items with actuals are read once and grouped here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from adcmeet.meetings.models import AgendaItem, Meeting

Section = AgendaItem.Section
# How far back the builder looks: recent enough to reflect how the meeting runs now.
HISTORY_MEETINGS = 10
# Per presenter or title, at most this many of their latest meetings are averaged.
SUGGESTION_MEETINGS = 5


@dataclass(frozen=True)
class Suggestion:
    """How long a presenter's (or a recurring title's) items ran, on average."""

    actual_minutes: int
    planned_minutes: int
    meetings: int
    who: str = ""
    # "presenter-12" or "title-open floor": how static/js/durations.js finds it for a form.
    key: str = ""

    def __str__(self) -> str:
        last = "the last meeting" if self.meetings == 1 else f"the last {self.meetings} meetings"
        return (
            f"ran {self.actual_minutes} min on average over {last} (planned {self.planned_minutes})"
        )


def _key(*, recurring: bool, title: str, presenter_id: int | None) -> tuple | None:
    if recurring:
        return ("title", title.strip().casefold())
    if presenter_id:
        return ("presenter", presenter_id)
    return None


def history(meeting: Meeting) -> dict[tuple, Suggestion]:
    """Suggestions by key (`_key`) from the series' last `HISTORY_MEETINGS` meetings before
    this one that recorded actuals: one query."""
    ran = AgendaItem.objects.filter(meeting=OuterRef("pk"), actual_seconds__isnull=False)
    recent = (
        Meeting.objects.filter(series=meeting.series_id, start__lt=meeting.start)
        .filter(Exists(ran))
        .order_by("-start")
        .values("pk")[:HISTORY_MEETINGS]
    )
    rows = (
        AgendaItem.objects.live()
        .filter(meeting__in=recent, actual_seconds__isnull=False)
        .order_by("-meeting__start", "position")
        .values_list(
            "meeting_id",
            "recurring",
            "title",
            "presenter_id",
            "presenter__name",
            "presenter__username",
            "actual_seconds",
            "duration_minutes",
        )
    )
    runs: dict[tuple, list] = defaultdict(list)
    names: dict[tuple, str] = {}
    for meeting_id, recurring, title, presenter_id, name, username, seconds, planned in rows:
        keys = [_key(recurring=False, title=title, presenter_id=presenter_id)]
        if recurring:
            keys.append(_key(recurring=True, title=title, presenter_id=None))
        for key in keys:
            if key is None:
                continue
            seen = {run[0] for run in runs[key]}
            if meeting_id not in seen and len(seen) >= SUGGESTION_MEETINGS:
                continue  # older than the latest meetings counted
            runs[key].append((meeting_id, seconds, planned))
            names[key] = title if key[0] == "title" else (name or username)
    suggestions = {}
    for key, found in runs.items():
        suggestions[key] = Suggestion(
            actual_minutes=round(sum(run[1] for run in found) / len(found) / 60),
            planned_minutes=round(sum(run[2] for run in found) / len(found)),
            meetings=len({run[0] for run in found}),
            who=names[key],
            key=f"{key[0]}-{key[1]}",
        )
    return suggestions


def suggestion_for(item: AgendaItem, known: dict[tuple, Suggestion]) -> Suggestion | None:
    key = _key(recurring=item.recurring, title=item.title, presenter_id=item.presenter_id)
    found = known.get(key) if key else None
    if found is None and item.recurring and item.presenter_id:
        found = known.get(("presenter", item.presenter_id))
    return found


def builder_suggestions(meeting: Meeting, sections: list[dict], *, whole: bool) -> dict:
    """Put each drawn item's suggestion on its builder row (`row["suggestion"]`) and, for the
    whole builder, list every known one (what the add and edit forms' durations.js reads).

    An htmx answer that keeps the list draws only the rows of the sections it redraws or
    appends to: the history is read only if one of them can have a suggestion (a presenter or
    a recurring title), so adding an item nobody presents, or a change that draws no row,
    reads nothing."""
    drawn = [
        row
        for section in sections
        if whole or section.get("redraw") or section.get("appended")
        for row in (section["rows"] if whole or section.get("redraw") else section["appended"])
    ]
    if not whole and not any(
        row["planned"].item.presenter_id or row["planned"].item.recurring for row in drawn
    ):
        return {"duration_history": []}
    known = history(meeting)
    for row in drawn:
        row["suggestion"] = suggestion_for(row["planned"].item, known)
    if not whole:
        return {"duration_history": []}
    listed = sorted(known.items(), key=lambda pair: (pair[0][0] != "title", pair[1].who.lower()))
    return {"duration_history": [suggestion for _, suggestion in listed]}


# --- planned against actual -------------------------------------------------------------


@dataclass(frozen=True)
class SectionActuals:
    key: str
    label: str
    planned_minutes: int
    actual_minutes: int | None
    not_reached: int

    @property
    def difference(self) -> int | None:
        if self.actual_minutes is None:
            return None
        return self.actual_minutes - self.planned_minutes


def _minutes(seconds: int) -> int:
    return round(seconds / 60)


def planned_vs_actual(meeting: Meeting, items: list[AgendaItem]) -> dict | None:
    """Per section and in total, what was planned and what it took, against the series'
    objective and hard limit; None before the meeting ran (not held, nothing recorded).
    Reads nothing: `items` is the live agenda the page already has."""
    recorded = [item for item in items if item.actual_seconds is not None]
    if meeting.state != Meeting.State.HELD and not recorded:
        return None
    sections = []
    for key, label in Section.choices:
        mine = [item for item in items if item.section == key]
        if not mine:
            continue
        ran = [item.actual_seconds for item in mine if item.actual_seconds is not None]
        sections.append(
            SectionActuals(
                key=key,
                label=label,
                planned_minutes=sum(item.duration_minutes for item in mine),
                actual_minutes=_minutes(sum(ran)) if ran else None,
                not_reached=sum(1 for item in mine if item.not_reached),
            )
        )
    planned = sum(item.duration_minutes for item in items)
    actual = _minutes(sum(item.actual_seconds for item in recorded)) if recorded else None
    target, limit = meeting.series.target_minutes, meeting.series.limit_minutes
    return {
        "sections": sections,
        "planned_minutes": planned,
        "actual_minutes": actual,
        "difference": None if actual is None else actual - planned,
        "target_minutes": target,
        "limit_minutes": limit,
        "over_target": actual is not None and actual > target,
        "over_limit": actual is not None and actual > limit,
        "not_reached": sum(1 for item in items if item.not_reached),
    }
