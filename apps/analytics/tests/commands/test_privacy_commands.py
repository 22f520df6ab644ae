"""export_user_data and erase_user_data: the archive, confirmation, one-line errors."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.tests.factories import UserFactory
from apps.analytics.services.privacy import pseudonym
from apps.analytics.tests.factories import UserEngagementMetricFactory
from apps.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def jane():
    return UserFactory(
        username="jane.doe",
        first_name="Jane",
        last_name="Doe",
        email="jane.doe@example.com",
    )


def run(command, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_export_writes_the_archive_to_standard_output(jane):
    event = UserEngagementMetricFactory(user=jane)
    archive = json.loads(run("export_user_data", "--user-id", str(jane.pk)))
    assert archive["profile"]["email"] == "jane.doe@example.com"
    assert [e["id"] for e in archive["engagement_events"]] == [event.pk]
    entry = AuditLog.objects.get()
    assert (entry.user, entry.action, entry.method, entry.path) == (
        None,
        AuditAction.PRIVACY_EXPORT,
        "CLI",
        "manage.py export_user_data",
    )


def test_export_writes_the_archive_to_a_file(jane, tmp_path):
    target = tmp_path / "jane.json"
    out = run("export_user_data", "--user-id", str(jane.pk), "--output", str(target))
    archive = json.loads(target.read_text())
    assert archive["profile"]["id"] == jane.pk
    size = len(target.read_text())
    assert out == (
        f"Wrote the data of user {jane.pk} (jane.doe) to {target} "
        f"({size} characters).\n"
    )


def test_export_to_an_unwritable_file_is_one_error_and_not_audited(jane, tmp_path):
    target = tmp_path / "missing" / "jane.json"
    with pytest.raises(CommandError, match=r"^--output: cannot write .*jane\.json"):
        run("export_user_data", "--user-id", str(jane.pk), "--output", str(target))
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("command", ["export_user_data", "erase_user_data"])
@pytest.mark.parametrize(
    ("raw", "message"),
    [("999999", "no user has id 999999"), ("x1", "'x1' is not a user id")],
)
def test_an_unknown_user_is_one_error(command, raw, message):
    with pytest.raises(CommandError, match=f"argument --user-id: {message}$"):
        run(command, "--user-id", raw)


def test_erase_refuses_without_yes_and_changes_nothing(jane):
    with pytest.raises(CommandError) as refused:
        run("erase_user_data", "--user-id", str(jane.pk))
    assert str(refused.value) == (
        f"Erasing user {jane.pk} (jane.doe) cannot be undone: add --yes to go ahead."
    )
    jane.refresh_from_db()
    assert (jane.username, jane.is_active) == ("jane.doe", True)
    assert not AuditLog.objects.exists()


def test_erase_with_yes_prints_what_it_changed(jane):
    UserEngagementMetricFactory(user=jane, metadata={"phone": "555"})
    out = run("erase_user_data", "--user-id", str(jane.pk), "--yes")
    assert out == (
        f"Erased user {jane.pk} as {pseudonym(jane.pk)}. Rows changed: "
        "engagement_events 1, data_quality 0, reports 0, report_deliveries 0, "
        "tokens 0, sessions 0, user 1.\n"
    )
    again = run("erase_user_data", "--user-id", str(jane.pk), "--yes")
    assert again.endswith(
        "engagement_events 0, data_quality 0, reports 0, report_deliveries 0, "
        "tokens 0, sessions 0, user 0.\n"
    )
    actions = list(AuditLog.objects.values_list("action", "user", "path"))
    assert (
        actions == [(AuditAction.PRIVACY_ERASE, None, "manage.py erase_user_data")] * 2
    )


def test_from_the_shell_a_bad_user_id_is_one_line_and_exit_1():
    # No database needed: the id is refused before any lookup.
    result = subprocess.run(
        [sys.executable, "manage.py", "erase_user_data", "--user-id", "abc"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "CommandError: argument --user-id: 'abc' is not a user id\n"
    )
