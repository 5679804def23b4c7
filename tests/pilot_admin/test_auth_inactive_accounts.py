"""Accounts nobody used for ACCOUNT_INACTIVE_DAYS (90 by default) are disabled by a nightly task,
recorded in the audit trail, listed for the county office, and re-enabled there."""

import datetime

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from pilot_admin.accounts import services
from pilot_admin.choices import AuditAction
from pilot_admin.models import ApiToken, AuditEntry, User
from pilot_admin.tasks import disable_inactive_accounts
from tests.factories import PASSWORD, CountyFactory, UserFactory

LIST = reverse("accounts:inactive_list")
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)


def _reactivate(user):
    return reverse("accounts:inactive_reactivate", kwargs={"pk": user.pk})


def _user(now, *, joined_days_ago=400, last_login=None, **fields):
    user = UserFactory(**fields)
    User.objects.filter(pk=user.pk).update(date_joined=now - joined_days_ago * DAY, last_login=last_login)
    user.refresh_from_db()
    return user


def _disabled(user) -> bool:
    user.refresh_from_db()
    return not user.is_active and user.inactivity_disabled_at is not None


@pytest.mark.parametrize(
    ("unused_for", "disabled"),
    [(89 * DAY, False), (90 * DAY - MINUTE, False), (90 * DAY + MINUTE, True), (91 * DAY, True)],
    ids=["89 days", "a minute short of 90 days", "a minute past 90 days", "91 days"],
)
def test_an_account_is_disabled_once_unused_for_the_limit(db, unused_for, disabled):
    now = timezone.now()
    user = _user(now, last_login=now - unused_for)

    assert services.accounts_disable_inactive(now=now) == int(disabled)

    assert _disabled(user) is disabled


@pytest.mark.parametrize(("joined_days_ago", "disabled"), [(89, False), (91, True)])
def test_an_account_never_signed_in_counts_from_its_creation(db, joined_days_ago, disabled):
    now = timezone.now()
    user = _user(now, joined_days_ago=joined_days_ago)

    services.accounts_disable_inactive(now=now)

    assert _disabled(user) is disabled


@pytest.mark.parametrize(("used_days_ago", "disabled"), [(89, False), (91, True)])
def test_an_api_client_is_kept_by_using_its_token(db, used_days_ago, disabled):
    now = timezone.now()
    client = _user(now, role="api_client")
    ApiToken.objects.create(user=client, created_at=now - 400 * DAY, last_used_at=now - used_days_ago * DAY)

    services.accounts_disable_inactive(now=now)

    assert _disabled(client) is disabled


@pytest.mark.parametrize(("issued_days_ago", "disabled"), [(89, False), (91, True)])
def test_a_token_issued_but_not_used_yet_counts_as_use(db, issued_days_ago, disabled):
    now = timezone.now()
    client = _user(now, role="api_client")
    ApiToken.objects.create(user=client, created_at=now - issued_days_ago * DAY)

    services.accounts_disable_inactive(now=now)

    assert _disabled(client) is disabled


def test_superusers_and_accounts_already_off_are_left_alone(db):
    now = timezone.now()
    superuser = _user(now, is_superuser=True, role="county_admin")
    switched_off = _user(now, is_active=False)

    assert services.accounts_disable_inactive(now=now) == 0

    superuser.refresh_from_db()
    switched_off.refresh_from_db()
    assert superuser.is_active and switched_off.inactivity_disabled_at is None


def test_each_disabling_is_audited_as_the_systems_act_and_a_second_run_does_nothing(db):
    now = timezone.now()
    users = [_user(now, last_login=now - 100 * DAY) for _ in range(3)]

    assert services.accounts_disable_inactive(now=now) == 3
    assert services.accounts_disable_inactive(now=now + MINUTE) == 0

    entries = AuditEntry.objects.filter(note="连续 90 天未使用，自动停用")
    assert sorted(int(entry.object_id) for entry in entries) == sorted(user.pk for user in users)
    entry = entries.first()
    assert (entry.actor, entry.actor_name, entry.action) == (None, "系统", AuditAction.UPDATE)
    assert entry.changes["is_active"] == {"label": "有效", "old": "是", "new": "否"}


def test_the_nightly_task_runs_the_service_and_is_scheduled(db):
    now = timezone.now()
    user = _user(now, last_login=now - 100 * DAY)

    assert disable_inactive_accounts.apply().get() == 1

    assert _disabled(user)
    schedule = settings.CELERY_BEAT_SCHEDULE["disable-inactive-accounts"]
    assert schedule["task"] == "pilot_admin.tasks.disable_inactive_accounts"


@override_settings(ACCOUNT_INACTIVE_DAYS=0)
def test_nothing_is_disabled_when_set_to_zero(db):
    now = timezone.now()
    user = _user(now, last_login=now - 1000 * DAY)

    assert services.accounts_disable_inactive(now=now) == 0
    assert not _disabled(user)


def test_a_disabled_account_can_neither_sign_in_nor_use_its_session_or_token(client, village_a):
    now = timezone.now()
    user = _user(now, role="api_client", county=village_a.township.county)
    token = ApiToken.objects.create(user=user, created_at=now - 100 * DAY)
    client.force_login(user)
    # Signed in long ago, and the session kept (force_login itself stamps last_login).
    User.objects.filter(pk=user.pk).update(last_login=now - 100 * DAY)

    services.accounts_disable_inactive(now=now)

    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 200
    response = client.__class__().get(reverse("api_village-list"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401


def test_the_security_administrator_lists_its_countys_disabled_accounts(client, security_admin, county):
    now = timezone.now()
    mine = _user(now, last_login=now - 100 * DAY, county=county, username="dormant_viewer")
    never = _user(now, county=county, username="never_used")
    foreign = _user(now, county=CountyFactory(name="建始县", admin_code="422822"), username="foreign_one")
    active = _user(now, last_login=now - DAY, county=county, username="busy_one")
    services.accounts_disable_inactive(now=now)
    client.force_login(security_admin)

    body = client.get(LIST).content.decode()

    assert "长期未使用停用的账户" in body and "连续 90 天没有登录" in body
    assert f'data-username="{mine.username}"' in body and f'data-username="{never.username}"' in body
    assert "从未登录" in body
    assert foreign.username not in body and active.username not in body
    assert "长期未使用停用" in client.get(reverse("accounts:account")).content.decode()


def test_reactivating_is_audited_and_the_unused_days_count_again_from_then(client, security_admin, county):
    now = timezone.now()
    user = _user(now - DAY, last_login=now - 200 * DAY, county=county)
    services.accounts_disable_inactive(now=now - DAY)
    client.force_login(security_admin)

    response = client.post(_reactivate(user))

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active and user.inactivity_disabled_at is None and user.reactivated_at is not None
    entry = AuditEntry.objects.get(note="重新启用因长期未使用而停用的账户")
    assert entry.actor == security_admin and entry.changes["is_active"]["new"] == "是"
    message = f"已重新启用账户 {user.username}。若再连续 90 天未使用，将再次自动停用。"
    assert message in client.get(LIST).content.decode()
    # Its last sign-in is still 200 days old, but it was re-enabled just now.
    services.accounts_disable_inactive(now=now + 89 * DAY)
    assert not _disabled(user)
    services.accounts_disable_inactive(now=now + 91 * DAY)
    assert _disabled(user)


def test_only_the_security_administrator_reactivates_and_only_in_its_county(
    client, security_admin, system_admin, county_admin, county, county_viewer
):
    now = timezone.now()
    mine = _user(now, county=county)
    foreign = _user(now, county=CountyFactory(name="建始县", admin_code="422822"))
    active = _user(now, county=county, last_login=now)
    services.accounts_disable_inactive(now=now)

    for user in (county_viewer, county_admin, system_admin):
        client.force_login(user)
        assert client.get(LIST).status_code == 403
        assert client.post(_reactivate(mine)).status_code == 403
    client.force_login(security_admin)
    assert client.post(_reactivate(foreign)).status_code == 404
    assert client.post(_reactivate(active)).status_code == 404  # not disabled for inactivity
    assert client.get(_reactivate(mine)).status_code == 405
    assert _disabled(mine) and _disabled(foreign)


def test_list_query_count_does_not_grow(client, security_admin, county, django_assert_max_num_queries):
    now = timezone.now()
    client.force_login(security_admin)
    for size in (2, 20):
        for _ in range(size):
            _user(now, county=county)
        services.accounts_disable_inactive(now=now)
        with django_assert_max_num_queries(8):
            response = client.get(LIST)
        assert response.content.decode().count("重新启用</button>") == User.objects.filter(is_active=False).count()
