"""API tokens are the system administrator's: a list, revoke (POST, audited) and, for API clients
only, a new token shown once."""

import pytest
from django.urls import reverse

from pilot_admin.choices import AuditAction
from pilot_admin.models import ApiToken, AuditEntry
from tests.factories import CountyFactory, UserFactory

TOKENS = reverse("accounts:token_list")
VILLAGES = reverse("api_village-list")


def _action(user, action):
    return reverse("accounts:token_action", kwargs={"pk": user.pk, "action": action})


def _api(client, key):
    return client.get(VILLAGES, HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def token(api_client_user):
    return ApiToken.objects.create(user=api_client_user)


def test_page_lists_api_clients_and_other_holders_without_the_secret(
    client, system_admin, county_admin, token, township_a_official
):
    ApiToken.objects.create(user=township_a_official)
    client.force_login(system_admin)

    body = client.get(TOKENS).content.decode()

    assert 'data-username="api_client"' in body and 'data-username="township_a"' in body
    assert 'data-username="county_admin"' not in body
    assert token.key not in body and token.key[:4] in body


def test_revoked_token_is_refused_by_the_api(client, system_admin, token, village_a):
    assert _api(client.__class__(), token.key).status_code == 200
    client.force_login(system_admin)

    response = client.post(_action(token.user, "revoke"))

    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=token.user).exists()
    assert _api(client.__class__(), token.key).status_code == 401
    entry = AuditEntry.objects.get(note="吊销接口令牌")
    assert (entry.actor, entry.action, entry.object_id) == (system_admin, AuditAction.UPDATE, str(token.user.pk))
    assert token.key not in str(entry.changes) + entry.object_repr + entry.note


def test_new_token_is_shown_once_and_replaces_the_old(client, system_admin, token, village_a):
    client.force_login(system_admin)

    response = client.post(_action(token.user, "issue"))

    assert response.status_code == 200
    new = ApiToken.objects.get(user=token.user)
    assert new.key != token.key
    assert new.key in response.content.decode()
    assert "no-store" in {part.strip() for part in response["Cache-Control"].split(",")}
    assert new.key not in client.get(TOKENS).content.decode()
    assert _api(client.__class__(), token.key).status_code == 401
    assert _api(client.__class__(), new.key).status_code == 200
    assert AuditEntry.objects.filter(actor=system_admin, note__startswith="签发新的接口令牌").count() == 1


def test_only_an_api_client_gets_a_new_token(client, system_admin, township_a_official, village_a):
    """A key shown to the administrator for a person's account would let them read county data
    as that person: a person's token is revoked or renewed, never reissued."""
    token = ApiToken.objects.create(user=township_a_official)
    client.force_login(system_admin)

    body = client.get(TOKENS).content.decode()
    row = body[body.index('data-username="township_a"') :]
    assert "签发新令牌" not in row[: row.index("</tr>")]
    response = client.post(_action(township_a_official, "issue"), follow=True)

    assert response.status_code == 200
    assert "只能为接口客户端签发令牌" in response.content.decode()
    assert ApiToken.objects.get(user=township_a_official).key == token.key
    assert not AuditEntry.objects.filter(note__startswith="签发新的接口令牌").exists()


def test_revoke_is_post_only(client, system_admin, token):
    client.force_login(system_admin)

    assert client.get(_action(token.user, "revoke")).status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_other_roles_cannot_manage_tokens(
    client, township_a_official, county_viewer, county_admin, security_admin, audit_admin, token
):
    for user in (township_a_official, county_viewer, county_admin, security_admin, audit_admin):
        client.force_login(user)
        assert client.get(TOKENS).status_code == 403
        assert client.post(_action(token.user, "revoke")).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_another_countys_client_is_a_404(client, system_admin):
    stranger = UserFactory(role="api_client", county=CountyFactory(name="建始县", admin_code="422822"))
    ApiToken.objects.create(user=stranger)
    client.force_login(system_admin)

    assert client.post(_action(stranger, "revoke")).status_code == 404
    assert client.post(_action(stranger, "issue")).status_code == 404
    assert ApiToken.objects.filter(user=stranger).exists()
    assert stranger.username not in client.get(TOKENS).content.decode()


def test_token_page_query_count_does_not_grow(client, system_admin, django_assert_max_num_queries):
    client.force_login(system_admin)
    for size in (2, 20):
        for _ in range(size):
            ApiToken.objects.create(user=UserFactory(role="api_client", county=system_admin.county))
        with django_assert_max_num_queries(8):
            response = client.get(TOKENS)
        assert response.content.decode().count("吊销</button>") == ApiToken.objects.count()
