"""After the end of a live meeting: reopening it within a short window, and ending the sessions
a convener forgot to end (adcmeet.meetings.actions.live keeps the clock's steps).

**Reopen** undoes an End pressed too early, as a roadmap's agreement can be undone
(deliverables.actions.roadmap.AGREEMENT_UNDO_WINDOW): for REOPEN_WINDOW after the end, and
never once the minutes were published (closing mailed them to the list; a reopened meeting
would then contradict the mail). Like every step it claims the session's version.

**Forgotten sessions**: a session still running long after its meeting's hard limit is ended
by the held-marking job (actions.schedule.mark_meetings_held) as of the driver's last sign of
life, so no item is credited with the hours the page sat open in an empty room.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.core.versioning import Conflict, claim
from adcmeet.meetings.actions import live
from adcmeet.meetings.actions.common import lock_meeting, save_meeting
from adcmeet.meetings.models import AgendaItem, LiveSession, Meeting

REOPEN_WINDOW = datetime.timedelta(minutes=30)
# A session still running this long after its meeting's hard limit was forgotten.
FORGOTTEN_AFTER = datetime.timedelta(hours=2)
REOPEN_REASON = "Reopened in live mode."


def reopen_deadline(
    session: LiveSession, meeting: Meeting, *, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Until when the ended meeting can be reopened, or None when it cannot (any more)."""
    if session.ended_at is None or meeting.minutes_published_at is not None:
        return None
    deadline = session.ended_at + REOPEN_WINDOW
    return deadline if (now or timezone.now()) < deadline else None


def _ended_by_live_mode(meeting: Meeting) -> bool:
    """Whether End made the meeting held (and not the held-marking job before it, or a
    convener's edit): the history record where it last became held says so. The meeting's
    own history is the record of its states, so nothing more is stored for this."""
    last_other = (
        meeting.history.exclude(state=Meeting.State.HELD)
        .order_by("-history_id")
        .values_list("history_id", flat=True)
        .first()
    )
    became_held = meeting.history.filter(state=Meeting.State.HELD)
    if last_other is not None:
        became_held = became_held.filter(history_id__gt=last_other)
    reason = (
        became_held.order_by("history_id").values_list("history_change_reason", flat=True).first()
    )
    return reason == live.END_REASON


def reopen_meeting(
    *, session: LiveSession, version: int | None, by: User | None, now=None
) -> LiveSession:
    """Undo End: the meeting runs again, paused on the item that was current at the end, and
    the room resumes when the convener does. The gap between End and Reopen counts as a pause,
    so neither the item nor the meeting is credited with it. `by` drives from now on."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            claim(session, version, fresh=live.fresh_session)
        except Conflict as conflict:
            raise live.ClockMoved(conflict.current) from None
        if session.ended_at is None:
            raise live.LiveError("The meeting is running; there is nothing to reopen.")
        meeting = lock_meeting(session.meeting_id)
        if meeting.minutes_published_at is not None:
            raise live.LiveError(
                "The meeting can no longer be reopened: its minutes were published."
            )
        if reopen_deadline(session, meeting, now=now) is None:
            raise live.LiveError(
                "The meeting can no longer be reopened: it ended more than "
                f"{REOPEN_WINDOW.seconds // 60} minutes ago."
            )
        ended_at = session.ended_at
        # End left the current item at the instant it ended (live._leave): that item is where
        # the clock stood.
        last = (
            AgendaItem.objects.live()
            .filter(meeting=meeting, ended_at__isnull=False)
            .order_by("-ended_at", "-position")
            .first()
        )
        # End marked exactly the items never taken up (started_at is null) as not reached,
        # and nobody can take one up while the meeting is ended; so those are the ones to
        # un-mark. A "not reached" the convener set by hand on an item that did run stays.
        AgendaItem.objects.live().filter(
            meeting=meeting, started_at__isnull=True, not_reached=True
        ).update(not_reached=False)
        session.ended_at = None
        live.enter(session, last, now)
        # Paused since the end: the gap is a pause, and stepping on resumes as any pause.
        session.paused_at = ended_at
        session.item_started_at = ended_at if last else None
        if meeting.state == Meeting.State.HELD and _ended_by_live_mode(meeting):
            meeting.state = Meeting.State.PUBLISHED
            meeting._change_reason = REOPEN_REASON
            save_meeting(meeting, by, "state")
        session.meeting = meeting
        if by is not None:
            session.driver = by
        return live.save_session(session, by, now)


def end_forgotten_sessions(*, now: datetime.datetime | None = None) -> list[int]:
    """End every live session still running FORGOTTEN_AFTER past its meeting's hard limit
    (start + the series' limit_minutes), as of the driver's last sign of life
    (driver_seen_at, else the last step); returns the meetings' ids. A session whose clock
    moves meanwhile is left for the next run: somebody is evidently there."""
    now = now or timezone.now()
    candidates = LiveSession.objects.filter(ended_at__isnull=True).select_related(
        "meeting__series", "driver"
    )
    ended = []
    for session in candidates:
        meeting = session.meeting
        limit = meeting.start + datetime.timedelta(minutes=meeting.series.limit_minutes)
        if limit + FORGOTTEN_AFTER > now:
            continue
        # The last step claimed the version, which stamps updated_at (core.versioning.claim).
        seen = session.driver_seen_at or session.updated_at
        # Never before what the clock itself recorded, nor after now.
        recorded = [session.started_at, session.item_started_at, session.paused_at]
        as_of = min(max([seen, *(t for t in recorded if t is not None)]), now)
        try:
            live.end_meeting(session=session, version=session.version, by=None, now=as_of)
        except (live.ClockMoved, live.LiveError):
            continue
        ended.append(meeting.pk)
    return ended
