"""Status requests: at MAIL_SEND_HOUR the day before a meeting (the digests' moment, on the
series' wall clock), each owner of a deliverable the meeting's tracking would consider — due
in the meeting's period, slipped, or past its start-by date — gets ONE mail listing all of
them, each with single-purpose links ("Done", "On track", "Move to the next period…", "Write
a line of status…"; deliverables.status_links). What they answer decides the builder's
proposals: on track or done passes by consent, the rest is discussed first
(actions.tracking.propose_tracking_items).

Plain functions with an injected clock, called every quarter hour by beat. Asked once per
owner and meeting day, whatever the number of series meeting that day or of runs: the
StatusRequest row (unique per owner and day) is written in the same transaction as the
outbox row (unique key per owner and day), so a second run, or two at once, sends nothing
twice. Nothing is sent when nothing is due.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from adcmeet.accounts import mailprefs
from adcmeet.lib import mail
from adcmeet.meetings.actions.tracking import TrackingProposal, tracking_candidates
from adcmeet.meetings.mail import compose, outbox
from adcmeet.meetings.mail.reminders import LOOKAHEAD
from adcmeet.meetings.models import Meeting, OutboundMail
from deliverables import status_links
from deliverables.actions.status import request_status
from deliverables.models import Period, Roadmap, StatusLink

Kind = OutboundMail.Kind
STATUS_REQUEST_DAYS_BEFORE = 1
# Owners answer on the same switch as the slip digest: both are "mail about my deliverables".
PREFERENCE = mailprefs.SLIP_DIGESTS
Purpose = StatusLink.Purpose


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


def _item_context(
    proposal: TrackingProposal, tokens: dict[tuple[int, str], str], periods: list, today
) -> dict:
    deliverable = proposal.deliverable
    # Where "Move" would send it now: the move link's confirmation page says it again.
    target = deliverable.move_targets(periods, today=today).default

    def link(purpose: str) -> str:
        return status_links.url_for(tokens[(deliverable.pk, purpose)])

    return {
        "title": str(deliverable),
        "period": deliverable.period.label,
        "reasons": proposal.reasons,
        "url": compose.absolute(deliverable.get_absolute_url()),
        "done_url": link(Purpose.DONE),
        "on_track_url": link(Purpose.ON_TRACK),
        "move_url": link(Purpose.MOVE),
        "move_to": target.label if target else "a later period",
        "report_url": link(Purpose.REPORT),
    }


def _context(ask: Ask, tokens: dict[tuple[int, str], str], expires_at, now) -> dict:
    meeting = ask.meeting
    local = meeting.local_start
    today = timezone.localtime(now, meeting.series.tz).date()
    periods: dict[int, list] = {}
    for item in ask.items:
        roadmap_id = item.deliverable.roadmap_id
        if roadmap_id not in periods:
            periods[roadmap_id] = list(Period.objects.filter(roadmap=roadmap_id).order_by("order"))
    return {
        "meeting_title": meeting.title or meeting.series.name,
        "meeting_when": f"{local:%A %d %B, %H:%M} {local:%Z}",
        "meeting_day": f"{local:%A %d %b}",
        "meeting_url": compose.absolute(meeting.get_absolute_url()),
        "expires": f"{timezone.localtime(expires_at, meeting.series.tz):%A %d %B}",
        "items": [
            _item_context(item, tokens, periods[item.deliverable.roadmap_id], today)
            for item in ask.items
        ],
        "mine_url": compose.absolute(reverse("my-deliverables")),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }


def queue_status_requests(now: datetime.datetime | None = None) -> list[int]:
    """Ask every owner due now (`asks_due`) who was not asked for that day yet: the request,
    its links and the mail in one transaction per owner. Returns the new outbox rows' ids."""
    now = now or timezone.now()
    asks = asks_due(now)
    if not asks:
        return []
    sent = set(
        OutboundMail.objects.filter(key__in=[ask.key for ask in asks]).values_list("key", flat=True)
    )
    ids: list[int] = []
    expires_at = status_links.default_expiry(now)
    for ask in asks:
        if ask.key in sent:
            continue
        try:
            mail.clean_address(ask.owner.email)
        except mail.BadAddress:
            continue
        with transaction.atomic():
            request = request_status(
                owner=ask.owner,
                for_date=ask.for_date,
                deliverables=[item.deliverable for item in ask.items],
            )
            if request is None:  # asked already: by an earlier run, or one running now
                continue
            tokens = status_links.issue_links(request, expires_at=expires_at)
            ids.extend(
                outbox.queue(
                    compose.personal(
                        ask.owner,
                        kind=Kind.STATUS_REQUEST,
                        key=ask.key,
                        template="status_request",
                        context=_context(ask, tokens, expires_at, now),
                        preference=PREFERENCE,
                        meeting=ask.meeting,
                    )
                )
            )
    return ids
