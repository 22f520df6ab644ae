"""Encryption at rest: engagement metadata and report recipients are stored as
Fernet tokens, read back decrypted everywhere, and never compared by content."""

import csv
import datetime as dt
import hashlib
import hmac
import io
import json

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.accounts.scope import Scope
from apps.accounts.tests.factories import UserFactory
from apps.analytics.export_formats import csv_lines
from apps.analytics.models import (
    DeliveryStatus,
    ReportDelivery,
    UserEngagementMetric,
)
from apps.analytics.selectors.export import DATASETS, export_rows
from apps.analytics.services import RealTimeAnalyticsCollector
from apps.analytics.tests.factories import ReportFactory, UserEngagementMetricFactory
from apps.core.encryption import DecryptionError, EncryptedJSONField, blind_index

pytestmark = pytest.mark.django_db

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
PERSONAL = {"contact": "jane.doe@example.com", "note": "Called Jane Doe at home"}


def raw_column(model, column: str, pk) -> str | None:
    """Read a column as the database stores it, below the ORM's fields."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} "  # noqa: S608
            "WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()[0]


def delivery(report, recipient="lead@example.com", **fields):
    return ReportDelivery.objects.create(
        report=report,
        report_type=report.report_type,
        period_start=report.period_start,
        period_end=report.period_end,
        recipient=recipient,
        **fields,
    )


def test_tracked_metadata_is_stored_encrypted_and_read_back_decrypted():
    user = UserFactory()
    event = RealTimeAnalyticsCollector.track_user_engagement(
        user=user, engagement_type="meeting_view", session_id="s-1", metadata=PERSONAL
    )

    stored = raw_column(UserEngagementMetric, "metadata", event.pk)
    assert "jane" not in stored.lower() and "contact" not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token (its version byte), no JSON
    assert UserEngagementMetric.objects.get(pk=event.pk).metadata == PERSONAL


def test_every_way_of_reading_metadata_decrypts_it():
    event = UserEngagementMetricFactory(metadata=PERSONAL)
    rows = UserEngagementMetric.objects.filter(pk=event.pk)

    assert rows.values_list("metadata", flat=True).get() == PERSONAL
    assert rows.values("metadata").get() == {"metadata": PERSONAL}
    assert rows.only("metadata").get().metadata == PERSONAL
    rows.update(metadata={"note": "updated"})  # update() encrypts too
    assert "updated" not in raw_column(UserEngagementMetric, "metadata", event.pk)
    event.refresh_from_db()
    assert event.metadata == {"note": "updated"}


def test_bulk_create_encrypts_each_row_with_its_own_ciphertext():
    user = UserFactory()
    events = UserEngagementMetric.objects.bulk_create(
        UserEngagementMetric(
            user=user,
            engagement_type="meeting_view",
            session_id="s",
            metadata=PERSONAL,
            timestamp=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        )
        for _ in range(2)
    )
    first, second = (raw_column(UserEngagementMetric, "metadata", e.pk) for e in events)
    assert "jane" not in first and first != second  # a fresh IV per value
    assert [e.metadata for e in UserEngagementMetric.objects.all()] == [PERSONAL] * 2


def test_none_stays_null_and_json_values_round_trip():
    field = EncryptedJSONField()
    assert field.get_db_prep_save(None, connection) is None
    assert field.from_db_value(None, None, connection) is None
    for value in ({}, [1, "ü", None], "text", 3.5, {"nested": {"a": [True]}}):
        event = UserEngagementMetricFactory(metadata=value)
        event.refresh_from_db()
        assert event.metadata == value


def test_a_value_under_a_key_no_longer_configured_is_an_error_naming_the_field(
    settings,
):
    settings.ANALYTICS_ENCRYPTION_KEYS = [KEY_A]
    event = UserEngagementMetricFactory(metadata=PERSONAL)
    settings.ANALYTICS_ENCRYPTION_KEYS = [KEY_B]

    message = (
        r"Cannot decrypt analytics\.UserEngagementMetric\.metadata: no key in "
        r"ANALYTICS_ENCRYPTION_KEYS opens it"
    )
    with pytest.raises(DecryptionError, match=message):
        UserEngagementMetric.objects.get(pk=event.pk)
    with pytest.raises(DecryptionError, match=message):
        list(UserEngagementMetric.objects.values_list("metadata", flat=True))

    settings.ANALYTICS_ENCRYPTION_KEYS = [KEY_B, KEY_A]  # rotation: all decrypt
    assert UserEngagementMetric.objects.get(pk=event.pk).metadata == PERSONAL


def test_a_tampered_value_is_an_error_not_garbage():
    event = UserEngagementMetricFactory(metadata=PERSONAL)
    token = raw_column(UserEngagementMetric, "metadata", event.pk)
    flipped = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE analytics_userengagementmetric SET metadata = %s WHERE id = %s",
            [flipped, event.pk],
        )

    with pytest.raises(DecryptionError, match=r"UserEngagementMetric\.metadata"):
        event.refresh_from_db()


@pytest.mark.parametrize(
    "lookup",
    [
        {"metadata__contact": "jane.doe@example.com"},
        {"metadata__has_key": "contact"},
        {"metadata__contains": {"contact": "jane.doe@example.com"}},
        {"metadata": PERSONAL},
        {"metadata__icontains": "jane"},
    ],
)
def test_metadata_cannot_be_queried_by_content(lookup):
    UserEngagementMetricFactory(metadata=PERSONAL)
    with pytest.raises(FieldError, match="Unsupported lookup"):
        UserEngagementMetric.objects.filter(**lookup).count()


def test_the_recipient_is_stored_encrypted_with_its_keyed_hash(settings):
    row = delivery(ReportFactory(), "Lead@Example.com ")

    stored = raw_column(ReportDelivery, "recipient", row.pk)
    assert "lead" not in stored.lower() and "example" not in stored.lower()
    expected = hmac.new(
        settings.ANALYTICS_HASH_KEY.encode(), b"lead@example.com", hashlib.sha256
    ).hexdigest()
    assert raw_column(ReportDelivery, "recipient_hash", row.pk) == expected
    assert ReportDelivery.objects.get(pk=row.pk).recipient == "Lead@Example.com "


def test_a_recipient_is_found_by_its_hash_whatever_its_case():
    report = ReportFactory()
    lead, ops = delivery(report), delivery(report, "ops@example.com")

    assert ReportDelivery.objects.get(recipient="lead@example.com") == lead
    assert ReportDelivery.objects.get(recipient=" OPS@example.com") == ops
    assert list(ReportDelivery.objects.exclude(recipient="ops@example.com")) == [lead]
    assert not ReportDelivery.objects.filter(recipient="nobody@example.com").exists()
    with pytest.raises(FieldError, match="Unsupported lookup 'icontains'"):
        ReportDelivery.objects.filter(recipient__icontains="lead").count()


def test_the_ledger_key_is_unique_by_recipient_hash():
    report = ReportFactory()
    delivery(report, "lead@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        delivery(report, "LEAD@example.com")
    delivery(report, "lead@example.com", scope_key="user:4")  # another scope


def test_the_report_detail_lists_deliveries_decrypted_and_sorted():
    admin = UserFactory(role=Role.ADMIN)
    report = ReportFactory(created_by=admin)
    delivery(report, "zed@example.com", status=DeliveryStatus.SENT, attempts=1)
    for name in ("kim", "amy", "bob", "lou"):  # ciphertext order: 1 chance in 120
        delivery(report, f"{name}@example.com")
    client = APIClient()
    client.force_authenticate(admin)

    body = client.get(f"/api/v1/analytics/reports/{report.pk}/").json()

    assert [(d["recipient"], d["status"]) for d in body["deliveries"]] == [
        ("amy@example.com", "pending"),
        ("bob@example.com", "pending"),
        ("kim@example.com", "pending"),
        ("lou@example.com", "pending"),
        ("zed@example.com", "sent"),
    ]


def test_the_events_api_and_the_csv_export_show_decrypted_metadata():
    admin = UserFactory(role=Role.ADMIN)
    event = UserEngagementMetricFactory(user=admin, metadata=PERSONAL)
    client = APIClient()
    client.force_authenticate(admin)

    listed = client.get("/api/v1/analytics/metrics/engagement/").json()["results"]
    assert [e["metadata"] for e in listed] == [PERSONAL]

    dataset = DATASETS["engagement"]
    rows = export_rows(dataset, Scope.for_viewer(admin))
    text = "".join(csv_lines(dataset.model, dataset.columns, rows))
    (row,) = csv.DictReader(io.StringIO(text))
    assert int(row["id"]) == event.pk
    assert json.loads(row["metadata"]) == PERSONAL


def test_blind_index_is_keyed(settings):
    before = blind_index("lead@example.com")
    settings.ANALYTICS_HASH_KEY = "another key"
    assert blind_index("lead@example.com") != before
    assert blind_index(" LEAD@example.com") == blind_index("lead@example.com")


def test_the_admin_lists_searches_and_edits_decrypted_values(client):
    staff = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    event = UserEngagementMetricFactory(metadata=PERSONAL)
    row = delivery(ReportFactory(), "lead@example.com")
    client.force_login(staff)
    base = "/admin/analytics/"

    listed = client.get(base + "reportdelivery/", {"q": "lead"})
    assert listed.status_code == 200  # searching skips the encrypted column
    assert "lead@example.com" in client.get(base + "reportdelivery/").content.decode()
    page = client.get(base + f"userengagementmetric/{event.pk}/change/")
    assert page.status_code == 200 and "jane.doe@example.com" in page.content.decode()

    row.recipient = "coach@example.com"
    row.save()  # the keyed hash follows the recipient
    assert ReportDelivery.objects.get(recipient="coach@example.com") == row
