"""Slip digests: once per ISO week, at MAIL_SEND_HOUR the day before the week's next meeting
(Tuesday morning for the Wednesday meeting), each owner of an open deliverable whose period
ended or whose start-by date passed gets one mail listing all of them, with their open action
items that have a due date (overdue first; an owner with only those gets the mail too, so an
action is not forgotten until the meeting reviews it); conveners get one with
every slip, including items moved to a later period during the past week. An item carried
over into a newer roadmap is chased through its copy there, never through the old one
(docs/notifications.md, "Which roadmaps").

An owner asked for a status at the same moment (`asked.asks_due`, the answer both jobs share)
gets no digest: their status request carries their late items and open actions, so the week
brings them one mail, whichever job runs first.

Plain functions with an injected clock, idempotent through the outbox keys (per person and ISO
week); beat and `send_slip_reminders` call them.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from adcmeet.accounts import mailprefs
from adcmeet.accounts.models import CONVENER
from adcmeet.meetings.mail import asked, compose, outbox
from adcmeet.meetings.mail.reminders import LOOKAHEAD
from adcmeet.meetings.models import ActionItem, Meeting, OutboundMail
from deliverables.models import Deliverable, DeliverableChange, StatusRequest

Kind = OutboundMail.Kind
SLIP_DIGEST_DAYS_BEFORE = 1
# The convener digest also lists items moved to a later period this recently.
RECENT_MOVES = datetime.timedelta(days=7)


@dataclasses.dataclass
class SlipItem:
    deliverable: Deliverable
    reasons: list[str]
    overdue: bool
    start_by_passed: bool
    moved_recently: bool

    def as_context(self) -> dict[str, Any]:
        d = self.deliverable
        return {
            "title": str(d),
            "roadmap": str(d.roadmap),
            "period": d.period.label,
            "status": d.get_status_display(),
            "reasons": self.reasons,
            "url": compose.absolute(d.get_absolute_url()),
        }


def digest_meeting(now: datetime.datetime) -> Meeting | None:
    """The meeting this week's digests prepare for, if their time has come and it has not
    started: the next meeting that is not cancelled."""
    meeting = (
        Meeting.objects.filter(start__gt=now, start__lte=now + LOOKAHEAD)
        .exclude(state=Meeting.State.CANCELLED)
        .select_related("series")
        .order_by("start")
        .first()
    )
    if meeting is None:
        return None
    day = meeting.local_start.date() - datetime.timedelta(days=SLIP_DIGEST_DAYS_BEFORE)
    return meeting if now >= compose.at_send_hour(day, meeting.series) else None


def slip_items(today: datetime.date, *, now: datetime.datetime) -> list[SlipItem]:
    """Open deliverables that slipped (period ended, or moved later) or should have started,
    with their owners prefetched: a fixed number of queries however many there are."""
    candidates = Deliverable.objects.slipped(on=today).values("pk")
    late_start = Deliverable.objects.start_by_passed(today).values("pk")
    User = get_user_model()
    rows = (
        Deliverable.objects.open()
        # Carried into a newer roadmap: its copy there is the one chased.
        .without_successor()
        .filter(Q(pk__in=candidates) | Q(pk__in=late_start))
        .select_related("period", "roadmap")
        .prefetch_related(
            Prefetch(
                "owners",
                queryset=User.objects.filter(is_active=True).order_by("name", "username"),
            ),
            Prefetch(
                "changes",
                queryset=DeliverableChange.objects.filter(is_slip=True)
                .select_related("from_period", "to_period")
                .order_by("at"),
                to_attr="slip_changes",
            ),
        )
        .order_by("roadmap__year", "roadmap_id", "period__order", "position", "pk")
    )
    recent = now - RECENT_MOVES
    items = []
    for d in rows:
        reasons = []
        overdue = d.period.end is not None and d.period.end < today
        if overdue:
            reasons.append(f"{d.period.label} ended on {d.period.end:%d %b %Y} and it is open")
        started_late = d.start_by is not None and d.start_by <= today
        if started_late:
            reasons.append(
                f"it should have started by {d.start_by:%d %b %Y} (deadline {d.deadline:%d %b %Y})"
            )
        last_move = d.slip_changes[-1] if d.slip_changes else None
        moved_recently = last_move is not None and last_move.at >= recent
        if moved_recently:
            why = f": {last_move.reason}" if last_move.reason else ""
            source = last_move.from_period.label if last_move.from_period else "its period"
            target = last_move.to_period.label if last_move.to_period else "later"
            reasons.append(f"moved from {source} to {target} on {last_move.at:%d %b}{why}")
        if reasons:
            items.append(SlipItem(d, reasons, overdue, started_late, moved_recently))
    return items


def late_by_owner(items: list[SlipItem]) -> dict[int, tuple[Any, list[SlipItem]]]:
    """Each owner's late items: only what they can act on (a move they made is not theirs to
    fix again)."""
    by_owner: dict[int, tuple[Any, list[SlipItem]]] = {}
    for item in items:
        if not (item.overdue or item.start_by_passed):
            continue
        for owner in item.deliverable.owners.all():
            by_owner.setdefault(owner.pk, (owner, []))[1].append(item)
    return by_owner


def open_actions(today: datetime.date) -> dict[int, tuple[Any, list[dict[str, Any]]]]:
    """Open action items with a due date, by active owner with an address: (owner, actions),
    the earliest due first, so the overdue ones lead. One query."""
    rows = (
        ActionItem.objects.filter(done=False, due__isnull=False, owner__is_active=True)
        .exclude(owner__email="")
        .select_related("owner", "meeting__series")
        .order_by("due", "pk")
    )
    by_owner: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
    for action in rows:
        local = action.meeting.local_start
        entry = {
            "text": action.text,
            "due": f"{action.due:%a %d %b %Y}",
            "overdue": action.due < today,
            "meeting": f"{action.meeting.series.name}, {local.day} {local:%b}",
            "url": compose.absolute(action.meeting.get_absolute_url()),
        }
        by_owner.setdefault(action.owner_id, (action.owner, []))[1].append(entry)
    return by_owner


def slip_digests_due(now: datetime.datetime | None = None) -> list[outbox.Draft]:
    """This week's digests, if due now and not queued yet."""
    now = now or timezone.now()
    meeting = digest_meeting(now)
    if meeting is None:
        return []
    local = meeting.local_start
    year, week, _ = local.date().isocalendar()
    week_key = f"{year}-W{week:02d}"
    today = timezone.localtime(now, meeting.series.tz).date()
    items = slip_items(today, now=now)
    actions = open_actions(today)
    if not items and not actions:
        return []
    base = {
        "meeting_when": f"{local:%A %d %B, %H:%M} {local:%Z}",
        "meeting_day": f"{local:%A %d %b}",
        "mine_url": compose.absolute(reverse("my-deliverables")),
        "roadmap_url": compose.absolute(reverse("roadmap")),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    drafts: list[outbox.Draft] = []

    by_owner = late_by_owner(items)
    for pk, (owner, _) in actions.items():
        by_owner.setdefault(pk, (owner, []))
    status_asked = asked_this_week(now, local.date())
    for owner, owned in by_owner.values():
        # Opted out: the flag came with the prefetched owners, so skipping costs no query.
        if not owner.email or not owner.wants_slip_digests or owner.pk in status_asked:
            continue
        drafts.extend(
            compose.personal(
                owner,
                kind=Kind.SLIP_DIGEST,
                key=f"slip_digest:{week_key}:user{owner.pk}",
                template="slip_digest",
                context={
                    **base,
                    "items": [i.as_context() for i in owned],
                    "actions": actions.get(owner.pk, (owner, []))[1],
                },
                preference=mailprefs.SLIP_DIGESTS,
            )
        )

    if not items:
        return outbox.without_existing(drafts)
    # Conveners: every slip, grouped by who owns it.
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        owners = ", ".join(o.display_name for o in item.deliverable.owners.all()) or "No owner"
        groups.setdefault(owners, []).append(item.as_context())
    grouped = {"groups": [{"owner": o, "items": group} for o, group in sorted(groups.items())]}
    # The listing is the same for every convener: rendered once, not once per recipient
    # (render_to_string gives a SafeString: escaped once here, not again in the body).
    convener_context = {
        **base,
        "items": items,
        "groups_html": render_to_string("emails/convener_digest/_groups.html", grouped),
        "groups_text": render_to_string("emails/convener_digest/_groups.txt", grouped),
    }
    for user in _all_conveners():
        drafts.extend(
            compose.personal(
                user,
                kind=Kind.CONVENER_DIGEST,
                key=f"convener_digest:{week_key}:user{user.pk}",
                template="convener_digest",
                context=convener_context,
                preference=mailprefs.CONVENER_MAIL,
            )
        )
    return outbox.without_existing(drafts)


def asked_this_week(now: datetime.datetime, meeting_day: datetime.date) -> set[int]:
    """Owners whose status request is their weekly mail: asked now (`asked.owners_due`: who
    `asks_due` asks, in a fixed number of queries), or asked already for a meeting of the
    digest's week (so a report that closed their last asked item, or a second meeting that
    week, does not bring the digest a quarter of an hour or a day after the request)."""
    monday = meeting_day - datetime.timedelta(days=meeting_day.weekday())
    earlier = StatusRequest.objects.filter(
        for_date__range=(monday, monday + datetime.timedelta(days=6))
    ).values_list("owner_id", flat=True)
    return asked.owners_due(now) | set(earlier)


def _all_conveners() -> list[Any]:
    """People with the Convener role and the conveners of any series, each once."""
    User = get_user_model()
    return list(
        User.objects.filter(Q(groups__name=CONVENER) | Q(convened_series__isnull=False))
        .filter(is_active=True, wants_convener_mail=True)
        .exclude(email="")
        .distinct()
        .order_by("name", "username")
    )


def queue_slip_digests(now: datetime.datetime | None = None) -> list[int]:
    return outbox.queue(slip_digests_due(now))
