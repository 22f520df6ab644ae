"""Django settings: one base, switched by environment variables.

With no environment at all the project runs on the embedded default: SQLite in the
project folder, the local-memory cache, eager Celery and the console email backend.
`DATABASE_URL`, `REDIS_URL` and `CELERY_BROKER_URL` switch to PostgreSQL, Redis and
real Celery workers. `DJANGO_ENV=production` refuses to start insecurely.
Every variable is documented in `.env.example`.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
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
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
            ],
        },
    },
]

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

# --- Email: console by default, any SMTP server through EMAIL_URL ------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Meeting Intelligence Analytics <analytics@localhost>"
)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LOGIN_URL = "/admin/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
CELERY_TIMEZONE = TIME_ZONE

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    # Only views that name a throttle_scope are throttled (tracking and export).
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "track": env.str("API_TRACK_RATE", default="1200/min"),
        "export": env.str("API_EXPORT_RATE", default="30/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Meeting Intelligence Analytics API",
    "DESCRIPTION": (
        "Completion and accuracy rates, engagement, system health, reports and "
        "exports for the Meeting Intelligence product. Authenticate with "
        "`Authorization: Token <token>` (get one from `POST /api/v1/auth/token/`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
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
    },
}

# --- Analytics (names from the spec) -------------------------------------------------
ANALYTICS_CACHE_TIMEOUT = env.int("ANALYTICS_CACHE_TIMEOUT", default=300)  # 5 minutes
# Per cache type overrides in seconds, e.g. {"dashboard": 60}
ANALYTICS_CACHE_TIMEOUTS = env.json("ANALYTICS_CACHE_TIMEOUTS", default={})
ANALYTICS_RETENTION_DAYS = env.int("ANALYTICS_RETENTION_DAYS", default=90)
ANALYTICS_ALERT_EMAILS = env.list(
    "ANALYTICS_ALERT_EMAILS", default=["admin@example.com"]
)
# Exports write each user id as its pseudonym (an HMAC of the id), for everyone.
ANALYTICS_ANONYMIZE_EXPORTS = env.bool("ANALYTICS_ANONYMIZE_EXPORTS", default=False)
# The key of user pseudonyms (HMACs of ids: anonymised exports, erased users' new
# names); empty: derived from SECRET_KEY (apps/analytics/services/privacy/
# pseudonyms.py). Changing it changes every pseudonym.
ANALYTICS_PSEUDONYM_KEY = env.str("ANALYTICS_PSEUDONYM_KEY", default="")

# Who receives the scheduled reports, and the address their links point to.
ANALYTICS_REPORT_EMAILS = env.list(
    "ANALYTICS_REPORT_EMAILS", default=ANALYTICS_ALERT_EMAILS
)
ANALYTICS_BASE_URL = env.str("ANALYTICS_BASE_URL", default="http://127.0.0.1:8000")

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
    # ...and folding the live counters into hourly engagement rows.
    "aggregate-real-time-metrics": {
        "task": "apps.analytics.tasks.aggregate_real_time_metrics",
        "schedule": crontab(minute=5),  # Every hour, once the hour's events are in
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

if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True
