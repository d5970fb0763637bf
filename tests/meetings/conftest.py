"""Fixtures for the adcmeet tests: the mail servers (SMTP, Celery on Redis, a worker)."""

import pytest

from tests.meetings.mailservers import celery_on_redis, celery_worker, smtp_server

__all__ = ["celery_on_redis", "celery_worker", "smtp_server"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas are created with passwords; PBKDF2 would dominate these tests' run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
