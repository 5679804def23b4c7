"""三权分立 after the upgrade: the county office no longer manages accounts, lockouts or the
audit log, so every county with county-office accounts gets its three administrator accounts —
`<区划代码>-sysadmin`, `-secadmin`, `-auditadmin` (`county<id>-…` for a county without a code).
They have no usable password: the deployment sets each with `manage.py set_duty_password
<username>`, and the holder replaces it at the first sign-in (README, 三权分立). The
county_admin accounts keep their business role. Each creation is in the audit log, as the
system's act.

Reversed, duty accounts cannot stay as they are, since the code before this migration does not
know their roles: those this migration made and nobody used are deleted, any other is disabled
(its history stays in the audit log)."""

from django.contrib.auth.hashers import make_password
from django.db import migrations
from django.utils import timezone

# (role, username suffix, label): frozen here; pilot_admin/accounts/duties.py names them the same.
DUTIES = (
    ("system_admin", "sysadmin", "系统管理员"),
    ("security_admin", "secadmin", "安全管理员"),
    ("audit_admin", "auditadmin", "审计管理员"),
)
NOTE = "升级建立的管理员职责账户（三权分立），尚无密码：由部署人员用 manage.py set_duty_password 设置"


def _username(county, suffix: str) -> str:
    return f"{county.admin_code or f'county{county.pk}'}-{suffix}"


def create_duty_accounts(apps, schema_editor):
    User = apps.get_model("pilot_admin", "User")
    County = apps.get_model("villages", "County")
    AuditEntry = apps.get_model("pilot_admin", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    counties = list(County.objects.filter(users__role="county_admin").distinct().order_by("pk"))
    if not counties:
        return  # a fresh installation: its superuser creates the duty accounts
    user_type, _ = ContentType.objects.get_or_create(app_label="pilot_admin", model="user")
    now = timezone.now()
    for county in counties:
        for role, suffix, label in DUTIES:
            username = _username(county, suffix)
            if User.objects.filter(username=username).exists() or User.objects.filter(county=county, role=role).exists():
                continue
            user = User.objects.create(
                username=username,
                password=make_password(None),
                role=role,
                county=county,
                last_name=f"{county.name}{label}",
                must_change_password=True,
                is_active=True,
                date_joined=now,
            )
            AuditEntry.objects.create(
                actor=None,
                actor_name="系统",
                action="create",
                content_type=user_type,
                object_id=str(user.pk),
                object_repr=username,
                changes={
                    "username": {"label": "用户名", "old": "", "new": username},
                    "role": {"label": "角色", "old": "", "new": label},
                    "county": {"label": "所属县", "old": "", "new": county.name},
                },
                note=NOTE,
            )


def remove_duty_accounts(apps, schema_editor):
    User = apps.get_model("pilot_admin", "User")
    duty = User.objects.filter(role__in=[role for role, _, _ in DUTIES])
    made_here = [
        user.pk
        for user in duty.filter(last_login__isnull=True)
        if any(user.username.endswith(f"-{suffix}") for _, suffix, _ in DUTIES)
    ]
    User.objects.filter(pk__in=made_here).delete()
    duty.exclude(pk__in=made_here).update(is_active=False)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("pilot_admin", "0011_duty_roles"),
        ("villages", "0007_department"),
    ]

    operations = [migrations.RunPython(create_duty_accounts, remove_duty_accounts)]
