"""What scheduled meeting mail is due now: plain functions with an injected clock (`now`).

Beat calls them every few minutes through thin tasks, cron sites through management commands
(`send_agenda_mails`). They are idempotent: each mail has a dedup key in the outbox, so running
them again, late or twice sends nothing new. Nothing is scheduled far ahead; what is due is
recomputed from the database each time.

- **Updated agenda**: a published agenda edited since it was mailed (`revision >
  announced_revision`) goes out by itself once nobody has changed the meeting for
  AGENDA_UPDATE_QUIET_MINUTES, so a convener's burst of edits makes one mail, not one per
  click; the builder's "Send the updated agenda" sends it at once instead. Never for a
  cancelled, held or past meeting.
- **Reminder**: to the series' list, at MAIL_SEND_HOUR (series time) `reminder_days_before`
  days before a published meeting; skipped if the agenda itself went out after that moment.

Neither mails an agenda the convener could not have published (over the series' limit,
`actions.rules.publishable_now`): it waits, and goes out once the agenda is shortened.
- **Draft nudge**: to the series' conveners, at MAIL_SEND_HOUR two days before a meeting whose
  agenda is still a draft (Monday morning for the Wednesday meeting).

Slip digests are `digests`' business.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from adcmeet.accounts import mailprefs
from adcmeet.accounts.models import CONVENER
from adcmeet.lib import mail
from adcmeet.meetings.actions import rules
from adcmeet.meetings.mail import compose, meeting_mail, outbox
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail

logger = logging.getLogger(__name__)

Kind = OutboundMail.Kind
DRAFT_NUDGE_DAYS_BEFORE = 2
# Meetings further ahead than this cannot have anything due yet.
LOOKAHEAD = datetime.timedelta(days=15)


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
    None when it will not: nothing unsent, the meeting starts first, or the agenda could not
    be published as it is (over the series' limit)."""
    if meeting.state != Meeting.State.PUBLISHED or meeting.announced_revision >= meeting.revision:
        return None
    due = meeting.updated_at + datetime.timedelta(minutes=settings.AGENDA_UPDATE_QUIET_MINUTES)
    if due >= meeting.start or rules.publishable_now(meeting):
        return None
    return timezone.localtime(due, meeting.series.tz)


def agenda_updates_due(now: datetime.datetime) -> list[outbox.Draft]:
    """The updated-agenda mails the next scan would queue (for `--dry-run`)."""
    drafts = []
    for meeting in _unannounced(now).select_related("series").order_by("start"):
        if not rules.publishable_now(meeting):
            drafts.extend(meeting_mail.meeting_mail_drafts(meeting, Kind.AGENDA_UPDATE, now=now))
    return drafts


def queue_agenda_updates(now: datetime.datetime) -> list[int]:
    """Queue the updated agenda of every meeting whose quiet period is over, once per revision.

    Per meeting, one transaction: a conditional UPDATE marks the revision announced (and
    locks the row, so no edit can slip in between), then the mail is rendered from that very
    agenda. A convener who edits, or presses "Send the updated agenda", at the same moment
    changes `revision` or `announced_revision` first and this UPDATE matches nothing; the
    outbox key (meeting, revision, recipient) stops any second copy of a revision.

    The mail goes out in the convener's name, so only an agenda they could have published:
    one over the series' limit (rules.publishable_now) is held back, its revision left
    unannounced, until someone shortens it; the builder says why meanwhile."""
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
            # The claim holds the meeting's row, which every agenda change takes first: the
            # agenda checked here is the one rendered.
            problem = rules.publishable_now(meeting)
            if problem:
                transaction.set_rollback(True)
                logger.warning("Not mailing the updated agenda of %s: %s", meeting, problem)
                continue
            ids.extend(meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA_UPDATE, now=now))
    return ids


# --- agenda reminders and draft nudges ---------------------------------------------------------


def reminders_due(now: datetime.datetime) -> list[outbox.Draft]:
    drafts = []
    for meeting in _upcoming(now, Meeting.State.PUBLISHED):
        series = meeting.series
        if not series.reminder_days_before or not series.mailing_list:
            continue
        day = meeting.local_start.date() - datetime.timedelta(days=series.reminder_days_before)
        remind_at = compose.at_send_hour(day, series)
        if now < remind_at:
            continue
        if meeting.published_at and meeting.published_at >= remind_at:
            # The agenda mail itself went out after the reminder time: it is the reminder.
            continue
        if rules.publishable_now(meeting, meeting.live_items):
            # It would show an agenda over the limit; it goes out once that is fixed.
            continue
        context = {
            **meeting_mail.meeting_context(meeting, meeting.live_items),
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
        if now < compose.at_send_hour(day, series):
            continue
        people = [u for u in meeting.series.convener_list if u.is_active and u.email]
        if not people:
            # A series nobody convenes: the site's conveners look after it.
            if site_conveners is None:
                site_conveners = _site_conveners()
            people = site_conveners
        # Conveners who opted out are skipped (the prefetched rows carry the flag).
        people = [u for u in people if u.wants_convener_mail]
        base = meeting_mail.meeting_context(meeting, meeting.live_items)
        for user in people:
            drafts.extend(
                compose.personal(
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


def agenda_mails_due(now: datetime.datetime | None = None) -> list[outbox.Draft]:
    """Updated agendas, reminders and draft nudges due at `now` not queued yet."""
    now = now or timezone.now()
    return outbox.without_existing(
        agenda_updates_due(now) + reminders_due(now) + draft_nudges_due(now)
    )


# --- queueing ----------------------------------------------------------------------------------


def queue_agenda_mails(now: datetime.datetime | None = None) -> list[int]:
    """What `send_agenda_mails` does, beat every five minutes or cron: updated agendas first
    (an update sent after the reminder time stands in for the reminder), then reminders and
    draft nudges."""
    now = now or timezone.now()
    ids = queue_agenda_updates(now)
    return ids + outbox.queue(outbox.without_existing(reminders_due(now) + draft_nudges_due(now)))
