"""Retention: each table loses exactly its rows older than its cutoff, in batches."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import (
    Alert,
    AlertEvent,
    AlertRule,
    DataQualityMetric,
    PerformanceMetric,
    Report,
    ReportDelivery,
    SystemHealthMetric,
    UserEngagementMetric,
)
from apps.analytics.services import retention
from apps.analytics.services.retention import cleanup_old_data
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import (
    DataQualityMetricFactory,
    PerformanceMetricFactory,
    ReportFactory,
    SystemHealthMetricFactory,
    UserEngagementMetricFactory,
)
from apps.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

NOW = local("2026-11-15", 10, 30)
# The cutoffs for NOW under the settings below: local midnight that many days ago.
RAW_CUTOFF = local("2026-08-17")  # 90 days
METRICS_CUTOFF = local("2024-11-15")  # 730 days
AUDIT_CUTOFF = local("2025-11-15")  # 365 days
REPORT_CUTOFF = local("2026-10-16")  # 30 days: not the audit's, so no mix-up hides
JUST_BEFORE = dt.timedelta(microseconds=1)


@pytest.fixture(autouse=True)
def _retention_settings(settings):
    settings.ANALYTICS_RETENTION_DAYS = 90
    settings.ANALYTICS_METRICS_RETENTION_DAYS = 730
    settings.ANALYTICS_AUDIT_RETENTION_DAYS = 365
    settings.ANALYTICS_REPORT_RETENTION_DAYS = 30


def run(**options):
    return cleanup_old_data(method="TASK", path="test", now=NOW, **options)


def engagement_at(when, user=None):
    return UserEngagementMetricFactory(user=user or UserFactory(), timestamp=when)


def metric_ending_at(when):
    return PerformanceMetricFactory(
        period_start=when - dt.timedelta(days=1), period_end=when
    )


def report_created_at(when, recipients=()):
    report = ReportFactory(
        period_start=when - dt.timedelta(days=1), period_end=when, created_by=None
    )
    Report.objects.filter(pk=report.pk).update(created_at=when)
    for recipient in recipients:
        ReportDelivery.objects.create(
            report=report,
            report_type=report.report_type,
            period_start=report.period_start,
            period_end=report.period_end,
            recipient=recipient,
        )
    return report


def alert_rule():
    return AlertRule.objects.create(
        name=f"rule {AlertRule.objects.count()}",
        kind="health",
        severity="critical",
        component="api",
        health_type="api_response_time",
    )


def alert_event_at(when):
    return AlertEvent.objects.create(
        rule=alert_rule(), kind="evaluation", timestamp=when
    )


def alert_ended_at(when):
    rule = alert_rule()
    return Alert.objects.create(
        rule=rule,
        fingerprint=f"fp-{rule.pk}",
        severity=rule.severity,
        state="resolved",
        since=when - dt.timedelta(hours=1),
        ended_at=when,
        last_evaluated_at=when,
    )


def audit_at(when):
    row = AuditLog.objects.create(
        action=AuditAction.EXPORT, method="GET", path="/export/", status_code=200
    )
    AuditLog.objects.filter(pk=row.pk).update(created_at=when)
    return row


MAKERS = {
    "engagement": (engagement_at, RAW_CUTOFF),
    "data_quality": (
        lambda when: DataQualityMetricFactory(measured_at=when),
        RAW_CUTOFF,
    ),
    "system_health": (
        lambda when: SystemHealthMetricFactory(timestamp=when),
        RAW_CUTOFF,
    ),
    "alert_events": (alert_event_at, RAW_CUTOFF),
    "performance": (metric_ending_at, METRICS_CUTOFF),
    "alerts": (alert_ended_at, METRICS_CUTOFF),
    "reports": (report_created_at, REPORT_CUTOFF),
    "audit_log": (audit_at, AUDIT_CUTOFF),
}
MODELS = {
    "engagement": UserEngagementMetric,
    "data_quality": DataQualityMetric,
    "system_health": SystemHealthMetric,
    "alert_events": AlertEvent,
    "performance": PerformanceMetric,
    "alerts": Alert,
    "reports": Report,
    "audit_log": AuditLog,
}


def seed_around_cutoffs() -> dict[str, set]:
    """Give every table two rows older than its cutoff and two at or after it."""
    kept = {}
    for table, (make, cutoff) in MAKERS.items():
        make(cutoff - dt.timedelta(days=400))
        make(cutoff - JUST_BEFORE)
        kept[table] = {make(cutoff).pk, make(NOW).pk}
    return kept


def remaining(table: str) -> set:
    rows = MODELS[table].objects.all()
    if table == "audit_log":
        rows = rows.exclude(action=AuditAction.DATA_CLEANUP)
    return set(rows.values_list("pk", flat=True))


def test_rows_just_older_than_each_tables_cutoff_go_and_rows_at_it_stay():
    kept = seed_around_cutoffs()
    summary = run()
    assert {t.table: t.removed for t in summary.tables} == {
        "engagement": 2,
        "data_quality": 2,
        "system_health": 2,
        "alert_events": 2,
        "performance": 2,
        "alerts": 2,
        "reports": 2,
        "audit_log": 2,
    }
    assert {t.table: t.cutoff for t in summary.tables} == {
        "engagement": RAW_CUTOFF,
        "data_quality": RAW_CUTOFF,
        "system_health": RAW_CUTOFF,
        "alert_events": RAW_CUTOFF,
        "performance": METRICS_CUTOFF,
        "alerts": METRICS_CUTOFF,
        "reports": REPORT_CUTOFF,
        "audit_log": AUDIT_CUTOFF,
    }
    for table in MODELS:
        assert remaining(table) == kept[table], table
    assert summary.removed == 16
    assert summary.complete is True


def test_the_summary_dict_names_each_setting_cutoff_and_count():
    engagement_at(RAW_CUTOFF - JUST_BEFORE)
    tables = run().as_dict()["tables"]
    assert {k: v for k, v in tables["engagement"].items() if k != "seconds"} == {
        "setting": "ANALYTICS_RETENTION_DAYS",
        "retention_days": 90,
        "cutoff": "2026-08-16T22:00:00+00:00",  # local midnight in summer time
        "removed": 1,
        "cascaded": {},
        "dropped_partitions": [],
        "batches": 1,
    }
    assert tables["audit_log"]["cutoff"] == "2025-11-14T23:00:00+00:00"


def test_a_reports_deliveries_go_with_it_and_are_counted():
    report_created_at(REPORT_CUTOFF - JUST_BEFORE, ["a@example.com", "b@example.com"])
    kept = report_created_at(REPORT_CUTOFF, ["a@example.com"])
    [reports] = run(tables=["reports"]).tables
    assert (reports.removed, reports.cascaded) == (1, {"analytics.ReportDelivery": 2})
    assert list(ReportDelivery.objects.values_list("report_id", flat=True)) == [kept.pk]


def test_a_resolved_alerts_events_go_with_it_and_open_alerts_stay():
    old = alert_ended_at(METRICS_CUTOFF - JUST_BEFORE)
    AlertEvent.objects.create(
        rule=old.rule, alert=old, kind="evaluation", timestamp=NOW
    )
    still_open = alert_ended_at(METRICS_CUTOFF - dt.timedelta(days=400))
    Alert.objects.filter(pk=still_open.pk).update(state="firing", ended_at=None)
    [alerts] = run(tables=["alerts"]).tables
    assert (alerts.removed, alerts.cascaded) == (1, {"analytics.AlertEvent": 1})
    assert list(Alert.objects.values_list("pk", flat=True)) == [still_open.pk]


def test_deleting_reports_never_loads_their_content():
    report_created_at(REPORT_CUTOFF - JUST_BEFORE, ["a@example.com"])
    with CaptureQueriesContext(connection) as queries:
        run(tables=["reports"])
    assert not [q["sql"] for q in queries if "report_data" in q["sql"]]
    assert not Report.objects.exists()


def test_dry_run_removes_nothing_and_counts_what_a_real_run_removes():
    seed_around_cutoffs()
    report_created_at(REPORT_CUTOFF - JUST_BEFORE, ["a@example.com"])
    before = {table: remaining(table) for table in MODELS}
    dry = run(dry_run=True)
    assert {table: remaining(table) for table in MODELS} == before
    assert not AuditLog.objects.filter(action=AuditAction.DATA_CLEANUP).exists()
    real = run()
    counts = [(t.table, t.removed, t.cascaded) for t in dry.tables]
    assert counts == [(t.table, t.removed, t.cascaded) for t in real.tables]
    assert dry.as_dict()["removed"] == real.as_dict()["removed"] == 18
    assert dry.tables[6].cascaded == {"analytics.ReportDelivery": 1}


def test_zero_keeps_a_table_forever(settings):
    settings.ANALYTICS_RETENTION_DAYS = 0
    ancient = local("2000-01-01")
    engagement_at(ancient)
    DataQualityMetricFactory(measured_at=ancient)
    SystemHealthMetricFactory(timestamp=ancient)
    metric_ending_at(ancient)
    summary = run()
    tables = {t.table: t for t in summary.tables}
    for table in ("engagement", "data_quality", "system_health"):
        assert (tables[table].cutoff, tables[table].removed) == (None, 0)
        assert MODELS[table].objects.count() == 1
    # The other tables keep their own settings.
    assert tables["performance"].removed == 1


@pytest.mark.parametrize(
    "setting",
    [
        "ANALYTICS_METRICS_RETENTION_DAYS",
        "ANALYTICS_AUDIT_RETENTION_DAYS",
        "ANALYTICS_REPORT_RETENTION_DAYS",
    ],
)
def test_zero_keeps_the_longer_lived_tables_forever_too(settings, setting):
    setattr(settings, setting, 0)
    seed_around_cutoffs()
    kept_forever = [t for t in run().tables if t.setting == setting]
    assert kept_forever
    for table in kept_forever:
        assert (table.cutoff, table.removed) == (None, 0)
        assert len(remaining(table.table)) == 4


def delete_statements(queries, table: str) -> list[str]:
    quoted = connection.ops.quote_name(table)
    return [
        q["sql"] for q in queries if q["sql"].split()[:3] == ["DELETE", "FROM", quoted]
    ]


def test_small_batches_remove_the_same_rows_one_short_transaction_each(monkeypatch):
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    user = UserFactory()
    # Three old events share one timestamp, so a batch ends inside a tie.
    for when in [RAW_CUTOFF - dt.timedelta(days=d) for d in (9, 5, 5, 5, 3, 2)]:
        engagement_at(when, user)
    engagement_at(RAW_CUTOFF - JUST_BEFORE, user)
    kept = engagement_at(RAW_CUTOFF, user)
    with CaptureQueriesContext(connection) as queries:
        [events] = run(tables=["engagement"]).tables
    assert (events.removed, events.batches) == (7, 4)  # 2 + 2 + 2 + 1
    assert len(delete_statements(queries, "analytics_userengagementmetric")) == 4
    assert list(UserEngagementMetric.objects.values_list("pk", flat=True)) == [kept.pk]


def test_small_batches_walk_the_primary_key_where_the_date_has_no_index(monkeypatch):
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    for days in range(5):
        metric_ending_at(METRICS_CUTOFF - dt.timedelta(days=days, microseconds=1))
    kept = metric_ending_at(METRICS_CUTOFF)
    with CaptureQueriesContext(connection) as queries:
        [metrics] = run(tables=["performance"]).tables
    assert (metrics.removed, metrics.batches) == (5, 3)
    assert len(delete_statements(queries, "analytics_performancemetric")) == 3
    assert list(PerformanceMetric.objects.values_list("pk", flat=True)) == [kept.pk]


def test_small_and_default_batches_leave_the_same_rows(monkeypatch):
    kept = seed_around_cutoffs()
    monkeypatch.setattr(retention, "BATCH_SIZE", 1)
    summary = run()
    assert summary.removed == 16
    assert {t.table: t.batches for t in summary.tables} == dict.fromkeys(MODELS, 2)
    for table in MODELS:
        assert remaining(table) == kept[table], table


def test_a_second_run_removes_nothing_and_audits_nothing():
    kept = seed_around_cutoffs()
    run()
    again = run()
    assert [t.removed for t in again.tables] == [0] * 8
    assert again.removed == 0
    for table in MODELS:
        assert remaining(table) == kept[table], table
    assert AuditLog.objects.filter(action=AuditAction.DATA_CLEANUP).count() == 1


def test_a_run_that_removed_rows_leaves_one_audit_row_with_the_counts():
    seed_around_cutoffs()
    report_created_at(REPORT_CUTOFF - JUST_BEFORE, ["a@example.com"])
    cleanup_old_data(method="CLI", path="cleanup_analytics_data", now=NOW)
    audit = AuditLog.objects.get(action=AuditAction.DATA_CLEANUP)
    assert (audit.user, audit.username, audit.method, audit.path) == (
        None,
        "",
        "CLI",
        "cleanup_analytics_data",
    )
    assert (audit.status_code, audit.ip_address, audit.object_ids) == (200, None, [])
    assert audit.parameters == {
        "removed": {
            "engagement": 2,
            "data_quality": 2,
            "system_health": 2,
            "alert_events": 2,
            "performance": 2,
            "alerts": 2,
            "reports": 3,
            "audit_log": 2,
        },
        "cascaded": {"analytics.ReportDelivery": 1},
        "cutoffs": {
            "engagement": "2026-08-16T22:00:00+00:00",
            "data_quality": "2026-08-16T22:00:00+00:00",
            "system_health": "2026-08-16T22:00:00+00:00",
            "alert_events": "2026-08-16T22:00:00+00:00",
            "performance": "2024-11-14T23:00:00+00:00",
            "alerts": "2024-11-14T23:00:00+00:00",
            "reports": "2026-10-15T22:00:00+00:00",
            "audit_log": "2025-11-14T23:00:00+00:00",
        },
        "complete": True,
    }


def test_a_run_cut_short_still_audits_what_it_removed(monkeypatch):
    engagement_at(RAW_CUTOFF - JUST_BEFORE)
    SystemHealthMetricFactory(timestamp=RAW_CUTOFF - JUST_BEFORE)
    real_delete = retention._delete_in_batches

    def database_gone_at_health(rule, result):
        if rule.table == "system_health":
            raise OperationalError("server closed the connection unexpectedly")
        real_delete(rule, result)

    monkeypatch.setattr(retention, "_delete_in_batches", database_gone_at_health)
    with pytest.raises(OperationalError):
        run()
    audit = AuditLog.objects.get(action=AuditAction.DATA_CLEANUP)
    assert audit.parameters["removed"] == {
        "engagement": 1,
        "data_quality": 0,
        "system_health": 0,
    }
    assert audit.parameters["complete"] is False
    assert not UserEngagementMetric.objects.exists()
    assert SystemHealthMetric.objects.count() == 1


@pytest.mark.parametrize("value", [-1, 36_601, "90", True])
def test_a_setting_that_cannot_be_meant_stops_the_run_before_any_delete(
    settings, value
):
    settings.ANALYTICS_AUDIT_RETENTION_DAYS = value
    engagement_at(RAW_CUTOFF - JUST_BEFORE)
    with pytest.raises(ImproperlyConfigured, match="ANALYTICS_AUDIT_RETENTION_DAYS"):
        run()
    assert UserEngagementMetric.objects.count() == 1


def test_tables_narrow_the_run_and_unknown_ones_are_refused():
    seed_around_cutoffs()
    summary = run(tables=["audit_log", "engagement"])
    assert [t.table for t in summary.tables] == ["engagement", "audit_log"]
    assert len(remaining("engagement")) == len(remaining("audit_log")) == 2
    assert len(remaining("system_health")) == len(remaining("reports")) == 4
    with pytest.raises(ValueError, match="unknown table"):
        run(tables=["meetings"])


def test_batches_walk_the_date_where_an_index_leads_with_it_else_the_primary_key():
    walks_date = {
        rule.table: retention._leads_an_index(rule.model, rule.date_field)
        for rule in retention.RULES
    }
    assert walks_date == {
        "engagement": True,
        "data_quality": True,
        "system_health": True,
        "alert_events": True,
        "performance": False,  # period_end has no index: a date walk would sort
        "alerts": False,
        "reports": True,
        "audit_log": True,
    }
