"""The clock of a meeting being run, as a pure function of its stored state and `now`.

The live session (adcmeet.meetings.models.LiveSession) stores only instants and sums: when the
current item was (re)taken up and how long it had run before, when the clock was paused and
how long all pauses lasted. Everything a page shows — the item's countdown, the meeting's
elapsed time, ahead or behind against plan, the colour — is computed here from those, so the
server, the watchers' panel and the tests agree, and nothing ticks in the database.

All instants are UTC: daylight saving time never enters a duration.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

# The colour turns amber once the meeting, as projected, would end past its objective
# (series.target_minutes): there is still time to shorten the rest. It turns red when the
# projected end comes within RED_MARGIN_SECONDS of the hard limit (series.limit_minutes) or
# past it: the last moment to drop an item rather than overrun the room and the video call.
RED_MARGIN_SECONDS = 5 * 60

OK, AMBER, RED = "ok", "amber", "red"


class ClockItem(Protocol):
    pk: int
    duration_minutes: int
    actual_seconds: int | None


class ClockSession(Protocol):
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    current_item_id: int | None
    item_started_at: datetime.datetime | None
    item_elapsed_seconds: int
    paused_at: datetime.datetime | None
    paused_seconds: int


@dataclass(frozen=True)
class Clock:
    """What the clock says at one instant. Seconds throughout; `behind_seconds` is positive
    when the meeting runs late against plan, negative when it is ahead."""

    running: bool
    paused: bool
    ended: bool
    current_item_id: int | None
    position: int  # 1-based place of the current item in the running order, 0 if none
    count: int
    item_planned_seconds: int
    item_elapsed_seconds: int
    item_remaining_seconds: int  # negative once the item overruns
    item_planned_offset_seconds: int  # where the plan puts the current item's start
    meeting_elapsed_seconds: int
    planned_seconds: int
    projected_seconds: int
    behind_seconds: int
    target_seconds: int
    limit_seconds: int
    level: str

    @property
    def item_overrun(self) -> bool:
        return self.item_remaining_seconds < 0


def _seconds(delta: datetime.timedelta) -> int:
    return max(0, int(delta.total_seconds()))


def item_elapsed(session: ClockSession, now: datetime.datetime) -> int:
    """Seconds the current item has run in all (earlier visits included, pauses excluded)."""
    if session.current_item_id is None or session.item_started_at is None:
        return session.item_elapsed_seconds
    until = session.paused_at or session.ended_at or now
    return session.item_elapsed_seconds + _seconds(until - session.item_started_at)


def meeting_elapsed(session: ClockSession, now: datetime.datetime) -> int:
    """Seconds the meeting has run, pauses excluded."""
    until = session.paused_at or session.ended_at or now
    return max(0, _seconds(until - session.started_at) - session.paused_seconds)


def level(projected: int, *, target_seconds: int, limit_seconds: int) -> str:
    if projected >= limit_seconds - RED_MARGIN_SECONDS:
        return RED
    if projected > target_seconds:
        return AMBER
    return OK


def clock(
    session: ClockSession,
    items: Sequence[ClockItem],
    *,
    now: datetime.datetime,
    target_minutes: int,
    limit_minutes: int,
) -> Clock:
    """The clock of `session` at `now`, over the live `items` in running order.

    The projection is what has run plus what is still planned: the current item's remaining
    planned time (none once it overruns) and the full planned time of every item never taken
    up. Items already left count as they ran; a return to an earlier item adds to it."""
    planned = sum(item.duration_minutes for item in items) * 60
    current = session.current_item_id
    index = next((i for i, item in enumerate(items) if item.pk == current), None)
    elapsed = meeting_elapsed(session, now)
    on_item = item_elapsed(session, now) if index is not None else 0
    item_planned = items[index].duration_minutes * 60 if index is not None else 0
    offset = sum(item.duration_minutes for item in items[:index]) * 60 if index else 0
    untouched = sum(
        item.duration_minutes * 60
        for item in items
        if item.pk != current and item.actual_seconds is None
    )
    if session.ended_at is not None:
        untouched = 0  # what was not reached is not run any more
    projected = elapsed + max(0, item_planned - on_item) + untouched
    target, limit = target_minutes * 60, limit_minutes * 60
    return Clock(
        running=session.ended_at is None and session.paused_at is None,
        paused=session.ended_at is None and session.paused_at is not None,
        ended=session.ended_at is not None,
        current_item_id=current if index is not None else None,
        position=index + 1 if index is not None else 0,
        count=len(items),
        item_planned_seconds=item_planned,
        item_elapsed_seconds=on_item,
        item_remaining_seconds=item_planned - on_item,
        item_planned_offset_seconds=offset,
        meeting_elapsed_seconds=elapsed,
        planned_seconds=planned,
        projected_seconds=projected,
        behind_seconds=projected - planned,
        target_seconds=target,
        limit_seconds=limit,
        level=level(projected, target_seconds=target, limit_seconds=limit),
    )


def mmss(seconds: int) -> str:
    """12:05, -3:20 (an overrun), 1:02:03 past an hour."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"
