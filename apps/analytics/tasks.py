"""Celery tasks: thin edges that load primitives and call the services."""

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from apps.analytics.cache import AnalyticsCache
from apps.analytics.models import AggregationPeriod, Report, ReportStatus
from apps.analytics.periods import (
    last_complete_period,
    parse_day_or_instant,
    period_containing,
    periods_between,
)
from apps.analytics.services.alerting import run_alerts
from apps.analytics.services.collection import (
    collect_metrics,
    compute_metric,
    store_computed_parts,
)
from apps.analytics.services.health import collect_system_health
from apps.analytics.services.insights import scan_anomalies
from apps.analytics.services.partitions import ensure_partitions
from apps.analytics.services.realtime_rollup import fold_real_time_hour
from apps.analytics.services.report_requests import PERIOD_OF
from apps.analytics.services.reporting import ReportingService, run_scheduled_report
from apps.analytics.services.retention import cleanup_old_data

logger = logging.getLogger(__name__)

# Only errors that may pass on a retry: the database restarting or a lost connection.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def collect_performance_metrics(period: str = AggregationPeriod.DAILY) -> dict:
    """Collect the latest complete period of a kind (the previous hour, yesterday...),
    and any period of the last ANALYTICS_BACKFILL_DAYS days that is missing.

    The latest is always recomputed (late debriefings and reviews change the
    figures); a missing one (a worker lost mid-task, a schedule that did not run)
    is filled. Rows are upserted on their unique key, so running it twice, even
    concurrently or after being killed half-way, leaves the same rows.
    """
    if period not in AggregationPeriod.values:
        choices = ", ".join(AggregationPeriod.values)
        raise ValueError(f"unknown period {period!r}; expected one of {choices}")
    target = last_complete_period(period)
    earlier = periods_between(
        period,
        target.start - dt.timedelta(days=settings.ANALYTICS_BACKFILL_DAYS),
        target.start - dt.timedelta(microseconds=1),
    )
    gaps = collect_metrics(
        kind=period, periods=earlier, force=False, allow_fan_out=True
    )
    result = collect_metrics(
        kind=period, periods=[target], force=True, allow_fan_out=True
    ).as_dict()
    result["gaps_filled"] = gaps.periods_computed
    return result


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=60,
    time_limit=90,
)
def collect_system_health_metrics() -> list[dict]:
    """Take one system health reading of each probed component."""
    return [
        {
            "component": r.component,
            "health_type": r.health_type,
            "value": r.value,
            "status": r.status,
        }
        for r in collect_system_health()
    ]


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
def aggregate_real_time_metrics(hour: str | None = None) -> dict:
    """Fold an hour's real-time buckets into hourly user_engagement rows.

    `hour` is an ISO datetime inside the hour to fold (default: the last complete
    hour). Idempotent: the rows are upserted on their unique key.
    """
    if hour is None:
        period = last_complete_period(AggregationPeriod.HOURLY)
    else:
        try:
            moment = parse_day_or_instant(hour)
        except ValueError as exc:
            raise ValueError(f"hour: {exc}") from None
        if not isinstance(moment, dt.datetime):
            raise ValueError(f"hour must be an ISO datetime, not a day: {hour!r}")
        period = period_containing(AggregationPeriod.HOURLY, moment)
    return fold_real_time_hour(period)


@shared_task(acks_late=True, max_retries=0, soft_time_limit=30, time_limit=60)
def invalidate_analytics_cache(
    cache_type: str | None = None, user_id: int | None = None
) -> dict:
    """Forget cached analytics: of one type, of one user, or (neither given) all."""
    if cache_type:
        AnalyticsCache.invalidate_type(cache_type)
    if user_id is not None:
        AnalyticsCache.invalidate_user(user_id)
    if not cache_type and user_id is None:
        AnalyticsCache.invalidate_all()
    return {"cache_type": cache_type, "user_id": user_id}


class DeliveryIncomplete(RuntimeError):
    """Some recipients could not be sent the report; retried with backoff."""


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(*TRANSIENT_ERRORS, DeliveryIncomplete),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=6,
    soft_time_limit=15 * 60,
    time_limit=20 * 60,
)
def generate_scheduled_report(self, report_type: str) -> dict:
    """Generate the latest complete period's report and email it exactly once."""
    if report_type not in PERIOD_OF:
        choices = ", ".join(PERIOD_OF)
        raise ValueError(f"unknown scheduled report {report_type!r}; one of {choices}")
    outcome = run_scheduled_report(report_type)
    if outcome["failed"]:
        raise DeliveryIncomplete(f"not sent to {', '.join(outcome['failed'])}")
    return outcome


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=15 * 60,
    time_limit=20 * 60,
)
def build_report(report_id: str) -> dict:
    """Build a pending report requested through the API."""
    report = Report.objects.get(pk=report_id)
    if report.status in (ReportStatus.PENDING, ReportStatus.GENERATING):
        ReportingService().build(report)
    return {"report_id": report_id, "status": report.status}


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # Under RabbitMQ's 30-minute delivery acknowledgement timeout (acks_late). A run
    # cut short keeps the batches it committed; the next one carries on.
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def cleanup_old_analytics_data(self, dry_run: bool = False) -> dict:
    """Delete analytics rows older than their retention settings (beat: weekly).

    Idempotent: a second run finds nothing older than the cutoffs left to remove.
    """
    summary = cleanup_old_data(method="TASK", path=self.name, dry_run=dry_run)
    return summary.as_dict()


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=2,
    # Under the one-minute beat interval; an overlapping run cannot double-send.
    soft_time_limit=50,
    time_limit=55,
)
def send_analytics_alerts() -> dict:
    """Evaluate every enabled alert rule, move its alert, send what is due."""
    return run_alerts().as_dict()


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
def ensure_analytics_partitions() -> list[str]:
    """Create the event tables' monthly partitions ahead (beat: daily; PostgreSQL).

    Idempotent: a month that has its partition is left alone.
    """
    return ensure_partitions()


def _period(kind: str, start: str):
    if kind not in AggregationPeriod.values:
        raise ValueError(f"unknown period {kind!r}")
    return period_containing(kind, dt.datetime.fromisoformat(start))


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def compute_period_metric(kind: str, start: str, metric_type: str) -> list[dict]:
    """Compute one metric of one period for everyone (a part of a fanned-out
    collection); reads only, so a retry is harmless."""
    return compute_metric(_period(kind, start), metric_type)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=10 * 60,
    time_limit=12 * 60,
)
def store_fanned_out_period(parts: list[list[dict]], kind: str, start: str) -> dict:
    """Store the parts of a fanned-out period, organisation rows included (the
    chord's callback). Upserts: running it twice leaves the same rows."""
    return store_computed_parts(_period(kind, start), parts)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=15 * 60,
    time_limit=20 * 60,
)
def detect_analytics_anomalies() -> dict:
    """Scan every stored series for anomalies of the last ANALYTICS_ANOMALY_SCAN_DAYS
    days (beat: hourly). Idempotent: a point found again is not stored again."""
    return scan_anomalies().as_dict()
