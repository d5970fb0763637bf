"""The outbox: what must be mailed is written in the same transaction as the change causing it,
and delivered by Celery after commit.

CONTRACT (used by adcmeet.meetings.actions):

    queue_meeting_mail(meeting, kind)  # kind: OutboundMail.Kind.AGENDA / AGENDA_UPDATE /
                                       # CANCELLATION; call inside the publishing transaction.

How a row travels (docs/notifications.md has the whole story):

1. `queue(...)` inserts rows, skipping any whose unique `key` exists (a double click, a second
   publish of the same revision), and after commit enqueues `deliver(id)` for each. A broker
   that is down at that moment loses nothing: the row waits for the sweep.
2. `send_one(id)` claims the row with a conditional UPDATE (sent_at, failed_at and claimed_at
   empty, or the claim stale) and checks the row count, so two workers never both send it.
   It hands the message to SMTP and marks the row sent only after the server accepted it. A
   failure records the error, releases the claim and sets the next attempt with exponential
   backoff, until OUTBOX_MAX_ATTEMPTS, when the row is marked failed.
3. `sweep()` (beat, every two minutes) releases claims held longer than OUTBOX_CLAIM_SECONDS
   (a worker that was killed) and enqueues every due row again.
"""

from __future__ import annotations

import dataclasses
import datetime
import email.utils
import enum
import functools
import logging
import smtplib
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from adcmeet.lib import ical, mail
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail

logger = logging.getLogger(__name__)

Kind = OutboundMail.Kind
Person = tuple[str, str]
INVITE_KINDS = {Kind.AGENDA, Kind.AGENDA_UPDATE, Kind.CANCELLATION}
SWEEP_BATCH = 500


# --- queueing ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Draft:
    """One mail to one recipient, before it is a row."""

    key: str
    kind: str
    recipient: Person
    rendered: mail.Rendered
    meeting: Meeting | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    ics: str = ""
    ics_method: str = ""


def new_message_id(idstring: str) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "adcmeet.invalid"
    return email.utils.make_msgid(idstring=idstring.replace(":", "."), domain=host)


def queue(drafts: Iterable[Draft]) -> list[int]:
    """Write the drafts as outbox rows in the caller's transaction; rows whose key exists are
    left alone. After commit, every new row is handed to a worker. Returns the new rows' ids."""
    drafts = list(drafts)
    if not drafts:
        return []
    keys = [d.key for d in drafts]
    existing = set(OutboundMail.objects.filter(key__in=keys).values_list("key", flat=True))
    rows = []
    seen = set(existing)
    for draft in drafts:
        if draft.key in seen:
            continue
        seen.add(draft.key)
        name, addr = draft.recipient
        rows.append(
            OutboundMail(
                key=draft.key,
                kind=draft.kind,
                meeting=draft.meeting,
                recipient=addr,
                recipient_name=mail.header_value(name, limit=200),
                subject=draft.rendered.subject,
                body_text=draft.rendered.text,
                body_html=draft.rendered.html,
                ics=draft.ics,
                ics_method=draft.ics_method,
                headers=draft.headers,
                message_id=new_message_id(draft.key.rsplit(":", 1)[0]),
            )
        )
    if not rows:
        return []
    # A concurrent request may have inserted the same key since the read above; the unique
    # constraint decides, and the loser's rows are simply not there.
    OutboundMail.objects.bulk_create(rows, ignore_conflicts=True)
    new_keys = [row.key for row in rows]
    ids = list(
        OutboundMail.objects.filter(key__in=new_keys, sent_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(functools.partial(enqueue, ids))
    return ids


def enqueue(ids: Sequence[int]) -> int:
    """Hand rows to the workers. Never raises: with the broker down the rows stay due and the
    sweep enqueues them once it is back. Returns how many were enqueued."""
    from adcmeet.meetings.tasks import deliver

    done = 0
    for pk in ids:
        try:
            # A short publish retry: a web request must not hang on a dead broker.
            deliver.apply_async(
                (pk,),
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2},
            )
        except Exception:  # any broker failure: the sweep will retry
            logger.warning(
                "Could not enqueue outbox mail %s (and %d more); the sweep will send them",
                pk,
                len(ids) - done - 1,
                exc_info=True,
            )
            break
        done += 1
    return done


def meeting_audience(meeting: Meeting, items: Sequence[AgendaItem]) -> list[Person]:
    """The series' mailing list and every external invitee presenting, each address once."""
    people: list[Person] = []
    if meeting.series.mailing_list:
        people.append((meeting.series.name, meeting.series.mailing_list))
    for item in items:
        if item.presenter_id and not item.presenter.is_adc_member and item.presenter.email:
            people.append((item.presenter.display_name, item.presenter.email))
        elif not item.presenter_id and item.presenter_email:
            people.append((item.presenter_name, item.presenter_email))
    return unique_valid(people)


def unique_valid(people: Iterable[Person]) -> list[Person]:
    seen: set[str] = set()
    result = []
    for name, addr in people:
        try:
            addr = mail.clean_address(addr)
        except mail.BadAddress:
            logger.warning("Skipping an invalid recipient address %r", addr)
            continue
        if addr.lower() in seen:
            continue
        seen.add(addr.lower())
        result.append((mail.header_value(name), addr))
    return result


def convener_people(series) -> list[Person]:
    return unique_valid(
        (user.display_name, user.email)
        for user in series.conveners.order_by("name", "username")
        if user.email
    )


def organizer_for(series) -> Person:
    """A real person answers replies to an invite (a no-reply organizer makes them bounce)."""
    conveners = convener_people(series)
    return conveners[0] if conveners else ical.default_organizer()


def meeting_context(meeting: Meeting, items: Sequence[AgendaItem]) -> dict[str, Any]:
    """What the agenda, update, cancellation and reminder mails show, all times pre-formatted
    in the series' zone (templates would otherwise convert to the site's zone)."""
    local = meeting.local_start
    slots = ical.agenda_schedule(meeting, items)
    sections: list[dict[str, Any]] = []
    for slot in slots:
        if not sections or sections[-1]["key"] != slot.item.section:
            sections.append(
                {
                    "key": slot.item.section,
                    "title": ical.SECTION_TITLES.get(slot.item.section, slot.item.section),
                    "slots": [],
                }
            )
        sections[-1]["slots"].append(
            {
                "time": f"{slot.start:%H:%M}",
                "end": f"{slot.end:%H:%M}",
                "title": slot.item.title,
                "presenter": slot.item.presenter_display,
                "minutes": slot.item.duration_minutes,
            }
        )
    end = slots[-1].end if slots else None
    return {
        "meeting": meeting,
        "series": meeting.series,
        "title": meeting.title or meeting.series.name,
        "when": f"{local:%A %d %B %Y, %H:%M} {local:%Z}",
        "when_short": f"{local:%a %d %b %Y %H:%M}",
        "ends": f"{end:%H:%M}" if end else "",
        "time_zone": meeting.series.time_zone,
        "sections": sections,
        "room": meeting.location or meeting.series.location,
        "video_url": meeting.video_url or meeting.series.video_url,
        "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
        "revision": meeting.revision,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }


def live_items(meeting: Meeting) -> list[AgendaItem]:
    return list(meeting.items.live().select_related("presenter"))


def queue_meeting_mail(meeting: Meeting, kind: str, *, now: datetime.datetime | None = None):
    """Queue the agenda (or updated agenda, or cancellation) of `meeting` at its current
    revision to the series' list and the external invitees presenting. Call it inside the
    transaction that publishes or cancels; the content is frozen as it is now. Calling it
    again for the same revision adds nothing. Returns the new rows' ids."""
    return queue(meeting_mail_drafts(meeting, kind, now=now))


def meeting_mail_drafts(
    meeting: Meeting, kind: str, *, now: datetime.datetime | None = None
) -> list[Draft]:
    """The rendered mails `queue_meeting_mail` would queue, one per recipient (also what
    `send_agenda_mails --dry-run` lists)."""
    if kind not in INVITE_KINDS:
        raise ValueError(f"{kind!r} is not a meeting mail kind")
    items = live_items(meeting)
    audience = meeting_audience(meeting, items)
    if not audience:
        return []
    if kind == Kind.AGENDA and meeting.revision > 1:
        # People already have an earlier revision of this agenda.
        kind = Kind.AGENDA_UPDATE
    method = "CANCEL" if kind == Kind.CANCELLATION else "REQUEST"
    ics = ical.meeting_invite(
        meeting,
        items,
        method=method,
        attendees=audience,
        organizer=organizer_for(meeting.series),
        site_url=settings.SITE_URL,
        now=now,
    ).decode()
    context = {
        **meeting_context(meeting, items),
        "kind": kind,
        "is_update": kind == Kind.AGENDA_UPDATE,
        "is_cancellation": kind == Kind.CANCELLATION,
    }
    rendered = mail.render("cancellation" if kind == Kind.CANCELLATION else "agenda", context)
    headers = mail.list_headers(list_id=settings.MAIL_LIST_ID, list_name=meeting.series.name)
    reply_to = convener_people(meeting.series)
    if reply_to:
        headers["Reply-To"] = ", ".join(mail.format_address(*p) for p in reply_to)
    # One key family for the agenda and its updates: a second call for the same revision
    # sends nothing, however the caller labelled it.
    family = "cancellation" if kind == Kind.CANCELLATION else "agenda"
    return [
        Draft(
            key=f"{family}:meeting:{meeting.pk}:rev{meeting.revision}:{addr.lower()}",
            kind=kind,
            meeting=meeting,
            recipient=(name, addr),
            rendered=rendered,
            headers=headers,
            ics=ics,
            ics_method=method,
        )
        for name, addr in audience
    ]


# --- delivery ---------------------------------------------------------------------------------


class Outcome(enum.Enum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    # Someone else holds it, it is already sent or failed, or it is not due yet.
    SKIPPED = "skipped"


@dataclasses.dataclass(frozen=True)
class Result:
    outcome: Outcome
    retry_in: datetime.timedelta | None = None
    error: str = ""


def backoff(attempts: int) -> datetime.timedelta:
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def claimable(now: datetime.datetime):
    stale = now - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    return OutboundMail.objects.due(now).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale),
        attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
    )


def build(row: OutboundMail) -> mail.MeetingMail:
    headers = dict(row.headers)
    reply_to = headers.pop("Reply-To", "")
    message = mail.build_message(
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
        to=(row.recipient_name, row.recipient),
        from_email=settings.DEFAULT_FROM_EMAIL,
        headers=headers,
        ics=row.ics,
        ics_method=row.ics_method,
        message_id=row.message_id,
    )
    if reply_to:
        message.extra_headers["Reply-To"] = mail.header_value(reply_to)
    return message


def is_permanent(exc: BaseException) -> bool:
    """A 5xx answer (or an address we cannot even write) will not improve with retries."""
    if isinstance(exc, mail.BadAddress):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        return f"SMTP {exc.smtp_code}: {message}"
    return f"{exc.__class__.__name__}: {exc}"[:1000]


def send_one(mail_id: int, *, now: datetime.datetime | None = None) -> Result:
    """Claim, send and mark one outbox row (see the module docstring)."""
    now = now or timezone.now()
    claimed = claimable(now).filter(pk=mail_id).update(claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return Result(Outcome.SKIPPED)
    row = OutboundMail.objects.get(pk=mail_id)
    # A fresh connection per message: a dropped connection never poisons the next send.
    connection = get_connection(fail_silently=False)
    try:
        message = build(row)
        connection.open()
        sent = connection.send_messages([message])
        if sent != 1:
            raise smtplib.SMTPException("The mail backend accepted no message")
    except Exception as exc:  # every failure is recorded on the row
        _close(connection)
        return _failed(row, exc, now)
    # The server answered 250: mark the row at once, before even saying QUIT. A crash between
    # that answer and this UPDATE is the one window in which a second copy can go out (with
    # the same Message-ID); see docs/notifications.md.
    OutboundMail.objects.filter(pk=row.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), claimed_at=None, last_error=""
    )
    _close(connection)
    logger.info("Sent %s (outbox %s, attempt %s)", row, row.pk, row.attempts)
    return Result(Outcome.SENT)


def _close(connection) -> None:
    # QUIT failing after the message was accepted changes nothing about the message.
    try:
        connection.close()
    except Exception:  # the connection is dropped either way
        logger.debug("Closing the mail connection failed", exc_info=True)


def _failed(row: OutboundMail, exc: BaseException, now: datetime.datetime) -> Result:
    error = describe(exc)
    update: dict[str, Any] = {"claimed_at": None, "last_error": error}
    if is_permanent(exc) or row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        update["failed_at"] = now
        OutboundMail.objects.filter(pk=row.pk, sent_at__isnull=True).update(**update)
        logger.error("Giving up on %s (outbox %s): %s", row, row.pk, error)
        return Result(Outcome.FAILED, error=error)
    delay = backoff(row.attempts)
    update["next_attempt_at"] = now + delay
    OutboundMail.objects.filter(pk=row.pk, sent_at__isnull=True).update(**update)
    logger.warning(
        "Sending %s (outbox %s) failed, attempt %s; next in %s: %s",
        row,
        row.pk,
        row.attempts,
        delay,
        error,
    )
    return Result(Outcome.RETRY, retry_in=delay, error=error)


@dataclasses.dataclass(frozen=True)
class SweepResult:
    released: int
    given_up: int
    enqueued: int
    due: int


def sweep(*, now: datetime.datetime | None = None) -> SweepResult:
    """Release claims of workers that died, give up on rows out of attempts, and enqueue every
    row that is due (queued while the broker was down, or whose retry time came)."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    released = (
        OutboundMail.objects.pending()
        .filter(claimed_at__lt=stale)
        .update(
            claimed_at=None,
            last_error="The worker sending it stopped before finishing; sending again.",
        )
    )
    given_up = (
        OutboundMail.objects.pending()
        .filter(claimed_at__isnull=True, attempts__gte=settings.OUTBOX_MAX_ATTEMPTS)
        .update(failed_at=now)
    )
    due = list(
        claimable(now)
        .filter(claimed_at__isnull=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    enqueued = enqueue(due)
    if released or given_up or due:
        logger.info(
            "Outbox sweep: %d stale claims released, %d given up, %d of %d due enqueued",
            released,
            given_up,
            enqueued,
            len(due),
        )
    return SweepResult(released=released, given_up=given_up, enqueued=enqueued, due=len(due))


def deliver_due_now(*, now: datetime.datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Send every due row in this process, no worker needed (cron sites, `--deliver`)."""
    now = now or timezone.now()
    due = list(
        claimable(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
    return sum(send_one(pk).outcome == Outcome.SENT for pk in due)
