"""Who is asked for a status about what, for the meetings whose request moment has come: the
one answer both weekly jobs share. The status request mails these owners; the slip digest
leaves them out, since their status request already carries their late items and open
actions (docs/notifications.md, "One weekly mail per owner").

Pure in the sense that matters here: it reads the meetings and the roadmap, never the
StatusRequest rows or the outbox, so whichever job runs first, and whether the request has
been written yet, both jobs see the same owners at the same moment.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.contrib.auth import get_user_model

from adcmeet.accounts import mailprefs
from adcmeet.meetings.actions.tracking import (
    NEVER,
    TrackingProposal,
    current_period,
    tracking_candidates,
    tracking_conditions,
)
from adcmeet.meetings.mail import compose
from adcmeet.meetings.mail.reminders import LOOKAHEAD
from adcmeet.meetings.models import Meeting
from deliverables.models import Deliverable, Roadmap

STATUS_REQUEST_DAYS_BEFORE = 1
# Owners answer on the same switch as the slip digest: both are "mail about my deliverables".
PREFERENCE = mailprefs.SLIP_DIGESTS


@dataclasses.dataclass
class Ask:
    """One owner, asked for one meeting day: the first meeting of that day and their items."""

    owner: Any
    for_date: datetime.date
    meeting: Meeting
    items: list[TrackingProposal]

    @property
    def key(self) -> str:
        return f"status_request:{self.for_date:%Y-%m-%d}:user{self.owner.pk}"


def request_moment(meeting: Meeting) -> datetime.datetime:
    """When owners are asked about `meeting`: MAIL_SEND_HOUR the day before, series time."""
    day = meeting.local_start.date() - datetime.timedelta(days=STATUS_REQUEST_DAYS_BEFORE)
    return compose.at_send_hour(day, meeting.series)


def meetings_due(now: datetime.datetime) -> list[Meeting]:
    """Draft or published meetings whose request moment has come and that have not started."""
    meetings = (
        Meeting.objects.filter(
            state__in=(Meeting.State.DRAFT, Meeting.State.PUBLISHED),
            start__gt=now,
            start__lte=now + LOOKAHEAD,
        )
        .select_related("series")
        .order_by("start", "pk")
    )
    return [meeting for meeting in meetings if now >= request_moment(meeting)]


def asks_due(now: datetime.datetime) -> list[Ask]:
    """Who is to be asked about what now, one `Ask` per owner and meeting day (two series
    meeting the same day make one mail), before the outbox and the requests already made
    are consulted. Owners without an address or who opted out are left out."""
    meetings = meetings_due(now)
    if not meetings:
        return []
    roadmap = Roadmap.objects.current()
    asks: dict[tuple[datetime.date, int], Ask] = {}
    for meeting in meetings:
        for_date = meeting.local_start.date()
        # The agenda's own tracking items too: their status line shows beside them.
        for proposal in tracking_candidates(meeting=meeting, roadmap=roadmap, exclude_agenda=False):
            for owner in proposal.deliverable.owners.all():
                if not owner.is_active or not owner.email or not getattr(owner, PREFERENCE.field):
                    continue
                ask = asks.setdefault(
                    (for_date, owner.pk),
                    Ask(owner=owner, for_date=for_date, meeting=meeting, items=[]),
                )
                if all(item.deliverable.pk != proposal.deliverable.pk for item in ask.items):
                    ask.items.append(proposal)
    return list(asks.values())


def owners_due(now: datetime.datetime) -> set[int]:
    """The owners `asks_due(now)` asks, by id, in four queries however many meetings, series,
    deliverables and owners there are, and whether any meeting is due at all: the slip
    digest needs only who to leave out, and it runs at a fixed number of queries. The same
    meetings, roadmap and conditions as `asks_due` (tracking_conditions), for every day with a
    meeting due at once."""
    days = {meeting.local_start.date() for meeting in meetings_due(now)}
    roadmap = Roadmap.objects.newest_first().prefetch_related("periods").first()
    if roadmap is None:
        return set()
    wanted = NEVER
    for day in days:
        for condition in tracking_conditions(day, current_period(roadmap, day)).values():
            wanted |= condition
    tracked = (
        Deliverable.objects.live()
        .filter(roadmap=roadmap)
        .without_successor()
        .filter(wanted)
        .values("pk")
    )
    owning = Deliverable.owners.through.objects.filter(deliverable__in=tracked)
    return set(
        get_user_model()
        .objects.filter(is_active=True, pk__in=owning.values("user_id"), **{PREFERENCE.field: True})
        .exclude(email="")
        .values_list("pk", flat=True)
    )
