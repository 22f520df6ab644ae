"""Dashboards, lists and exports read from the read replica; writes, transactions
and accounts stay on the primary.

The routing tests need the `replica` alias, which exists only with
DATABASE_REPLICA_URL: the driver test at the bottom runs them in a child pytest
with the replica set to the primary's own database (Django's TEST MIRROR).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.analytics.models import PerformanceMetric, UserEngagementMetric
from apps.analytics.tests.factories import UserEngagementMetricFactory
from apps.core import db_router
from apps.core.db_router import ReplicaRouter, replica_reads

ROOT = Path(__file__).resolve().parents[4]
HAS_REPLICA = "replica" in settings.DATABASES
needs_replica = pytest.mark.skipif(
    not HAS_REPLICA, reason="DATABASE_REPLICA_URL is not set (see the driver test)"
)


@pytest.fixture
def replica_present(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)


def test_without_the_opt_in_every_read_goes_to_the_primary(replica_present):
    assert ReplicaRouter().db_for_read(UserEngagementMetric) is None


@pytest.mark.django_db(transaction=True)
def test_opted_in_reads_of_analytics_go_to_the_replica_accounts_do_not(
    replica_present,
):
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(UserEngagementMetric) == "replica"
        assert router.db_for_read(PerformanceMetric) == "replica"
        assert router.db_for_read(User) is None
        with transaction.atomic():
            assert router.db_for_read(UserEngagementMetric) == "default"
    assert router.db_for_read(UserEngagementMetric) is None


def test_writes_go_to_the_primary_and_the_replica_is_never_migrated():
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_write(UserEngagementMetric) == "default"
    assert router.allow_migrate("replica", "analytics") is False
    assert router.allow_migrate("default", "analytics") is True


def analytics_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if '"analytics_' in q["sql"]]


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_engagement_list_reads_its_rows_from_the_replica(org):
    UserEngagementMetricFactory(user=org["member"])
    client = APIClient()
    client.force_authenticate(org["admin"])
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connection) as on_primary,
    ):
        response = client.get("/api/v1/analytics/metrics/engagement/")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1
    assert analytics_queries(on_replica)
    # The primary only wrote (the audit log), it read no analytics rows.
    assert not [
        sql for sql in analytics_queries(on_primary) if sql.startswith("SELECT")
    ]


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_dashboard_and_an_export_read_from_the_replica(org):
    UserEngagementMetricFactory(user=org["member"])
    client = APIClient()
    client.force_authenticate(org["admin"])
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        dashboard = client.get("/api/v1/analytics/dashboard/")
    assert dashboard.status_code == 200, dashboard.content
    assert analytics_queries(on_replica)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        export = client.get("/api/v1/analytics/export/?dataset=engagement&format=csv")
        body = b"".join(export.streaming_content)
    assert export.status_code == 200
    assert body.count(b"\n") == 2  # the header and the one event
    assert any(
        "analytics_userengagementmetric" in sql for sql in analytics_queries(on_replica)
    )


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_tracking_writes_to_the_primary_and_reads_nothing_from_the_replica(org):
    client = APIClient()
    client.force_authenticate(org["member"])
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.post(
            "/api/v1/analytics/track-engagement/",
            {"engagement_type": "login", "session_id": "s"},
            format="json",
        )
    assert response.status_code == 201, response.content
    assert not analytics_queries(on_replica)
    assert UserEngagementMetric.objects.count() == 1


def test_with_a_replica_configured_the_routing_tests_pass():
    """Run the tests above in a child pytest whose replica mirrors its database."""
    if HAS_REPLICA:
        pytest.skip("this is the child run")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        # Its own test database, beside this session's.
        url = url.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"] + "_rr"
        env["DATABASE_URL"] = url
    else:
        url = f"sqlite:///{ROOT / 'db.sqlite3'}"
    env["DATABASE_REPLICA_URL"] = url
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--create-db",
            __file__,
            "-k",
            "replica and not configured",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout
