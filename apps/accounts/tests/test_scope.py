"""The Scope: the one place metrics.md's Access rule is decided."""

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.accounts.models import Role
from apps.accounts.scope import Permission, Scope
from apps.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def names(scope):
    return sorted(scope.users().values_list("username", flat=True))


def test_admin_sees_everyone_and_organisation_rows(org):
    scope = Scope.for_viewer(org["admin"])
    assert names(scope) == sorted(org)
    assert (scope.kind, scope.user_ids, scope.key) == (
        "organisation",
        None,
        "organisation",
    )
    assert scope.other_user_ids() is None


def test_manager_sees_own_team_only_plus_organisation_figures(
    org, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):  # the team's ids and its name
        scope = Scope.for_viewer(org["manager"])
    assert names(scope) == ["manager", "mate", "member"]
    assert scope.kind == "team" and scope.label == "Alpha"
    assert scope.includes_organisation_rows
    assert scope.allows(Permission.SYSTEM_HEALTH_STATUS)
    assert not scope.allows(Permission.RAW_SYSTEM_HEALTH)
    assert sorted(scope.other_user_ids()) == sorted([org["member"].pk, org["mate"].pk])


def test_member_sees_only_themselves(org):
    scope = Scope.for_viewer(org["member"])
    assert names(scope) == ["member"]
    assert scope.key == f"user:{org['member'].pk}"
    assert not scope.includes_organisation_rows
    assert not scope.allows(Permission.SYSTEM_HEALTH_STATUS)
    assert scope.other_user_ids() == []


def test_manager_without_team_sees_only_themselves():
    lonely = UserFactory(username="lonely", role=Role.MANAGER, team=None)
    UserFactory(username="someone", team=None)
    assert names(Scope.for_viewer(lonely)) == ["lonely"]


def test_a_superuser_counts_as_admin():
    boss = UserFactory(username="boss", role=Role.MEMBER, is_superuser=True)
    assert Scope.for_viewer(boss).user_ids is None


def test_an_anonymous_caller_sees_nobody(org):
    scope = Scope.for_viewer(AnonymousUser())
    assert names(scope) == [] and not scope.allows(Permission.ORGANISATION_FIGURES)


def test_narrowing_keeps_the_viewer_and_refuses_users_outside(org):
    scope = Scope.for_viewer(org["manager"])
    narrowed = scope.narrow([org["member"]])
    assert narrowed.user_ids == (org["member"].pk,) and narrowed.kind == "user"
    assert narrowed.viewer_id == org["manager"].pk
    assert not narrowed.includes_organisation_rows
    with pytest.raises(PermissionError):
        scope.narrow([org["other"]])
    with pytest.raises(PermissionError):
        Scope.for_viewer(org["member"]).narrow([org["mate"]])
    assert Scope.system().narrow([org["other"], org["member"]]).kind == "team"


def test_filter_keeps_organisation_rows_only_where_the_scope_has_them(org):
    from apps.analytics.models import PerformanceMetric
    from apps.analytics.tests.factories import PerformanceMetricFactory

    for user in (None, org["member"], org["other"]):
        PerformanceMetricFactory(user=user)

    def owners(scope):
        rows = scope.filter(
            PerformanceMetric.objects.all(), "user", organisation_rows=True
        )
        return sorted(str(r.user) for r in rows)

    assert owners(Scope.for_viewer(org["admin"])) == ["None", "member", "other"]
    assert owners(Scope.for_viewer(org["manager"])) == ["None", "member"]
    assert owners(Scope.for_viewer(org["member"])) == ["member"]
    assert owners(Scope.for_viewer(org["manager"]).narrow([org["member"]])) == [
        "member"
    ]


def test_narrowing_to_someone_who_does_not_exist_is_refused_like_an_outsider(org):
    with pytest.raises(PermissionError, match="user 999999"):
        Scope.for_viewer(org["admin"]).narrow([org["member"].pk, 999999])
