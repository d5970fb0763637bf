"""Is scheduled work running? Read by /healthz and by the banner conveners and staff see.

Beat enqueues `heartbeat` every minute and a worker runs it, so a fresh heartbeat proves the
whole chain (beat, broker, worker, database) is alive. Beat also notes each time it queues one
(the `beat-queued` row), so a stale heartbeat names the part that stopped: queued but not run
is the worker, not queued is beat. Mail waiting longer than
OUTBOX_STALE_MINUTES, or given up on, means mail is not going out even if the chain is.
"""

import dataclasses
import datetime
import logging

from celery.signals import beat_init, before_task_publish
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from adcmeet.meetings.models import Heartbeat, OutboundMail

BEAT = "beat"
QUEUED = "beat-queued"
HEARTBEAT_TASK = "adcmeet.tasks.heartbeat"
# Mail given up on stays in the banner this long, so someone looks at the outbox.
FAILED_WINDOW = datetime.timedelta(days=2)


@dataclasses.dataclass(frozen=True)
class MailHealth:
    ok: bool
    message: str
    beat_at: datetime.datetime | None
    oldest_pending: datetime.datetime | None
    failed: int = 0


def beat(now: datetime.datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(name=BEAT, defaults={"beat_at": now or timezone.now()})


_in_beat = False


@beat_init.connect(dispatch_uid="adcmeet.health.in_beat")
def _beat_started(sender=None, **kwargs) -> None:
    global _in_beat
    _in_beat = True


@before_task_publish.connect(dispatch_uid="adcmeet.health.heartbeat_queued")
def heartbeat_queued(sender=None, **kwargs) -> None:
    """In beat, as it queues the heartbeat: note the time (never stops the publish)."""
    if sender != HEARTBEAT_TASK or not _in_beat:
        return
    try:
        close_old_connections()  # beat lives long; a connection a restart broke is replaced
        Heartbeat.objects.update_or_create(name=QUEUED, defaults={"beat_at": timezone.now()})
    except Exception:
        logging.getLogger(__name__).warning("could not note the queued heartbeat", exc_info=True)


def mail_health(now: datetime.datetime | None = None) -> MailHealth:
    now = now or timezone.now()
    beats = dict(Heartbeat.objects.filter(name__in=[BEAT, QUEUED]).values_list("name", "beat_at"))
    beat_at, queued_at = beats.get(BEAT), beats.get(QUEUED)
    stale_after = datetime.timedelta(minutes=settings.BEAT_STALE_MINUTES)
    # Rows waiting for a retry later are not stuck; rows due and unsent are.
    oldest = (
        OutboundMail.objects.pending()
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    failed = OutboundMail.objects.filter(failed_at__gte=now - FAILED_WINDOW).count()
    problems = []
    ran_stale = beat_at is None or now - beat_at > stale_after
    queued_fresh = queued_at is not None and now - queued_at <= stale_after
    if ran_stale and queued_fresh:
        since = "yet" if beat_at is None else f"since {timezone.localtime(beat_at):%d %b %H:%M}"
        problems.append(
            f"No Celery worker has run the scheduled tasks {since}; the scheduler (Celery "
            f"beat) is queueing them (last at {timezone.localtime(queued_at):%d %b %H:%M})."
        )
    elif beat_at is None:
        problems.append("The scheduler (Celery beat) has never reported.")
    elif ran_stale:
        problems.append(
            "The scheduler (Celery beat) last reported at "
            f"{timezone.localtime(beat_at):%d %b %H:%M}."
        )
    if oldest and now - oldest > datetime.timedelta(minutes=settings.OUTBOX_STALE_MINUTES):
        problems.append(f"Mail queued since {timezone.localtime(oldest):%d %b %H:%M} is unsent.")
    if failed:
        problems.append(
            f"{failed} mail{'s' if failed != 1 else ''} could not be delivered "
            "(see the outbox on the meeting page)."
        )
    return MailHealth(
        ok=not problems,
        message=" ".join(problems),
        beat_at=beat_at,
        oldest_pending=oldest,
        failed=failed,
    )


def broker_status(timeout: float = 1.0) -> str:
    """ "ok", or why the Celery broker cannot be reached right now."""
    from adcmeet.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
    except Exception as exc:  # report any broker failure, never raise
        return f"unreachable: {exc.__class__.__name__}"
    return "ok"
