"""The outbox: what must be mailed is written in the same transaction as the change causing it,
and delivered by Celery after commit. What the mails say is composed elsewhere
(`meeting_mail`, `reminders`, `digests`); this module only stores and delivers `Draft`s.

How a row travels (docs/notifications.md has the whole story):

1. `queue(...)` inserts rows, skipping any whose unique `key` exists (a double click, a second
   publish of the same revision), and after commit enqueues the delivery task for each. A
   broker that is down at that moment loses nothing: the row waits for the sweep.
2. `send_one(id)` claims the row with a conditional UPDATE (sent_at, failed_at and claimed_at
   empty, or the claim stale) and checks the row count, so two workers never both send it.
   It hands the message to SMTP and marks the row sent only after the server accepted it. A
   failure records the error, releases the claim and sets the next attempt with exponential
   backoff, until OUTBOX_MAX_ATTEMPTS, when the row is marked failed.
3. `sweep()` (beat, every two minutes) releases claims held longer than OUTBOX_CLAIM_SECONDS
   (a worker that was killed) and enqueues every due row again.

The delivery task is sent by its name (`DELIVER_TASK`, registered by `meetings.tasks`): the
tasks call this module, so this module must not import them back.
"""

from __future__ import annotations

import dataclasses
import datetime
import email.utils
import enum
import functools
import logging
import smtplib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from adcmeet.lib import mail
from adcmeet.meetings.models import Meeting, OutboundMail

logger = logging.getLogger(__name__)

Person = tuple[str, str]
SWEEP_BATCH = 500
# The Celery task that sends one row (adcmeet.meetings.tasks.deliver).
DELIVER_TASK = "adcmeet.tasks.deliver"
# A short publish retry: a web request must not hang on a dead broker.
ENQUEUE_RETRY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2}


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
    done = 0
    for pk in ids:
        try:
            current_app.send_task(DELIVER_TASK, args=(pk,), retry=True, retry_policy=ENQUEUE_RETRY)
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


def without_existing(drafts: Iterable[Draft]) -> list[Draft]:
    """The drafts whose key is not in the outbox yet (what a scan would still add)."""
    drafts = list(drafts)
    keys = {d.key for d in drafts}
    existing = set(OutboundMail.objects.filter(key__in=keys).values_list("key", flat=True))
    return [d for d in drafts if d.key not in existing]


def unique_valid(people: Iterable[Person]) -> list[Person]:
    """Each valid address once (the first name given for it); invalid ones are logged."""
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


def summary(drafts: Sequence[Draft]) -> Iterator[str]:
    """One line per mail, for the commands' `--dry-run`."""
    for draft in drafts:
        name, addr = draft.recipient
        yield f"{draft.kind:16} {mail.format_address(name, addr)}: {draft.rendered.subject}"


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
