"""Is scheduled work running? Read by /healthz and by the banner conveners and staff see."""

import dataclasses
import datetime

from django.conf import settings
from django.utils import timezone

from adcmeet.models import Heartbeat, OutboundMail

BEAT = "beat"


@dataclasses.dataclass(frozen=True)
class MailHealth:
    ok: bool
    message: str
    beat_at: datetime.datetime | None
    oldest_pending: datetime.datetime | None


def beat() -> None:
    Heartbeat.objects.update_or_create(name=BEAT, defaults={"beat_at": timezone.now()})


def mail_health(now: datetime.datetime | None = None) -> MailHealth:
    now = now or timezone.now()
    beat_at = Heartbeat.objects.filter(name=BEAT).values_list("beat_at", flat=True).first()
    oldest = (
        OutboundMail.objects.pending()
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    problems = []
    if beat_at is None:
        problems.append("The scheduler (Celery beat) has never reported.")
    elif now - beat_at > datetime.timedelta(minutes=settings.BEAT_STALE_MINUTES):
        problems.append(
            f"The scheduler (Celery beat) last reported at {timezone.localtime(beat_at):%H:%M}."
        )
    if oldest and now - oldest > datetime.timedelta(minutes=settings.OUTBOX_STALE_MINUTES):
        problems.append(f"Mail queued since {timezone.localtime(oldest):%d %b %H:%M} is unsent.")
    return MailHealth(
        ok=not problems, message=" ".join(problems), beat_at=beat_at, oldest_pending=oldest
    )


def broker_status(timeout: float = 1.0) -> str:
    """"ok", or why the Celery broker cannot be reached right now."""
    from adcmeet.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - report any broker failure, never raise
        return f"unreachable: {exc.__class__.__name__}"
    return "ok"
