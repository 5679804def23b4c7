"""我的账户: the user's own account, password and second factor, and the lockout answer."""

import base64

import segno
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.generic import FormView, TemplateView
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login

from pilot_admin.accounts import services
from pilot_admin.accounts.forms import NoticeChannelsForm, OTPCodeForm, PasswordChangeForm
from pilot_admin.accounts.middleware import password_change_message, password_change_reason, two_factor_required
from pilot_admin.accounts.permissions import can_manage_accounts, can_manage_login_security, can_read_audit_log
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction, Channel, NoticeKind
from pilot_admin.notifications.outbox import allowed_channels, channels_for
from pilot_admin.params import safe_next
from pilot_admin.scoping import ScopedViewMixin, any_signed_in


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: 429 in Chinese, JSON for API clients."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    message = "登录失败次数过多，该账户或地址已被暂时锁定。" + (
        f"请 {minutes} 分钟后再试，或联系安全管理员解锁。" if minutes else "请联系安全管理员解锁。"
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
            can_manage_accounts=can_manage_accounts(user),
            can_manage_login_security=can_manage_login_security(user),
            can_read_audit_log=can_read_audit_log(user),
            idle_minutes=settings.SESSION_IDLE_TIMEOUT // 60,
            password_expires_at=user.password_expires_at,
            notice_routes=_notice_routes(user),
            **kwargs,
        )


def _notice_routes(user) -> list[tuple[str, str]]:
    """Per notice kind, the channels it reaches this person by now, in words."""
    routes = []
    for kind in NoticeKind:
        channels = [str(Channel(channel).label) for channel in channels_for(user, kind)]
        if user.email:
            channels.append("邮件摘要")
        routes.append((kind.label, "、".join(channels) or "仅站内消息"))
    return routes


class NoticeChannelsView(ScopedViewMixin, FormView):
    """我的账户 → 提醒渠道: the person's mobile, WeCom and DingTalk accounts, and which notice
    kinds reach them by which channel, within what the county allows."""

    scope_declared = "own account"
    access = staticmethod(any_signed_in)
    template_name = "pilot_admin/account_notice_channels.html"
    form_class = NoticeChannelsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.request.user, "allowed": allowed_channels}

    def get_context_data(self, **kwargs):
        return super().get_context_data(channel_labels=Channel.labels, **kwargs)

    def form_valid(self, form):
        try:
            services.account_notice_channels_update(
                actor=self.request.user,
                phone=form.cleaned_data["phone"],
                wecom_userid=form.cleaned_data["wecom_userid"],
                dingtalk_userid=form.cleaned_data["dingtalk_userid"],
                notice_channels=form.notice_channels(),
            )
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
            return self.form_invalid(form)
        messages.success(self.request, "提醒渠道已保存。")
        return redirect("accounts:account")


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
