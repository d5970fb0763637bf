"""The CANCEL owed at once to a presenter taken off a published agenda.

The list's updated agenda waits for the quiet period (one mail per burst of edits), but a
presenter removed from the agenda should not keep the slot in their calendar until then, nor
learn of it a quarter of an hour late: the action that removes them (`actions.agenda`:
removing their item, or setting another presenter on it) calls `queue_uninvited` inside its
transaction. Their CANCEL is then the last message the outbox holds for them (`invites`), so
the later update owes them nothing; re-added, they get a REQUEST with the next update.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from adcmeet.meetings.mail import invites, outbox
from adcmeet.meetings.mail.meeting_mail import _Sender, live_items
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail

Kind = OutboundMail.Kind


def queue_uninvited(
    meeting: Meeting,
    items: Sequence[AgendaItem] | None = None,
    *,
    now: datetime.datetime | None = None,
) -> list[int]:
    """Queue a CANCEL naming them to each attendee of the published `meeting` who holds a
    REQUEST and presents nothing in `items` (its live agenda, read when missing). Returns the
    new rows' ids; the outbox key (revision, address) stops a second copy."""
    if meeting.state != Meeting.State.PUBLISHED:
        return []
    items = live_items(meeting) if items is None else list(items)
    gone = invites.uninvited(meeting, invites.attendees(meeting, items))
    if not gone:
        return []
    send = _Sender(meeting, Kind.CANCELLATION, items, now=now, moved_from=None)
    return outbox.queue(
        send.draft(
            to=attendee.person,
            method="CANCEL",
            template="uninvited",
            kind=Kind.CANCELLATION,
            family="cancellation",
            attendee=attendee,
        )
        for attendee in gone
    )
