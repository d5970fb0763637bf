"""Background work at scale, timed in-process with its query count, rolled back."""

import importlib
import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


def _timed(label: str, target: str, call) -> dict:
    from adcmeet.models import OutboundMail

    with transaction.atomic():
        before = OutboundMail.objects.count()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            detail = call()
            seconds = time.perf_counter() - started
        queued = OutboundMail.objects.count() - before
        transaction.set_rollback(True)
    return {
        "label": label,
        "target": target,
        "seconds": round(seconds, 4),
        "queries": len(captured.captured_queries),
        "queued": queued,
        "detail": detail or f"{queued} mails queued",
    }


def slip_reminders() -> dict:
    label, target = "slip-reminder scan", "< 2 s, fixed SQL"
    try:
        reminders = importlib.import_module("adcmeet.reminders")
    except ImportError:
        return {"label": label, "target": target, "skipped": "adcmeet/reminders.py not written yet"}
    scan = getattr(reminders, "queue_slip_reminders", None)
    if scan is None:
        return {"label": label, "target": target, "skipped": "no queue_slip_reminders()"}
    row = _timed(label, target, lambda: scan())
    row["verdict"] = "PASS" if row["seconds"] < 2 and row["queries"] <= 20 else "MISS"
    return row


def agenda_mails() -> dict:
    from adcmeet.management.commands.generate_load_data import SERIES_SLUG
    from adcmeet.models import Meeting, OutboundMail
    from adcmeet.outbox import queue_meeting_mail

    label, target = "all agenda mails of a meeting", ""
    meeting = (
        Meeting.objects.filter(state=Meeting.State.PUBLISHED, series__slug=SERIES_SLUG)
        .order_by("start")
        .first()
    )

    def build_all() -> str:
        # Queue (render text, HTML and the invitation once per meeting) and build each MIME
        # message as the worker would before handing it to SMTP.
        from adcmeet.outbox import build

        ids = queue_meeting_mail(meeting, OutboundMail.Kind.AGENDA)
        size = sum(
            len(build(row).message().as_bytes()) for row in OutboundMail.objects.filter(pk__in=ids)
        )
        return f"meeting {meeting.pk}: {len(ids)} mails, {size:,} bytes of MIME"

    row = _timed(label, target, build_all)
    if not row["queued"]:
        return {"label": label, "target": target, "skipped": "queue_meeting_mail queued nothing"}
    return row


def measure_all() -> list[dict]:
    return [slip_reminders(), agenda_mails()]
