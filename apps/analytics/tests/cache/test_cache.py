"""AnalyticsCache and cache_analytics_result, on locmem (and Redis in CI's 2nd leg)."""

import dataclasses
import datetime as dt
import enum
import uuid

import pytest
from django.test import override_settings

from apps.accounts.tests.factories import UserFactory
from apps.analytics.cache import AnalyticsCache, cache_analytics_result
from apps.analytics.cache.keys import digest
from apps.analytics.signals import owner_id
from apps.analytics.tests.factories import UserEngagementMetricFactory
from apps.crm.models import ParticipantMatch
from apps.crm.tests.factories import CRMSyncLogFactory, ParticipantMatchFactory
from apps.debriefings.models import ExtractedField
from apps.debriefings.tests.factories import (
    CompetitorMentionFactory,
    DebriefingFactory,
    ExtractedFieldFactory,
)
from apps.meetings.tests.factories import MeetingFactory

PARAMS = {"days": 7}


class Colour(enum.Enum):
    RED = "red"


class Opaque:
    def __init__(self, label):
        self.label = label

    def __repr__(self):
        return f"Opaque({self.label})"


@dataclasses.dataclass(frozen=True)
class FakeScope:
    """Stands in for apps.accounts.scope.Scope: user_ids (None = everyone) and key."""

    user_ids: tuple[int, ...] | None
    key: str
    label: str = ""


def test_keys_differ_whenever_the_arguments_do():
    moment = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)
    distinct = [
        1,
        1.0,
        "1",
        True,
        None,
        [1, 2],
        (1, 2),
        {1, 2},
        {"a": 1},
        {"a": "1"},
        moment,
        moment.replace(tzinfo=None),
        dt.date(2026, 11, 10),
        uuid.UUID(int=1),
        UserFactory.build(pk=1),
        {"mixed": {1: "a", "1": "b"}},
    ]
    digests = [digest(value) for value in distinct]
    assert len(set(digests)) == len(distinct)


def test_keys_are_stable_for_equal_arguments_in_any_order():
    assert digest({"b": 2, "a": 1}) == digest({"a": 1, "b": 2})
    assert digest({3, 1, 2}) == digest({2, 3, 1})
    paris = dt.datetime(2026, 11, 10, 13, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert digest(paris) == digest(dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC))
    assert digest(Colour.RED) == digest("red")


@pytest.mark.parametrize(
    "value", [Opaque("x"), {"nested": [Opaque("x")]}, FakeScope((1,), "user:1")]
)
def test_keys_refuse_arguments_of_unknown_kinds(value):
    with pytest.raises(TypeError, match="cannot build an analytics cache key"):
        digest(value)


def test_the_decorator_raises_on_an_unkeyable_argument_instead_of_computing():
    calls = []

    @cache_analytics_result("dashboard")
    def report(thing):
        calls.append(thing)

    with pytest.raises(TypeError):
        report(Opaque("x"))
    assert calls == []


def test_key_format_is_versioned_and_hashed():
    key = AnalyticsCache.make_key("dashboard", PARAMS)
    prefix, kind, version, generation, sha = key.split(":")
    assert (prefix, kind, version) == ("analytics", "dashboard", "v1")
    assert generation == "g0.0"
    assert len(sha) == 40


def test_timeouts_are_per_type_and_overridable(settings):
    settings.ANALYTICS_CACHE_TIMEOUT = 300
    settings.ANALYTICS_CACHE_TIMEOUTS = {}
    assert AnalyticsCache.timeout_for("dashboard") == 300
    assert AnalyticsCache.timeout_for("anything-else") == 300
    settings.ANALYTICS_CACHE_TIMEOUTS = {"dashboard": 45, "reports": 3600}
    assert AnalyticsCache.timeout_for("dashboard") == 45
    assert AnalyticsCache.timeout_for("reports") == 3600


def test_invalidating_a_type_forgets_only_that_type():
    AnalyticsCache.set("dashboard", PARAMS, "dash")
    AnalyticsCache.set("reports", {"id": 1}, "report")
    AnalyticsCache.invalidate_type("dashboard")
    assert AnalyticsCache.get("dashboard", PARAMS) is None
    assert AnalyticsCache.get("reports", {"id": 1}) == "report"


def test_one_user_and_a_set_of_that_user_are_the_same_entry():
    AnalyticsCache.set("dashboard", PARAMS, "alice's", user=101)
    assert AnalyticsCache.get("dashboard", PARAMS, users=[101]) == "alice's"
    AnalyticsCache.set("dashboard", PARAMS, "team", users=[102, 101, 102])
    assert AnalyticsCache.get("dashboard", PARAMS, users=(101, 102)) == "team"
    assert AnalyticsCache.get("dashboard", PARAMS) is None  # the organisation's
    with pytest.raises(TypeError):
        AnalyticsCache.get("dashboard", PARAMS, user=101, users=[101])


def test_invalidating_a_user_forgets_only_entries_whose_set_includes_them():
    alice, bob, carol = 101, 102, 103
    sets = _fill(alice=[alice], bob=[bob], team=[alice, bob], other_team=[bob, carol])
    AnalyticsCache.invalidate_user(alice)
    assert _kept(sets) == {"bob", "other_team", "organisation"}
    AnalyticsCache.invalidate_all()
    assert _kept(sets) == set()


def test_a_change_to_a_users_data_forgets_the_organisation_and_their_sets():
    alice, bob, carol = 101, 102, 103
    sets = _fill(alice=[alice], bob=[bob], team=[alice, bob], other_team=[bob, carol])
    AnalyticsCache.invalidate_users([alice])
    assert _kept(sets) == {"bob", "other_team"}


def test_a_change_to_no_ones_data_forgets_only_the_organisation():
    sets = _fill(alice=[101])
    AnalyticsCache.invalidate_users([])
    assert _kept(sets) == {"alice"}


def test_invalidating_users_of_some_types_keeps_the_other_types():
    AnalyticsCache.set("dashboard", PARAMS, "dash", user=101)
    AnalyticsCache.set("reports", PARAMS, "report", user=101)
    AnalyticsCache.set("reports", PARAMS, "all reports")
    AnalyticsCache.invalidate_users([101], cache_types=["dashboard"])
    assert AnalyticsCache.get("dashboard", PARAMS, user=101) is None
    assert AnalyticsCache.get("reports", PARAMS, user=101) == "report"
    assert AnalyticsCache.get("reports", PARAMS) == "all reports"


def test_hits_and_misses_are_counted():
    before = AnalyticsCache.stats()["dashboard"]
    AnalyticsCache.get_or_compute("dashboard", {"q": 1}, lambda: 41)
    value, cached = AnalyticsCache.get_or_compute("dashboard", {"q": 1}, lambda: 42)
    after = AnalyticsCache.stats()["dashboard"]
    assert (value, cached) == (41, True)
    assert after["hits"] - before["hits"] == 1
    assert after["misses"] - before["misses"] == 1


def test_the_spec_decorator_example_runs_verbatim_and_caches_per_arguments():
    calls = []
    analytics_data = {"completion": 0.8}

    # --- the spec's example, as printed ---
    @cache_analytics_result("dashboard", timeout=300)
    def get_dashboard_data(user_id, days=7):
        # Expensive calculation
        calls.append((user_id, days))
        return analytics_data

    # ---
    assert get_dashboard_data(1) == analytics_data
    assert get_dashboard_data(1, days=7) == analytics_data  # same meaning, same entry
    assert get_dashboard_data(user_id=1) == analytics_data
    get_dashboard_data(1, days=30)
    get_dashboard_data(2)
    assert calls == [(1, 7), (1, 30), (2, 7)]
    AnalyticsCache.invalidate_users([1])
    get_dashboard_data(1)
    get_dashboard_data(2)
    assert calls[3:] == [(1, 7)]


def test_the_decorator_never_returns_another_users_result():
    @cache_analytics_result("dashboard")
    def mine(user, days=7):
        return f"data of {user.username}"

    alice, bob = (
        UserFactory.build(pk=1, username="alice"),
        UserFactory.build(pk=2, username="bob"),
    )
    assert mine(alice) == "data of alice"
    assert mine(bob) == "data of bob"
    AnalyticsCache.invalidate_user(2)
    assert mine.uncached(bob) == "data of bob"


def test_the_decorator_caches_a_scope_under_its_users_and_its_key():
    calls = []

    @cache_analytics_result("dashboard")
    def dashboard(viewer_id, scope, days=7):
        calls.append((viewer_id, scope.key))
        return scope.key

    team = FakeScope((101, 102), "team:101,102", label="Alpha")
    organisation = FakeScope(None, "organisation")
    assert dashboard(101, team) == "team:101,102"
    # Keyed on scope.key, not the whole object: another label is the same entry.
    dashboard(101, FakeScope((101, 102), "team:101,102", label="renamed"))
    dashboard(1, organisation)
    assert calls == [(101, "team:101,102"), (1, "organisation")]

    AnalyticsCache.invalidate_users([103])  # another team: only the organisation's
    dashboard(101, team)
    dashboard(1, organisation)
    assert calls[2:] == [(1, "organisation")]

    AnalyticsCache.invalidate_users([102], organisation=False)  # a team member
    dashboard(101, team)
    dashboard(1, organisation)
    assert calls[3:] == [(101, "team:101,102")]


def test_the_decorator_does_not_cache_exceptions_but_caches_none():
    outcomes = iter([RuntimeError("db down"), None])
    calls = []

    @cache_analytics_result("dashboard")
    def flaky():
        calls.append(1)
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with pytest.raises(RuntimeError):
        flaky()
    assert flaky() is None
    assert flaky() is None
    assert len(calls) == 2


# --- source changes (signals.py) ---------------------------------------------------


@pytest.mark.django_db
def test_a_debriefing_forgets_the_organisation_and_its_owners_team_after_commit(
    org, django_capture_on_commit_callbacks
):
    alpha = [org["manager"], org["member"], org["mate"]]
    sets = _fill(team=alpha, other=[org["other"]], mate=[org["mate"]])
    with django_capture_on_commit_callbacks(execute=True):
        DebriefingFactory(meeting__owner=org["member"])
        assert len(_kept(sets)) == 4  # not before the transaction commits
    assert _kept(sets) == {"other", "mate"}

    sets = _fill(team=alpha, other=[org["other"]], mate=[org["mate"]])
    with django_capture_on_commit_callbacks(execute=True):
        DebriefingFactory(meeting__owner=org["other"])
    assert _kept(sets) == {"team", "mate"}


@pytest.mark.django_db
def test_an_extracted_field_forgets_its_debriefing_owners_entries(
    org, django_capture_on_commit_callbacks, django_assert_num_queries
):
    debriefing = DebriefingFactory(meeting__owner=org["member"])
    sets = _fill(member=[org["member"]], other=[org["other"]])
    with django_capture_on_commit_callbacks(execute=True):
        ExtractedFieldFactory(debriefing=debriefing)
    assert _kept(sets) == {"other"}

    # Loaded on its own, its owner costs one query on the parent.
    field = ExtractedField.objects.get()
    with django_assert_num_queries(1):
        assert owner_id(field) == org["member"].pk
    sets = _fill(member=[org["member"]], other=[org["other"]])
    with django_capture_on_commit_callbacks(execute=True):
        field.delete()
    assert _kept(sets) == {"other"}


@pytest.mark.django_db
def test_a_participant_match_reaches_its_meetings_owner(org, django_assert_num_queries):
    match = ParticipantMatchFactory(participant__meeting__owner=org["mate"])
    with django_assert_num_queries(0):
        assert owner_id(match) == org["mate"].pk
    fresh = ParticipantMatch.objects.get()
    with django_assert_num_queries(1):
        assert owner_id(fresh) == org["mate"].pk


@pytest.mark.django_db
def test_deleting_a_meeting_forgets_its_owners_entries(
    org, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(owner=org["member"])
    ExtractedFieldFactory(debriefing=DebriefingFactory(meeting=meeting))
    sets = _fill(member=[org["member"]], other=[org["other"]])
    with django_capture_on_commit_callbacks(execute=True):
        meeting.delete()  # cascades to the debriefing and its field
    assert _kept(sets) == {"other"}


@pytest.mark.django_db
def test_a_sync_log_without_a_user_forgets_only_the_organisation(
    org, django_capture_on_commit_callbacks
):
    sets = _fill(member=[org["member"]])
    with django_capture_on_commit_callbacks(execute=True):
        CRMSyncLogFactory(user=None)
    assert _kept(sets) == {"member"}


@pytest.mark.django_db
def test_models_no_cached_type_reads_forget_nothing(
    org, django_capture_on_commit_callbacks
):
    debriefing = DebriefingFactory(meeting__owner=org["member"])
    sets = _fill(member=[org["member"]])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        UserEngagementMetricFactory(user=org["member"])
        CompetitorMentionFactory(debriefing=debriefing)
    assert callbacks == []
    assert _kept(sets) == {"member", "organisation"}


@pytest.mark.django_db
def test_a_source_change_forgets_only_the_types_that_read_it(
    org, django_capture_on_commit_callbacks
):
    AnalyticsCache.set("reports", PARAMS, "report", user=org["member"])
    with django_capture_on_commit_callbacks(execute=True):
        DebriefingFactory(meeting__owner=org["member"])
    assert AnalyticsCache.get("reports", PARAMS, user=org["member"]) == "report"


# --- an unreachable cache ----------------------------------------------------------

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


@override_settings(CACHES=UNREACHABLE_REDIS)
def test_cache_failures_fall_back_to_computing_and_are_counted():
    failures_before = _failures("get")
    value, cached = AnalyticsCache.get_or_compute("dashboard", PARAMS, lambda: 7)
    assert (value, cached) == (7, False)
    assert _failures("get") == failures_before + 1
    AnalyticsCache.invalidate_type("dashboard")  # logged and counted, not raised


@override_settings(CACHES=UNREACHABLE_REDIS)
def test_user_sets_scopes_and_their_invalidation_never_raise_on_a_failing_cache():
    failures_before = _failures("invalidate")
    value, cached = AnalyticsCache.get_or_compute(
        "dashboard", PARAMS, lambda: 7, users=[101, 102]
    )
    assert (value, cached) == (7, False)

    @cache_analytics_result("dashboard")
    def dashboard(scope):
        return scope.key

    assert dashboard(FakeScope(None, "organisation")) == "organisation"
    AnalyticsCache.invalidate_users([101], cache_types=["dashboard"])
    assert _failures("invalidate") == failures_before + 2  # user:101, organisation


@pytest.mark.django_db
@override_settings(CACHES=UNREACHABLE_REDIS)
def test_a_source_change_on_a_failing_cache_still_saves(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        DebriefingFactory()
    assert len(callbacks) == 2  # the meeting's and the debriefing's, both ran


def _fill(**sets) -> dict:
    """Cache one dashboard per named user set and one for the organisation."""
    sets = {**sets, "organisation": None}
    for name, users in sets.items():
        AnalyticsCache.set("dashboard", PARAMS, name, users=users)
    return sets


def _kept(sets: dict) -> set[str]:
    """Return the names of the entries cached by _fill that are still readable."""
    return {
        name
        for name, users in sets.items()
        if AnalyticsCache.get("dashboard", PARAMS, users=users) is not None
    }


def _failures(operation):
    from apps.analytics.observability import CACHE_FAILURES, counter_value

    return counter_value(CACHE_FAILURES, operation=operation)
