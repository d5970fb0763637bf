"""Thin Celery tasks: they take ids, call plain functions and handle retries."""

import logging

from celery import shared_task
from celery.signals import beat_init

from adcmeet import health

logger = logging.getLogger(__name__)


@shared_task(name="adcmeet.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    health.beat()


@beat_init.connect
def _beat_started(sender=None, **kwargs) -> None:
    # Beat's interval entries first fire one interval after start; report liveness at once.
    heartbeat.delay()
