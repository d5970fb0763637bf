"""What scheduled mail is due now: plain functions with an injected clock (`now`).

Beat calls them every few minutes through thin tasks, cron sites through management commands.
They are idempotent: each mail has a dedup key in the outbox (per meeting, or per person and ISO
week), so running them again, late or twice sends nothing new. Nothing is scheduled far
ahead; what is due is recomputed from the database each time.

- **Updated agenda**: a published agenda edited since it was mailed (`revision >
  announced_revision`) goes out by itself once nobody has changed the meeting for
  AGENDA_UPDATE_QUIET_MINUTES, so a convener's burst of edits makes one mail, not one per
  click; the builder's "Send the updated agenda" sends it at once instead. Never for a
  cancelled, held or past meeting.
- **Reminder**: to the series' list, at MAIL_SEND_HOUR (series time) `reminder_days_before`
  days before a published meeting; skipped if the agenda itself went out after that moment.
- **Draft nudge**: to the series' conveners, at MAIL_SEND_HOUR two days before a meeting whose
  agenda is still a draft (Monday morning for the Wednesday meeting).
- **Slip digests**: once per ISO week, at MAIL_SEND_HOUR the day before the week's next meeting
  (Tuesday morning for the Wednesday meeting): each owner of an open deliverable whose period
  ended or whose start-by date passed gets one mail listing all of them; conveners get one
  with every slip, including items moved to a later period during the past week. An item
  carried over into a newer roadmap is chased through its copy there, never through the old
  one (docs/notifications.md, "Which roadmaps").
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from adcmeet.accounts import mailprefs
from adcmeet.accounts.models import CONVENER
from adcmeet.lib import mail
from adcmeet.meetings import outbox
from adcmeet.meetings.models import AgendaItem, Meeting, MeetingSeries, OutboundMail
from deliverables.models import Deliverable, DeliverableChange

Kind = OutboundMail.Kind
DRAFT_NUDGE_DAYS_BEFORE = 2
SLIP_DIGEST_DAYS_BEFORE = 1
# Meetings further ahead than this cannot have anything due yet.
LOOKAHEAD = datetime.timedelta(days=15)
# The convener digest also lists items moved to a later period this recently.
RECENT_MOVES = datetime.timedelta(days=7)


def _at(day: datetime.date, series: MeetingSeries) -> datetime.datetime:
    """MAIL_SEND_HOUR on `day`, the series' wall clock."""
    return datetime.datetime.combine(day, datetime.time(settings.MAIL_SEND_HOUR), tzinfo=series.tz)


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _without_existing(drafts: list[outbox.Draft]) -> list[outbox.Draft]:
    keys = {d.key for d in drafts}
    existing = set(OutboundMail.objects.filter(key__in=keys).values_list("key", flat=True))
    return [d for d in drafts if d.key not in existing]


def _upcoming(now: datetime.datetime, state: str):
    return (
        Meeting.objects.filter(state=state, start__gt=now, start__lte=now + LOOKAHEAD)
        .select_related("series")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=AgendaItem.objects.live().select_related("presenter"),
                to_attr="live_items",
            ),
            Prefetch("series__conveners", to_attr="convener_list"),
        )
        .order_by("start")
    )


def _relative_day(meeting: Meeting, now: datetime.datetime) -> str:
    local = meeting.local_start
    days = (local.date() - timezone.localtime(now, meeting.series.tz).date()).days
    if days == 0:
        return f"today at {local:%H:%M}"
    if days == 1:
        return f"tomorrow at {local:%H:%M}"
    return f"on {local:%A %d %B at %H:%M}"


# --- updated agendas after the quiet period ----------------------------------------------------


def _quiet_since(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(minutes=settings.AGENDA_UPDATE_QUIET_MINUTES)


def _unannounced(now: datetime.datetime):
    """Published, future meetings changed since their agenda was mailed and left alone for
    the quiet period. `updated_at` moves with every change to the meeting (each action claims
    its version), so any edit restarts the wait."""
    return Meeting.objects.filter(
        state=Meeting.State.PUBLISHED,
        start__gt=now,
        revision__gt=F("announced_revision"),
        updated_at__lte=_quiet_since(now),
    )


def agenda_update_due_at(meeting: Meeting) -> datetime.datetime | None:
    """When the scan will send the unsent changes of `meeting` by itself (series time), or
    None when it will not: nothing unsent, or the meeting starts first."""
    if meeting.state != Meeting.State.PUBLISHED or meeting.announced_revision >= meeting.revision:
        return None
    due = meeting.updated_at + datetime.timedelta(minutes=settings.AGENDA_UPDATE_QUIET_MINUTES)
    if due >= meeting.start:
        return None
    return timezone.localtime(due, meeting.series.tz)


def agenda_updates_due(now: datetime.datetime) -> list[outbox.Draft]:
    """The updated-agenda mails the next scan would queue (for `--dry-run`)."""
    drafts = []
    for meeting in _unannounced(now).select_related("series").order_by("start"):
        drafts.extend(outbox.meeting_mail_drafts(meeting, Kind.AGENDA_UPDATE, now=now))
    return drafts


def queue_agenda_updates(now: datetime.datetime) -> list[int]:
    """Queue the updated agenda of every meeting whose quiet period is over, once per revision.

    Per meeting, one transaction: a conditional UPDATE marks the revision announced (and
    locks the row, so no edit can slip in between), then the mail is rendered from that very
    agenda. A convener who edits, or presses "Send the updated agenda", at the same moment
    changes `revision` or `announced_revision` first and this UPDATE matches nothing; the
    outbox key (meeting, revision, recipient) stops any second copy of a revision."""
    ids: list[int] = []
    for pk, revision in _unannounced(now).order_by("start").values_list("pk", "revision"):
        with transaction.atomic():
            claimed = (
                _unannounced(now)
                .filter(pk=pk, revision=revision)
                .update(announced_revision=revision, published_at=now)
            )
            if claimed != 1:
                continue
            meeting = Meeting.objects.select_related("series").get(pk=pk)
            ids.extend(outbox.queue_meeting_mail(meeting, Kind.AGENDA_UPDATE, now=now))
    return ids


# --- agenda reminders and draft nudges ---------------------------------------------------------


def reminders_due(now: datetime.datetime) -> list[outbox.Draft]:
    drafts = []
    for meeting in _upcoming(now, Meeting.State.PUBLISHED):
        series = meeting.series
        if not series.reminder_days_before or not series.mailing_list:
            continue
        day = meeting.local_start.date() - datetime.timedelta(days=series.reminder_days_before)
        remind_at = _at(day, series)
        if now < remind_at:
            continue
        if meeting.published_at and meeting.published_at >= remind_at:
            # The agenda mail itself went out after the reminder time: it is the reminder.
            continue
        context = {
            **outbox.meeting_context(meeting, meeting.live_items),
            "relative_day": _relative_day(meeting, now),
        }
        rendered = mail.render("reminder", context)
        headers = mail.list_headers(list_id=settings.MAIL_LIST_ID, list_name=series.name)
        for name, addr in outbox.unique_valid([(series.name, series.mailing_list)]):
            drafts.append(
                outbox.Draft(
                    key=f"reminder:meeting:{meeting.pk}:{addr.lower()}",
                    kind=Kind.REMINDER,
                    meeting=meeting,
                    recipient=(name, addr),
                    rendered=rendered,
                    headers=headers,
                )
            )
    return drafts


def _site_conveners() -> list[Any]:
    User = get_user_model()
    return list(
        User.objects.filter(groups__name=CONVENER, is_active=True, wants_convener_mail=True)
        .exclude(email="")
        .order_by("name", "username")
        .distinct()
    )


def draft_nudges_due(now: datetime.datetime) -> list[outbox.Draft]:
    drafts = []
    site_conveners: list[Any] | None = None
    for meeting in _upcoming(now, Meeting.State.DRAFT):
        series = meeting.series
        day = meeting.local_start.date() - datetime.timedelta(days=DRAFT_NUDGE_DAYS_BEFORE)
        if now < _at(day, series):
            continue
        people = [u for u in meeting.series.convener_list if u.is_active and u.email]
        if not people:
            # A series nobody convenes: the site's conveners look after it.
            if site_conveners is None:
                site_conveners = _site_conveners()
            people = site_conveners
        # Conveners who opted out are skipped (the prefetched rows carry the flag).
        people = [u for u in people if u.wants_convener_mail]
        base = outbox.meeting_context(meeting, meeting.live_items)
        for user in people:
            drafts.extend(
                _personal(
                    user,
                    kind=Kind.DRAFT_NUDGE,
                    key=f"draft_nudge:meeting:{meeting.pk}:user{user.pk}",
                    template="draft_nudge",
                    context=base,
                    meeting=meeting,
                    preference=mailprefs.CONVENER_MAIL,
                )
            )
    return drafts


def _personal(
    user,
    *,
    kind: str,
    key: str,
    template: str,
    context: dict,
    preference: mailprefs.Preference,
    meeting: Meeting | None = None,
) -> list[outbox.Draft]:
    """A mail to one person: rendered for them, with a one-click unsubscribe link for
    `preference` as List-Unsubscribe (RFC 8058) and in the footer beside the settings link."""
    try:
        addr = mail.clean_address(user.email)
    except mail.BadAddress:
        return []
    settings_url = _absolute(reverse("me"))
    unsubscribe_url = mailprefs.unsubscribe_url(user, preference)
    rendered = mail.render(
        template,
        {
            **context,
            "recipient_name": user.display_name,
            "settings_url": settings_url,
            "unsubscribe_url": unsubscribe_url,
        },
    )
    headers = mail.list_headers(
        list_id=settings.MAIL_LIST_ID,
        list_name=settings.SITE_NAME,
        settings_url=settings_url,
        unsubscribe_url=unsubscribe_url,
        personal=True,
    )
    return [
        outbox.Draft(
            key=key,
            kind=kind,
            meeting=meeting,
            recipient=(user.display_name, addr),
            rendered=rendered,
            headers=headers,
        )
    ]


def agenda_mails_due(now: datetime.datetime | None = None) -> list[outbox.Draft]:
    """Updated agendas, reminders and draft nudges due at `now` not queued yet."""
    now = now or timezone.now()
    return _without_existing(agenda_updates_due(now) + reminders_due(now) + draft_nudges_due(now))


# --- slip digests ------------------------------------------------------------------------------


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
            "url": _absolute(d.get_absolute_url()),
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
    return meeting if now >= _at(day, meeting.series) else None


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
    if not items:
        return []
    base = {
        "meeting_when": f"{local:%A %d %B, %H:%M} {local:%Z}",
        "meeting_day": f"{local:%A %d %b}",
        "mine_url": _absolute(reverse("my-deliverables")),
        "roadmap_url": _absolute(reverse("roadmap")),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    drafts: list[outbox.Draft] = []

    # Owners: only what they can act on (a move they made is not theirs to fix again).
    by_owner: dict[int, tuple[Any, list[SlipItem]]] = {}
    for item in items:
        if not (item.overdue or item.start_by_passed):
            continue
        for owner in item.deliverable.owners.all():
            by_owner.setdefault(owner.pk, (owner, []))[1].append(item)
    for owner, owned in by_owner.values():
        # Opted out: the flag came with the prefetched owners, so skipping costs no query.
        if not owner.email or not owner.wants_slip_digests:
            continue
        drafts.extend(
            _personal(
                owner,
                kind=Kind.SLIP_DIGEST,
                key=f"slip_digest:{week_key}:user{owner.pk}",
                template="slip_digest",
                context={**base, "items": [i.as_context() for i in owned]},
                preference=mailprefs.SLIP_DIGESTS,
            )
        )

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
            _personal(
                user,
                kind=Kind.CONVENER_DIGEST,
                key=f"convener_digest:{week_key}:user{user.pk}",
                template="convener_digest",
                context=convener_context,
                preference=mailprefs.CONVENER_MAIL,
            )
        )
    return _without_existing(drafts)


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


# --- queueing ----------------------------------------------------------------------------------


def queue_agenda_mails(now: datetime.datetime | None = None) -> list[int]:
    """What `send_agenda_mails` does, beat every five minutes or cron: updated agendas first
    (an update sent after the reminder time stands in for the reminder), then reminders and
    draft nudges."""
    now = now or timezone.now()
    ids = queue_agenda_updates(now)
    return ids + outbox.queue(_without_existing(reminders_due(now) + draft_nudges_due(now)))


def queue_slip_digests(now: datetime.datetime | None = None) -> list[int]:
    return outbox.queue(slip_digests_due(now))


def describe(drafts: Sequence[outbox.Draft]) -> Iterable[str]:
    """One line per mail, for `--dry-run`."""
    for draft in drafts:
        name, addr = draft.recipient
        yield f"{draft.kind:16} {mail.format_address(name, addr)}: {draft.rendered.subject}"
