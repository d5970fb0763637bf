"""The mail journeys in the browser use the real SMTP server and the real worker on Redis."""

from tests.meetings.mailservers import celery_on_redis, celery_worker, smtp_server

__all__ = ["celery_on_redis", "celery_worker", "smtp_server"]
