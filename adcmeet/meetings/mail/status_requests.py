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

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from adcmeet.lib import mail
from adcmeet.meetings.actions.tracking import TrackingProposal
from adcmeet.meetings.mail import asked, compose, digests, outbox
from adcmeet.meetings.models import OutboundMail
from deliverables import status_links
from deliverables.actions.status import request_status
from deliverables.models import Period, StatusLink

Kind = OutboundMail.Kind
Purpose = StatusLink.Purpose
# Who is asked about what lives in `asked`, which the slip digest reads too; the names stay
# importable from here for the command and the settings' note.
STATUS_REQUEST_DAYS_BEFORE = asked.STATUS_REQUEST_DAYS_BEFORE
PREFERENCE = asked.PREFERENCE
Ask = asked.Ask
request_moment = asked.request_moment
meetings_due = asked.meetings_due
asks_due = asked.asks_due


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


class _Weekly:
    """What the owner's slip digest would have told them, read once per run and day: their
    late items and open actions go into the status request, which replaces the digest."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self._days: dict[datetime.date, tuple] = {}

    def _for(self, today: datetime.date) -> tuple:
        if today not in self._days:
            late = digests.late_by_owner(digests.slip_items(today, now=self.now))
            self._days[today] = (late, digests.open_actions(today))
        return self._days[today]

    def context(self, ask: Ask, today: datetime.date) -> dict:
        late, actions = self._for(today)
        asked_pks = {item.deliverable.pk for item in ask.items}
        also_late = [
            item.as_context()
            for item in late.get(ask.owner.pk, (ask.owner, []))[1]
            if item.deliverable.pk not in asked_pks
        ]
        return {
            "also_late": also_late,
            "actions": actions.get(ask.owner.pk, (ask.owner, []))[1],
        }


def _context(
    ask: Ask, tokens: dict[tuple[int, str], str], expires_at, now, weekly: _Weekly
) -> dict:
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
        **weekly.context(ask, today),
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
    weekly = _Weekly(now)
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
                        context=_context(ask, tokens, expires_at, now, weekly),
                        preference=PREFERENCE,
                        meeting=ask.meeting,
                    )
                )
            )
    return ids
