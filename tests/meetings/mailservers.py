"""Real services for the mail tests: an SMTP server (aiosmtpd), the Celery app on the real
Redis under a key prefix of its own, and a real worker. Import the fixtures a module needs:

    from tests.meetings.mailservers import celery_on_redis, smtp_server  # noqa: F401
"""

import asyncio
import contextlib
import email
import email.policy
import socket
import threading
import time
import uuid

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker

from adcmeet.celery import app as celery_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 20.0, what: str = "it", interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Handler:
    """Accepts mail like a real MTA; can refuse (4xx/5xx) the next deliveries, or hold DATA
    (the message received but not yet answered) until released."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refusals: list[str] = []
        self.refused = 0
        self.hold = threading.Event()
        self.holding = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.hold.is_set():
            self.holding.set()
            # Cancelled by aiosmtpd if the client goes away before we answer: a message
            # never answered with 250 is not accepted.
            while self.hold.is_set():
                await asyncio.sleep(0.05)
        with self.lock:
            if self.refusals:
                self.refused += 1
                return self.refusals.pop(0)
            self.messages.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 2.0.0 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return self.handler.messages

    def refuse_next(self, count: int = 1, reply: str = "451 4.3.0 Try again later"):
        self.handler.refusals.extend([reply] * count)

    def wait_for_messages(self, count: int, timeout: float = 30.0):
        wait_for(lambda: len(self.messages) >= count, timeout, f"{count} message(s) by SMTP")
        return self.messages


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 and Django configured to send to it."""
    server = SMTPServer()
    server.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        server.handler.hold.clear()
        server.controller.stop()


def use_broker(app, url: str, prefix: str) -> None:
    """Point the Celery app at `url` with Redis keys under `prefix`, dropping pooled
    connections to the previous broker."""
    app.conf.broker_url = url
    app.conf.broker_transport_options = {"global_keyprefix": prefix, "visibility_timeout": 3600}
    # Pools are shared per (URL, options): drop our references, never close them.
    app._pool = None
    app.amqp._producer_pool = None


class Broker:
    def __init__(self, app, url: str, prefix: str):
        self.app, self.url, self.prefix = app, url, prefix

    def redis(self):
        import redis

        return redis.Redis.from_url(self.url)

    def queued(self) -> list[bytes]:
        """Messages waiting in the default queue."""
        return self.redis().lrange(f"{self.prefix}celery", 0, -1)

    def go_down(self) -> None:
        """Point the app at a port where nothing listens, as if Redis were down."""
        use_broker(self.app, f"redis://127.0.0.1:{free_port()}/15", self.prefix)

    def come_back(self) -> None:
        use_broker(self.app, self.url, self.prefix)


@pytest.fixture
def celery_on_redis(redis_url):
    """The app's broker is the real Redis, under a prefix no other test run shares."""
    old_url = celery_app.conf.broker_url
    old_options = dict(celery_app.conf.broker_transport_options or {})
    prefix = f"adcmeet-test-{uuid.uuid4().hex[:12]}:"
    use_broker(celery_app, redis_url, prefix)
    broker = Broker(celery_app, redis_url, prefix)
    try:
        yield broker
    finally:
        with contextlib.suppress(Exception):
            client = broker.redis()
            keys = list(client.scan_iter(match=f"{prefix}*", count=500))
            if keys:
                client.delete(*keys)
        celery_app.conf.broker_url = old_url
        celery_app.conf.broker_transport_options = old_options
        use_broker(celery_app, old_url, old_options.get("global_keyprefix", ""))
        celery_app.conf.broker_transport_options = old_options


@pytest.fixture
def celery_worker(celery_on_redis):
    """A real Celery worker (solo pool) consuming from Redis in this process."""
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30
    ) as worker:
        yield worker
