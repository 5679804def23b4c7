"""安全管理员 pages: login lockouts, second-factor resets, accounts disabled for inactivity and
the password policy (read-only). Each write is one service call, audited there."""

import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import ListView, TemplateView

from pilot_admin.accounts import selectors, services
from pilot_admin.accounts.filters import TwoFactorAccountFilterSet
from pilot_admin.accounts.permissions import can_manage_login_security
from pilot_admin.actions import ActionView
from pilot_admin.choices import Role
from pilot_admin.lists import FilteredListMixin
from pilot_admin.scoping import ScopedViewMixin


class LockoutListView(ScopedViewMixin, TemplateView):
    """登录锁定: accounts locked after too many failed logins; the security administrator unlocks them."""

    access = staticmethod(can_manage_login_security)
    template_name = "pilot_admin/account_lockouts.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            attempts=selectors.locked_attempts(user=self.request.user),
            failure_limit=settings.AXES_FAILURE_LIMIT,
            **kwargs,
        )


class LockoutResetView(ScopedViewMixin, View):
    access = staticmethod(can_manage_login_security)
    http_method_names = ["post"]

    def post(self, request):
        username = request.POST.get("username", "")
        if not selectors.locked_attempts(user=request.user).filter(username=username).exists():
            raise Http404
        services.lockout_reset(actor=request.user, username=username)
        messages.success(request, f"已解除账户 {username} 的登录锁定。")
        return redirect("accounts:lockout_list")


class InactiveAccountListView(ScopedViewMixin, TemplateView):
    """长期未使用停用: accounts the nightly task disabled; the security administrator re-enables them."""

    access = staticmethod(can_manage_login_security)
    template_name = "pilot_admin/account_inactive.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            accounts=selectors.accounts_disabled_for_inactivity(user=self.request.user),
            inactive_days=settings.ACCOUNT_INACTIVE_DAYS,
            **kwargs,
        )


class InactiveAccountReactivateView(ScopedViewMixin, View):
    access = staticmethod(can_manage_login_security)
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


class TwoFactorAccountListView(ScopedViewMixin, FilteredListMixin, ListView):
    """两步验证重置: accounts with an authenticator; one whose phone is lost or replaced gets its
    authenticator removed and sets up a new one at the next sign-in."""

    access = staticmethod(can_manage_login_security)
    template_name = "pilot_admin/account_two_factor_reset.html"
    context_object_name = "accounts"
    filterset_class = TwoFactorAccountFilterSet
    paginate_by = 50

    def base_queryset(self):
        return selectors.two_factor_accounts(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            without=selectors.accounts_without_required_two_factor(user=self.request.user)[:50], **kwargs
        )


class TwoFactorResetView(ActionView):
    access = staticmethod(can_manage_login_security)

    def get_queryset(self):
        return selectors.two_factor_accounts(user=self.request.user)

    def default_url(self, target) -> str:
        return reverse("accounts:two_factor_accounts")

    def perform(self, target):
        services.totp_devices_reset(actor=self.request.user, user=target)
        return f"已重置 {target}（{target.username}）的两步验证。请告知本人：下次登录时用手机重新扫码设置。"


@dataclass(frozen=True)
class PolicyRow:
    name: str
    value: str
    setting: str
    meaning: str

    @property
    def from_environment(self) -> bool:
        """Set by the deployment, not the default written in pilot_admin/settings.py."""
        return self.setting in os.environ


def _days(value: int, off: str) -> str:
    return f"{value} 天" if value else off


def password_policy() -> list[PolicyRow]:
    """The sign-in rules in force, as configured (README, 配置)."""
    two_factor_roles = "、".join(str(Role(role).label) for role in settings.PILOT_ADMIN_2FA_ROLES) or "无"
    cool_off = settings.AXES_COOLOFF_TIME
    return [
        PolicyRow(
            "密码有效期",
            _days(settings.PASSWORD_MAX_AGE_DAYS, "不限（0）"),
            "PASSWORD_MAX_AGE_DAYS",
            "密码设置满这么多天后，登录时须先修改密码。",
        ),
        PolicyRow(
            "长期未使用自动停用",
            _days(settings.ACCOUNT_INACTIVE_DAYS, "不停用（0）"),
            "ACCOUNT_INACTIVE_DAYS",
            "连续这么多天未登录、未使用接口令牌的账户，夜间自动停用，由安全管理员核实后重新启用。",
        ),
        PolicyRow(
            "接口令牌有效期",
            _days(settings.API_TOKEN_MAX_AGE_DAYS, "永不过期（0）"),
            "API_TOKEN_MAX_AGE_DAYS",
            "令牌自签发或续期起这么多天内有效，由系统管理员续期或签发新令牌。",
        ),
        PolicyRow(
            "必须使用两步验证",
            "开启" if settings.PILOT_ADMIN_REQUIRE_2FA else "关闭（任何角色都不强制）",
            "PILOT_ADMIN_REQUIRE_2FA",
            "总开关；关闭时下一行所列角色也不强制两步验证。",
        ),
        PolicyRow(
            "须两步验证的角色",
            two_factor_roles,
            "PILOT_ADMIN_2FA_ROLES",
            "这些角色登录时除密码外须输入手机验证器上的 6 位动态码；其他角色可自愿启用。",
        ),
        PolicyRow(
            "密码最短长度",
            f"{settings.PASSWORD_MIN_LENGTH} 个字符",
            "PASSWORD_MIN_LENGTH",
            "另拒绝常见密码、纯数字密码和与用户名、姓名相近的密码。",
        ),
        PolicyRow(
            "密码字符种类",
            f"至少 {settings.PASSWORD_MIN_CHARACTER_CLASSES} 类",
            "PASSWORD_MIN_CHARACTER_CLASSES",
            "小写字母、大写字母、数字、符号四类中至少包含这么多类。",
        ),
        PolicyRow(
            "登录失败锁定",
            f"连续 {settings.AXES_FAILURE_LIMIT} 次",
            "LOGIN_FAILURE_LIMIT",
            "同一账户或同一地址连续失败这么多次即锁定，安全管理员可在“登录锁定”页解除。",
        ),
        PolicyRow(
            "锁定时长",
            f"{int(cool_off.total_seconds() // 60)} 分钟" if cool_off else "直到解除",
            "LOGIN_COOLOFF_MINUTES",
            "锁定满这么久后自动解除。",
        ),
        PolicyRow(
            "无操作自动退出",
            f"{settings.SESSION_IDLE_TIMEOUT // 60} 分钟",
            "SESSION_IDLE_TIMEOUT",
            "这么久没有操作即退出登录（环境变量以秒为单位）。",
        ),
        PolicyRow(
            "登录最长保持",
            f"{settings.SESSION_COOKIE_AGE // 3600} 小时",
            "SESSION_COOKIE_AGE",
            "无论是否操作，登录满这么久须重新登录（环境变量以秒为单位）。",
        ),
    ]


class PasswordPolicyView(ScopedViewMixin, TemplateView):
    """密码策略: read-only; the numbers are the deployment's configuration, changed only there."""

    access = staticmethod(can_manage_login_security)
    template_name = "pilot_admin/account_password_policy.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(rows=password_policy(), **kwargs)
