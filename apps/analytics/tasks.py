"""Celery tasks: thin edges that load primitives and call the services."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from apps.analytics.models import AggregationPeriod
from apps.analytics.periods import last_complete_period
from apps.analytics.services.collection import collect_metrics
from apps.analytics.services.health import collect_system_health

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
    """Collect the latest complete period of a kind (the previous hour, yesterday...).

    It always recomputes (late debriefings and reviews change the figures) and upserts
    on the unique key, so running it twice, even concurrently, leaves the same rows.
    """
    if period not in AggregationPeriod.values:
        choices = ", ".join(AggregationPeriod.values)
        raise ValueError(f"unknown period {period!r}; expected one of {choices}")
    target = last_complete_period(period)
    return collect_metrics(kind=period, periods=[target], force=True).as_dict()


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
