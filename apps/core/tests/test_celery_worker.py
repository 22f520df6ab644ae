"""A real Celery worker answers through the configured broker (PostgreSQL leg of CI)."""

import pytest

from config.celery import app


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_answers_a_ping_through_the_broker(celery_worker_process):
    replies = app.control.ping(timeout=5.0)
    assert any("pytest-worker@" in name for reply in replies for name in reply)
