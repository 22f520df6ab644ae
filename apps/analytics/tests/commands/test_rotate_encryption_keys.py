"""rotate_encryption_keys: every encrypted value moves to the first key, once."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from apps.analytics.models import ReportDelivery, UserEngagementMetric
from apps.analytics.tests.factories import ReportFactory, UserEngagementMetricFactory

pytestmark = pytest.mark.django_db

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
RECIPIENTS = ["lead@example.com", "ops@example.com"]


def rotate(*args) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out)
    return out.getvalue()


def tokens() -> list[str]:
    """Every stored ciphertext, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT metadata FROM analytics_userengagementmetric")
        found = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT recipient FROM analytics_reportdelivery")
        return found + [row[0] for row in cursor.fetchall()]


@pytest.fixture
def encrypted_with_a(settings):
    """Five events and two deliveries, encrypted under key A alone."""
    settings.ANALYTICS_ENCRYPTION_KEYS = [KEY_A]
    for n in range(5):
        UserEngagementMetricFactory(metadata={"n": n, "contact": f"p{n}@example.com"})
    report = ReportFactory()
    for recipient in RECIPIENTS:
        ReportDelivery.objects.create(
            report=report,
            report_type=report.report_type,
            period_start=report.period_start,
            period_end=report.period_end,
            recipient=recipient,
        )


def readable() -> tuple[list, list]:
    metadata = list(
        UserEngagementMetric.objects.order_by("pk").values_list("metadata", flat=True)
    )
    recipients = sorted(ReportDelivery.objects.values_list("recipient", flat=True))
    return metadata, recipients


EXPECTED = (
    [{"n": n, "contact": f"p{n}@example.com"} for n in range(5)],
    RECIPIENTS,
)


def test_rotation_moves_every_value_to_the_new_key(encrypted_with_a, settings):
    before = tokens()
    settings.ANALYTICS_ENCRYPTION_KEYS = [KEY_B, KEY_A]

    out = rotate("--batch-size", "2")

    assert out.splitlines() == [
        "Re-encrypting under the first of 2 key(s), 2 rows per batch.",
        "  analytics.UserEngagementMetric (metadata): 2/5 rows",
        "  analytics.UserEngagementMetric (metadata): 4/5 rows",
        "  analytics.UserEngagementMetric (metadata): 5/5 rows",
        "analytics.UserEngagementMetric (metadata): 5 rows, 5 re-encrypted, "
        "0 hashes recomputed.",
        "  analytics.ReportDelivery (recipient): 2/2 rows",
        "analytics.ReportDelivery (recipient): 2 rows, 2 re-encrypted, "
        "0 hashes recomputed.",
        "Done: 7 rows checked, 7 re-encrypted, 0 hashes recomputed. Every value "
        "opens with the first key; the keys after it may be removed.",
    ]
    after = tokens()
    assert len(after) == 7 and set(after).isdisjoint(before)
    for token in after:
        Fernet(KEY_B).decrypt(token.encode())  # raises if not under key B

    settings.ANALYTICS_ENCRYPTION_KEYS = [KEY_B]  # the old key is gone
    assert readable() == EXPECTED
    assert ReportDelivery.objects.get(recipient="ops@example.com").recipient == (
        "ops@example.com"
    )


def test_a_second_run_changes_nothing(encrypted_with_a, settings):
    settings.ANALYTICS_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    rotate()
    rotated = tokens()

    out = rotate()

    assert out.splitlines()[-1].startswith(
        "Done: 7 rows checked, 0 re-encrypted, 0 hashes recomputed."
    )
    assert tokens() == rotated


def test_a_new_hash_key_is_applied_to_the_stored_hashes(encrypted_with_a, settings):
    settings.ANALYTICS_HASH_KEY = "a new hash key"
    assert not ReportDelivery.objects.filter(recipient="lead@example.com").exists()

    out = rotate()

    assert "analytics.ReportDelivery (recipient): 2 rows, 0 re-encrypted, " in out
    assert "2 hashes recomputed." in out
    assert ReportDelivery.objects.get(recipient="lead@example.com")


def test_a_value_no_key_opens_stops_with_one_line_naming_the_field(
    encrypted_with_a, settings
):
    settings.ANALYTICS_ENCRYPTION_KEYS = [KEY_B]  # key A removed too early

    with pytest.raises(CommandError) as error:
        rotate()

    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(
        "Cannot decrypt analytics.UserEngagementMetric.metadata: no key in "
        "ANALYTICS_ENCRYPTION_KEYS opens it"
    )
    settings.ANALYTICS_ENCRYPTION_KEYS = [KEY_A]
    assert readable() == EXPECTED  # nothing was overwritten


def test_a_bad_batch_size_is_a_one_line_error():
    with pytest.raises(CommandError, match="--batch-size: must be a whole number"):
        rotate("--batch-size", "0")
