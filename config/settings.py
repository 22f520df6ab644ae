"""Django settings: one base, switched by environment variables.

With no environment at all the project runs on the embedded default: SQLite in the
project folder, the local-memory cache, eager Celery and the console email backend.
`DATABASE_URL`, `REDIS_URL` and `CELERY_BROKER_URL` switch to PostgreSQL, Redis and
real Celery workers. `DJANGO_ENV=production` refuses to start insecurely.
Every variable is documented in `.env.example`.
"""

import base64
import hashlib
import hmac
from pathlib import Path

import environ
from celery.schedules import crontab
from cryptography.fernet import Fernet
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's `.env` is read when present; the variables of the real environment win.
ENV_FILE = env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env"))
if Path(ENV_FILE).is_file():
    env.read_env(ENV_FILE)

DJANGO_ENV = env.str("DJANGO_ENV", default="local")
if DJANGO_ENV not in ("local", "test", "production"):
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be local, test or production, not {DJANGO_ENV!r}."
    )
IS_PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not IS_PRODUCTION)
if IS_PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG must be off when DJANGO_ENV=production."
        )
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
    if len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set (at least 32 characters) in production."
        )
else:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="local-only-insecure-key-never-use-in-production"
    )

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=[] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.meetings",
    "apps.debriefings",
    "apps.crm",
    "apps.analytics",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (the web app's CSS/JS and Plotly) served by the app itself, with
    # far-future caching of the hashed names collectstatic writes in production.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.DatabaseUnavailableMiddleware",
]
# Request counts and timings (/metrics, API response time readings). Outermost, so
# its timings include every other middleware and the 503s above.
if env.bool("REQUEST_METRICS_ENABLED", default=True):
    MIDDLEWARE.insert(0, "apps.analytics.middleware.RequestMetricsMiddleware")

ROOT_URLCONF = "config.urls"
# `manage.py test` runs the pytest suite, so the spec's command and pytest agree.
TEST_RUNNER = "apps.core.test_runner.PytestTestRunner"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # {{ CSP_NONCE }}: the nonce an inline <style> or <script> carries.
                "csp.context_processors.nonce",
                "apps.core.context_processors.navigation",
            ],
        },
    },
]

# --- HTTPS and browser protections ---------------------------------------------------
# Production defaults pass `manage.py check --deploy` with no warning; outside
# production they stay off, so `make run` serves plain http://127.0.0.1:8000.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
# Trust X-Forwarded-Proto only when told so: a client could send the header itself
# unless a TLS-terminating proxy in front of the app always sets (or strips) it.
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int(
    "DJANGO_SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if IS_PRODUCTION else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
# Preloading is hard to undo, so it is the operator's decision (hstspreload.org asks
# projects not to turn it on by default); check --deploy's reminder is silenced
# while it is deliberately off.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=IS_PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Django's defaults, spelled out because the deploy check relies on them.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp), in every mode so a page that breaks under it
# breaks in development too. No 'unsafe-inline': the few inline <style> and <script>
# blocks (report page, Plotly's empty style element, Swagger UI's start-up script)
# carry the request's nonce; the report charts are inline SVG drawn with attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Swagger UI's and the admin's stylesheets draw icons from data: URIs.
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Database: SQLite file by default, PostgreSQL through DATABASE_URL -------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a lock instead of failing at once when the server and a command write.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# An optional read replica of DATABASE_URL (a streaming standby): dashboards, lists
# and exports read from it (apps/core/db_router.py); writes and transactions never.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        # Under test the replica is the primary's test database (no copy to fill).
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["apps.core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: local memory by default, Redis through REDIS_URL -----------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="mia"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "analytics-default",
        }
    }

# --- Celery: eager in-process by default, real workers through CELERY_BROKER_URL ---
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL
)
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
# One queue name per deployment (CI gives each run its own, so runs never share work).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="analytics")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tasks are idempotent and acknowledged late: one whose worker process dies (killed,
# out of memory) goes back to the queue and runs again instead of being lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True

# --- Email: console by default, any SMTP server through EMAIL_URL ------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Meeting Intelligence Analytics <analytics@localhost>"
)

AUTH_USER_MODEL = "accounts.User"
# Run when a password is set through a form or `changepassword`, not by
# make_password (seed_demo's `demo` accounts are made that way).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}", "OPTIONS": options}
    for name, options in (
        ("UserAttributeSimilarityValidator", {}),
        # 12 rather than Django's 8: these accounts read every salesperson's data.
        ("MinimumLengthValidator", {"min_length": 12}),
        ("CommonPasswordValidator", {}),
        ("NumericPasswordValidator", {}),
    )
]
# The web app's sign-in (every role); the admin keeps its own for staff.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "analytics:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
CELERY_TIMEZONE = TIME_ZONE

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # vendor/plotly.min.js from the installed `plotly` package: no CDN, no copy.
    "apps.core.staticfinders.PlotlyFinder",
]
if IS_PRODUCTION:
    # `manage.py collectstatic` writes hashed, compressed copies; WhiteNoise serves
    # them with a one-year immutable Cache-Control.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "apps.core.storage.StaticFilesStorage"},
    }

# --- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    # DRF's defaults, with a JSON parser that bounds nesting (apps/core/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Only views that name a throttle_scope are throttled (tracking and export).
    # Failing open: with Redis down, requests are let through (and stored), not 500s.
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.throttling.FailOpenScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "track": env.str("API_TRACK_RATE", default="1200/min"),
        "export": env.str("API_EXPORT_RATE", default="30/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=not IS_PRODUCTION)
# API tokens (stored hashed) expire this many hours after they are issued.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24 * 30)
# Failed logins (API token endpoint and admin form) counted in the cache: once a
# username or a client address reaches its limit, its logins are refused with 429
# for LOGIN_LOCKOUT_MINUTES, even with the right password.
LOGIN_FAILURES_PER_USERNAME = env.int("LOGIN_FAILURES_PER_USERNAME", default=10)
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=30)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
# The largest request body read into memory; a larger one answers 413. It holds
# the largest legitimate request, a full tracking batch: MAX_BATCH_EVENTS events of
# at most MAX_EVENT_BYTES (apps/analytics/limits.py, 1000 x 8 KiB), with room to
# spare; a test sends that batch. A proxy in front must let 8 MiB through.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "Meeting Intelligence Analytics API",
    "DESCRIPTION": (
        "Completion and accuracy rates, engagement, system health, reports and "
        "exports for the Meeting Intelligence product. Authenticate with "
        "`Authorization: Token <token>` (get one from `POST /api/v1/auth/token/`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs page: open outside production, login in production
    # unless API_DOCS_PUBLIC=true (read once, when the views are imported).
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.AllowAny"
        if API_DOCS_PUBLIC
        else "rest_framework.permissions.IsAuthenticated"
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: the docs work offline too.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set: several fields share these.
    "ENUM_NAME_OVERRIDES": {
        "MetricTypeEnum": "apps.analytics.models.MetricType",
        "ReportStatusEnum": "apps.analytics.models.ReportStatus",
        "HealthStatusEnum": "apps.analytics.models.HealthStatus",
        "AggregationPeriodEnum": "apps.analytics.models.AggregationPeriod",
        "SeriesGranularityEnum": "apps.analytics.models.SeriesGranularity",
        "DirectionEnum": "apps.analytics.models.Direction",
    },
}

# --- Analytics (names from the spec) -------------------------------------------------
ANALYTICS_CACHE_TIMEOUT = env.int("ANALYTICS_CACHE_TIMEOUT", default=300)  # 5 minutes
# Per cache type overrides in seconds, e.g. {"dashboard": 60}
ANALYTICS_CACHE_TIMEOUTS = env.json("ANALYTICS_CACHE_TIMEOUTS", default={})
ANALYTICS_RETENTION_DAYS = env.int("ANALYTICS_RETENTION_DAYS", default=90)
# Collecting a period fans out over the workers (one task per metric, joined by a
# chord) when the organisation has at least this many active users; 0 never does.
# Needs CELERY_RESULT_BACKEND with real workers (eager mode needs none).
ANALYTICS_COLLECTION_FANOUT_USERS = env.int(
    "ANALYTICS_COLLECTION_FANOUT_USERS", default=500
)
# PostgreSQL: monthly partitions of the event tables made this many months ahead
# (daily by the beat and at every migrate; a month without one goes to the default).
ANALYTICS_PARTITION_MONTHS_AHEAD = env.int(
    "ANALYTICS_PARTITION_MONTHS_AHEAD", default=3
)
# How long the other tables are kept (days; 0 keeps forever, as it does for the raw
# data above): the audit trail, the aggregated metric rows and the stored reports.
ANALYTICS_AUDIT_RETENTION_DAYS = env.int("ANALYTICS_AUDIT_RETENTION_DAYS", default=365)
ANALYTICS_METRICS_RETENTION_DAYS = env.int(
    "ANALYTICS_METRICS_RETENTION_DAYS", default=730
)
ANALYTICS_REPORT_RETENTION_DAYS = env.int(
    "ANALYTICS_REPORT_RETENTION_DAYS", default=365
)
# System health: how often readings are taken (the beat entry runs every 5 minutes);
# a component whose latest reading is older than 3 intervals shows as down (stale).
ANALYTICS_HEALTH_INTERVAL_SECONDS = env.int(
    "ANALYTICS_HEALTH_INTERVAL_SECONDS", default=300
)
# Overrides of the health thresholds (apps/analytics/health_rules.py), keyed
# "component:health_type" or "health_type", e.g. {"disk:disk_free": [30, 15]}.
ANALYTICS_HEALTH_THRESHOLDS = env.json("ANALYTICS_HEALTH_THRESHOLDS", default={})
# /metrics (Prometheus): a scraper's bearer token and/or client IPs let in without
# a user; admins get in with their own token or session. Empty: admins only.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# The scheduled collector fills periods missing from the last N days (lost tasks).
ANALYTICS_BACKFILL_DAYS = env.int("ANALYTICS_BACKFILL_DAYS", default=7)
ANALYTICS_ALERT_EMAILS = env.list(
    "ANALYTICS_ALERT_EMAILS", default=["admin@example.com"]
)
# Alerting (issue 11): how often a still-firing alert is announced again, the
# webhook that receives alerts (Slack-compatible JSON, signed with HMAC-SHA256 of the
# body when a secret is set), its timeout and retries, and an optional Alertmanager.
ANALYTICS_ALERT_REPEAT_HOURS = env.float("ANALYTICS_ALERT_REPEAT_HOURS", default=4)
ANALYTICS_ALERT_WEBHOOK_URL = env.str("ANALYTICS_ALERT_WEBHOOK_URL", default="")
ANALYTICS_ALERT_WEBHOOK_SECRET = env.str("ANALYTICS_ALERT_WEBHOOK_SECRET", default="")
ANALYTICS_ALERT_WEBHOOK_TIMEOUT = env.float(
    "ANALYTICS_ALERT_WEBHOOK_TIMEOUT", default=5
)
ANALYTICS_ALERT_WEBHOOK_RETRIES = env.int("ANALYTICS_ALERT_WEBHOOK_RETRIES", default=2)
# Seconds before the first retry; doubled before each next one.
ANALYTICS_ALERT_WEBHOOK_BACKOFF = env.float(
    "ANALYTICS_ALERT_WEBHOOK_BACKOFF", default=1
)
ALERTMANAGER_URL = env.str("ALERTMANAGER_URL", default="")
# Insights (issue 12): the hourly anomaly scan looks at the last SCAN_DAYS days, each
# series warmed up on HISTORY_DAYS days before them; a score from CRITICAL_SCORE up is
# critical (from the detector's default threshold: a warning).
ANALYTICS_ANOMALY_SCAN_DAYS = env.int("ANALYTICS_ANOMALY_SCAN_DAYS", default=2)
ANALYTICS_ANOMALY_HISTORY_DAYS = env.int("ANALYTICS_ANOMALY_HISTORY_DAYS", default=28)
ANALYTICS_ANOMALY_CRITICAL_SCORE = env.float(
    "ANALYTICS_ANOMALY_CRITICAL_SCORE", default=0.99
)
# Exports write each user id as its pseudonym (an HMAC of the id), for everyone.
ANALYTICS_ANONYMIZE_EXPORTS = env.bool("ANALYTICS_ANONYMIZE_EXPORTS", default=False)
# The key of user pseudonyms (HMACs of ids: anonymised exports, erased users' new
# names); empty: derived from SECRET_KEY (apps/analytics/services/privacy/
# pseudonyms.py). Changing it changes every pseudonym.
ANALYTICS_PSEUDONYM_KEY = env.str("ANALYTICS_PSEUDONYM_KEY", default="")


# --- Encryption at rest (apps/core/encryption.py) -------------------------------------
def _derived_key(purpose: str) -> bytes:
    """Return 32 bytes derived from SECRET_KEY for one purpose (development only)."""
    label = f"meeting-intelligence-analytics:{purpose}".encode()
    return hmac.new(SECRET_KEY.encode(), label, hashlib.sha256).digest()


# Comma-separated Fernet keys: the first encrypts, all decrypt (put a new key first,
# run `manage.py rotate_encryption_keys`, then drop the old one).
ANALYTICS_ENCRYPTION_KEYS = [
    key.strip()
    for key in env.str("ANALYTICS_ENCRYPTION_KEYS", default="").split(",")
    if key.strip()
]
if not ANALYTICS_ENCRYPTION_KEYS:
    if IS_PRODUCTION:
        raise ImproperlyConfigured(
            "ANALYTICS_ENCRYPTION_KEYS must be set in production (comma-separated "
            "Fernet keys; make one with `python -c 'from cryptography.fernet import "
            "Fernet; print(Fernet.generate_key().decode())'`)."
        )
    # Development only: a key derived from SECRET_KEY, so local data stays readable.
    ANALYTICS_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(_derived_key("encryption")).decode()
    ]
for _position, _key in enumerate(ANALYTICS_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            f"ANALYTICS_ENCRYPTION_KEYS: key {_position} is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from None
# The HMAC key of blind indexes (report recipients are found and kept unique by
# it). Default: derived from SECRET_KEY; after changing either, run
# rotate_encryption_keys, which recomputes the hashes.
ANALYTICS_HASH_KEY = env.str("ANALYTICS_HASH_KEY", default="") or (
    _derived_key("blind-index").hex()
)

# Who receives the scheduled reports, and the address their links point to.
ANALYTICS_REPORT_EMAILS = env.list(
    "ANALYTICS_REPORT_EMAILS", default=ANALYTICS_ALERT_EMAILS
)
# Empty: links are built from the request (the host and port actually served), and
# emails sent with no request point at http://127.0.0.1:8000 (apps/core/links.py).
ANALYTICS_BASE_URL = env.str("ANALYTICS_BASE_URL", default="")

# Celery beat schedule for automated tasks (as the spec prints it; times in TIME_ZONE).
CELERY_BEAT_SCHEDULE = {
    "collect-hourly-metrics": {
        "task": "apps.analytics.tasks.collect_performance_metrics",
        "schedule": crontab(minute=0),  # Every hour
        "args": ("hourly",),
    },
    "collect-daily-metrics": {
        "task": "apps.analytics.tasks.collect_performance_metrics",
        "schedule": crontab(hour=1, minute=0),  # Daily at 1 AM
        "args": ("daily",),
    },
    "generate-daily-reports": {
        "task": "apps.analytics.tasks.generate_scheduled_report",
        "schedule": crontab(hour=2, minute=0),  # Daily at 2 AM
        "args": ("daily_summary",),
    },
    "system-health-check": {
        "task": "apps.analytics.tasks.collect_system_health_metrics",
        "schedule": crontab(minute="*/5"),  # Every 5 minutes
    },
    # Beyond the spec's list: weekly and monthly rollups, which the reports below
    # read instead of recomputing the period from source data...
    "collect-weekly-metrics": {
        "task": "apps.analytics.tasks.collect_performance_metrics",
        "schedule": crontab(hour=1, minute=15, day_of_week=1),  # Mondays at 1:15 AM
        "args": ("weekly",),
    },
    "collect-monthly-metrics": {
        "task": "apps.analytics.tasks.collect_performance_metrics",
        "schedule": crontab(hour=1, minute=30, day_of_month=1),  # the 1st, 1:30 AM
        "args": ("monthly",),
    },
    # ...the weekly and monthly reports...
    "generate-weekly-reports": {
        "task": "apps.analytics.tasks.generate_scheduled_report",
        "schedule": crontab(hour=2, minute=30, day_of_week=1),  # Mondays at 2:30 AM
        "args": ("weekly_performance",),
    },
    "generate-monthly-reports": {
        "task": "apps.analytics.tasks.generate_scheduled_report",
        "schedule": crontab(hour=3, minute=30, day_of_month=1),  # the 1st, 3:30 AM
        "args": ("monthly_analytics",),
    },
    # ...alert rules, evaluated every minute (issue 11)...
    "send-analytics-alerts": {
        "task": "apps.analytics.tasks.send_analytics_alerts",
        "schedule": crontab(),  # Every minute
    },
    # ...anomalies of every series, recorded once (issue 12)...
    "detect-analytics-anomalies": {
        "task": "apps.analytics.tasks.detect_analytics_anomalies",
        "schedule": crontab(minute=20),  # Every hour, after the hourly rollups
    },
    # ...and folding the live counters into hourly engagement rows.
    "aggregate-real-time-metrics": {
        "task": "apps.analytics.tasks.aggregate_real_time_metrics",
        "schedule": crontab(minute=5),  # Every hour, once the hour's events are in
    },
    # PostgreSQL's monthly partitions, made ahead (idempotent; a no-op on SQLite).
    "ensure-analytics-partitions": {
        "task": "apps.analytics.tasks.ensure_analytics_partitions",
        "schedule": crontab(hour=0, minute=45),  # Daily at 0:45 AM
    },
    "cleanup-old-data": {
        "task": "apps.analytics.tasks.cleanup_old_analytics_data",
        "schedule": crontab(hour=3, minute=0, day_of_week=0),  # Weekly on Sunday
    },
}

# --- Logging: readable console output; the analytics level comes from the environment
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "console": {
            "format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "console"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "apps.analytics": {
            "level": env.str("ANALYTICS_LOG_LEVEL", default="INFO"),
            "handlers": ["console"],
            "propagate": False,
        },
        "django": {"level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    },
}
