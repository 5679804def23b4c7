"""Two-factor login: a session that signed in with a password but has not yet given its code is
held at the second step. API tokens are machine credentials for the prefecture's and province's
systems: DRF authenticates them inside the view, after this middleware, so they are unaffected."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

# Where a half-signed-in session may go: the two steps themselves and the way out.
ALLOWED_URL_NAMES = {"accounts:two_factor_setup", "accounts:two_factor_verify", "logout", "login", "health"}


def two_factor_required(user) -> bool:
    """The county office must use a second factor when the switch is on."""
    return bool(settings.PILOT_ADMIN_REQUIRE_2FA and user.is_county_admin)


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
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "请先完成两步验证。"}, status=403)
        if request.method != "GET":
            return redirect(step)
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
