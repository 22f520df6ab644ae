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
        "detect-analytics-anomalies",
        "ensure-analytics-partitions",
        "generate-daily-reports",
        "generate-monthly-reports",
        "generate-weekly-reports",
        "send-analytics-alerts",
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


# --- Production: HTTPS, browser protections, closed docs -----------------------------

# A key that passes the deploy check (50+ characters, many distinct ones).
PRODUCTION_KEY = "k3Jq9vT2wLx8RmZp5Yc7Nd4Hb6Gf1Se0Ua-Vt_Wr!Qo@Pi#Mn$zE"
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": PRODUCTION_KEY,
    # A Fernet key made for these tests: production refuses to start without one.
    "ANALYTICS_ENCRYPTION_KEYS": "aFgidqwf0dkZsh1ZFK9Mlr2Q4JoMimHy2WbarXsh1R0=",
    "DJANGO_ALLOWED_HOSTS": "analytics.example.com",
}

PRINT_SECURITY = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
    "hsts_seconds": settings.SECURE_HSTS_SECONDS,
    "hsts_subdomains": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "hsts_preload": settings.SECURE_HSTS_PRELOAD,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "docs_public": settings.API_DOCS_PUBLIC,
}))
"""

# Requests through the test client, as a browser would make them in production.
PRINT_RESPONSES = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="analytics.example.com")
def answer(path, **extra):
    response = client.get(path, **extra)
    return [
        response.status_code,
        response.headers.get("Location"),
        response.headers.get("Strict-Transport-Security"),
    ]
print(json.dumps({
    "plain_http": answer("/accounts/login/"),
    "https": answer("/accounts/login/", secure=True),
    "forwarded_https": answer("/accounts/login/", HTTP_X_FORWARDED_PROTO="https"),
}))
"""

# The schema and docs for an anonymous visitor (no database needed)...
ANONYMOUS_DOCS = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="analytics.example.com")
def answers():
    schema = client.get("/api/schema/", secure=True)
    docs = client.get("/api/docs/", secure=True)
    return [schema.status_code, docs.status_code, docs.headers.get("Location")]
anonymous = answers()
"""
PRINT_ANONYMOUS_DOCS = ANONYMOUS_DOCS + "print(json.dumps(anonymous))"
# ...then for a signed-in user.
PRINT_DOCS_ACCESS = (
    ANONYMOUS_DOCS
    + """
from django.core.management import call_command
from apps.accounts.models import User
call_command("migrate", verbosity=0)
client.force_login(User.objects.create_user("reader"))
print(json.dumps({"anonymous": anonymous, "signed_in": answers()}))
"""
)


def run_manage(*args: str, **env_vars: str) -> subprocess.CompletedProcess:
    """Run manage.py with only the given environment."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_ENV_FILE": "/nonexistent/.env",
            **env_vars,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_passes_the_deploy_check_with_no_warning():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    # HSTS preload stays the operator's decision: its reminder is the one silenced.
    assert result.stdout.strip() == "System check identified no issues (1 silenced)."
    assert result.stderr == ""


def test_production_with_hsts_preload_passes_the_deploy_check_silencing_nothing():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECURE_HSTS_PRELOAD="true",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_the_deploy_check_notices_a_protection_turned_off():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
        **PRODUCTION,
    )

    assert result.returncode == 1
    assert "security.W004" in result.stderr  # HSTS
    assert "security.W008" in result.stderr  # SSL redirect


def test_production_defaults_are_https_only():
    result = run_python(PRINT_SECURITY, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "ssl_redirect": True,
        "proxy_header": None,
        "hsts_seconds": 31_536_000,
        "hsts_subdomains": True,
        "hsts_preload": False,
        "session_cookie_secure": True,
        "csrf_cookie_secure": True,
        "docs_public": False,
    }


def test_the_embedded_default_serves_plain_http_with_public_docs():
    result = run_python(PRINT_SECURITY)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "ssl_redirect": False,
        "proxy_header": None,
        "hsts_seconds": 0,
        "hsts_subdomains": True,
        "hsts_preload": False,
        "session_cookie_secure": False,
        "csrf_cookie_secure": False,
        "docs_public": True,
    }


def test_production_redirects_to_https_and_sends_hsts():
    result = run_python(PRINT_RESPONSES, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["plain_http"] == [
        301,
        "https://analytics.example.com/accounts/login/",
        None,
    ]
    assert seen["https"] == [200, None, "max-age=31536000; includeSubDomains"]
    # Not behind a TLS proxy, a client's own X-Forwarded-Proto is not believed.
    assert seen["forwarded_https"] == [
        301,
        "https://analytics.example.com/accounts/login/",
        None,
    ]


def test_behind_a_tls_proxy_its_forwarded_proto_counts_as_https():
    result = run_python(PRINT_RESPONSES, DJANGO_BEHIND_TLS_PROXY="true", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["forwarded_https"] == [200, None, "max-age=31536000; includeSubDomains"]
    assert seen["plain_http"][:2] == [
        301,
        "https://analytics.example.com/accounts/login/",
    ]


def test_production_schema_and_docs_need_a_login():
    result = run_python(
        PRINT_DOCS_ACCESS, DATABASE_URL="sqlite://:memory:", **PRODUCTION
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        # The schema answers 401; a person opening the docs is sent to log in.
        "anonymous": [401, 302, "/accounts/login/?next=/api/docs/"],
        "signed_in": [200, 200, None],
    }


def test_production_schema_and_docs_can_be_opened_to_everyone():
    result = run_python(PRINT_ANONYMOUS_DOCS, API_DOCS_PUBLIC="true", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [200, 200, None]
