"""Writes on sign-in credentials: accounts, passwords, tokens, lockouts, second factors. Each
audited; the audit never holds a password hash or a token key."""

import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from pilot_admin.accounts import selectors
from pilot_admin.accounts.permissions import can_manage_accounts
from pilot_admin.audit import services as audit
from pilot_admin.choices import DUTY_ROLES, AuditAction, NoticeKind, Role
from pilot_admin.models import ApiToken, User, WorkdayOverride, token_expiry
from pilot_admin.notifications.outbox import allowed_channels

# A token's last use is written at most this often: the list page needs the day, not the request.
TOKEN_TOUCH_INTERVAL = datetime.timedelta(minutes=1)


def _note_on_user(*, actor, user, note: str, before: dict | None = None) -> None:
    # Recorded on the user, never on the token row: a token's primary key is the secret itself.
    audit.record(
        actor=actor,
        instance=user,
        action=AuditAction.UPDATE,
        before=before if before is not None else audit.snapshot(user),
        note=note,
    )


# --- accounts and passwords ----------------------------------------------------------------

# The fields an administrator sets on the account pages (AccountForm); the rest are the
# user's own (password, second factor) or the system's (dates, flags).
ACCOUNT_FIELDS = (
    "last_name",
    "email",
    "phone",
    "wecom_userid",
    "dingtalk_userid",
    "role",
    "township",
    "department",
    "is_unit_leader",
    "is_staff",
    "is_active",
)

# Duties that oversee the others: a county must always keep one of each in use.
OVERSIGHT_DUTIES = (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


def _fit_to_role(user: User) -> None:
    """Clear what the role does not use, so a stale unit never widens what an account sees: a
    township only for a township official, a department only for a department user, the
    unit-leader flag only for those two, the admin site (is_staff) only for the county office."""
    if user.role != Role.TOWNSHIP:
        user.township = None
    if user.role != Role.DEPARTMENT:
        user.department = None
    if user.role not in (Role.TOWNSHIP, Role.DEPARTMENT):
        user.is_unit_leader = False
    if user.role != Role.COUNTY_ADMIN and not user.is_superuser:
        user.is_staff = False


def _duty_label(role: str) -> str:
    return str(Role(role).label)


def _check_separation(*, actor, user: User, before: User | None) -> None:
    """三权分立 on one account: one role per account, for good if it is a duty; nobody changes
    their own role or disables themselves; a county keeps a security and an audit administrator
    in use. `before` is the account as stored (None for a new one)."""
    errors = {}
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied("超级用户账户只能由超级用户管理。")
    if not actor.is_superuser and user.county_id != actor.county_id:
        raise PermissionDenied("只能管理本县的账户。")
    if user.township_id is not None and user.township.county_id != user.county_id:
        errors["township"] = "所属乡镇不在该账户所属县内。"
    if user.department_id is not None and user.department.county_id != user.county_id:
        errors["department"] = "所属部门不在该账户所属县内。"
    if before is not None:
        own = user.pk == actor.pk
        if own and user.role != before.role:
            errors["role"] = "不能修改自己的角色。"
        elif before.role != user.role and before.role in DUTY_ROLES:
            errors["role"] = (
                f"{_duty_label(before.role)}账户的角色不能更改：一个账户只担任一种管理职责。"
                "请停用此账户，再为担任新职责的人另建账户。"
            )
        elif before.role != user.role and user.role in DUTY_ROLES:
            errors["role"] = "业务账户不能改为管理员职责账户：请为担任该职责的人另建账户。"
        if own and not user.is_active:
            errors["is_active"] = "不能停用自己的账户。"
        elif before.is_active and not user.is_active and user.role in OVERSIGHT_DUTIES:
            others = User.objects.filter(county=user.county_id, role=user.role, is_active=True).exclude(pk=user.pk)
            if not others.exists():
                label = _duty_label(user.role)
                errors["is_active"] = (
                    f"这是本县最后一个在用的{label}账户，停用后无人履行该职责。请先新建并启用另一个{label}账户。"
                )
        if not before.is_active and user.is_active and before.inactivity_disabled_at is not None:
            errors["is_active"] = "此账户因长期未使用被自动停用，须由安全管理员在“长期未使用停用”页面核实后重新启用。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def account_create(*, actor, user: User, password: str | None = None) -> User:
    """A new account made by an administrator, its first password set by them (`password`, or
    already on `user` from the admin's form): the user must replace it at the first sign-in, so
    the administrator never knows the password in use. A duty account is named as such in the
    audit, so the audit administrators see every new holder of a duty."""
    _fit_to_role(user)
    _check_separation(actor=actor, user=user, before=None)
    if password is not None:
        user.set_password(password)
    user.must_change_password = True
    user.full_clean()
    user.save()
    if user.role in DUTY_ROLES:
        note = f"新建{_duty_label(user.role)}职责账户（首次登录须修改密码）"
    else:
        note = "管理员新建账户（首次登录须修改密码）"
    audit.record(actor=actor, instance=user, action=AuditAction.CREATE, note=note)
    return user


@transaction.atomic
def account_update(*, actor, user: User, **fields) -> User:
    """Change an account's name, contact, role, unit, flags or state (ACCOUNT_FIELDS) under the
    separation rules; disabling ends its sessions and tokens at once (an inactive user
    authenticates nowhere), enabling starts its unused days again."""
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"account_update() got fields it does not set: {sorted(unknown)}")
    before = User.objects.select_for_update().get(pk=user.pk)
    snapshot = audit.snapshot(before)
    for name, value in fields.items():
        setattr(user, name, value)
    _fit_to_role(user)
    _check_separation(actor=actor, user=user, before=before)
    if user.is_active and not before.is_active:
        user.reactivated_at = timezone.now()
    user.full_clean()
    user.save()
    note = {True: "启用账户", False: "停用账户"}[user.is_active] if before.is_active != user.is_active else "修改账户"
    audit.record(actor=actor, instance=user, action=AuditAction.UPDATE, before=snapshot, note=note)
    return user


# What a person sets on 我的账户 → 提醒渠道: where they are reached, and by which channel per kind.
NOTICE_CHANNEL_FIELDS = ("phone", "wecom_userid", "dingtalk_userid", "notice_channels")


@transaction.atomic
def account_notice_channels_update(
    *, actor, phone: str, wecom_userid: str, dingtalk_userid: str, notice_channels: dict[str, list[str]]
) -> User:
    """A person's own addresses and their channel per notice kind, kept within what the county
    allows (a channel the county does not allow for a kind is dropped, not stored)."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    snapshot = audit.snapshot(user)
    user.phone, user.wecom_userid, user.dingtalk_userid = phone.strip(), wecom_userid.strip(), dingtalk_userid.strip()
    user.notice_channels = {
        kind: [channel for channel in allowed_channels(kind) if channel in notice_channels.get(kind, [])]
        for kind in NoticeKind.values
    }
    user.clean_fields(exclude=[f.name for f in User._meta.fields if f.name not in NOTICE_CHANNEL_FIELDS])
    user.save(update_fields=list(NOTICE_CHANNEL_FIELDS))
    audit.record(actor=actor, instance=user, action=AuditAction.UPDATE, before=snapshot, note="修改提醒渠道")
    return user


@transaction.atomic
def password_reset(*, actor, user: User, password: str | None = None) -> None:
    """An administrator sets someone else's password (`password=None`: the admin's form has just
    set it in this transaction); the user must replace it at the next sign-in. Never one's own
    (that is the password change page, which asks for the current one). Resetting a duty
    account's password is named as such in the audit."""
    if user.pk == actor.pk:
        raise ValidationError("不能在这里重设自己的密码，请在“我的账户 → 修改密码”中修改。")
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied("超级用户账户只能由超级用户管理。")
    if password is not None:
        user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    # The fact only, as for every password change: the note says what the fields would.
    if user.role in DUTY_ROLES and not user.is_superuser:
        note = f"管理员重设{_duty_label(user.role)}账户的密码（下次登录须修改密码）"
    else:
        note = "管理员重设密码（下次登录须修改密码）"
    _note_on_user(actor=actor, user=user, note=note)


@transaction.atomic
def duty_password_set(*, user: User, password: str) -> None:
    """The deployment sets a duty account's first password from the server's shell (`manage.py
    set_duty_password`): after the upgrade made the accounts without one, or when no
    administrator is left to do it. The holder must replace it at the first sign-in; an account
    the nightly task disabled as unused is enabled again. Recorded as the system's act."""
    if user.role not in DUTY_ROLES or user.is_superuser:
        raise ValidationError("只用于系统、安全、审计管理员账户；其他账户由系统管理员在“账户管理”页重设密码。")
    if not user.is_active and user.inactivity_disabled_at is None:
        raise ValidationError("该账户已被系统管理员停用，不能在这里设置密码。")
    before = audit.snapshot(user)
    user.set_password(password)
    user.must_change_password = True
    if not user.is_active:
        user.is_active = True
        user.inactivity_disabled_at = None
        user.reactivated_at = timezone.now()
    user.save()
    audit.record(
        actor=None,
        instance=user,
        action=AuditAction.UPDATE,
        before=before,
        note="部署人员用 manage.py set_duty_password 设置管理员职责账户的密码（首次登录须修改）",
    )


@transaction.atomic
def password_change(*, user: User, password: str) -> None:
    """The user's own new password: starts the age clock again and lifts a forced change."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    _note_on_user(actor=user, user=user, note="修改密码")


def accounts_disable_inactive(*, now: datetime.datetime | None = None) -> int:
    """Disable every account unused for ACCOUNT_INACTIVE_DAYS (the nightly task); each one audited
    as the system's act. Returns how many."""
    now = now or timezone.now()
    days = settings.ACCOUNT_INACTIVE_DAYS
    with transaction.atomic():
        users = list(selectors.accounts_unused_since(now=now).select_for_update())
        if not users:
            return 0
        items = []
        for user in users:
            before = audit.snapshot(user)
            user.is_active = False
            user.inactivity_disabled_at = now
            items.append((user, AuditAction.UPDATE, before))
        User.objects.filter(pk__in=[user.pk for user in users]).update(is_active=False, inactivity_disabled_at=now)
        audit.record_bulk(actor=None, items=items, note=f"连续 {days} 天未使用，自动停用")
    return len(users)


@transaction.atomic
def account_reactivate(*, actor, user: User) -> None:
    """Re-enable an account disabled for inactivity; its unused days count again from now."""
    before = audit.snapshot(user)
    user.is_active = True
    user.inactivity_disabled_at = None
    user.reactivated_at = timezone.now()
    user.save(update_fields=["is_active", "inactivity_disabled_at", "reactivated_at"])
    _note_on_user(actor=actor, user=user, before=before, note="重新启用因长期未使用而停用的账户")


# --- API tokens ----------------------------------------------------------------------------


@transaction.atomic
def token_issue(*, actor, user) -> ApiToken:
    """A new token for an API client, replacing any old one (which stops working at once). Only
    for API clients: the new key is shown to the administrator, and a key of a person's account
    would let the administrator read county data as that person. Tokens people obtained with
    their own password are revoked or renewed, never reissued."""
    if user.role != Role.API_CLIENT:
        raise PermissionDenied("只能为接口客户端签发令牌；其他账户的令牌只能吊销或续期。")
    ApiToken.objects.filter(user=user).delete()
    token = ApiToken.objects.create(user=user)
    _note_on_user(actor=actor, user=user, note=f"签发新的接口令牌（旧令牌作废），{_expiry_text(token)}")
    return token


@transaction.atomic
def token_revoke(*, actor, user) -> bool:
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    if deleted:
        _note_on_user(actor=actor, user=user, note="吊销接口令牌")
    return bool(deleted)


@transaction.atomic
def token_renew(*, actor, user) -> ApiToken | None:
    """Push the token's expiry API_TOKEN_MAX_AGE_DAYS from now; the key stays the same."""
    token = ApiToken.objects.select_for_update().filter(user=user).first()
    if token is None:
        return None
    token.expires_at = token_expiry()
    token.save(update_fields=["expires_at"])
    _note_on_user(actor=actor, user=user, note=f"接口令牌续期，{_expiry_text(token)}")
    return token


@transaction.atomic
def token_obtain(*, user) -> ApiToken:
    """The token a user gets for a username and password (POST /api/v1/auth/token/): the one
    they hold while it is valid, else a new one."""
    token = ApiToken.objects.select_for_update().filter(user=user).first()
    if token is not None and not token.is_expired():
        return token
    ApiToken.objects.filter(user=user).delete()
    token = ApiToken.objects.create(user=user)
    _note_on_user(actor=user, user=user, note=f"凭用户名和密码换取新的接口令牌，{_expiry_text(token)}")
    return token


def token_touch(*, token: ApiToken, now: datetime.datetime) -> bool:
    """Record that the token was used, at most once a minute: most requests write nothing, and of
    concurrent ones the conditional UPDATE lets one through."""
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_TOUCH_INTERVAL:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOKEN_TOUCH_INTERVAL)
    written = ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    return bool(written)


def _expiry_text(token: ApiToken) -> str:
    if token.expires_at is None:
        return "永不过期"
    return f"有效期至 {timezone.localtime(token.expires_at):%Y-%m-%d}"


# --- lockouts and second factors -----------------------------------------------------------


@transaction.atomic
def lockout_reset(*, actor, username: str) -> int:
    """Unlock an account: forget its failed attempts (from every address)."""
    attempts = list(AccessAttempt.objects.select_for_update().filter(username=username))
    for attempt in attempts:
        audit.record(actor=actor, instance=attempt, action=AuditAction.DELETE, note="解除登录锁定")
    AccessAttempt.objects.filter(pk__in=[a.pk for a in attempts]).delete()
    return len(attempts)


def totp_device_pending(*, user) -> TOTPDevice:
    """The user's unconfirmed authenticator, made on first visit to the setup page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="手机验证器", confirmed=False)


@transaction.atomic
def totp_devices_reset(*, actor, user) -> int:
    """The security administrator removes a user's authenticators (a lost or replaced phone):
    at the next sign-in the user sets one up again, if the role requires it. Never one's own:
    nobody weakens their own second factor. Returns how many were removed."""
    if user.pk == actor.pk:
        raise ValidationError("不能重置自己的两步验证，请由另一位安全管理员办理。")
    devices = TOTPDevice.objects.filter(user=user)
    count = devices.count()
    if not count:
        raise ValidationError(f"{user} 没有绑定验证器，无需重置。")
    devices.delete()
    _note_on_user(actor=actor, user=user, note="重置两步验证：删除已绑定的验证器，下次登录重新设置")
    return count


@transaction.atomic
def totp_device_confirm(*, actor, device: TOTPDevice, code: str) -> bool:
    """Confirm the authenticator with a code it shows; other devices of the user are replaced."""
    if not device.verify_token(code):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _note_on_user(actor=actor, user=device.user, note="启用两步验证")
    return True


# --- the working-day calendar ------------------------------------------------------------


def _require_calendar_duty(actor) -> None:
    if not can_manage_accounts(actor):
        raise PermissionDenied("只有系统管理员可以维护工作日历。")


@transaction.atomic
def workday_override_save(*, actor, override: WorkdayOverride) -> WorkdayOverride:
    """Add or change one day of the county's calendar. Due dates already stored keep their
    value (tasks.services.task_sync_periods re-dates only periods still ahead)."""
    _require_calendar_duty(actor)
    override.name = (override.name or "").strip()
    override.full_clean()
    before = audit.snapshot(WorkdayOverride.objects.get(pk=override.pk)) if override.pk else None
    override.save()
    audit.record(
        actor=actor,
        instance=override,
        action=AuditAction.UPDATE if before is not None else AuditAction.CREATE,
        before=before,
    )
    return override


@transaction.atomic
def workday_override_delete(*, actor, override: WorkdayOverride) -> None:
    _require_calendar_duty(actor)
    audit.record(actor=actor, instance=override, action=AuditAction.DELETE, before=audit.snapshot(override))
    override.delete()
