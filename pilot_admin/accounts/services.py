"""Writes on sign-in credentials: tokens, lockouts, second factors, passwords. Each audited."""

from axes.models import AccessAttempt
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction


def _note_on_user(*, actor, user, note: str) -> None:
    # Recorded on the user, never on the Token row: a token's primary key is the secret itself.
    audit.record(actor=actor, instance=user, action=AuditAction.UPDATE, before=audit.snapshot(user), note=note)


@transaction.atomic
def token_issue(*, actor, user) -> Token:
    """A new token for `user`, replacing any old one (which stops working at once)."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    _note_on_user(actor=actor, user=user, note="签发新的接口令牌（旧令牌作废）")
    return token


@transaction.atomic
def token_revoke(*, actor, user) -> bool:
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        _note_on_user(actor=actor, user=user, note="吊销接口令牌")
    return bool(deleted)


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


def password_changed(*, user) -> None:
    # The diff would hold the password hashes, so only the fact is recorded.
    _note_on_user(actor=user, user=user, note="修改密码")
