"""The dashboard's headline from the daily rollups equals the headline computed
from the source tables, in a number of queries that does not grow with data."""

import pytest

from apps.accounts.models import User
from apps.accounts.scope import Scope
from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import AggregationPeriod, MetricType
from apps.analytics.periods import periods_between
from apps.analytics.selectors.headline import headline_snapshots
from apps.analytics.selectors.snapshots import METRICS, snapshot
from apps.analytics.services.collection import collect_metrics
from apps.analytics.tests.conftest import local
from apps.crm.models import CRMSyncLog, SyncStatus
from apps.crm.tests.factories import CRMSyncLogFactory
from apps.demo.generator import seed_demo

pytestmark = pytest.mark.django_db

CRM = MetricType.CRM_SYNC_SUCCESS
NOW = local("2026-03-20", 12)
# Two windows that start and end mid-day: their first and last days are partial.
WINDOWS = [
    (local("2026-03-06", 15), local("2026-03-13", 15)),
    (local("2026-03-13", 15), local("2026-03-20", 11)),
]
SHOWN = ("metric_type", "label", "format", "value", "numerator", "denominator")


def _collect(first: str, last: str) -> None:
    collect_metrics(
        kind=AggregationPeriod.DAILY,
        periods=periods_between(AggregationPeriod.DAILY, local(first), local(last, 12)),
        force=True,
        now=NOW,
    )


def _shown(figure: dict) -> tuple:
    return (*(figure[key] for key in SHOWN), figure["sample_size"])


@pytest.mark.parametrize("viewer", ["admin", "manager", "member"])
def test_every_headline_figure_equals_the_one_computed_from_source(viewer):
    seed_demo(now=NOW, days=30, users=6)
    # Collected up to the 17th: the 18th, 19th and 20th are counted raw.
    _collect("2026-02-25", "2026-03-17")
    user_ids = Scope.for_viewer(User.objects.get(username=viewer)).user_ids

    answer = headline_snapshots(WINDOWS, user_ids)

    for (start, end), figures in zip(WINDOWS, answer, strict=True):
        for metric, _, _ in METRICS:
            raw = snapshot(metric, start, end, user_ids)
            assert _shown(figures[metric]) == _shown(raw), metric
            assert raw["denominator"] or metric == MetricType.USER_ENGAGEMENT
        engagement = snapshot(MetricType.USER_ENGAGEMENT, start, end, user_ids)
        assert (
            figures[MetricType.USER_ENGAGEMENT]["breakdown"]
            == (engagement["breakdown"])
        )


@pytest.fixture
def attempts():
    """Sync attempts: 0/1 on the partial 6th, 1/1 on the 7th, 1/3 on the 8th."""
    ann = UserFactory()
    for day, hour, status in [
        ("2026-03-06", 16, SyncStatus.FAILED),
        ("2026-03-07", 10, SyncStatus.SUCCESS),
        ("2026-03-08", 9, SyncStatus.SUCCESS),
        ("2026-03-08", 10, SyncStatus.FAILED),
        ("2026-03-08", 11, SyncStatus.CONFLICT),
    ]:
        CRMSyncLogFactory(user=ann, status=status, attempted_at=local(day, hour))
    # No user: in the organisation's figure only. Outside the window: never.
    CRMSyncLogFactory(user=None, attempted_at=local("2026-03-07", 12))
    CRMSyncLogFactory(user=ann, attempted_at=local("2026-03-06", 14))
    return ann


def test_a_rate_is_recombined_from_the_days_counts_not_averaged(attempts):
    _collect("2026-03-07", "2026-03-08")
    window = (local("2026-03-06", 15), local("2026-03-09"))

    [mine], [everyone] = (
        headline_snapshots([window], [attempts.pk]),
        headline_snapshots([window], None),
    )

    # 2 of 5, not the mean of 0, 1 and 1/3.
    assert (mine[CRM]["numerator"], mine[CRM]["denominator"]) == (2, 5)
    assert mine[CRM]["value"] == 0.4
    assert (everyone[CRM]["numerator"], everyone[CRM]["denominator"]) == (3, 6)
    assert everyone[CRM]["value"] == 0.5


def test_collected_days_are_read_from_their_rollups(attempts):
    _collect("2026-03-07", "2026-03-08")
    # Source rows of a collected day gone (say, archived): the rollup still counts.
    CRMSyncLog.objects.filter(attempted_at__gte=local("2026-03-08")).delete()

    [figures] = headline_snapshots(
        [(local("2026-03-06", 15), local("2026-03-09"))], None
    )

    assert (figures[CRM]["numerator"], figures[CRM]["denominator"]) == (3, 6)


def test_a_day_never_collected_is_counted_from_source(attempts):
    _collect("2026-03-07", "2026-03-07")

    [figures] = headline_snapshots(
        [(local("2026-03-06", 15), local("2026-03-09"))], None
    )

    assert (figures[CRM]["numerator"], figures[CRM]["denominator"]) == (3, 6)


def test_an_empty_window_has_undefined_rates_and_no_active_users():
    [figures] = headline_snapshots([(local("2026-03-06"), local("2026-03-07"))], None)

    assert (figures[CRM]["value"], figures[CRM]["denominator"]) == (None, 0)
    assert figures[MetricType.USER_ENGAGEMENT]["value"] == 0


@pytest.mark.parametrize("days", [1, 3])
def test_the_queries_do_not_grow_with_the_rows(days, django_assert_num_queries):
    ann = UserFactory()
    for day in ("2026-03-06", "2026-03-07", "2026-03-08"):
        for hour in range(days * 3):
            CRMSyncLogFactory(user=ann, attempted_at=local(day, hour))
    _collect("2026-03-07", "2026-03-07")
    windows = [(local("2026-03-06", 15), local("2026-03-09")), WINDOWS[0]]
    # The stored days (one), each rate's raw rest (five), engagement (the stored
    # days of every window, then each window's raw rest, types included).
    with django_assert_num_queries(9):
        headline_snapshots(windows, [ann.pk])


def test_a_window_of_collected_whole_days_counts_nothing_raw(attempts):
    _collect("2026-03-07", "2026-03-08")
    whole = (local("2026-03-07"), local("2026-03-09"))

    [figures, partial] = headline_snapshots(
        [whole, (local("2026-03-06", 15), local("2026-03-09"))], [attempts.pk]
    )

    assert (figures[CRM]["numerator"], figures[CRM]["denominator"]) == (2, 4)
    assert (partial[CRM]["numerator"], partial[CRM]["denominator"]) == (2, 5)
