"""Passwords age (PASSWORD_MAX_AGE_DAYS, 90 by default) and a password an administrator set must
be replaced by its owner: until then the session reaches nothing but the password change."""

import datetime

import pytest
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from pilot_admin.accounts import services
from pilot_admin.choices import AuditAction
from pilot_admin.models import ApiToken, AuditEntry, User
from tests.factories import PASSWORD, UserFactory

CHANGE = reverse("accounts:password_change")
HOME = reverse("home")
NEW_PASSWORD = "Qingjiang-River-42"
EXPIRED_MESSAGE = "您的密码已使用超过 90 天，请先修改密码，再继续使用系统。"
RESET_MESSAGE = "您的密码是管理员设置的，请先改为只有您自己知道的新密码，再继续使用系统。"


def _age(user, delta: datetime.timedelta):
    user.password_changed_at = timezone.now() - delta
    user.save(update_fields=["password_changed_at"])
    return user


def _change(client, old=PASSWORD, new=NEW_PASSWORD, **extra):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new, **extra})


@pytest.mark.parametrize(
    "age",
    [datetime.timedelta(days=89), datetime.timedelta(days=90) - datetime.timedelta(minutes=1)],
    ids=["89 days", "a minute short of 90 days"],
)
def test_a_password_younger_than_the_maximum_age_opens_every_page(client, township_a_official, age):
    client.force_login(_age(township_a_official, age))

    assert client.get(HOME).status_code == 200
    assert client.get(reverse("villages:village_list")).status_code == 200


@pytest.mark.parametrize(
    "age",
    [
        datetime.timedelta(days=90),
        datetime.timedelta(days=90) + datetime.timedelta(minutes=1),
        datetime.timedelta(days=91),
    ],
    ids=["90 days", "a minute past 90 days", "91 days"],
)
def test_a_password_of_the_maximum_age_must_be_changed_first(client, township_a_official, age):
    client.force_login(_age(township_a_official, age))

    response = client.get(reverse("villages:village_list"))

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGE}?next=%2Fvillages%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert EXPIRED_MESSAGE in page.content.decode()
    # The way out stays open.
    assert client.post(reverse("logout")).status_code == 302


def test_a_write_and_the_session_api_are_refused_while_the_password_is_expired(client, township_a_official, village_a):
    client.force_login(_age(township_a_official, datetime.timedelta(days=91)))

    assert client.post(reverse("notification_read_all"))["Location"] == CHANGE
    response = client.get(reverse("api_village-list"))
    assert response.status_code == 403
    assert response.json() == {"detail": EXPIRED_MESSAGE}


def test_api_tokens_are_not_held_by_the_password_age(client, api_client_user, village_a):
    _age(api_client_user, datetime.timedelta(days=400))
    token = ApiToken.objects.create(user=api_client_user)

    response = client.get(reverse("api_village-list"), HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200


def test_changing_the_password_starts_the_clock_again_and_goes_on_to_next(client, township_a_official):
    client.force_login(_age(township_a_official, datetime.timedelta(days=91)))
    before = timezone.now()

    response = _change(client, next="/villages/")

    assert response.status_code == 302 and response["Location"] == "/villages/"
    township_a_official.refresh_from_db()
    assert township_a_official.password_changed_at >= before
    assert township_a_official.password_expires_at >= before + datetime.timedelta(days=90)
    page = client.get("/villages/")
    assert page.status_code == 200
    assert "密码已修改，下次登录请使用新密码。" in page.content.decode()


def test_the_new_password_must_differ_from_the_current_one(client, township_a_official):
    client.force_login(_age(township_a_official, datetime.timedelta(days=91)))

    response = _change(client, new=PASSWORD)

    assert response.status_code == 200
    assert "新密码不能与当前密码相同。" in response.content.decode()
    assert client.get(HOME).status_code == 302


@override_settings(PASSWORD_MAX_AGE_DAYS=0)
def test_no_maximum_age_when_set_to_zero(client, township_a_official):
    client.force_login(_age(township_a_official, datetime.timedelta(days=3650)))

    assert client.get(HOME).status_code == 200
    assert "不设有效期" in client.get(reverse("accounts:account")).content.decode()


def test_the_account_page_says_until_when_the_password_is_good(client, township_a_official):
    _age(township_a_official, datetime.timedelta(days=10))
    client.force_login(township_a_official)
    expires = timezone.localtime(township_a_official.password_expires_at)

    body = client.get(reverse("accounts:account")).content.decode()

    assert f"{expires:%Y-%m-%d} 前须修改" in body


def test_every_way_of_setting_a_password_stamps_it(db):
    user = UserFactory()  # set_password, as load_demo and the admin forms call it
    assert timezone.now() - user.password_changed_at < datetime.timedelta(minutes=1)

    user.password_changed_at = timezone.now() - datetime.timedelta(days=30)
    user.set_password("Another-password-9")
    assert timezone.now() - user.password_changed_at < datetime.timedelta(minutes=1)


def test_a_rehash_at_login_is_not_a_new_password(db, settings):
    """Django re-hashes a password whose hasher is no longer the first one; the clock keeps running."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    old = timezone.now() - datetime.timedelta(days=80)
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="md5"), password_changed_at=old)
    user.refresh_from_db()

    assert user.check_password(PASSWORD)

    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")  # it was re-hashed…
    assert user.password_changed_at == old  # …and its age kept


# --- set by an administrator ---------------------------------------------------------------


def test_an_account_the_admin_created_must_change_its_password_at_first_login(client, system_admin, county):
    client.force_login(system_admin)
    response = client.post(
        reverse("accounts:account_create"),
        {
            "username": "new_viewer",
            "last_name": "新县级查看",
            "password1": "Admin-chosen-pw-1",
            "password2": "Admin-chosen-pw-1",
            "role": "county_viewer",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new_viewer")
    assert user.must_change_password and user.county == county
    entry = AuditEntry.objects.get(object_id=str(user.pk), action=AuditAction.CREATE)
    assert entry.actor == system_admin and entry.note == "管理员新建账户（首次登录须修改密码）"
    assert "password" not in entry.changes and user.password not in str(entry.changes)
    client.post(reverse("logout"))

    client.post(reverse("login"), {"username": "new_viewer", "password": "Admin-chosen-pw-1"})
    response = client.get(HOME)
    assert response["Location"] == f"{CHANGE}?next=%2F"
    assert RESET_MESSAGE in client.get(response["Location"]).content.decode()

    assert _change(client, old="Admin-chosen-pw-1").status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(HOME).status_code == 200


def test_a_password_the_admin_reset_must_be_changed_at_next_login(client, system_admin, township_a_official):
    client.force_login(system_admin)

    response = client.post(
        reverse("accounts:account_password_reset", args=[township_a_official.pk]),
        {"password1": "Reset-by-admin-7", "password2": "Reset-by-admin-7"},
    )

    assert response.status_code == 302
    township_a_official.refresh_from_db()
    assert township_a_official.must_change_password and township_a_official.check_password("Reset-by-admin-7")
    entry = AuditEntry.objects.get(note="管理员重设密码（下次登录须修改密码）")
    assert (entry.actor, entry.object_id, entry.changes) == (system_admin, str(township_a_official.pk), {})
    client.force_login(township_a_official)
    assert client.get(HOME)["Location"].startswith(CHANGE)


def test_a_superuser_still_creates_and_resets_in_the_admin(client, county):
    """Break-glass: the admin's own forms take the same path (must change, audited)."""
    root = User.objects.create_superuser("root", "root@example.org", "Strong-pass-123")
    client.force_login(root)
    response = client.post(
        reverse("admin:pilot_admin_user_add"),
        {
            "username": "new_viewer",
            "usable_password": "true",
            "password1": "Admin-chosen-pw-1",
            "password2": "Admin-chosen-pw-1",
            "role": "county_viewer",
            "county": county.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new_viewer")
    assert user.must_change_password
    assert AuditEntry.objects.get(object_id=str(user.pk), action=AuditAction.CREATE).actor == root

    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "Reset-by-admin-7", "password2": "Reset-by-admin-7", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(actor=root, note="管理员重设密码（下次登录须修改密码）").count() == 1


def test_the_reset_service_sets_the_password_and_the_flag(db, system_admin, township_a_official):
    services.password_reset(actor=system_admin, user=township_a_official, password="Service-reset-pw-3")

    township_a_official.refresh_from_db()
    assert township_a_official.check_password("Service-reset-pw-3")
    assert township_a_official.must_change_password


def test_a_password_that_must_be_changed_buys_no_api_token(client, api_client_user):
    api_client_user.must_change_password = True
    api_client_user.save()

    response = client.post(
        reverse("api_token"),
        {"username": api_client_user.username, "password": PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "请先登录网页修改密码" in response.json()["non_field_errors"][0]
    assert not ApiToken.objects.exists()
