"""Exports by dataset: whose rows each holds, and what an export costs in queries."""

import csv
import datetime as dt
import io

import pytest
from rest_framework.test import APIClient

from apps.accounts.scope import Scope
from apps.analytics.selectors.export import DATASETS, export_rows
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import (
    DataQualityMetricFactory,
    PerformanceMetricFactory,
    SystemHealthMetricFactory,
    UserEngagementMetricFactory,
)

URL = "/api/v1/analytics/export/"
ORGANISATION = "organisation"  # the owner of rows with no user

pytestmark = pytest.mark.django_db


def build(dataset: str, user, i: int = 0):
    """Return an unsaved row of `dataset` owned by `user` (None: nobody), the i-th."""
    when = local("2026-03-10") + dt.timedelta(minutes=i)
    if dataset == "performance":
        # One row per metric, period and user: the minute keeps each apart.
        return PerformanceMetricFactory.build(user=user, period_start=when)
    if dataset == "engagement":
        return UserEngagementMetricFactory.build(user=user, timestamp=when)
    if dataset == "data_quality":
        return DataQualityMetricFactory.build(user=user, measured_at=when)
    return SystemHealthMetricFactory.build(timestamp=when)


def save(dataset: str, count: int, user=None) -> None:
    """Store `count` rows of `dataset` owned by `user`, in one insert."""
    DATASETS[dataset].model.objects.bulk_create(
        build(dataset, user, i) for i in range(count)
    )


def exported_ids(user, dataset: str) -> list[int]:
    """Export `dataset` as CSV through the API as `user`; return the row ids."""
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(URL, {"format": "csv", "dataset": dataset})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return [int(row["id"]) for row in csv.DictReader(io.StringIO(text))]


@pytest.fixture
def owned(org):
    """One row of each user dataset per user, and one organisation-wide where kept."""
    owners = {}
    for name in ("performance", "engagement", "data_quality"):
        users = {**org}
        if DATASETS[name].organisation_rows:
            users[ORGANISATION] = None
        for owner, user in users.items():
            row = build(name, user)
            row.save()
            owners[name, row.pk] = owner
    return owners


# --- whose rows -------------------------------------------------------------------

TEAM_ALPHA = {"manager", "member", "mate"}


@pytest.mark.parametrize(
    ("dataset", "visible"),
    [
        ("performance", TEAM_ALPHA | {ORGANISATION}),
        ("engagement", TEAM_ALPHA),
        ("data_quality", TEAM_ALPHA | {ORGANISATION}),
    ],
)
def test_a_managers_export_lacks_another_teams_rows(org, owned, dataset, visible):
    ids = exported_ids(org["manager"], dataset)

    assert {owned[dataset, pk] for pk in ids} == visible  # no "other", no "admin"


@pytest.mark.parametrize("dataset", ["performance", "engagement", "data_quality"])
def test_a_members_export_lacks_everyone_elses_rows(org, owned, dataset):
    ids = exported_ids(org["member"], dataset)

    assert [owned[dataset, pk] for pk in ids] == ["member"]


@pytest.mark.parametrize("viewer", ["manager", "member"])
def test_raw_system_health_export_is_refused_below_admin(org, viewer):
    save("system_health", 1)
    client = APIClient()
    client.force_authenticate(org[viewer])

    response = client.get(URL, {"format": "csv", "dataset": "system_health"})

    assert response.status_code == 403
    assert b"database" not in response.content


def test_export_rows_refuses_a_scope_without_the_datasets_permission(org):
    save("system_health", 1)
    scope = Scope.for_viewer(org["manager"])

    with pytest.raises(PermissionError):
        export_rows(DATASETS["system_health"], scope)


def test_export_rows_keeps_a_scopes_rows_oldest_first(org):
    dataset = DATASETS["engagement"]
    late = build("engagement", org["member"], 5)
    early = build("engagement", org["member"], 1)
    late.save()
    early.save()
    build("engagement", org["other"], 3).save()

    rows = export_rows(dataset, Scope.for_viewer(org["member"]))

    assert [row[0] for row in rows] == [early.pk, late.pk]


def test_export_rows_refuses_a_filter_the_dataset_lacks(org):
    with pytest.raises(ValueError, match="metric_type"):
        export_rows(
            DATASETS["engagement"],
            Scope.system(),
            filters={"metric_type": "user_engagement"},
        )


# --- queries ----------------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 500])
@pytest.mark.parametrize(
    ("dataset", "viewer", "queries"),
    [
        # The manager's scope (their team), the rows, the audit row.
        ("performance", "manager", 3),
        ("engagement", "manager", 3),
        ("data_quality", "manager", 3),
        # An admin's scope needs no query: the rows, the audit row.
        ("system_health", "admin", 2),
    ],
)
def test_an_exports_queries_do_not_grow_with_rows(
    org, dataset, viewer, queries, rows, django_assert_num_queries
):
    owner = None if dataset == "system_health" else org["member"]
    save(dataset, rows, owner)

    with django_assert_num_queries(queries):
        ids = exported_ids(org[viewer], dataset)

    assert len(ids) == rows
