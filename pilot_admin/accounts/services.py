"""Writes on sign-in credentials: accounts, passwords, tokens, lockouts, second factors. Each
audited; the audit never holds a password hash or a token key."""

import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from pilot_admin.accounts import selectors
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.models import ApiToken, User, token_expiry

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


@transaction.atomic
def account_create(*, actor, user: User) -> User:
    """A new account made by an administrator, its first password set by them: the user must
    replace it at the first sign-in, so the administrator never knows the password in use."""
    user.must_change_password = True
    user.full_clean()
    user.save()
    audit.record(actor=actor, instance=user, action=AuditAction.CREATE, note="管理员新建账户（首次登录须修改密码）")
    return user


@transaction.atomic
def password_reset(*, actor, user: User, password: str | None = None) -> None:
    """An administrator sets someone else's password (`password=None`: the admin's form has just
    set it in this transaction); the user must replace it at the next sign-in."""
    if password is not None:
        user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    # The fact only, as for every password change: the note says what the fields would.
    _note_on_user(actor=actor, user=user, note="管理员重设密码（下次登录须修改密码）")


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
    """A new token for `user`, replacing any old one (which stops working at once)."""
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
def totp_device_confirm(*, actor, device: TOTPDevice, code: str) -> bool:
    """Confirm the authenticator with a code it shows; other devices of the user are replaced."""
    if not device.verify_token(code):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _note_on_user(actor=actor, user=device.user, note="启用两步验证")
    return True
