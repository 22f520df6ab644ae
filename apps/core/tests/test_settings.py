"""The settings' embedded default and production mode, checked in fresh interpreters."""

import base64
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


# Fernet keys made for these tests (Fernet.generate_key()); they protect nothing.
KEY_A = "x9kJq3VvA0f4bO1p2jHcYQ5n8mLrT6sWdEgUiZ7yKaM="
KEY_B = "N2b5Yc8dQe1fRg4hSi7jTk0lUm3nVo6pWq9rXs2tYu8="


def test_production_starts_with_a_secret_key_and_debug_off():
    result = run_python(
        PRINT_SETTINGS,
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="analytics.example.com",
        ANALYTICS_ENCRYPTION_KEYS=KEY_A,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


PRINT_KEYS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "keys": settings.ANALYTICS_ENCRYPTION_KEYS,
    "hash_key": settings.ANALYTICS_HASH_KEY,
}))
"""


def test_production_refuses_to_start_without_encryption_keys():
    result = run_python(
        PRINT_KEYS,
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="analytics.example.com",
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        "django.core.exceptions.ImproperlyConfigured: ANALYTICS_ENCRYPTION_KEYS "
        "must be set in production (comma-separated Fernet keys; "
    )


def test_encryption_keys_are_read_in_order_and_checked():
    result = run_python(PRINT_KEYS, ANALYTICS_ENCRYPTION_KEYS=f" {KEY_B} , {KEY_A} ")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["keys"] == [KEY_B, KEY_A]

    result = run_python(PRINT_KEYS, ANALYTICS_ENCRYPTION_KEYS=f"{KEY_A},not-a-key")
    assert result.returncode != 0
    assert (
        "ANALYTICS_ENCRYPTION_KEYS: key 2 is not a Fernet key "
        "(32 url-safe base64-encoded bytes)." in result.stderr
    )
    assert "not-a-key" not in result.stderr  # a key is never printed


def test_development_keys_derive_from_the_secret_key_deterministically():
    first = json.loads(run_python(PRINT_KEYS, DJANGO_SECRET_KEY="s" * 40).stdout)
    again = json.loads(run_python(PRINT_KEYS, DJANGO_SECRET_KEY="s" * 40).stdout)
    other = json.loads(run_python(PRINT_KEYS, DJANGO_SECRET_KEY="t" * 40).stdout)
    assert first == again
    assert len(first["keys"]) == 1 and len(first["hash_key"]) == 64
    assert other["keys"] != first["keys"] and other["hash_key"] != first["hash_key"]
    # Derived for two purposes: the hash key is not the encryption key's bytes.
    assert base64.urlsafe_b64decode(first["keys"][0]).hex() != first["hash_key"]


def test_unknown_environment_name_is_refused():
    result = run_python(PRINT_SETTINGS, DJANGO_ENV="staging")
    assert result.returncode != 0
    assert "DJANGO_ENV must be local, test or production" in result.stderr
