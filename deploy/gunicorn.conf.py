"""gunicorn's configuration for every deployment (compose, Kubernetes, the ops tests):
`gunicorn --config deploy/gunicorn.conf.py adcmeet.wsgi:application`.

Environment: PORT (8000), WEB_CONCURRENCY (worker processes, 2), GUNICORN_THREADS (4),
GUNICORN_TIMEOUT (30), GUNICORN_GRACEFUL_TIMEOUT (20), LOG_FORMAT / LOG_LEVEL as for Django.
Whatever stops the server must wait longer than the graceful timeout (compose's
stop_grace_period, Kubernetes' terminationGracePeriodSeconds): in-flight requests finish first.
"""

import os
import sys
from pathlib import Path

# The config file is read before gunicorn puts the working directory on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# (Imported under another name: a module-level `logconfig` would be read as gunicorn's setting.)
from adcmeet import logconfig as _logconfig


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name}={value!r} is not an integer") from None


bind = [f"0.0.0.0:{_int('PORT', 8000)}"]
# gthread: a few threads per process cover the slow requests (feeds, exports) without async
# code. Each process holds its own database pool (DATABASE_POOL_MAX).
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
# Longer than the reverse proxy's idle timeout to its upstream would be wasted; shorter ones
# make the proxy reconnect for every request.
keepalive = 5
# The heartbeat files live in memory, not on the container's overlay filesystem.
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's documented place for heartbeat files
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
# A restarted worker after this many requests (with jitter) keeps a slow leak from mattering.
max_requests = 2000
max_requests_jitter = 200

# gunicorn >= 25 opens a control socket under $HOME/.gunicorn by default; the app user's HOME
# is not writable (and nothing here uses gunicornc), so it would log an ERROR at every start.
control_socket_disable = True

# Logs: everything to stderr in the app's one format (adcmeet/logconfig.py); the access log is
# a structured line per request with the client address from the trusted proxy header.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "") or "info"
logger_class = "adcmeet.logconfig.GunicornLogger"
_debug = os.environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
logconfig_dict = _logconfig.build(
    fmt=os.environ.get("LOG_FORMAT", "") or _logconfig.default_format(debug=_debug),
    level=loglevel,
)
# The proxy is trusted for the scheme only through Django's SECURE_PROXY_SSL_HEADER; gunicorn
# itself need not rewrite anything (wsgi.url_scheme stays http behind the proxy).
forwarded_allow_ips = ""
