"""Background work at scale, timed in-process with its query count, rolled back."""

import datetime
import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


def _timed(label: str, target: str, call) -> dict:
    from adcmeet.meetings.models import OutboundMail

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


def _digest_moment():
    """Shortly before the next meeting: when beat finds this week's slip digests due."""
    from adcmeet.meetings.loaddata import SERIES_SLUG
    from adcmeet.meetings.models import Meeting

    meeting = (
        Meeting.objects.filter(state=Meeting.State.PUBLISHED, series__slug=SERIES_SLUG)
        .order_by("start")
        .first()
    )
    return meeting.start - datetime.timedelta(hours=6)


def _year_earlier(now):
    """The same moment before a meeting that was held about a year earlier."""
    from adcmeet.meetings.models import Meeting

    held = (
        Meeting.objects.filter(
            state=Meeting.State.HELD, start__lte=now - datetime.timedelta(weeks=52)
        )
        .order_by("-start")
        .first()
    )
    return held.start - datetime.timedelta(hours=6)


def _fixed(run, now, label) -> tuple[int, str]:
    """Queries at `now` and a year earlier (other items, other owners): equal means fixed."""
    counts = []
    sizes = []
    for moment in (now, _year_earlier(now)):
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                sizes.append(run(moment))
            transaction.set_rollback(True)
        counts.append(len(captured.captured_queries))
    same = counts[0] == counts[1]
    note = f"{counts[1]} queries a year earlier with {sizes[1]} {label}" + (
        "" if same else ": grows with the data"
    )
    return same, note


def slip_reminders() -> list[dict]:
    target = "< 2 s, fixed SQL"
    try:
        from adcmeet.meetings.mail import digests as slips
    except ImportError:
        return [{"label": "slip-reminder scan", "target": target, "skipped": "no reminders"}]
    if not hasattr(slips, "slip_items") or not hasattr(slips, "queue_slip_digests"):
        return [{"label": "slip-reminder scan", "target": target, "skipped": "API changed"}]
    from django.utils import timezone

    from deliverables.models import Deliverable

    now = _digest_moment()
    today = timezone.localtime(now).date()
    open_items = Deliverable.objects.open().count()

    def scan(moment):
        return len(slips.slip_items(timezone.localtime(moment).date(), now=moment))

    found = {}

    def scan_now():
        found["items"] = scan(now)
        return f"{found['items']} slipped of {open_items} open deliverables on {today}"

    rows = [_timed("slip-reminder scan (slip_items)", target, scan_now)]
    fixed, note = _fixed(scan, now, "items")
    rows[0]["detail"] += f"; {note}"
    rows[0]["verdict"] = "PASS" if rows[0]["seconds"] < 2 and fixed else "MISS"

    def digests(moment):
        return len(slips.queue_slip_digests(moment))

    def digests_now():
        return f"{digests(now)} digests rendered and queued"

    rows.append(_timed("slip digests (scan + render + queue)", target, digests_now))
    fixed, note = _fixed(digests, now, "digests")
    rows[1]["detail"] += f"; {note}"
    rows[1]["verdict"] = "PASS" if rows[1]["seconds"] < 2 and fixed else "MISS"
    return rows


def agenda_mails() -> dict:
    from adcmeet.meetings.loaddata import SERIES_SLUG
    from adcmeet.meetings.mail.meeting_mail import queue_meeting_mail
    from adcmeet.meetings.models import Meeting, OutboundMail

    label, target = "all agenda mails of a meeting", ""
    meeting = (
        Meeting.objects.filter(state=Meeting.State.PUBLISHED, series__slug=SERIES_SLUG)
        .order_by("start")
        .first()
    )

    def build_all() -> str:
        # Queue (render text, HTML and the invitation once per meeting) and build each MIME
        # message as the worker would before handing it to SMTP.
        from adcmeet.meetings.mail.outbox import build

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
    return [*slip_reminders(), agenda_mails()]
