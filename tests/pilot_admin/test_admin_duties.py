"""三权分立: the system, security and audit administrators each do their own work and nothing
else; none sees county data; the county office keeps its business work and loses the three
duties' pages; one role per account; every administrator act is audited, the auditor's too."""

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from pilot_admin.accounts import services
from pilot_admin.audit import services as audit
from pilot_admin.choices import DUTY_ROLES, AuditAction, Role
from pilot_admin.models import AuditEntry, User
from pilot_admin.scoping import ScopedQuerySet, county_scoped_q
from tests.factories import PASSWORD, CountyFactory, UserFactory
from tests.test_access_matrix import objects  # noqa: F401 - `objects` is a fixture

# Each duty's own pages (GET); every other signed-in role is refused them.
DUTY_PAGES = {
    "system_admin": ["accounts:account_list", "accounts:account_create", "accounts:token_list"],
    "security_admin": [
        "accounts:lockout_list",
        "accounts:two_factor_accounts",
        "accounts:inactive_list",
        "accounts:password_policy",
    ],
    "audit_admin": ["audit_log", "audit_log_export"],
}
# County data, a page and an API route of each app: the duties get 403 on every one.
BUSINESS_PAGES = [
    "villages:village_list",
    "villages:pilot_list",
    "tasks:ledger",
    "assessments:inspection_list",
    "guardianship:register",
    "import_list",
]
BUSINESS_API = ["api_village-list", "api_task-list", "api_inspection-list", "api_person-list", "api_schema"]
NEW_PASSWORD = "Admin-chosen-pw-1"
DAY = datetime.timedelta(days=1)


def _everyone(personas, duty_personas):
    return {**personas, **duty_personas}


def _entries(**filters):
    return AuditEntry.objects.filter(**filters).order_by("id")


# --- who may open what -------------------------------------------------------------------------


@pytest.mark.parametrize("duty", sorted(DUTY_PAGES))
def test_each_duty_opens_its_own_pages_and_is_refused_the_others(client, personas, duty_personas, duty):
    for role, user in _everyone(personas, duty_personas).items():
        client.force_login(user)
        for name in DUTY_PAGES[duty]:
            expected = 200 if role == duty else 403
            assert client.get(reverse(name)).status_code == expected, (role, name)


def test_the_county_office_keeps_its_business_work_and_is_refused_every_duty_page(
    client, county_admin, village_a, program
):
    client.force_login(county_admin)
    for name in BUSINESS_PAGES + ["villages:village_create", "tasks:task_create", "assessments:inspection_schedule"]:
        assert client.get(reverse(name)).status_code == 200, name
    response = client.post(reverse("villages:village_update", args=[village_a.pk]), {})
    assert response.status_code == 200  # its form, re-shown with errors: still its work
    for name in sum(DUTY_PAGES.values(), []):
        assert client.get(reverse(name)).status_code == 403, name
    home = client.get(reverse("home")).content.decode()
    for name in sum(DUTY_PAGES.values(), []):
        assert f'href="{reverse(name)}"' not in home, name


@pytest.mark.parametrize("duty", sorted(DUTY_PAGES))
def test_a_duty_sees_no_county_data_on_pages_or_api(client, duty_personas, village_a, program, duty):
    client.force_login(duty_personas[duty])
    for name in BUSINESS_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    for name in BUSINESS_API:
        assert client.get(reverse(name)).status_code == 403, name
    home = client.get(reverse("home"))
    assert home.status_code == 200
    body = home.content.decode()
    assert village_a.name not in body and program.name not in body
    assert f'href="{reverse("villages:village_list")}"' not in body


def test_every_scoped_queryset_gives_the_duties_nothing(db, objects, duty_personas):  # noqa: F811
    """Every model with a visibility rule, over the access matrix's data (a row of nearly every
    kind): the duties see none of it, bar the audit log for the auditor."""
    checked = 0
    for model in apps.get_models():
        queryset = model._default_manager.all()
        if not isinstance(queryset, ScopedQuerySet) or model is AuditEntry:
            continue
        checked += queryset.exists()
        for role, user in duty_personas.items():
            assert not model._default_manager.visible_to(user).exists(), (model, role)
    assert checked >= 15
    for user in duty_personas.values():
        assert county_scoped_q(user, "county", "township") == Q(pk__in=[])


@override_settings(PILOT_ADMIN_REQUIRE_2FA=False)
def test_a_password_buys_a_duty_no_api_token(client, duty_personas):
    for user in duty_personas.values():
        response = client.post(reverse("api_token"), {"username": user.username, "password": PASSWORD})
        assert response.status_code == 400
        assert "不能换取接口令牌" in response.json()["non_field_errors"][0]


def test_a_superuser_holds_every_duty_break_glass(client, db):
    root = User.objects.create_superuser("root", "root@example.org", "Strong-pass-123")
    client.force_login(root)
    for name in sum(DUTY_PAGES.values(), []):
        assert client.get(reverse(name)).status_code == 200, name


# --- navigation and home pages -----------------------------------------------------------------


@pytest.mark.parametrize("duty", sorted(DUTY_PAGES))
def test_the_menu_shows_a_duty_only_its_own_pages(client, duty_personas, duty):
    client.force_login(duty_personas[duty])
    nav = client.get(reverse("accounts:account")).content.decode().split('class="main-nav"')[1].split("</nav>")[0]
    for other, names in DUTY_PAGES.items():
        for name in names:
            if name.endswith("_export") or name == "accounts:account_create":
                continue
            assert (f'href="{reverse(name)}"' in nav) is (other == duty), (duty, name)
    for name in ("villages:village_list", "tasks:ledger", "admin:index"):
        assert f'href="{reverse(name)}"' not in nav, name


def test_the_system_administrators_home_lists_accounts_to_chase(client, system_admin, township_a_official):
    services.password_reset(actor=system_admin, user=township_a_official, password=NEW_PASSWORD)
    client.force_login(system_admin)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "系统管理员 · 账户概况" in body
    owing = body[body.index('id="owing-table"') :]
    assert f'data-username="{township_a_official.username}"' in owing[: owing.index("</table>")]
    assert f'data-username="{system_admin.username}"' in body[body.index('id="duty-table"') :]


def test_the_security_administrators_home_lists_locked_and_unprotected_accounts(client, security_admin, county_admin):
    from axes.models import AccessAttempt
    from django.conf import settings

    AccessAttempt.objects.create(
        username=county_admin.username,
        ip_address="10.0.0.9",
        user_agent="t",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
    )
    client.force_login(security_admin)

    # The county office must use a second factor and has none (the security administrator,
    # signed in here without one, is left out of the list so its own session is not held).
    with override_settings(PILOT_ADMIN_REQUIRE_2FA=True, PILOT_ADMIN_2FA_ROLES=["county_admin"]):
        response = client.get(reverse("home"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "安全管理员 · 登录安全概况" in body
    locked = body[body.index('id="locked-section"') :]
    assert f'data-username="{county_admin.username}"' in locked[: locked.index("</section>")]
    unprotected = body.split('id="unprotected-section"')[1].split("</section>")[0]
    assert f'data-username="{county_admin.username}"' in unprotected


def test_the_audit_administrators_home_shows_the_administrators_acts_and_its_reading_is_recorded(
    client, system_admin, audit_admin, township_a_official
):
    services.password_reset(actor=system_admin, user=township_a_official, password=NEW_PASSWORD)
    client.force_login(audit_admin)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    body = response.content.decode()
    changes = body[body.index('id="administrator-changes"') :]
    assert "管理员重设密码" in changes[: changes.index("</table>")]
    read = _entries(actor=audit_admin, action=AuditAction.READ).get()
    assert read.object_repr == "审计概况" and read.content_type == ContentType.objects.get_for_model(AuditEntry)


# --- the system administrator: accounts ----------------------------------------------------------


def _create(client, **fields):
    data = {
        "username": "new_official",
        "last_name": "新乡镇干部",
        "role": "township",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **fields,
    }
    return client.post(reverse("accounts:account_create"), data)


def test_an_account_created_on_the_page_must_change_its_password_and_is_audited(client, system_admin, township_a):
    client.force_login(system_admin)

    response = _create(client, township=township_a.pk, phone="13800000000")

    assert response.status_code == 302
    user = User.objects.get(username="new_official")
    assert (user.role, user.township, user.county) == ("township", township_a, system_admin.county)
    assert user.must_change_password and user.check_password(NEW_PASSWORD)
    entry = _entries(action=AuditAction.CREATE, object_id=str(user.pk)).get()
    assert entry.actor == system_admin and entry.note == "管理员新建账户（首次登录须修改密码）"
    assert entry.changes["role"]["new"] == "乡镇" and entry.changes["township"]["new"] == township_a.name
    assert user.password not in str(entry.changes)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "township", "乡镇角色的用户必须指定所属乡镇。"),
        ({"role": "department"}, "department", "部门角色的用户必须指定所属部门。"),
        ({"role": "county_viewer", "password2": "Other-pw-12345"}, "password2", "两个密码不一致"),
        ({"role": "county_viewer", "password1": "123", "password2": "123"}, "password2", "密码长度太短"),
        ({"role": "county_viewer", "username": "sysadmin"}, "username", "已存在"),
        ({"role": ""}, "role", "该字段是必填项。"),
    ],
)
def test_the_create_form_refuses_in_chinese(client, system_admin, fields, field, message):
    client.force_login(system_admin)

    response = _create(client, **fields)

    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field or "__all__", [])
    assert any(message in error for error in errors), form.errors
    assert not User.objects.filter(username="new_official").exists()


def test_an_edit_on_the_page_changes_role_and_unit_and_is_audited(client, system_admin, county_viewer, department):
    client.force_login(system_admin)

    response = client.post(
        reverse("accounts:account_update", args=[county_viewer.pk]),
        {"last_name": "县民政局干部", "role": "department", "department": department.pk, "is_active": "on"},
    )

    assert response.status_code == 302
    county_viewer.refresh_from_db()
    assert (county_viewer.role, county_viewer.department) == ("department", department)
    entry = _entries(action=AuditAction.UPDATE, object_id=str(county_viewer.pk)).get()
    assert entry.actor == system_admin and entry.note == "修改账户"
    assert entry.changes["role"] == {"label": "角色", "old": "县级查看", "new": "县直部门"}


def test_disabling_ends_the_sessions_and_enabling_counts_the_days_again(client, system_admin, county_viewer):
    viewer = client.__class__()
    viewer.force_login(county_viewer)
    assert viewer.get(reverse("home")).status_code == 200
    client.force_login(system_admin)
    url = reverse("accounts:account_update", args=[county_viewer.pk])

    assert client.post(url, {"last_name": "停用者", "role": "county_viewer"}).status_code == 302

    county_viewer.refresh_from_db()
    assert not county_viewer.is_active
    assert viewer.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert _entries(actor=system_admin, note="停用账户", object_id=str(county_viewer.pk)).exists()
    assert client.post(url, {"last_name": "停用者", "role": "county_viewer", "is_active": "on"}).status_code == 302
    county_viewer.refresh_from_db()
    assert county_viewer.is_active and county_viewer.reactivated_at is not None
    assert _entries(actor=system_admin, note="启用账户").exists()


def test_an_account_disabled_as_unused_is_the_security_administrators_to_enable(client, system_admin, county_viewer):
    User.objects.filter(pk=county_viewer.pk).update(is_active=False, inactivity_disabled_at=timezone.now())
    client.force_login(system_admin)

    response = client.post(
        reverse("accounts:account_update", args=[county_viewer.pk]),
        {"last_name": "x", "role": "county_viewer", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "须由安全管理员" in str(response.context["form"].errors["is_active"])
    county_viewer.refresh_from_db()
    assert not county_viewer.is_active


def test_a_password_reset_on_the_page_is_audited_and_names_a_duty_account(client, system_admin, audit_admin):
    client.force_login(system_admin)

    response = client.post(
        reverse("accounts:account_password_reset", args=[audit_admin.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    audit_admin.refresh_from_db()
    assert audit_admin.must_change_password and audit_admin.check_password(NEW_PASSWORD)
    entry = _entries(actor=system_admin, object_id=str(audit_admin.pk)).get()
    assert entry.note == "管理员重设审计管理员账户的密码（下次登录须修改密码）"
    # The audit administrator sees it: the act of the system administrator of its county.
    assert AuditEntry.objects.visible_to(audit_admin).filter(pk=entry.pk).exists()


def test_accounts_of_another_county_and_superusers_are_not_the_system_administrators(client, system_admin):
    stranger = UserFactory(role="county_viewer", county=CountyFactory(name="建始县", admin_code="422822"))
    root = UserFactory(username="root", role="county_admin", county=system_admin.county, is_superuser=True)
    client.force_login(system_admin)
    for user in (stranger, root):
        assert client.get(reverse("accounts:account_update", args=[user.pk])).status_code == 404
        assert client.post(reverse("accounts:account_password_reset", args=[user.pk]), {}).status_code == 404
    body = client.get(reverse("accounts:account_list")).content.decode()
    assert stranger.username not in body and 'data-username="root"' not in body


def test_the_account_list_filters_by_role_unit_and_state(
    client, system_admin, township_a_official, township_b_official
):
    User.objects.filter(pk=township_b_official.pk).update(is_active=False)
    client.force_login(system_admin)

    def shown(**query):
        return {user.username for user in client.get(reverse("accounts:account_list"), query).context["accounts"]}

    assert shown(role="township") == {"township_a", "township_b"}
    assert shown(township=township_a_official.township_id) == {"township_a"}
    assert shown(role="township", active="1") == {"township_a"}
    assert shown(active="0") == {"township_b"}
    assert shown(q="sysad") == {"sysadmin"}


# --- one role per account ----------------------------------------------------------------------


def _edit(client, user, **fields):
    data = {"last_name": str(user), "role": user.role, "is_active": "on", **fields}
    return client.post(reverse("accounts:account_update", args=[user.pk]), data)


def test_the_system_administrator_cannot_change_its_own_role_nor_disable_itself(client, system_admin):
    client.force_login(system_admin)

    for fields, field, message in (
        ({"role": "audit_admin"}, "role", "不能修改自己的角色。"),
        ({"role": "county_admin"}, "role", "不能修改自己的角色。"),
        ({"is_active": ""}, "is_active", "不能停用自己的账户。"),
    ):
        response = _edit(client, system_admin, **fields)
        assert response.status_code == 200
        assert message in response.context["form"].errors[field]
    system_admin.refresh_from_db()
    assert (system_admin.role, system_admin.is_active) == ("system_admin", True)
    assert not _entries(action=AuditAction.UPDATE, object_id=str(system_admin.pk)).exists()


@pytest.mark.parametrize(
    ("duty", "new_role"),
    [(duty, new) for duty in sorted(DUTY_ROLES) for new in [*sorted(DUTY_ROLES), "county_admin"] if new != duty],
)
def test_a_duty_accounts_role_never_changes(client, system_admin, duty, new_role):
    """One duty per account, for good: a person moving to another duty gets a new account, so
    no account ever holds two duties, at once or in turn."""
    holder = UserFactory(role=duty, county=system_admin.county)
    client.force_login(system_admin)

    response = _edit(client, holder, role=new_role)

    assert response.status_code == 200
    assert "角色不能更改" in str(response.context["form"].errors["role"])
    holder.refresh_from_db()
    assert holder.role == duty


@pytest.mark.parametrize("duty", sorted(DUTY_ROLES))
def test_a_business_account_is_never_promoted_to_a_duty(client, system_admin, county_admin, duty):
    client.force_login(system_admin)

    response = _edit(client, county_admin, role=duty)

    assert response.status_code == 200
    assert "不能改为管理员职责账户" in str(response.context["form"].errors["role"])
    county_admin.refresh_from_db()
    assert county_admin.role == "county_admin"


def test_a_new_duty_account_is_created_as_such_and_named_in_the_audit(client, system_admin):
    client.force_login(system_admin)

    response = _create(client, username="second_auditor", role="audit_admin", last_name="第二审计员")

    assert response.status_code == 302
    user = User.objects.get(username="second_auditor")
    assert (user.role, user.township, user.department, user.is_staff) == ("audit_admin", None, None, False)
    entry = _entries(action=AuditAction.CREATE, object_id=str(user.pk)).get()
    assert entry.note == "新建审计管理员职责账户（首次登录须修改密码）"


@pytest.mark.parametrize("duty", ["security_admin", "audit_admin"])
def test_the_last_security_or_audit_administrator_cannot_be_disabled(client, system_admin, duty):
    holder = UserFactory(role=duty, county=system_admin.county)
    client.force_login(system_admin)

    response = _edit(client, holder, is_active="")

    assert response.status_code == 200
    assert "最后一个在用的" in str(response.context["form"].errors["is_active"])
    second = UserFactory(role=duty, county=system_admin.county)
    assert _edit(client, holder, is_active="").status_code == 302
    holder.refresh_from_db()
    assert not holder.is_active and second.is_active


def test_the_system_administrator_cannot_reset_its_own_password_there(client, system_admin):
    client.force_login(system_admin)

    response = client.post(
        reverse("accounts:account_password_reset", args=[system_admin.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "修改密码" in str(response.context["form"].non_field_errors())
    system_admin.refresh_from_db()
    assert system_admin.check_password(PASSWORD) and not system_admin.must_change_password


def test_units_and_staff_follow_the_role(db, system_admin, township_a, department):
    user = services.account_create(
        actor=system_admin,
        user=User(
            username="viewer2",
            last_name="查看",
            role=Role.COUNTY_VIEWER,
            county=system_admin.county,
            township=township_a,
            department=department,
            is_staff=True,
            is_unit_leader=True,
        ),
        password=NEW_PASSWORD,
    )
    assert (user.township, user.department, user.is_staff, user.is_unit_leader) == (None, None, False, False)


# --- the security administrator: second factors, policy -----------------------------------------


def test_a_second_factor_reset_removes_the_devices_and_is_audited(client, security_admin, county_admin):
    TOTPDevice.objects.create(user=county_admin, name="旧手机", confirmed=True)
    TOTPDevice.objects.create(user=county_admin, name="未完成", confirmed=False)
    client.force_login(security_admin)
    page = client.get(reverse("accounts:two_factor_accounts")).content.decode()
    assert f'data-username="{county_admin.username}"' in page

    response = client.post(reverse("accounts:two_factor_reset", args=[county_admin.pk]))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=county_admin).exists()
    entry = _entries(actor=security_admin, object_id=str(county_admin.pk)).get()
    assert entry.note == "重置两步验证：删除已绑定的验证器，下次登录重新设置"
    with override_settings(PILOT_ADMIN_REQUIRE_2FA=True):
        owner = client.__class__()
        owner.post(reverse("login"), {"username": county_admin.username, "password": PASSWORD})
        assert owner.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_nobody_resets_their_own_second_factor_and_only_the_security_administrator_resets(
    client, security_admin, system_admin, county_admin
):
    for user in (system_admin, county_admin):
        client.force_login(user)
        assert client.post(reverse("accounts:two_factor_reset", args=[county_admin.pk])).status_code == 403
    own = TOTPDevice.objects.create(user=security_admin, name="手机", confirmed=True)
    target = TOTPDevice.objects.create(user=county_admin, name="手机", confirmed=True)
    client.force_login(security_admin)
    # Signed in with its own second factor, as django_otp.login would leave the session.
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = own.persistent_id
    session.save()

    response = client.post(reverse("accounts:two_factor_reset", args=[security_admin.pk]), follow=True)

    assert "不能重置自己的两步验证" in response.content.decode()
    assert TOTPDevice.objects.filter(user=security_admin).exists()
    assert TOTPDevice.objects.filter(pk=target.pk).exists()
    assert not AuditEntry.objects.filter(note__startswith="重置两步验证").exists()


@override_settings(PASSWORD_MAX_AGE_DAYS=60, ACCOUNT_INACTIVE_DAYS=0, API_TOKEN_MAX_AGE_DAYS=180)
def test_the_password_policy_is_shown_read_only_with_where_it_is_set(client, security_admin):
    client.force_login(security_admin)

    response = client.get(reverse("accounts:password_policy"))

    body = response.content.decode()
    rows = {row.setting: row.value for row in response.context["rows"]}
    assert rows["PASSWORD_MAX_AGE_DAYS"] == "60 天"
    assert rows["ACCOUNT_INACTIVE_DAYS"] == "不停用（0）"
    assert rows["API_TOKEN_MAX_AGE_DAYS"] == "180 天"
    assert "县级管理员（领导小组办公室）" in rows["PILOT_ADMIN_2FA_ROLES"]
    assert "审计管理员" in rows["PILOT_ADMIN_2FA_ROLES"]
    assert "<code>PASSWORD_MAX_AGE_DAYS</code>" in body and "<form" not in body.split("</header>")[1]
    assert client.post(reverse("accounts:password_policy")).status_code == 405


def test_the_duties_must_use_a_second_factor_by_default():
    from django.conf import settings

    assert set(settings.PILOT_ADMIN_2FA_ROLES) >= DUTY_ROLES


# --- the audit administrator: its own reading audited ------------------------------------------------


def test_reading_and_exporting_the_log_leave_entries_that_nobody_can_change(client, audit_admin):
    client.force_login(audit_admin)

    assert client.get(reverse("audit_log"), {"action": "update"}).status_code == 200
    response = client.get(reverse("audit_log_export"), {"action": "update"})
    b"".join(response.streaming_content)

    read = _entries(actor=audit_admin, action=AuditAction.READ).get()
    assert read.note.startswith("查阅审计日志") and read.changes["filter"]["new"] == "action=update"
    export = _entries(actor=audit_admin, action=AuditAction.EXPORT).get()
    assert export.object_repr.startswith("审计日志_")
    for method in (client.post, client.delete):
        assert method(reverse("audit_log")).status_code == 405
    assert AuditEntry.objects.filter(pk=read.pk, note=read.note).exists()


def test_the_auditor_sees_the_system_acts_on_its_county_and_the_break_glass_superuser(
    db, audit_admin, county_viewer, system_admin
):
    root = User.objects.create_superuser("root", "root@example.org", "Strong-pass-123")
    services.password_reset(actor=root, user=county_viewer, password=NEW_PASSWORD)
    User.objects.filter(pk=county_viewer.pk).update(last_login=None, date_joined=timezone.now() - 400 * DAY)
    services.accounts_disable_inactive()
    foreign = UserFactory(county=CountyFactory(name="建始县", admin_code="422822"))
    services.password_reset(actor=root, user=foreign, password=NEW_PASSWORD)

    visible = AuditEntry.objects.visible_to(audit_admin)

    assert visible.filter(actor=root, object_id=str(county_viewer.pk)).exists()
    assert visible.filter(actor__isnull=True, object_id=str(county_viewer.pk)).exists()  # the nightly task
    # The break-glass superuser's acts are seen everywhere; the system's acts on another county's
    # accounts are not.
    assert visible.filter(actor=root, object_id=str(foreign.pk)).exists()
    # Failed logins under its county's usernames, not under another county's nor unknown names.
    for username in (county_viewer.username, foreign.username, "guess"):
        audit.record_auth_event(action=AuditAction.LOGIN_FAILED, username=username)
    failed = AuditEntry.objects.visible_to(audit_admin).filter(action=AuditAction.LOGIN_FAILED)
    assert list(failed.values_list("object_repr", flat=True)) == [county_viewer.username]
    assert not AuditEntry.objects.visible_to(system_admin).exists()


# --- the upgrade: the duty accounts of each county ------------------------------------------------


def _migration():
    return importlib.import_module("pilot_admin.migrations.0012_duty_accounts")


def test_the_upgrade_makes_three_duty_accounts_per_county_with_a_county_office(db, county_admin):
    quiet = CountyFactory(name="建始县", admin_code="")
    migration = _migration()

    migration.create_duty_accounts(apps, None)
    migration.create_duty_accounts(apps, None)  # again: nothing more

    made = User.objects.filter(role__in=sorted(DUTY_ROLES)).order_by("username")
    assert [user.username for user in made] == ["422823-auditadmin", "422823-secadmin", "422823-sysadmin"]
    for user in made:
        assert user.county == county_admin.county and user.must_change_password
        assert not user.has_usable_password()
    assert not User.objects.filter(county=quiet, role__in=sorted(DUTY_ROLES)).exists()
    county_admin.refresh_from_db()
    assert county_admin.role == "county_admin"
    assert _entries(actor__isnull=True, note=migration.NOTE).count() == 3

    used = made.get(username="422823-sysadmin")
    User.objects.filter(pk=used.pk).update(last_login=timezone.now())
    migration.remove_duty_accounts(apps, None)
    assert list(User.objects.filter(role__in=sorted(DUTY_ROLES)).values_list("username", "is_active")) == [
        ("422823-sysadmin", False)
    ]


def test_set_duty_password_sets_a_password_to_replace_and_is_audited(db, county_admin, monkeypatch):
    _migration().create_duty_accounts(apps, None)
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    out = io.StringIO()

    call_command("set_duty_password", "422823-auditadmin", "--stdin", stdout=out)

    user = User.objects.get(username="422823-auditadmin")
    assert user.check_password(NEW_PASSWORD) and user.must_change_password
    assert "已设置 422823-auditadmin（审计管理员）的密码" in out.getvalue()
    entry = _entries(object_id=str(user.pk), action=AuditAction.UPDATE).get()
    assert entry.actor is None and "set_duty_password" in entry.note
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    with pytest.raises(CommandError, match="只用于系统、安全、审计管理员账户"):
        call_command("set_duty_password", county_admin.username, "--stdin")
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(CommandError, match="密码长度太短"):
        call_command("set_duty_password", "422823-secadmin", "--stdin")
    listing = io.StringIO()
    call_command("set_duty_password", stdout=listing)
    assert "422823-auditadmin\t审计管理员\t" in listing.getvalue() and "未设置密码" in listing.getvalue()
