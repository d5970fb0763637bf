"""One settings module, configured from the environment (12-factor).

With no environment at all it runs the embedded default: SQLite, an in-process-free Celery on
the filesystem broker, mail to files under var/. Optional infrastructure (PostgreSQL, Redis,
SMTP, OIDC) is switched on only when its variable is set. Bad values fail loudly at start-up.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF

from adcmeet.env import ImproperlyConfiguredEnv, envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ADCMEET_VAR_DIR", BASE_DIR / "var"))


DEBUG = envbool("DEBUG", default=False)
# Under pytest the dev defaults (secret key, uncompressed static files) are allowed.
TESTING = envbool("ADCMEET_TESTING", default="pytest" in sys.modules)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfiguredEnv("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"

# A local server's links (mail, feeds, copy buttons, CSV) follow the port it serves on (PORT,
# which `make run` exports) unless SITE_URL names the public address.
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{envint('PORT', 8000)}").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "ADC development meeting")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [SITE_URL])
# Anonymous visitors see public agendas, roadmaps and feeds unless the site is private.
SITE_PRIVATE = envbool("SITE_PRIVATE", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "simple_history",
    "adcmeet.accounts",
    "adcmeet.core",
    "taskforces",
    "deliverables",
    "adcmeet.meetings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check reads the body: multipart only where a view takes files, UTF-8 forms.
    "adcmeet.core.request_limits.RequestLimitsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

# The benchmark (bench/) adds its bare ceiling view through its own URLconf.
ROOT_URLCONF = os.environ.get("ADCMEET_URLCONF", "adcmeet.urls")
WSGI_APPLICATION = "adcmeet.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

_loaders = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "adcmeet.meetings.context_processors.site",
            ],
            # template_partials wraps the loaders; cached outside DEBUG.
            "loaders": [("template_partials.loader.Loader", _loaders)]
            if DEBUG
            else [
                (
                    "template_partials.loader.Loader",
                    [("django.template.loaders.cached.Loader", _loaders)],
                )
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# --- Database ---------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'adcmeet.sqlite3'}"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg's pool keeps connections open across requests (a new connection per request costs
    # ~5x on a one-query view). The pool and CONN_MAX_AGE are exclusive.
    if envbool("DATABASE_POOL", default=not TESTING):
        DATABASES["default"]["OPTIONS"] = {
            "pool": {"min_size": 1, "max_size": envint("DATABASE_POOL_MAX", 8), "timeout": 10}
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        # Django then hands the pool `check=ConnectionPool.check_connection`: a connection is
        # checked (one round trip) as it leaves the pool, so one killed by a database restart
        # is replaced instead of failing the next request.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = envint("CONN_MAX_AGE", 60)
        # A persistent connection is checked before a request reuses it, for the same reason.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: a few queries with subqueries (tracking candidates, the slip scan) are estimated
    # above jit_above_cost, and compiling them took 60-70 ms of an 80 ms query.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL and a busy timeout let the embedded worker write while the web process reads.
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered fragments and built feeds (adcmeet.core.fragments, the calendar feeds) are cached per
# process by default. CACHE_URL (redis://host:6379/1) shares one cache between the gunicorn
# workers, so what one worker built serves them all. Entries are keyed by what they show, so
# either is correct; a cache that is down costs renders, never pages.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfiguredEnv(f"CACHE_URL={CACHE_URL!r} is not a redis:// URL")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "adcmeet"),
            # A slow or absent Redis must not hold a request for long.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "adcmeet",
            # Each process holds its own copy: room for a few hundred pages' fragments.
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }

# --- Auth ---------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
OIDC_ENABLED = bool(os.environ.get("OIDC_RP_CLIENT_ID"))
if OIDC_ENABLED:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("adcmeet.accounts"), "mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("adcmeet.accounts.oidc.RoleMappingOIDCBackend")
    OIDC_RP_CLIENT_ID = os.environ["OIDC_RP_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    _issuer = os.environ.get("OIDC_ISSUER", "https://auth.cern.ch/auth/realms/cern").rstrip("/")
    # Keycloak's endpoints derive from the issuer; each can be set on its own.
    _endpoint = "{}/protocol/openid-connect/{}".format
    OIDC_OP_AUTHORIZATION_ENDPOINT = envstr(
        "OIDC_OP_AUTHORIZATION_ENDPOINT", _endpoint(_issuer, "auth")
    )
    OIDC_OP_TOKEN_ENDPOINT = envstr("OIDC_OP_TOKEN_ENDPOINT", _endpoint(_issuer, "token"))
    OIDC_OP_USER_ENDPOINT = envstr("OIDC_OP_USER_ENDPOINT", _endpoint(_issuer, "userinfo"))
    OIDC_OP_JWKS_ENDPOINT = envstr("OIDC_OP_JWKS_ENDPOINT", _endpoint(_issuer, "certs"))
    OIDC_RP_SCOPES = "openid email profile"
    OIDC_TIMEOUT = envint("OIDC_TIMEOUT", 10)
    # The id_token must come from this issuer and be meant for us (aud = client id).
    OIDC_ISSUER = _issuer
    OIDC_USE_PKCE = envbool("OIDC_USE_PKCE", default=True)
    OIDC_CREATE_USER = envbool("OIDC_CREATE_USER", default=True)
    # Identity-provider group (role) names that grant our roles; comma separated.
    OIDC_ROLE_CLAIM = os.environ.get("OIDC_ROLE_CLAIM", "cern_roles")
    OIDC_CONVENER_GROUPS = envlist("OIDC_CONVENER_GROUPS", ["adc-conveners"])
    OIDC_DEVELOPER_GROUPS = envlist("OIDC_DEVELOPER_GROUPS", ["adc-developers"])
    OIDC_MANAGER_GROUPS = envlist("OIDC_MANAGER_GROUPS", ["adc-managers"])

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Where a failed SSO login lands (mozilla-django-oidc): the login page, with a message.
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"
if TESTING:
    # Test personas log in hundreds of times; a slow hash only tests the hasher.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        # Our display name lives in `name`, which Django's default list does not know.
        "OPTIONS": {"user_attributes": ("username", "name", "first_name", "last_name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: after AXES_FAILURE_LIMIT wrong passwords for one username from one address,
# that pair is refused for AXES_COOLOFF_MINUTES (a clear page, HTTP 429). Counting the pair, not
# the username alone, stops a stranger from locking a colleague out from elsewhere.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
AXES_VERBOSE = False
# Behind a reverse proxy, how many proxies append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "adcmeet.core.access.client_ip"

# --- Time ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
USE_I18N = False
USE_TZ = True
TIME_ZONE = "Europe/Zurich"  # CERN time: what people see unless their profile says otherwise

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production static files are served straight from the finders, no collectstatic needed.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security headers ---------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# htmx reads the CSRF token from the page (hx-headers on <body>), never from the cookie.
CSRF_COOKIE_HTTPONLY = True
# Form posts are small; an oversize body is refused with 400 before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = envint("DATA_UPLOAD_MAX_NUMBER_FIELDS", 2000)
if SITE_URL.startswith("https://"):
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", default=True)
    # Trusted because the app only listens behind our TLS-terminating proxy, which sets it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is decided for the whole registrable domain (cern.ch), not by one app on a
        # subdomain; the warning that we have not opted in is therefore expected.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Mail ---------------------------------------------------------------------------------
# Django's own names, read from the environment. Without EMAIL_HOST mail goes to files under
# var/mail (one .log file per message batch), so nothing needs an SMTP server.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ADC meetings <adcmeet@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", default=False)
    EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
    )
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Celery -------------------------------------------------------------------------------
# With CELERY_BROKER_URL unset, the embedded default uses kombu's filesystem transport: a worker
# and beat run beside runserver (`make run`) with no Redis.
# Under pytest the default is kombu's in-process memory transport, so tests that commit a publish
# never leave tasks in var/ for the next `make run` (the mail tests use Redis explicitly).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://" if TESTING else "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery-queue"
    for _sub in ("processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_queue_dir / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    if os.environ.get("CELERY_KEY_PREFIX"):
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = os.environ["CELERY_KEY_PREFIX"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Due times live in the database; beat only scans for due rows every few minutes. The hour of
# a mail is checked inside its job, per series (e.g. mail.status_requests.request_moment).
CELERY_BEAT_SCHEDULE = {
    name: {"task": f"adcmeet.tasks.{task}", "schedule": schedule}
    for name, task, schedule in [
        ("beat-heartbeat", "heartbeat", 60.0),
        ("sweep-outbox", "sweep_outbox", 120.0),
        ("send-due-agenda-mails", "send_agenda_mails", 300.0),
        ("create-upcoming-meetings", "create_upcoming_meetings", crontab(hour=3, minute=15)),
        ("send-slip-reminders", "send_slip_reminders", crontab(minute="*/15")),
        ("mark-meetings-held", "mark_meetings_held", 600.0),
        ("send-status-requests", "send_status_requests", crontab(minute="*/15")),
    ]
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Application --------------------------------------------------------------------------
# How far back the public meeting feed reaches; future meetings are always included.
FEED_PAST_DAYS = envint("FEED_PAST_DAYS", 183)
MEETINGS_AHEAD = envint("MEETINGS_AHEAD", 8)
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_STALE_MINUTES = envint("OUTBOX_STALE_MINUTES", 10)
BEAT_STALE_MINUTES = envint("BEAT_STALE_MINUTES", 10)
MAIL_LIST_ID = os.environ.get("MAIL_LIST_ID", "adc-dev-meeting.adcmeet.local")
# A worker holding an outbox row longer than this is presumed dead and the row is swept back:
# keep it well above the longest send (EMAIL_TIMEOUT for each SMTP step).
OUTBOX_CLAIM_SECONDS = envint("OUTBOX_CLAIM_SECONDS", 300)
# After a failed send the next try waits base * 2**(attempts - 1) seconds, at most max.
OUTBOX_RETRY_BASE_SECONDS = envint("OUTBOX_RETRY_BASE_SECONDS", 30)
OUTBOX_RETRY_MAX_SECONDS = envint("OUTBOX_RETRY_MAX_SECONDS", 3600)
# Reminders, draft nudges and slip digests fall due at this hour, the series' local time.
MAIL_SEND_HOUR = envint("MAIL_SEND_HOUR", 9)
# A published agenda edited since it was mailed goes out by itself once it has been left alone
# this long (the convener can also send it at once from the builder).
AGENDA_UPDATE_QUIET_MINUTES = envint("AGENDA_UPDATE_QUIET_MINUTES", 15)
# Signed links in status mails stop working after this many days (deliverables.status_links).
STATUS_LINK_DAYS = envint("STATUS_LINK_DAYS", 7)

# --- Logging ------------------------------------------------------------------------------
# One format for Django, gunicorn (deploy/gunicorn.conf.py) and Celery: JSON lines with UTC
# times, request ids and the client address; readable lines with DEBUG (adcmeet/logconfig.py).
from adcmeet import logconfig  # noqa: E402 - the builder belongs with the setting it builds

LOG_FORMAT = os.environ.get("LOG_FORMAT", "") or logconfig.default_format(debug=DEBUG or TESTING)
try:
    LOGGING = logconfig.build(fmt=LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "") or "INFO")
except ValueError as exc:
    raise ImproperlyConfiguredEnv(str(exc)) from None
# Celery would replace the root logger's handler with its own format; Django's LOGGING stays.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
