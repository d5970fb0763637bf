"""Logging: one format for Django, gunicorn and Celery (docs/operations.md, "Logs").

`build()` returns the dictConfig that settings.LOGGING holds and that gunicorn's config
(deploy/gunicorn.conf.py) hands to gunicorn, so the web server's own lines, the access log,
Django and the Celery worker and beat all write the same lines to stderr:

- ``json`` (production): one JSON object per line with ``time`` (UTC, ISO 8601), ``level``,
  ``logger``, ``message`` and, inside a request, ``request_id`` and ``client``; inside a Celery
  task ``task_id`` and ``task``. A traceback stays inside its line (``exc_info``).
- ``text`` (``make run``, tests): the same fields as a readable line.

Whatever the format: secrets in URLs (calendar feed tokens, unsubscribe and status-link
tokens, OIDC codes, session cookies) are replaced by ``[redacted]``; a request with a Host
header not in ALLOWED_HOSTS is one WARNING line without a traceback (it is noise from
scanners, not an error of ours); /healthz answered 200 is not in the access log at INFO
(probes would write thousands of lines a day).

The request id is taken from a well-formed ``X-Request-ID`` header (set by the reverse proxy,
so one id follows a request through both logs) or made up; the client address is the one the
trusted proxy saw (TRUSTED_PROXY_COUNT, as for login throttling). Both are recorded when Django
starts a request (the ``request_started`` signal), so no middleware is needed.
"""

import contextvars
import datetime
import logging
import os
import re
import uuid
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

FORMATS = ("json", "text")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_client: contextvars.ContextVar[str | None] = contextvars.ContextVar("client", default=None)
_disallowed_host: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "disallowed_host", default=False
)

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
REQUEST_ID_ENVIRON = "adcmeet.request_id"
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{8,128}")

# Secrets that travel in URLs or headers. Applied to the finished text (the line, or each
# string of a JSON record), so a token in a message, an argument, an extra field or a traceback
# is caught alike.
_REDACTIONS = [
    # The whole segment after /calendar/me/, also mistyped (".ICS", no extension): a 404 logs it.
    (re.compile(r"(/calendar/me/)[^/\s\"'?#]+?((?i:\.ics)?)(?=[/\s\"'?#]|$)"), r"\1[redacted]\2"),
    (re.compile(r"(/mail/unsubscribe/)[^/\s\"'?#]+"), r"\1[redacted]"),
    # A status mail's signed link acts without a login: the token is the authority.
    (re.compile(r"(/status/)[^/\s\"'?#]+"), r"\1[redacted]"),
    (
        re.compile(r"([?&](?:token|code|state|access_token|id_token|refresh_token)=)[^&\s\"'#]+"),
        r"\1[redacted]",
    ),
    (re.compile(r"\b((?:sessionid|csrftoken)=)[^;\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(?i)\b(authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|basic)\s+)[^\s\"']+"),
     r"\1[redacted]"),
]  # fmt: skip


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _redacted(value: Any) -> Any:
    """Redact every string inside a record's data (before it is serialised, so the JSON stays
    valid whatever a pattern matches)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def default_format(*, debug: bool) -> str:
    """Readable lines for a developer's terminal, JSON everywhere else."""
    return "text" if debug else "json"


# --- the request context -------------------------------------------------------------------


def trusted_proxy_count() -> int:
    try:
        from django.conf import settings

        return int(settings.TRUSTED_PROXY_COUNT)
    except Exception:  # settings not configured (gunicorn's arbiter): read the environment
        try:
            return int(os.environ.get("TRUSTED_PROXY_COUNT") or 0)
        except ValueError:
            return 0


def client_address(environ: dict[str, Any], proxies: int | None = None) -> str:
    """The client as our own proxy saw it: the n-th address from the right of X-Forwarded-For
    with TRUSTED_PROXY_COUNT=n (addresses further left are written by the client), else the
    peer. The same rule as login throttling (access.client_ip)."""
    proxies = trusted_proxy_count() if proxies is None else proxies
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return environ.get("REMOTE_ADDR", "")


def request_id_for(environ: dict[str, Any]) -> str:
    """The request's id: the proxy's X-Request-ID when it looks like one, else a new one; kept
    in the WSGI environ so gunicorn's access line carries the same id."""
    existing = environ.get(REQUEST_ID_ENVIRON)
    if existing:
        return existing
    given = environ.get(REQUEST_ID_HEADER, "")
    rid = given if _REQUEST_ID_RE.fullmatch(given) else uuid.uuid4().hex
    environ[REQUEST_ID_ENVIRON] = rid
    return rid


def _request_started(sender, environ=None, **kwargs) -> None:
    if environ is None:
        return
    _request_id.set(request_id_for(environ))
    _client.set(client_address(environ))
    _disallowed_host.set(False)


def _request_finished(sender, **kwargs) -> None:
    _request_id.set(None)
    _client.set(None)
    _disallowed_host.set(False)


def install_request_tracking() -> None:
    """Record each request's id and client for its log lines (idempotent)."""
    from django.core import signals

    signals.request_started.connect(_request_started, dispatch_uid="adcmeet.logconfig.started")
    signals.request_finished.connect(_request_finished, dispatch_uid="adcmeet.logconfig.finished")


def _current_task() -> Any:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency
        return None
    task = current_task
    return task if task and getattr(task, "request", None) and task.request.id else None


class Context(logging.Filter):
    """Adds request_id/client (in a request) and task_id/task (in a Celery task) to each
    record; turns DisallowedHost into one warning line and drops Django's second line about
    the same 400."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        install_request_tracking()
        # Python warnings (a missing static directory, a deprecation) become records in the
        # same format instead of raw lines on stderr.
        logging.captureWarnings(True)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.security.DisallowedHost":
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text, record.stack_info = None, None, None
            _disallowed_host.set(True)
        elif (
            record.name == "django.request"
            and getattr(record, "status_code", None) == 400
            and _disallowed_host.get()
        ):
            return False
        if getattr(record, "request_id", None) is None:
            record.request_id = _request_id.get()
        if getattr(record, "client", None) is None:
            record.client = _client.get()
        if getattr(record, "task_id", None) is None and record.name.startswith(
            ("celery", "adcmeet", "deliverables", "taskforces")
        ):
            task = _current_task()
            if task is not None:
                record.task_id, record.task = task.request.id, task.name
        return True


# --- formatters ------------------------------------------------------------------------------


def utc_time(record: logging.LogRecord) -> str:
    moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# Extras that are objects, not data: Django's request (its repr holds the path, and it is
# not serialisable), the dev server's socket and request line duplicates.
_DROPPED = {"request", "server_time", "socket", "color_message"}
_CONTEXT = ("request_id", "client", "task_id", "task")


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time, level, logger, message, then context and extras."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json_default", str)
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)
        self._skip_fields |= _DROPPED | set(_CONTEXT) | {"message"}

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        log_data["time"] = utc_time(record)
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        for key in _CONTEXT:
            value = getattr(record, key, None)
            if value is not None:
                log_data[key] = value
        super().add_fields(log_data, record, message_dict)

    def process_log_record(self, log_data: dict) -> dict:
        return {key: _redacted(value) for key, value in log_data.items()}


class TextFormatter(logging.Formatter):
    """`2025-04-06T15:00:00.123Z INFO    django.request  Not Found: /x  [request_id=… client=…]`"""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        context = " ".join(
            f"{key}={getattr(record, key)}"
            for key in _CONTEXT
            if getattr(record, key, None) is not None
        )
        line = f"{utc_time(record)} {record.levelname:<7} {record.name}  {message}"
        if context:
            line += f"  [{context}]"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return redact(line)


# --- the configuration -----------------------------------------------------------------------


def build(*, fmt: str = "json", level: str = "INFO") -> dict[str, Any]:
    """The dictConfig for every process. Raises ValueError on an unknown format or level."""
    fmt, level = fmt.strip().lower(), level.strip().upper()
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT={fmt!r} is not one of {', '.join(FORMATS)}")
    if level not in LEVELS:
        raise ValueError(f"LOG_LEVEL={level!r} is not one of {', '.join(LEVELS)}")
    formatter = (
        "adcmeet.logconfig.JsonFormatter" if fmt == "json" else "adcmeet.logconfig.TextFormatter"
    )
    # Every logger below only sets a level and hands its records to the root's one handler:
    # their own handlers (Django's console handler, its dev server's, gunicorn's) are removed,
    # so each event is written once, in one format.
    propagate = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "adcmeet.logconfig.Context"}},
        "formatters": {"default": {"()": formatter}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {**propagate, "level": level},
            "django.server": {**propagate, "level": level},
            # SQL is logged at DEBUG; only with DEBUG on, and never wanted at LOG_LEVEL=DEBUG.
            "django.db.backends": {**propagate, "level": "INFO"},
            "gunicorn.error": {**propagate, "level": level},
            "gunicorn.access": {**propagate, "level": "INFO"},
            "celery": {**propagate, "level": level},
        },
    }


# --- gunicorn --------------------------------------------------------------------------------

try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover - gunicorn is a dependency
    _GunicornLogger = object  # type: ignore[assignment,misc]


class GunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's access log as structured records: the client the trusted proxy saw (not the
    proxy's address), the request id Django logged with, method, path, status, size, duration.
    /healthz answered 200 goes out at DEBUG, so probes do not fill the log."""

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        try:
            status = int(status)
        except (TypeError, ValueError):
            status = 0
        path = req.path + (f"?{req.query}" if req.query else "")
        duration_ms = round(
            request_time.seconds * 1000 + request_time.microseconds / 1000, 1
        )  # fmt: skip
        level = logging.INFO
        if req.path == "/healthz" and status == 200:
            level = logging.DEBUG
        try:
            self.access_log.log(
                level,
                '%s "%s %s" %s %s %sms',
                client_address(environ),
                req.method,
                path,
                status,
                getattr(resp, "sent", None) or 0,
                duration_ms,
                extra={
                    "request_id": environ.get(REQUEST_ID_ENVIRON) or None,
                    "client": client_address(environ),
                    "method": req.method,
                    "path": path,
                    "status": status,
                    "bytes": getattr(resp, "sent", None) or 0,
                    "duration_ms": duration_ms,
                    "user_agent": environ.get("HTTP_USER_AGENT", ""),
                },
            )
        except Exception:
            self.exception("could not write the access log line")
