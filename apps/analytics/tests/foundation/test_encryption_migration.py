"""Migrations 0005-0007 encrypt the rows already stored; going back decrypts them."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.core.encryption import blind_index

BEFORE = [("analytics", "0004_delivery_scope_key")]
AFTER = [("analytics", "0007_delivery_unique_by_recipient_hash")]
METADATA = {"contact": "jane.doe@example.com", "tags": ["ü", None, 1.5]}
START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def migrate(targets):
    """Migrate the test database to `targets`; return the models of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def raw(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.fixture
def at_0004(transactional_db):
    """Rows stored before encryption; the latest schema is restored afterwards."""
    old = migrate(BEFORE)
    user = old.get_model("accounts", "User").objects.create(username="jane")
    events = old.get_model("analytics", "UserEngagementMetric").objects.bulk_create(
        old.get_model("analytics", "UserEngagementMetric")(
            user_id=user.pk,
            engagement_type="meeting_view",
            session_id=f"s-{n}",
            metadata=METADATA | {"n": n},
            timestamp=START,
        )
        for n in range(2500)  # more than one batch
    )
    report = old.get_model("analytics", "Report").objects.create(
        report_type="daily_summary",
        title="Daily",
        period_start=START,
        period_end=START + dt.timedelta(days=1),
    )
    for recipient in ("lead@example.com", "ops@example.com"):
        old.get_model("analytics", "ReportDelivery").objects.create(
            report_id=report.pk,
            report_type="daily_summary",
            period_start=report.period_start,
            period_end=report.period_end,
            scope_key="organisation",
            recipient=recipient,
        )
    yield len(events)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_migrating_encrypts_existing_rows_and_back_decrypts_them(at_0004):
    new = migrate(AFTER)

    stored = raw("SELECT metadata FROM analytics_userengagementmetric")
    assert len(stored) == at_0004
    # The plaintext in full: a short word can turn up by chance in 2,500 random
    # base64 tokens (about 3% of runs for "jane").
    assert all(
        m.startswith("gAAAAA") and METADATA["contact"] not in m for (m,) in stored
    )
    rows = raw("SELECT recipient, recipient_hash FROM analytics_reportdelivery")
    assert all(r.startswith("gAAAAA") and "@example.com" not in r for r, _ in rows)
    assert sorted(h for _, h in rows) == sorted(
        blind_index(a) for a in ("lead@example.com", "ops@example.com")
    )
    Event = new.get_model("analytics", "UserEngagementMetric")
    assert sorted(
        (m["n"], m) for m in Event.objects.values_list("metadata", flat=True)
    ) == [(n, METADATA | {"n": n}) for n in range(at_0004)]
    Delivery = new.get_model("analytics", "ReportDelivery")
    assert Delivery.objects.get(recipient="ops@example.com").recipient == (
        "ops@example.com"
    )

    migrate(BEFORE)

    stored = raw("SELECT metadata FROM analytics_userengagementmetric")
    assert sorted((m["n"], m) for m in (json.loads(text) for (text,) in stored)) == [
        (n, METADATA | {"n": n}) for n in range(at_0004)
    ]
    assert sorted(raw("SELECT recipient FROM analytics_reportdelivery")) == [
        ("lead@example.com",),
        ("ops@example.com",),
    ]
