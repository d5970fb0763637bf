"""Is scheduled work running? Read by /healthz and by the banner conveners and staff see.

Beat enqueues `heartbeat` every minute and a worker runs it, so a fresh heartbeat proves the
whole chain (beat, broker, worker, database) is alive. Mail waiting longer than
OUTBOX_STALE_MINUTES, or given up on, means mail is not going out even if the chain is.
"""

import dataclasses
import datetime

from django.conf import settings
from django.utils import timezone

from adcmeet.meetings.models import Heartbeat, OutboundMail

BEAT = "beat"
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


def mail_health(now: datetime.datetime | None = None) -> MailHealth:
    now = now or timezone.now()
    beat_at = Heartbeat.objects.filter(name=BEAT).values_list("beat_at", flat=True).first()
    # Rows waiting for a retry later are not stuck; rows due and unsent are.
    oldest = (
        OutboundMail.objects.pending()
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    failed = OutboundMail.objects.filter(failed_at__gte=now - FAILED_WINDOW).count()
    problems = []
    if beat_at is None:
        problems.append("The scheduler (Celery beat) has never reported.")
    elif now - beat_at > datetime.timedelta(minutes=settings.BEAT_STALE_MINUTES):
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
