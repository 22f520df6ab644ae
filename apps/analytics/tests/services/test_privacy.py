"""Personal data: pseudonyms, a user's archive and their erasure."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import AccessToken, Role, User
from apps.accounts.tests.factories import TeamFactory, UserFactory
from apps.accounts.tokens import issue_token
from apps.analytics.models import (
    DataQualityMetric,
    Report,
    ReportDelivery,
    UserEngagementMetric,
)
from apps.analytics.services import privacy
from apps.analytics.services.privacy import (
    ErasureRefused,
    erase_user,
    erasure,
    export_user_data,
    pseudonym,
    stream_user_data,
)
from apps.analytics.tests.factories import (
    DataQualityMetricFactory,
    PerformanceMetricFactory,
    ReportFactory,
    UserEngagementMetricFactory,
)
from apps.core.models import AuditAction, AuditLog
from apps.crm.tests.factories import CRMSyncLogFactory, ParticipantMatchFactory
from apps.debriefings.tests.factories import (
    CompetitorMentionFactory,
    DebriefingFactory,
    ExtractedFieldFactory,
)
from apps.meetings.tests.factories import MeetingFactory, MeetingParticipantFactory

pytestmark = pytest.mark.django_db
YESTERDAY = dt.timedelta(days=1)


@pytest.fixture
def people():
    alpha = TeamFactory(name="Alpha")
    return {
        "jane": UserFactory(
            username="jane.doe",
            first_name="Jane",
            last_name="Doe",
            email="Jane.Doe@example.com",
            team=alpha,
        ),
        "sam": UserFactory(
            username="sam", first_name="Sam", last_name="Roe", team=alpha
        ),
        "boss": UserFactory(username="boss", role=Role.MANAGER, team=alpha),
        "root": UserFactory(username="root", role=Role.ADMIN),
    }


# -- pseudonyms ------------------------------------------------------------------


def expected_pseudonym(user_id: int, secret: str) -> str:
    """The documented derivation, computed by hand."""
    key = hashlib.sha256((privacy.PSEUDONYM_SALT + secret).encode()).digest()
    digest = hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()
    return "anon-" + digest[:16]


def test_a_pseudonym_is_an_hmac_of_the_id_keyed_by_the_setting(settings):
    settings.ANALYTICS_PSEUDONYM_KEY = "a-key-of-its-own"
    assert pseudonym(5) == expected_pseudonym(5, "a-key-of-its-own")
    assert pseudonym("5") == pseudonym(5)  # stable, whatever type the id comes in
    assert pseudonym(6) != pseudonym(5)
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-yes"
    assert pseudonym(5) == expected_pseudonym(5, "a-key-of-its-own")


def test_without_a_key_of_its_own_the_pseudonym_derives_from_secret_key(settings):
    settings.ANALYTICS_PSEUDONYM_KEY = ""
    settings.SECRET_KEY = "one-secret-key-that-is-long-enough-for-tests"
    first = pseudonym(5)
    assert first == expected_pseudonym(5, settings.SECRET_KEY)
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-yes"
    assert pseudonym(5) != first


def test_pseudonymise_rows_replaces_the_user_column_and_keeps_null():
    rows = [(1, 5, "a"), (2, None, "b"), (3, 5, "c")]
    got = list(privacy.pseudonymise_rows(("id", "user_id", "x"), rows))
    assert got == [(1, pseudonym(5), "a"), (2, None, "b"), (3, pseudonym(5), "c")]
    assert list(privacy.pseudonymise_rows(("id", "x"), [(1, "a")])) == [(1, "a")]


# -- access ----------------------------------------------------------------------


@pytest.fixture
def stored(people):
    """Give Jane one row of everything, and others rows that are not about her."""
    jane, sam, boss = people["jane"], people["sam"], people["boss"]
    when = timezone.now() - YESTERDAY
    event = UserEngagementMetricFactory(
        user=jane, timestamp=when, session_id="s1", metadata={"page": "deals"}
    )
    UserEngagementMetricFactory(user=sam, timestamp=when)
    metric = PerformanceMetricFactory(user=jane, value=0.75)
    PerformanceMetricFactory(user=None, value=0.5)
    quality = DataQualityMetricFactory(user=jane, entity_id="field-1")
    DataQualityMetricFactory(user=sam)
    about = ReportFactory(
        title="Activity of Jane Doe", created_by=boss, subject_user=jane
    )
    requested = ReportFactory(
        title="Daily summary (Jane Doe)", created_by=jane, report_data={"n": 1}
    )
    ReportFactory(title="Daily summary (sam)", created_by=sam)
    delivery = ReportDelivery.objects.create(
        report=requested,
        report_type=requested.report_type,
        period_start=requested.period_start,
        period_end=requested.period_end,
        recipient="jane.doe@EXAMPLE.com",  # addresses compare in any case
    )
    ReportDelivery.objects.create(
        report=requested,
        report_type=requested.report_type,
        period_start=requested.period_start,
        period_end=requested.period_end,
        recipient="sam@example.com",
    )
    audit = {
        "by": audit_row(jane, AuditAction.EXPORT, []),
        "about": audit_row(boss, AuditAction.READ_OTHER, [str(sam.pk), str(jane.pk)]),
    }
    audit_row(boss, AuditAction.READ_OTHER, ["*"])  # everyone: about no one
    audit_row(boss, AuditAction.READ_OTHER, [f"{jane.pk}0", f"1{jane.pk}"])
    meeting = MeetingFactory(owner=jane)
    debriefing = DebriefingFactory(meeting=meeting)
    ExtractedFieldFactory(debriefing=debriefing)
    CompetitorMentionFactory(debriefing=debriefing)
    ParticipantMatchFactory(participant=MeetingParticipantFactory(meeting=meeting))
    CRMSyncLogFactory(user=jane)
    MeetingFactory(owner=sam)
    return {
        "event": event,
        "metric": metric,
        "quality": quality,
        "reports": [about, requested],
        "delivery": delivery,
        "audit": audit,
    }


def audit_row(user, action, object_ids):
    return AuditLog.objects.create(
        user=user,
        username=user.username,
        action=action,
        method="GET",
        path="/api/v1/analytics/export/",
        object_ids=object_ids,
        status_code=200,
    )


def test_the_archive_holds_everything_stored_about_the_user(people, stored):
    jane = people["jane"]
    archive = export_user_data(jane, actor=people["root"])

    assert list(archive) == [
        "schema_version",
        "generated_at",
        "profile",
        "engagement_events",
        "performance_metrics",
        "data_quality",
        "reports",
        "report_deliveries",
        "audit_by_user",
        "audit_about_user",
        "source_data",
    ]
    assert archive["schema_version"] == 1
    assert archive["profile"] == {
        "id": jane.pk,
        "username": "jane.doe",
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "Jane.Doe@example.com",
        "role": "member",
        "team": {"id": jane.team_id, "name": "Alpha"},
        "is_active": True,
        "date_joined": timezone.localtime(jane.date_joined).isoformat(),
        "last_login": None,
    }
    event = archive["engagement_events"]
    assert [(e["id"], e["session_id"], e["metadata"]) for e in event] == [
        (stored["event"].pk, "s1", {"page": "deals"})
    ]
    assert [m["id"] for m in archive["performance_metrics"]] == [stored["metric"].pk]
    assert archive["performance_metrics"][0]["value"] == 0.75
    assert [q["entity_id"] for q in archive["data_quality"]] == ["field-1"]
    reports = {r["title"]: r for r in archive["reports"]}
    assert set(reports) == {"Activity of Jane Doe", "Daily summary (Jane Doe)"}
    assert reports["Daily summary (Jane Doe)"]["report_data"] == {"n": 1}
    assert [d["id"] for d in archive["report_deliveries"]] == [stored["delivery"].pk]
    assert [a["id"] for a in archive["audit_by_user"]] == [stored["audit"]["by"].pk]
    about = [(a["id"], a["action"]) for a in archive["audit_about_user"]]
    this_export = AuditLog.objects.get(action=AuditAction.PRIVACY_EXPORT)
    assert about == [
        (stored["audit"]["about"].pk, "read_other"),
        (this_export.pk, "privacy_export"),  # the archive records its own making
    ]
    assert archive["source_data"] == {
        "meetings": 1,
        "meeting_participants": 1,
        "debriefings": 1,
        "extracted_fields": 1,
        "competitor_mentions": 1,
        "participant_matches": 1,
        "crm_sync_logs": 1,
    }
    json.dumps(archive)  # JSON-able as it is


def test_an_export_is_audited_with_the_actor_and_the_user(people):
    jane, root = people["jane"], people["root"]
    export_user_data(jane, actor=root)
    entry = AuditLog.objects.get()
    assert (entry.user, entry.action, entry.object_ids) == (
        root,
        AuditAction.PRIVACY_EXPORT,
        [str(jane.pk)],
    )
    assert entry.parameters == {"user_id": jane.pk}


def test_the_streamed_archive_is_the_same_json(people, stored):
    jane = people["jane"]
    whole = export_user_data(jane)
    streamed = json.loads("".join(stream_user_data(jane)))
    # The second export is one more audit entry about her.
    assert streamed["audit_about_user"][:-1] == whole["audit_about_user"]
    assert streamed["audit_about_user"][-1]["action"] == "privacy_export"
    ignored = {"generated_at": None, "audit_about_user": None}
    assert {**streamed, **ignored} == {**whole, **ignored}


def test_the_archive_reads_each_table_once_however_many_rows(
    people, django_assert_num_queries
):
    jane = people["jane"]
    UserEngagementMetricFactory.create_batch(3, user=jane)
    # The audit row, one read per table (7) and the 7 source counts.
    with django_assert_num_queries(15):
        export_user_data(jane)
    UserEngagementMetricFactory.create_batch(30, user=jane)
    with django_assert_num_queries(15):
        assert len(export_user_data(jane)["engagement_events"]) == 33


# -- erasure ----------------------------------------------------------------------


def test_erasure_renames_and_disables_the_account_and_keeps_its_rows(people, stored):
    jane, root = people["jane"], people["root"]
    jane.is_staff = True
    jane.save()
    result = erase_user(jane, actor=root)

    name = pseudonym(jane.pk)
    jane.refresh_from_db()
    assert (jane.username, jane.first_name, jane.last_name, jane.email) == (
        name,
        "",
        "",
        "",
    )
    assert (jane.is_active, jane.is_staff, jane.has_usable_password()) == (
        False,
        False,
        False,
    )
    assert jane.team.name == "Alpha"  # per-team figures still add up
    assert stored["metric"].__class__.objects.filter(user=jane).count() == 1
    assert result["user_id"] == jane.pk and result["pseudonym"] == name
    assert result["changed"]["user"] == 1


def test_erasure_scrubs_personal_metadata_and_identifiers_from_events(people):
    jane, sam = people["jane"], people["sam"]
    metadata = {
        "email": "someone@example.com",
        "page": "deals",
        "query": "notes from jane.doe@example.com",
        "nested": {"Phone": "+1 555", "who": "JANE DOE said hi", "keep": 3},
        "list": ["Jane Doe", "other"],
        "User-Agent": "Mozilla/5.0",
        "ip_address": "10.0.0.1",
    }
    event = UserEngagementMetricFactory(
        user=jane,
        metadata=metadata,
        session_id="sess-jane.doe@example.com-1",
        entity_id="Jane.Doe@example.com",
    )
    plain = UserEngagementMetricFactory(
        user=jane, metadata={"page": "home"}, session_id="s2", entity_id="7"
    )
    theirs = UserEngagementMetricFactory(user=sam, metadata={"name": "Jane Doe"})

    result = erase_user(jane, actor=people["root"])

    name = pseudonym(jane.pk)
    event.refresh_from_db()
    assert event.metadata == {
        "page": "deals",
        "query": f"notes from {name}",
        "nested": {"who": f"{name} said hi", "keep": 3},
        "list": [name, "other"],
    }
    assert (event.session_id, event.entity_id) == (f"sess-{name}-1", name)
    plain.refresh_from_db()
    assert (plain.metadata, plain.session_id, plain.entity_id) == (
        {"page": "home"},
        "s2",
        "7",
    )
    theirs.refresh_from_db()
    assert theirs.metadata == {"name": "Jane Doe"}  # not her row
    assert result["changed"]["engagement_events"] == 1


def test_erasure_pages_through_tables_larger_than_a_batch(people, monkeypatch):
    jane = people["jane"]
    monkeypatch.setattr(erasure, "BATCH_ROWS", 2)
    monkeypatch.setattr(erasure, "REPORT_BATCH_ROWS", 2)
    events = UserEngagementMetricFactory.create_batch(
        5, user=jane, metadata={"email": "x", "n": 1}
    )
    ReportFactory.create_batch(5, title="Daily summary (Jane Doe)")
    for _ in range(5):
        Client().force_login(jane)

    changed = erase_user(jane, actor=people["root"])["changed"]

    assert (changed["engagement_events"], changed["reports"]) == (5, 5)
    assert changed["sessions"] == 5
    for event in events:
        event.refresh_from_db()
        assert event.metadata == {"n": 1}
    titles = set(Report.objects.values_list("title", flat=True))
    assert titles == {f"Daily summary ({pseudonym(jane.pk)})"}


def test_a_rewritten_identifier_stays_within_its_column(people):
    jane = UserFactory(username="j", email="j@x.io", first_name="", last_name="")
    long_id = "j@x.io" * 10 + "abcd"  # 64 characters
    event = UserEngagementMetricFactory(user=jane, entity_id=long_id)
    erase_user(jane, actor=people["root"])
    event.refresh_from_db()
    assert len(event.entity_id) == 64
    assert "j@x.io" not in event.entity_id


def test_erasure_scrubs_data_quality_rows_about_the_user(people):
    jane = people["jane"]
    row = DataQualityMetricFactory(
        user=jane, entity_id="jane.doe@example.com", metadata={"name": "x", "n": 2}
    )
    erase_user(jane, actor=people["root"])
    row.refresh_from_db()
    assert (row.entity_id, row.metadata) == (pseudonym(jane.pk), {"n": 2})


def test_erasure_readdresses_the_delivery_ledger(people, stored):
    jane = people["jane"]
    result = erase_user(jane, actor=people["root"])
    recipients = set(ReportDelivery.objects.values_list("recipient", flat=True))
    assert recipients == {f"{pseudonym(jane.pk)}@erased.invalid", "sam@example.com"}
    assert result["changed"]["report_deliveries"] == 1


def test_erasure_revokes_tokens_and_ends_sessions(people):
    jane, sam = people["jane"], people["sam"]
    _, key = issue_token(user=jane)
    issue_token(user=sam)
    for user in (jane, sam):
        Client().force_login(user)
    assert Session.objects.count() == 2

    result = erase_user(jane, actor=people["root"])

    assert list(AccessToken.objects.values_list("user", flat=True)) == [sam.pk]
    [session] = Session.objects.all()
    assert session.get_decoded()["_auth_user_id"] == str(sam.pk)
    assert (result["changed"]["tokens"], result["changed"]["sessions"]) == (1, 1)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/auth/me/").status_code == 401


def test_erasure_is_audited_once_with_what_it_changed(people):
    jane, root = people["jane"], people["root"]
    UserEngagementMetricFactory(user=jane, metadata={"email": "x"})
    result = erase_user(jane, actor=root)
    entry = AuditLog.objects.get()
    assert (entry.user, entry.username, entry.action) == (
        root,
        "root",
        AuditAction.PRIVACY_ERASE,
    )
    assert entry.object_ids == [str(jane.pk)]
    assert entry.parameters == {"user_id": jane.pk, "changed": result["changed"]}
    assert result["changed"] == {
        "engagement_events": 1,
        "data_quality": 0,
        "reports": 0,
        "report_deliveries": 0,
        "tokens": 0,
        "sessions": 0,
        "user": 1,
    }


def test_an_erasure_that_cannot_be_audited_does_not_happen(people, monkeypatch):
    jane = people["jane"]
    event = UserEngagementMetricFactory(user=jane, metadata={"email": "x"})

    def broken(*args, **kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(AuditLog.objects, "create", broken)
    with pytest.raises(RuntimeError):
        erase_user(jane, actor=people["root"])
    jane.refresh_from_db()
    event.refresh_from_db()
    assert (jane.username, jane.is_active, event.metadata) == (
        "jane.doe",
        True,
        {"email": "x"},
    )


def snapshot() -> dict:
    """Every row erasure may touch, as plain values."""
    return {
        "users": list(User.objects.order_by("pk").values()),
        "events": list(UserEngagementMetric.objects.order_by("pk").values()),
        "quality": list(
            DataQualityMetric.objects.order_by("pk").values("metadata", "entity_id")
        ),
        "reports": list(
            Report.objects.order_by("pk").values("title", "report_data", "parameters")
        ),
        "deliveries": list(ReportDelivery.objects.order_by("pk").values("recipient")),
    }


def test_erasing_twice_changes_nothing_the_second_time(people, stored):
    jane, root = people["jane"], people["root"]
    UserEngagementMetricFactory(user=jane, metadata={"name": "Jane Doe"})
    issue_token(user=jane)
    erase_user(jane, actor=root)
    before = snapshot()

    again = erase_user(User.objects.get(pk=jane.pk), actor=root)

    assert again["changed"] == dict.fromkeys(privacy.ERASURE_TABLES, 0)
    assert snapshot() == before
    # Each request is on the trail, even one with nothing left to do.
    assert AuditLog.objects.filter(action=AuditAction.PRIVACY_ERASE).count() == 2


def test_an_account_cannot_erase_itself(people):
    root = people["root"]
    with pytest.raises(ErasureRefused):
        erase_user(root, actor=root)
    root.refresh_from_db()
    assert (root.username, root.is_active) == ("root", True)
    assert not AuditLog.objects.exists()


def test_names_are_replaced_where_they_stand_alone(people):
    ann = UserFactory(username="ann", first_name="", last_name="", email="")
    report = ReportFactory(
        title="Activity of ann",
        report_data={
            "notes": ["annual figures by ann.", "ann.lee and joann are others"],
            "tables": [{"rows": [["ann", 0.5]]}],
        },
    )
    erase_user(ann, actor=people["root"])
    report.refresh_from_db()
    name = pseudonym(ann.pk)
    assert report.title == f"Activity of {name}"
    assert report.report_data == {
        "notes": [f"annual figures by {name}.", "ann.lee and joann are others"],
        "tables": [{"rows": [[name, 0.5]]}],
    }


def test_a_username_that_is_report_vocabulary_leaves_the_structure_alone(people):
    user = UserFactory(username="user", first_name="", last_name="", email="")
    data = {
        "scope": {"kind": "user", "label": "user", "user_ids": [user.pk]},
        "tables": [{"key": "users", "formats": ["text"], "rows": [["user"]]}],
    }
    report = ReportFactory(
        report_data=data,
        parameters={"scope": data["scope"], "scope_key": f"user:{user.pk}"},
    )
    erase_user(user, actor=people["root"])
    report.refresh_from_db()
    name = pseudonym(user.pk)
    assert report.report_data == {
        "scope": {"kind": "user", "label": name, "user_ids": [user.pk]},
        "tables": [{"key": "users", "formats": ["text"], "rows": [[name]]}],
    }
    assert report.parameters["scope_key"] == f"user:{user.pk}"
