import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role, User
from apps.accounts.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return APIClient()


def test_valid_login_gets_a_token_that_authenticates(client):
    team = TeamFactory(name="Alpha")
    UserFactory(username="rep", role=Role.MANAGER, team=team)

    response = client.post(
        "/api/v1/auth/token/", {"username": "rep", "password": "pass-for-tests"}
    )

    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/auth/me/")
    assert me.status_code == 200
    user = User.objects.get(username="rep")
    assert me.json() == {
        "id": user.pk,
        "username": "rep",
        "role": "manager",
        "team": {"id": team.pk, "name": "Alpha"},
    }


def test_same_user_gets_the_same_token_twice(client):
    UserFactory(username="rep")
    body = {"username": "rep", "password": "pass-for-tests"}
    first = client.post("/api/v1/auth/token/", body).json()["token"]
    assert client.post("/api/v1/auth/token/", body).json()["token"] == first


def test_wrong_password_answers_400_naming_the_field(client):
    UserFactory(username="rep")
    response = client.post(
        "/api/v1/auth/token/", {"username": "rep", "password": "wrong"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["password"]


def test_missing_username_answers_400_naming_it(client):
    response = client.post("/api/v1/auth/token/", {"password": "x"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["username"]


def test_malformed_json_answers_400_not_500(client):
    response = client.post(
        "/api/v1/auth/token/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_inactive_user_gets_no_token(client):
    UserFactory(username="gone", is_active=False)
    response = client.post(
        "/api/v1/auth/token/", {"username": "gone", "password": "pass-for-tests"}
    )
    assert response.status_code == 400


def test_me_requires_authentication(client):
    response = client.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_superuser_counts_as_admin_and_may_have_no_team(client):
    boss = UserFactory(username="root", is_superuser=True, role=Role.MEMBER)
    client.force_authenticate(boss)
    assert client.get("/api/v1/auth/me/").json()["role"] == "admin"
    assert client.get("/api/v1/auth/me/").json()["team"] is None
