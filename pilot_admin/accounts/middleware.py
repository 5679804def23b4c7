"""Held at a step before anything else: a session that signed in with a password but has not
yet given its second factor, then one whose password must be replaced (set by an administrator,
or too old). API tokens are machine credentials for the prefecture's and province's systems:
DRF authenticates them inside the view, after these middlewares, so they are unaffected."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp import user_has_device

from pilot_admin.accounts.demo import demo_skips_two_factor
from pilot_admin.choices import Role

# Where a half-signed-in session may go: the two steps themselves and the way out.
ALLOWED_URL_NAMES = {
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "logout",
    "login",
    "health",
    "health_ready",
    "metrics",
}
# And, once past the second factor, where a session that owes a new password may go.
PASSWORD_CHANGE_URL_NAMES = ALLOWED_URL_NAMES | {"accounts:password_change", "accounts:password_change_done"}

PASSWORD_RESET_BY_ADMIN = "reset"
PASSWORD_EXPIRED = "expired"


def two_factor_required(user) -> bool:
    """The roles in PILOT_ADMIN_2FA_ROLES must use a second factor while the switch is on; a
    superuser counts as the county office. The demo's accounts under `make run` are exempt
    (pilot_admin/accounts/demo.py)."""
    if not settings.PILOT_ADMIN_REQUIRE_2FA or demo_skips_two_factor(user):
        return False
    role = Role.COUNTY_ADMIN if user.is_superuser else user.role
    return role in settings.PILOT_ADMIN_2FA_ROLES


def pending_step(request) -> str | None:
    """The URL name of the step this session still owes, or None when it may go on."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_verified():
        return None
    if user_has_device(user, confirmed=True):
        return "accounts:two_factor_verify"
    if two_factor_required(user):
        return "accounts:two_factor_setup"
    return None


def password_change_reason(user, now=None) -> str | None:
    """Why the user must change their password before going on, or None."""
    if user is None or not user.is_authenticated:
        return None
    if user.must_change_password:
        return PASSWORD_RESET_BY_ADMIN
    expires_at = user.password_expires_at
    if expires_at is not None and (now or timezone.now()) >= expires_at:
        return PASSWORD_EXPIRED
    return None


def password_change_message(reason: str | None) -> str:
    if reason == PASSWORD_RESET_BY_ADMIN:
        return "您的密码是管理员设置的，请先改为只有您自己知道的新密码，再继续使用系统。"
    if reason == PASSWORD_EXPIRED:
        return f"您的密码已使用超过 {settings.PASSWORD_MAX_AGE_DAYS} 天，请先修改密码，再继续使用系统。"
    return ""


def _hold(request, step: str, api_message: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": api_message}, status=403)
    if request.method != "GET":
        return redirect(step)
    return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name in ALLOWED_URL_NAMES:
            return None
        step = pending_step(request)
        if step is None:
            return None
        return _hold(request, step, "请先完成两步验证。")


class PasswordChangeRequiredMiddleware:
    """No page but the password change (and the way out) until a password set by an
    administrator, or older than PASSWORD_MAX_AGE_DAYS, is replaced. Reads only fields of the
    user already loaded: no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name in PASSWORD_CHANGE_URL_NAMES:
            return None
        reason = password_change_reason(getattr(request, "user", None))
        if reason is None:
            return None
        return _hold(request, "accounts:password_change", password_change_message(reason))
