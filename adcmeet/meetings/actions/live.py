"""Running a meeting live: start it, step through the agenda, pause, end, close.

Every step of the clock claims the live session's `version` (adcmeet.core.versioning): two
conveners pressing Next on the same state move the clock once, and the second is told where
the clock is now (`ClockMoved`, a 409). One convener drives; another must take over first
(`NotDriving`, a 422), which claims the version like any step.

What an item ran is kept on the item as the clock leaves it: `actual_seconds` is the item's
whole running time over all its visits (pauses excluded), `started_at` its first taking up,
`ended_at` its last leaving. The clock's arithmetic is adcmeet.lib.live_clock.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.core import text as usertext
from adcmeet.core.versioning import Conflict, Refused, claim
from adcmeet.lib import live_clock
from adcmeet.meetings.actions.common import lock_meeting, save_meeting
from adcmeet.meetings.actions.minutes import publish_minutes, save_item_minutes
from adcmeet.meetings.models import AgendaItem, LiveSession, Meeting

NOTE_LENGTH = 500
# The history's reason when End makes the meeting held; Reopen reads it (actions.live_end).
END_REASON = "Ended in live mode."
# Starting earlier than this before the meeting's start is a mis-click on a later meeting
# (which End would then mark held); any time after the start is fine (a late meeting).
EARLIEST_START = datetime.timedelta(days=1)


class LiveError(Refused):
    """A step the live clock refuses; the message is shown to the convener as is."""


class NotDriving(LiveError):
    """Another convener drives the clock: take over first."""


class ClockMoved(Conflict):
    """The step was based on a clock that has moved since; `current` is the session now."""

    def __init__(self, session: LiveSession | None):
        if session is None:
            message = "This meeting is no longer being run live; your step was not applied."
        else:
            message = (
                "The clock moved meanwhile (someone else stepped it); your step was not "
                f"applied. It is now {describe(session)}."
            )
        super().__init__(session, message)


def describe(session: LiveSession) -> str:
    """Where the clock stands, in words, for a conflict's message."""
    if session.ended_at is not None:
        return "ended"
    item = AgendaItem.objects.filter(pk=session.current_item_id).values_list("title", flat=True)
    title = next(iter(item), None)
    where = f"on “{title}”" if title else "on no item"
    return f"{where}, paused" if session.paused_at else where


def running_order(meeting: Meeting) -> list[AgendaItem]:
    return list(AgendaItem.objects.live().filter(meeting=meeting).in_agenda_order())


@dataclass(frozen=True)
class LiveState:
    """The session with its agenda and the clock at one instant, for whoever shows it."""

    session: LiveSession
    items: list[AgendaItem]
    clock: live_clock.Clock

    @property
    def current(self) -> AgendaItem | None:
        return next((i for i in self.items if i.pk == self.session.current_item_id), None)


def state(session: LiveSession, *, now: datetime.datetime | None = None) -> LiveState:
    meeting = session.meeting
    items = running_order(meeting)
    series = meeting.series
    clock = live_clock.clock(
        session,
        items,
        now=now or timezone.now(),
        target_minutes=series.target_minutes,
        limit_minutes=series.limit_minutes,
    )
    return LiveState(session=session, items=items, clock=clock)


def fresh_session(pk) -> LiveSession | None:
    return LiveSession.objects.select_related("meeting__series", "driver").filter(pk=pk).first()


def _claim(session: LiveSession, version: int | None, by: User | None) -> LiveSession:
    """Claim the clock's `version` for a step by `by`, who must be driving it."""
    try:
        claim(session, version, fresh=fresh_session)
    except Conflict as conflict:
        raise ClockMoved(conflict.current) from None
    if session.ended_at is not None:
        raise LiveError("The meeting has ended; the clock no longer moves.")
    if by is not None and session.driver_id not in (None, by.pk):
        name = session.driver.display_name if session.driver else "Another convener"
        raise NotDriving(f"{name} is driving the clock; take over first to step it.")
    return session


def enter(session: LiveSession, item: AgendaItem | None, now: datetime.datetime) -> None:
    """Take `item` up: its countdown goes on from what it ran on earlier visits."""
    session.current_item = item
    session.item_started_at = now if item else None
    session.item_elapsed_seconds = (item.actual_seconds or 0) if item else 0
    if item is not None and item.started_at is None:
        AgendaItem.objects.filter(pk=item.pk).update(started_at=now)


def _leave(session: LiveSession, now: datetime.datetime) -> None:
    """Leave the current item: its whole running time so far becomes its actual time."""
    if session.current_item_id is None:
        return
    ran = live_clock.item_elapsed(session, now)
    AgendaItem.objects.filter(pk=session.current_item_id).update(
        actual_seconds=ran, ended_at=now, not_reached=False
    )


def _resume(session: LiveSession, now: datetime.datetime) -> None:
    """End a pause: the pause counts toward neither the item nor the meeting."""
    if session.paused_at is None:
        return
    if session.item_started_at is not None:
        session.item_elapsed_seconds += int(
            (session.paused_at - session.item_started_at).total_seconds()
        )
        session.item_started_at = now
    session.paused_seconds += int((now - session.paused_at).total_seconds())
    session.paused_at = None


def save_session(session: LiveSession, by: User | None, now: datetime.datetime) -> LiveSession:
    if by is not None and session.driver_id == by.pk:
        session.driver_seen_at = now
    session.save()
    return session


def start_meeting(*, meeting: Meeting, by: User | None, now=None) -> LiveSession:
    """Start the clock on the first item of the agenda; `by` drives it."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = lock_meeting(meeting.pk)
        if meeting.state in (Meeting.State.DRAFT, Meeting.State.CANCELLED):
            raise LiveError(
                "Only a published meeting can be run live; this one is "
                f"{meeting.get_state_display().lower()}."
            )
        if now < meeting.start - EARLIEST_START:
            raise LiveError(
                "This meeting starts on "
                f"{timezone.localtime(meeting.start, meeting.series.tz):%-d %B %Y at %H:%M}: "
                "it can be run live from a day before its start. Is this the right meeting?"
            )
        existing = LiveSession.objects.select_related("driver").filter(meeting=meeting).first()
        if existing is not None:
            if existing.ended_at is not None:
                raise LiveError("This meeting was already run live and has ended.")
            name = existing.driver.display_name if existing.driver else "another convener"
            raise LiveError(f"This meeting is already running; {name} is driving the clock.")
        items = running_order(meeting)
        if not items:
            raise LiveError("The agenda is empty: add items before running the meeting.")
        session = LiveSession(
            meeting=meeting, started_at=now, driver=by, driver_seen_at=now if by else None
        )
        enter(session, items[0], now)
        session.save()
    return session


def step(
    *,
    session: LiveSession,
    version: int | None,
    by: User | None,
    to: str | int,
    now=None,
) -> LiveSession:
    """Move the clock: `to` is "next", "previous" or an item's id (a jump). Stepping while
    paused resumes the clock: the convener moved on, the room is talking again."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _claim(session, version, by)
        items = running_order(session.meeting)
        ids = [item.pk for item in items]
        here = ids.index(session.current_item_id) if session.current_item_id in ids else -1
        if to == "next":
            target = here + 1
            if target >= len(items):
                raise LiveError("This is the last item: end the meeting instead.")
        elif to == "previous":
            target = here - 1
            if target < 0:
                raise LiveError("This is the first item; there is none before it.")
        elif to in ids:
            target = ids.index(to)
        else:
            raise LiveError("That item is not on this meeting's agenda (any more).")
        _resume(session, now)
        if target != here:
            _leave(session, now)
            enter(session, items[target], now)
        return save_session(session, by, now)


def pause(*, session: LiveSession, version: int | None, by: User | None, now=None) -> LiveSession:
    now = now or timezone.now()
    with transaction.atomic():
        session = _claim(session, version, by)
        if session.paused_at is None:
            session.paused_at = now
        return save_session(session, by, now)


def resume(*, session: LiveSession, version: int | None, by: User | None, now=None) -> LiveSession:
    now = now or timezone.now()
    with transaction.atomic():
        session = _claim(session, version, by)
        _resume(session, now)
        return save_session(session, by, now)


def end_meeting(
    *, session: LiveSession, version: int | None, by: User | None, now=None
) -> LiveSession:
    """End the meeting: the current item is finished, every item never taken up is marked
    "not reached" (proposed again next time), and the meeting is held."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _claim(session, version, by)
        _resume(session, now)
        _leave(session, now)
        session.current_item = None
        session.item_started_at = None
        session.ended_at = now
        AgendaItem.objects.live().filter(
            meeting=session.meeting_id, started_at__isnull=True
        ).update(not_reached=True)
        meeting = lock_meeting(session.meeting_id)
        if meeting.state != Meeting.State.HELD:
            meeting.state = Meeting.State.HELD
            meeting._change_reason = END_REASON
            save_meeting(meeting, by, "state")
        session.meeting = meeting
        return save_session(session, by, now)


def take_over(*, session: LiveSession, version: int | None, by: User, now=None) -> LiveSession:
    """`by` drives the clock from now on; the former driver's next step is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            claim(session, version, fresh=fresh_session)
        except Conflict as conflict:
            raise ClockMoved(conflict.current) from None
        if session.ended_at is not None:
            raise LiveError("The meeting has ended; there is no clock to drive.")
        session.driver = by
        return save_session(session, by, now)


def driver_seen(session: LiveSession, by: User, now=None) -> None:
    """The driver's page polled: recorded without a claim, so nobody's step goes stale and
    the watchers' ETag (the version) stays."""
    if session.driver_id == by.pk and session.ended_at is None:
        LiveSession.objects.filter(pk=session.pk, driver=by).update(
            driver_seen_at=now or timezone.now()
        )


def mark_not_reached(*, item: AgendaItem, by: User | None, not_reached: bool) -> AgendaItem:
    """The convener corrects "not reached" after the meeting (an item dealt with in another
    one's time, or one reached only in passing). A plain value, set as asked: no conflict."""
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().filter(meeting=item.meeting_id).first()
        if session is None or session.ended_at is None:
            raise LiveError("“Not reached” is set when the meeting has ended in live mode.")
        AgendaItem.objects.filter(pk=item.pk).update(not_reached=not_reached)
        item.not_reached = not_reached
    return item


def add_note(*, item: AgendaItem, by: User | None, text: str) -> AgendaItem:
    """A one-line note taken during the meeting, appended to the item's minutes as a bullet.
    Appending never overwrites anyone: the item's minutes are read and claimed in one
    locked transaction, so a note lands after whatever was saved before it."""
    note = usertext.accepted(text, label="The note", field="note", max_length=NOTE_LENGTH)
    line = " ".join(note.split())
    if not line:
        raise LiveError("The note is empty: type what was said.", field="note")
    with transaction.atomic():
        fresh = AgendaItem.objects.select_for_update().get(pk=item.pk)
        minutes = fresh.minutes.rstrip()
        joined = f"{minutes}\n- {line}" if minutes else f"- {line}"
        return save_item_minutes(item=fresh, version=fresh.minutes_version, by=by, text=joined)


def close_meeting(*, session: LiveSession, by: User | None) -> str:
    """After the end, the convener closes the meeting: the minutes are published (mailed
    once; a later correction sends the short note). Returns what publish_minutes did."""
    with transaction.atomic():
        # The session's row is locked first, as Reopen claims it first: a Reopen and a Close
        # at the same moment go one after the other, and the second sees what the first did.
        locked = LiveSession.objects.select_for_update().filter(pk=session.pk).first()
        if locked is None or locked.ended_at is None:
            raise LiveError("End the meeting first, then close it.")
        return publish_minutes(meeting=session.meeting, by=by)
