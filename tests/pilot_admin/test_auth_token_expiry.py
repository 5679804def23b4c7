"""API tokens expire API_TOKEN_MAX_AGE_DAYS (365 by default) after they were issued or renewed,
keep their last use (written at most once a minute), and the county office renews them. Tokens
DRF issued before carry over, expiring a year after their creation."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilot_admin.accounts import services
from pilot_admin.models import ApiToken, AuditEntry
from tests.factories import PASSWORD, CountyFactory, UserFactory

VILLAGES = reverse("api_village-list")
TOKENS = reverse("accounts:token_list")
MINUTE = datetime.timedelta(minutes=1)
YEAR = datetime.timedelta(days=365)


def _api(key):
    from django.test import Client

    return Client().get(VILLAGES, HTTP_AUTHORIZATION=f"Token {key}")


def _renew(user):
    return reverse("accounts:token_action", kwargs={"pk": user.pk, "action": "renew"})


@pytest.fixture
def token(api_client_user, village_a):
    return ApiToken.objects.create(user=api_client_user)


def test_a_new_token_is_good_for_a_year(token):
    assert abs(token.expires_at - (timezone.now() + YEAR)) < MINUTE
    assert token.last_used_at is None


@pytest.mark.parametrize(("offset", "status"), [(MINUTE, 200), (-MINUTE, 401)], ids=["a minute left", "a minute over"])
def test_a_token_works_until_it_expires(token, offset, status):
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + offset)

    response = _api(token.key)

    assert response.status_code == status
    if status == 401:
        assert response["WWW-Authenticate"] == "Token"
        expired_at = timezone.localtime(timezone.now() - MINUTE)
        assert response.json() == {
            "detail": f"接口令牌已于 {expired_at:%Y-%m-%d %H:%M} 过期，请联系系统管理员续期或签发新令牌。"
        }


@override_settings(API_TOKEN_MAX_AGE_DAYS=0)
def test_no_expiry_when_set_to_zero(api_client_user, village_a):
    token = ApiToken.objects.create(user=api_client_user)

    assert token.expires_at is None
    assert _api(token.key).status_code == 200


def test_the_last_use_is_written_at_most_once_a_minute(token):
    assert _api(token.key).status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert timezone.now() - first < MINUTE

    with CaptureQueriesContext(connection) as queries:
        assert _api(token.key).status_code == 200
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - MINUTE - datetime.timedelta(seconds=1))
    assert _api(token.key).status_code == 200
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < MINUTE


def test_the_token_page_shows_expiry_and_last_use(client, system_admin, token):
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - MINUTE, last_used_at=timezone.now() - datetime.timedelta(days=2)
    )
    token.refresh_from_db()
    client.force_login(system_admin)

    body = client.get(TOKENS).content.decode()

    assert "到期时间" in body and "最近使用" in body and "自签发或续期起 365 天有效" in body
    assert '<span class="badge bad">已过期</span>' in body
    assert f"{timezone.localtime(token.last_used_at):%Y-%m-%d %H:%M}" in body


def test_renewing_an_expired_token_makes_it_work_again_with_the_same_key(client, system_admin, token):
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - MINUTE)
    assert _api(token.key).status_code == 401
    client.force_login(system_admin)

    response = client.post(_renew(token.user))

    assert response.status_code == 302
    renewed = ApiToken.objects.get(user=token.user)
    assert renewed.key == token.key
    assert abs(renewed.expires_at - (timezone.now() + YEAR)) < MINUTE
    assert _api(token.key).status_code == 200
    until = f"{timezone.localtime(renewed.expires_at):%Y-%m-%d}"
    entry = AuditEntry.objects.get(note=f"接口令牌续期，有效期至 {until}")
    assert (entry.actor, entry.object_id) == (system_admin, str(token.user.pk))
    assert token.key not in str(entry.changes) + entry.object_repr + entry.note
    assert f"已为 {token.user} 的接口令牌续期，有效期至 {until}；令牌本身不变。" in client.get(TOKENS).content.decode()


def test_renew_is_post_only_for_the_system_administrator_in_its_county(
    client, system_admin, county_admin, county_viewer, token
):
    stranger = UserFactory(role="api_client", county=CountyFactory(name="建始县", admin_code="422822"))
    foreign = ApiToken.objects.create(user=stranger, expires_at=timezone.now() - MINUTE)
    for user in (county_viewer, county_admin):
        client.force_login(user)
        assert client.post(_renew(token.user)).status_code == 403
    client.force_login(system_admin)
    assert client.get(_renew(token.user)).status_code == 405
    assert client.post(_renew(stranger)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_expired()


def test_issuing_a_token_starts_a_new_year(system_admin, api_client_user):
    old = ApiToken.objects.create(user=api_client_user, expires_at=timezone.now() - MINUTE)

    new = services.token_issue(actor=system_admin, user=api_client_user)

    assert new.key != old.key and not new.is_expired()
    assert abs(new.expires_at - (timezone.now() + YEAR)) < MINUTE


def test_a_password_buys_a_fresh_token_once_the_held_one_expired(client, api_client_user, village_a):
    def obtain():
        response = client.post(
            reverse("api_token"),
            {"username": api_client_user.username, "password": PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200
        return response.json()["token"]

    first = obtain()
    assert obtain() == first
    ApiToken.objects.filter(pk=first).update(expires_at=timezone.now() - MINUTE)

    second = obtain()

    assert second != first
    assert _api(first).status_code == 401 and _api(second).status_code == 200


# --- tokens DRF issued before ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_existing_drf_tokens_carry_over_expiring_a_year_after_creation(api_client_user, county_viewer):
    migration = importlib.import_module("pilot_admin.migrations.0010_carry_over_tokens_and_password_dates")
    created = timezone.now() - datetime.timedelta(days=400)
    recent = timezone.now() - datetime.timedelta(days=10)
    with connection.schema_editor() as editor:
        editor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone NOT NULL, "
            "user_id bigint NOT NULL)"
        )
    try:
        with connection.cursor() as cursor:
            for key, user, when in (("a" * 40, api_client_user, created), ("b" * 40, county_viewer, recent)):
                cursor.execute(
                    "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                    [key, connection.ops.adapt_datetimefield_value(when), user.pk],
                )
        with connection.schema_editor() as editor:
            migration.carry_over(apps, editor)

        old, young = ApiToken.objects.get(key="a" * 40), ApiToken.objects.get(key="b" * 40)
        assert (old.user, young.user) == (api_client_user, county_viewer)
        assert old.created_at == created and old.expires_at == created + YEAR and old.is_expired()
        assert young.expires_at == recent + YEAR and not young.is_expired()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0  # no second copy of the secrets is left behind
    finally:
        with connection.schema_editor() as editor:
            editor.execute("DROP TABLE authtoken_token")
