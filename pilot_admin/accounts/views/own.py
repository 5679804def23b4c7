"""账户 pages: the user's own account, password and second factor, and for the county office the
API tokens, the login lockouts and the accounts disabled for inactivity."""

import base64

import segno
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login

from pilot_admin.accounts import selectors, services
from pilot_admin.accounts.forms import OTPCodeForm, PasswordChangeForm
from pilot_admin.accounts.middleware import password_change_message, password_change_reason, two_factor_required
from pilot_admin.accounts.permissions import can_manage_account_security
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.params import safe_next
from pilot_admin.scoping import ScopedViewMixin, any_signed_in


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: 429 in Chinese, JSON for API clients."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    message = "登录失败次数过多，该账户或地址已被暂时锁定。" + (
        f"请 {minutes} 分钟后再试，或联系县领导小组办公室解锁。" if minutes else "请联系县领导小组办公室解锁。"
    )
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=status)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=status)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response


class AccountView(ScopedViewMixin, TemplateView):
    """我的账户: the user's own sign-in settings."""

    scope_declared = "own account"
    access = staticmethod(any_signed_in)
    template_name = "pilot_admin/account_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            two_factor_enabled=user_has_device(user, confirmed=True),
            two_factor_required=two_factor_required(user),
            can_manage=can_manage_account_security(user),
            idle_minutes=settings.SESSION_IDLE_TIMEOUT // 60,
            password_expires_at=user.password_expires_at,
            **kwargs,
        )


class PasswordChangeView(ScopedViewMixin, auth_views.PasswordChangeView):
    """修改密码; also where a session is held until a password set by an administrator, or too
    old, is replaced (PasswordChangeRequiredMiddleware), and from where it goes on to `next`."""

    scope_declared = "own account"
    access = staticmethod(any_signed_in)
    template_name = "registration/password_change_form.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")

    def get_context_data(self, **kwargs):
        reason = password_change_reason(self.request.user)
        return super().get_context_data(
            forced_message=password_change_message(reason), next=safe_next(self.request, ""), **kwargs
        )

    def form_valid(self, form):
        services.password_change(user=form.user, password=form.cleaned_data["new_password1"])
        # The password is part of the session hash: keep this session signed in.
        update_session_auth_hash(self.request, form.user)
        target = safe_next(self.request, "")
        if target:
            messages.success(self.request, "密码已修改，下次登录请使用新密码。")
            return redirect(target)
        return redirect(self.get_success_url())


class PasswordChangeDoneView(ScopedViewMixin, auth_views.PasswordChangeDoneView):
    scope_declared = "own account"
    access = staticmethod(any_signed_in)
    template_name = "registration/password_change_done.html"


def _qr_svg(url: str) -> str:
    # Inline SVG, drawn here: no image service, nothing for the CSP to allow.
    return segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#1f2933", light="#ffffff")


class TwoFactorSetupView(ScopedViewMixin, FormView):
    """两步验证设置: scan the QR code, confirm with one code."""

    scope_declared = "own account"
    access = staticmethod(any_signed_in)
    template_name = "pilot_admin/account_two_factor_setup.html"
    form_class = OTPCodeForm

    def load(self, request, *args, **kwargs):
        self.enabled = user_has_device(request.user, confirmed=True)
        self.device = None if self.enabled else services.totp_device_pending(user=request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(enabled=self.enabled, required=two_factor_required(self.request.user))
        if self.device is not None:
            context["qr_svg"] = _qr_svg(self.device.config_url)
            secret = base64.b32encode(self.device.bin_key).decode()
            context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        context["next"] = safe_next(self.request, "")
        return context

    def post(self, request, *args, **kwargs):
        if self.enabled:
            return redirect("accounts:account")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if not services.totp_device_confirm(
            actor=self.request.user, device=self.device, code=form.cleaned_data["code"]
        ):
            form.add_error("code", "验证码不正确，请核对手机时间后重新输入。")
            return self.form_invalid(form)
        self.device.refresh_from_db()
        otp_login(self.request, self.device)
        messages.success(self.request, "两步验证已启用，以后登录时需要输入验证码。")
        return redirect(safe_next(self.request, reverse("accounts:account")))


class TwoFactorVerifyView(ScopedViewMixin, FormView):
    """登录第二步: the code from the user's authenticator."""

    scope_declared = "own account"
    access = staticmethod(any_signed_in)
    template_name = "pilot_admin/account_two_factor_verify.html"
    form_class = OTPCodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_verified():
            return redirect(safe_next(request, reverse("home")))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=safe_next(self.request, ""), **kwargs)

    def form_valid(self, form):
        user = self.request.user
        # Each failure makes the device wait longer (django-otp's throttling); while it waits
        # no code is checked at all, so guessing the six digits is hopeless.
        throttled = not any(device.verify_is_allowed()[0] for device in devices_for_user(user))
        device = None if throttled else match_token(user, form.cleaned_data["code"])
        if device is None:
            audit.record_auth_event(
                action=AuditAction.LOGIN_FAILED,
                username=user.get_username(),
                request=self.request,
                note="两步验证码错误",
            )
            form.add_error("code", "尝试过于频繁，请稍候再试。" if throttled else "验证码不正确。")
            return self.form_invalid(form)
        otp_login(self.request, device)
        audit.record_auth_event(action=AuditAction.LOGIN, user=user, request=self.request, note="两步验证通过")
        return redirect(safe_next(self.request, reverse("home")))


class TokenListView(ScopedViewMixin, TemplateView):
    """接口令牌: who holds an API token, until when, last used when; the county office revokes,
    renews or reissues them."""

    access = staticmethod(can_manage_account_security)
    template_name = "pilot_admin/account_tokens.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            holders=selectors.token_holders(user=self.request.user),
            now=timezone.now(),
            max_age_days=settings.API_TOKEN_MAX_AGE_DAYS,
            **kwargs,
        )


class TokenActionView(ScopedViewMixin, View):
    """POST revoke, renew or issue. A new token is shown once, in this response, and never again."""

    access = staticmethod(can_manage_account_security)
    http_method_names = ["post"]

    def load(self, request, *args, **kwargs):
        try:
            self.holder = selectors.token_holder_get(user=request.user, pk=kwargs["pk"])
        except ObjectDoesNotExist as exc:
            raise Http404 from exc

    def post(self, request, pk, action):
        if action == "revoke":
            if services.token_revoke(actor=request.user, user=self.holder):
                messages.success(request, f"已吊销 {self.holder} 的接口令牌，使用它的调用将被拒绝。")
            return redirect("accounts:token_list")
        if action == "renew":
            token = services.token_renew(actor=request.user, user=self.holder)
            if token is None:
                raise Http404
            until = f"有效期至 {timezone.localtime(token.expires_at):%Y-%m-%d}" if token.expires_at else "永不过期"
            messages.success(request, f"已为 {self.holder} 的接口令牌续期，{until}；令牌本身不变。")
            return redirect("accounts:token_list")
        if action == "issue":
            token = services.token_issue(actor=request.user, user=self.holder)
            response = render(request, "pilot_admin/account_token_issued.html", {"holder": self.holder, "token": token})
            # The secret must not linger in any cache.
            response["Cache-Control"] = "no-store"
            return response
        raise Http404


class LockoutListView(ScopedViewMixin, TemplateView):
    """登录锁定: accounts locked after too many failed logins; the county office unlocks them."""

    access = staticmethod(can_manage_account_security)
    template_name = "pilot_admin/account_lockouts.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            attempts=selectors.locked_attempts(user=self.request.user),
            failure_limit=settings.AXES_FAILURE_LIMIT,
            **kwargs,
        )


class LockoutResetView(ScopedViewMixin, View):
    access = staticmethod(can_manage_account_security)
    http_method_names = ["post"]

    def post(self, request):
        username = request.POST.get("username", "")
        if not selectors.locked_attempts(user=request.user).filter(username=username).exists():
            raise Http404
        services.lockout_reset(actor=request.user, username=username)
        messages.success(request, f"已解除账户 {username} 的登录锁定。")
        return redirect("accounts:lockout_list")


class InactiveAccountListView(ScopedViewMixin, TemplateView):
    """长期未使用停用: accounts the nightly task disabled; the county office re-enables them."""

    access = staticmethod(can_manage_account_security)
    template_name = "pilot_admin/account_inactive.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            accounts=selectors.accounts_disabled_for_inactivity(user=self.request.user),
            inactive_days=settings.ACCOUNT_INACTIVE_DAYS,
            **kwargs,
        )


class InactiveAccountReactivateView(ScopedViewMixin, View):
    access = staticmethod(can_manage_account_security)
    http_method_names = ["post"]

    def load(self, request, *args, **kwargs):
        try:
            self.account = selectors.account_disabled_for_inactivity_get(user=request.user, pk=kwargs["pk"])
        except ObjectDoesNotExist as exc:
            raise Http404 from exc

    def post(self, request, pk):
        services.account_reactivate(actor=request.user, user=self.account)
        days = settings.ACCOUNT_INACTIVE_DAYS
        messages.success(request, f"已重新启用账户 {self.account.username}。若再连续 {days} 天未使用，将再次自动停用。")
        return redirect("accounts:inactive_list")
