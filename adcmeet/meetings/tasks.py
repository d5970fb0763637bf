"""Thin Celery tasks: they take ids, call plain functions (meetings.mail, meetings.actions) and
handle retries. Beat's schedule is CELERY_BEAT_SCHEDULE in settings.

Nothing below imports this module: the outbox hands rows over by the task's name
(`outbox.DELIVER_TASK`), so the tasks may import the domain freely without a cycle."""

import logging

from celery import shared_task
from celery.signals import beat_init
from django.conf import settings

from adcmeet.meetings import actions, health
from adcmeet.meetings.mail import digests, outbox, reminders, status_requests
from adcmeet.meetings.models import MeetingSeries

logger = logging.getLogger(__name__)

# Retries further out than this are left to the sweep: a countdown longer than Redis's
# visibility timeout would be redelivered over and over.
MAX_COUNTDOWN_SECONDS = 30 * 60


@shared_task(bind=True, name=outbox.DELIVER_TASK, ignore_result=True)
def deliver(self, mail_id: int) -> str:
    """Send one outbox row. Safe to run twice or concurrently: the row is claimed first."""
    result = outbox.send_one(mail_id)
    if result.outcome is outbox.Outcome.RETRY and result.retry_in is not None:
        countdown = result.retry_in.total_seconds()
        if countdown <= MAX_COUNTDOWN_SECONDS:
            try:
                self.apply_async((mail_id,), countdown=countdown)
            except Exception:  # the row is due again; the sweep will send it
                logger.warning("Could not schedule the retry of outbox %s", mail_id, exc_info=True)
    return result.outcome.value


@shared_task(name="adcmeet.tasks.sweep_outbox", ignore_result=True)
def sweep_outbox() -> dict:
    return outbox.sweep().__dict__


@shared_task(name="adcmeet.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    health.beat()


@shared_task(name="adcmeet.tasks.send_agenda_mails", ignore_result=True)
def send_agenda_mails() -> int:
    return len(reminders.queue_agenda_mails())


@shared_task(name="adcmeet.tasks.send_slip_reminders", ignore_result=True)
def send_slip_reminders() -> int:
    return len(digests.queue_slip_digests())


@shared_task(name="adcmeet.tasks.send_status_requests", ignore_result=True)
def send_status_requests() -> int:
    return len(status_requests.queue_status_requests())


@shared_task(name="adcmeet.tasks.create_upcoming_meetings", ignore_result=True)
def create_upcoming_meetings() -> int:
    """Keep MEETINGS_AHEAD meetings scheduled for every series."""
    created = 0
    for series in MeetingSeries.objects.all():
        result = actions.create_upcoming_meetings(series=series, count=settings.MEETINGS_AHEAD)
        created += len(result) if result is not None else 0
    return created


@shared_task(name="adcmeet.tasks.mark_meetings_held", ignore_result=True)
def mark_meetings_held() -> int:
    """Published meetings that have ended become held."""
    return len(actions.mark_meetings_held())


@beat_init.connect
def _beat_started(sender=None, **kwargs) -> None:
    # Beat's interval entries first fire one interval after it starts: report liveness and
    # pick up mail queued while nothing ran, at once.
    for task in (heartbeat, sweep_outbox):
        try:
            task.delay()
        except Exception:  # beat must start even if the broker is slow
            logger.warning("Could not enqueue %s at beat start", task.name, exc_info=True)
