"""Token authentication of REST API v1: obtaining a token, using it, and every way it is refused."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from pilot_admin.models import ApiToken
from tests.factories import PASSWORD

TOKEN_URL = reverse("api_token")
VILLAGES = reverse("api_village-list")


@pytest.fixture
def api():
    # A real client with CSRF checks on: a token client never has a session cookie to protect.
    return APIClient(enforce_csrf_checks=True)


def _obtain(api, username, password):
    return api.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_valid_credentials_return_the_users_token(api, api_client_user):
    response = _obtain(api, api_client_user.username, PASSWORD)

    assert response.status_code == 200
    assert response.json() == {"token": ApiToken.objects.get(user=api_client_user).key}
    # Asking again returns the same token rather than minting another.
    assert _obtain(api, api_client_user.username, PASSWORD).json() == response.json()
    assert ApiToken.objects.filter(user=api_client_user).count() == 1


def test_wrong_password_is_a_400_without_a_token(api, api_client_user):
    response = _obtain(api, api_client_user.username, PASSWORD + "x")

    assert response.status_code == 400
    body = response.json()
    assert "token" not in body
    assert not ApiToken.objects.filter(user=api_client_user).exists()
    assert "无法使用提供的认证信息登录" in body["non_field_errors"][0]


def test_missing_fields_are_reported_per_field(api, db):
    response = api.post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"username", "password"}
    assert body["username"] == ["该字段是必填项。"]
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(api, api_client_user):
    api_client_user.is_active = False
    api_client_user.save()

    response = _obtain(api, api_client_user.username, PASSWORD)

    assert response.status_code == 400
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()


def test_token_header_opens_the_lists_within_the_users_scope(api, township_a_official, village_a, village_b):
    token = _obtain(api, township_a_official.username, PASSWORD).json()["token"]

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get(VILLAGES)

    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == [village_a.name]
    # The token authenticates the request; no session was created on the way.
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize("header", ["Token not-a-real-token", "Bearer abc", "Token"])
def test_bad_authorization_header_is_a_401(api, api_client_user, village_a, header):
    api.credentials(HTTP_AUTHORIZATION=header)

    response = api.get(VILLAGES)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "results" not in response.json()
    assert response.json()["detail"]
    assert village_a.name not in response.content.decode()


def test_token_of_a_deactivated_user_stops_working(api, api_client_user, village_a):
    token = _obtain(api, api_client_user.username, PASSWORD).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(VILLAGES).status_code == 200

    api_client_user.is_active = False
    api_client_user.save()

    response = api.get(VILLAGES)
    assert response.status_code == 401
    assert "用户未激活" in response.json()["detail"]
