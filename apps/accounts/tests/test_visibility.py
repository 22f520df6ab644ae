import pytest

from apps.accounts.models import Role, User
from apps.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def names(queryset):
    return sorted(queryset.values_list("username", flat=True))


def test_admin_sees_everyone(org):
    assert names(User.objects.visible_to(org["admin"])) == sorted(org)


def test_manager_sees_own_team_only(org):
    assert names(User.objects.visible_to(org["manager"])) == [
        "manager",
        "mate",
        "member",
    ]


def test_member_sees_only_themselves(org):
    assert names(User.objects.visible_to(org["member"])) == ["member"]


def test_manager_without_team_sees_only_themselves():
    lonely = UserFactory(username="lonely", role=Role.MANAGER, team=None)
    UserFactory(username="someone", team=None)
    assert names(User.objects.visible_to(lonely)) == ["lonely"]


def test_manages_agrees_with_visible_to(org):
    for viewer in org.values():
        visible = set(User.objects.visible_to(viewer))
        for other in org.values():
            assert viewer.manages(other) == (other in visible)
