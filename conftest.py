"""Fixtures every test shares: a clean cache, a real Celery worker when configured."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

ROOT = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _clear_cache():
    """Keep each test's cache state its own (locmem or the CI's Redis database)."""
    cache.clear()
    yield
    cache.clear()


def real_celery_configured() -> bool:
    """Whether a broker is configured, so tasks may run on a real worker."""
    return not settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """Start a real Celery worker on the test database; skip when Celery is eager."""
    if not real_celery_configured():
        pytest.skip("CELERY_BROKER_URL is not set: tasks run eagerly in-process")
    from django.db import connection

    from config.celery import app

    db = connection.settings_dict
    env = {
        **os.environ,
        # The worker must read and write the database this test session created.
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}"
            f"/{db['NAME']}"
        ),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--hostname=pytest-worker@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"the Celery worker exited with code {worker.returncode}")
            if app.control.ping(timeout=1.0):
                break
        else:
            pytest.fail("the Celery worker did not answer a ping within 60 seconds")
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
