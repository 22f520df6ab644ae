"""The settings' embedded default and production mode, checked in fresh interpreters."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "email": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
    "beat": sorted(settings.CELERY_BEAT_SCHEDULE),
    "retention": settings.ANALYTICS_RETENTION_DAYS,
    "cache_timeout": settings.ANALYTICS_CACHE_TIMEOUT,
    "alert_emails": settings.ANALYTICS_ALERT_EMAILS,
}))
"""


def run_python(code: str, **env_vars: str) -> subprocess.CompletedProcess:
    """Run code under the project's settings with only the given environment."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # No developer's .env either: "no environment" means none at all.
        "DJANGO_ENV_FILE": "/nonexistent/.env",
        **env_vars,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_embedded_default_needs_no_environment():
    result = run_python(PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["db"] == "django.db.backends.sqlite3"
    assert seen["db_name"] == str(ROOT / "db.sqlite3")
    assert seen["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert seen["eager"] is True
    assert seen["email"] == "django.core.mail.backends.console.EmailBackend"
    assert seen["debug"] is True
    assert seen["retention"] == 90
    assert seen["cache_timeout"] == 300
    assert seen["alert_emails"] == ["admin@example.com"]
    assert seen["beat"] == [
        "aggregate-real-time-metrics",
        "cleanup-old-data",
        "collect-daily-metrics",
        "collect-hourly-metrics",
        "collect-monthly-metrics",
        "collect-weekly-metrics",
        "generate-daily-reports",
        "generate-monthly-reports",
        "generate-weekly-reports",
        "system-health-check",
    ]


def test_environment_switches_to_postgres_redis_and_real_celery():
    result = run_python(
        PRINT_SETTINGS,
        DATABASE_URL="postgres://u:p@db.internal:5432/analytics",
        REDIS_URL="redis://cache.internal:6379/0",
        CELERY_BROKER_URL="amqp://guest:guest@mq.internal:5672//",
        ANALYTICS_RETENTION_DAYS="30",
        ANALYTICS_ALERT_EMAILS="ops@example.com,lead@example.com",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["db"] == "django.db.backends.postgresql"
    assert seen["db_name"] == "analytics"
    assert seen["cache"] == "django_redis.cache.RedisCache"
    assert seen["eager"] is False
    assert seen["retention"] == 30
    assert seen["alert_emails"] == ["ops@example.com", "lead@example.com"]


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python(PRINT_SETTINGS, DJANGO_ENV="production", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_with_debug_on():
    result = run_python(
        PRINT_SETTINGS,
        DJANGO_ENV="production",
        DJANGO_DEBUG="true",
        DJANGO_SECRET_KEY="x" * 50,
    )
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off" in result.stderr


def test_production_starts_with_a_secret_key_and_debug_off():
    result = run_python(
        PRINT_SETTINGS,
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="analytics.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_unknown_environment_name_is_refused():
    result = run_python(PRINT_SETTINGS, DJANGO_ENV="staging")
    assert result.returncode != 0
    assert "DJANGO_ENV must be local, test or production" in result.stderr


PRINT_BEAT_TASKS = """
import json, django
from django.conf import settings
django.setup()
from config.celery import app
app.loader.import_default_modules()  # what a worker does at start: autodiscovery
print(json.dumps({
    "scheduled": sorted({e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}),
    "registered": sorted(app.tasks),
}))
"""


def test_every_task_beat_schedules_is_registered_with_the_celery_app():
    # A fresh interpreter: in this one, other tests have imported the task modules
    # already, which a worker cannot count on.
    result = run_python(PRINT_BEAT_TASKS)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    unregistered = set(seen["scheduled"]) - set(seen["registered"])
    assert unregistered == set()
    assert "apps.analytics.tasks.cleanup_old_analytics_data" in seen["scheduled"]
