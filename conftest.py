"""Fixtures every test shares: a clean cache, a real Celery worker when configured."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from apps.core.testing import TEST_TIME_ZONE

ROOT = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _organisation_time_zone(settings):
    """Run every test in a daylight-saving zone (the worker gets the same)."""
    settings.TIME_ZONE = TEST_TIME_ZONE


@pytest.fixture
def org():
    """Two teams: an admin, Alpha's manager, two Alpha members, one Beta member."""
    from apps.accounts.models import Role
    from apps.accounts.tests.factories import TeamFactory, UserFactory

    alpha, beta = TeamFactory(name="Alpha"), TeamFactory(name="Beta")
    return {
        "admin": UserFactory(username="admin", role=Role.ADMIN),
        "manager": UserFactory(username="manager", role=Role.MANAGER, team=alpha),
        "member": UserFactory(username="member", team=alpha),
        "mate": UserFactory(username="mate", team=alpha),
        "other": UserFactory(username="other", team=beta),
    }


@pytest.fixture(autouse=True)
def _skip_postgres_only_tests_elsewhere(request):
    """Skip tests marked `postgres` unless the test database is PostgreSQL."""
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords with MD5: PBKDF2's deliberate slowness adds minutes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Keep each test's cache state its own (locmem or the CI's Redis database)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _eager_celery_unless_real_worker(request):
    """Run tasks in-process except in tests that ask for the real worker.

    With a broker configured (CI's PostgreSQL leg), a task sent by a test that has
    no worker would wait forever; the worker tests prove the real path instead.
    """
    if "celery_worker_process" in request.fixturenames:
        yield
        return
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


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
        "TIME_ZONE": TEST_TIME_ZONE,
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
