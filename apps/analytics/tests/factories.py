import datetime as dt

import factory
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import (
    AggregationPeriod,
    DataQualityMetric,
    EngagementType,
    HealthStatus,
    HealthType,
    MetricType,
    PerformanceMetric,
    QualityType,
    Report,
    ReportType,
    SystemHealthMetric,
    UserEngagementMetric,
)


def _midnight_today():
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


class PerformanceMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PerformanceMetric

    metric_type = MetricType.DEBRIEFING_COMPLETION
    aggregation_period = AggregationPeriod.DAILY
    value = 0.5
    period_start = factory.LazyFunction(_midnight_today)
    period_end = factory.LazyAttribute(lambda m: m.period_start + dt.timedelta(days=1))
    user = None
    metadata = factory.LazyFunction(dict)


class UserEngagementMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserEngagementMetric

    user = factory.SubFactory(UserFactory)
    engagement_type = EngagementType.LOGIN
    session_id = "session-1"
    timestamp = factory.LazyFunction(timezone.now)


class DataQualityMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataQualityMetric

    quality_type = QualityType.ACCURACY
    entity_type = "extracted_field"
    field_name = "budget"
    score = 0.9
    confidence = 0.8
    measured_at = factory.LazyFunction(timezone.now)


class SystemHealthMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SystemHealthMetric

    health_type = HealthType.DATABASE_LATENCY
    component = "database"
    value = 3.0
    unit = "ms"
    status = HealthStatus.HEALTHY
    warning_threshold = 100.0
    critical_threshold = 500.0
    timestamp = factory.LazyFunction(timezone.now)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    report_type = ReportType.DAILY_SUMMARY
    title = "Daily summary"
    period_start = factory.LazyFunction(_midnight_today)
    period_end = factory.LazyAttribute(lambda r: r.period_start + dt.timedelta(days=1))
    created_by = factory.SubFactory(UserFactory)
