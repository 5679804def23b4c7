"""系统管理员 pages: accounts (list, create, edit, reset a password) and the API tokens. Each
write is one service call, audited there; the separation rules are the service's too."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from pilot_admin.accounts import selectors, services
from pilot_admin.accounts.filters import AccountFilterSet
from pilot_admin.accounts.forms import AccountCreateForm, AccountUpdateForm, PasswordResetForm
from pilot_admin.accounts.permissions import can_manage_accounts
from pilot_admin.lists import FilteredListMixin
from pilot_admin.models import User
from pilot_admin.scoping import ScopedViewMixin


class AccountListView(ScopedViewMixin, FilteredListMixin, ListView):
    """账户管理: the county's accounts by role, unit and state."""

    access = staticmethod(can_manage_accounts)
    template_name = "pilot_admin/account_list.html"
    context_object_name = "accounts"
    filterset_class = AccountFilterSet
    paginate_by = 50

    def base_queryset(self):
        return selectors.managed_accounts(user=self.request.user)


class _AccountFormView(ScopedViewMixin, FormView):
    access = staticmethod(can_manage_accounts)
    template_name = "pilot_admin/account_form.html"
    account = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": self.request.user, "instance": self.account}

    def get_context_data(self, **kwargs):
        return super().get_context_data(account=self.account, **kwargs)

    def save(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            account = self.save(form)
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, ValidationError):
                form.add_service_error(error)
            else:
                form.add_error(None, str(error))
            if self.account is not None:
                # The page's heading shows the account as stored, not the refused change.
                self.account.refresh_from_db()
            return self.form_invalid(form)
        return redirect(f"{reverse('accounts:account_list')}?q={account.username}")


class AccountCreateView(_AccountFormView):
    """新建账户: its first password is the administrator's; the user replaces it at first sign-in."""

    form_class = AccountCreateForm

    def save(self, form):
        fields = {name: value for name, value in form.cleaned_data.items() if name not in ("password1", "password2")}
        # In the administrator's own county (a superuser with none picks one on the form).
        fields.setdefault("county", self.request.user.county)
        account = services.account_create(
            actor=self.request.user, user=User(**fields), password=form.cleaned_data["password1"]
        )
        messages.success(
            self.request, f"已新建账户 {account.username}（{account.get_role_display()}），首次登录须修改密码。"
        )
        return account


class AccountUpdateView(_AccountFormView):
    """修改账户: role, unit, state, contact."""

    form_class = AccountUpdateForm

    def load(self, request, *args, **kwargs):
        try:
            self.account = selectors.managed_account_get(user=request.user, pk=kwargs["pk"])
        except ObjectDoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        return super().get_context_data(own=self.account.pk == self.request.user.pk, **kwargs)

    def save(self, form):
        account = services.account_update(actor=self.request.user, user=self.account, **form.cleaned_data)
        messages.success(self.request, f"已保存账户 {account.username}。")
        return account


class AccountPasswordResetView(ScopedViewMixin, FormView):
    """重设密码: the administrator sets a password the person must replace at the next sign-in."""

    access = staticmethod(can_manage_accounts)
    template_name = "pilot_admin/account_password_reset.html"
    form_class = PasswordResetForm

    def load(self, request, *args, **kwargs):
        try:
            self.account = selectors.managed_account_get(user=request.user, pk=kwargs["pk"])
        except ObjectDoesNotExist as exc:
            raise Http404 from exc

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.account}

    def get_context_data(self, **kwargs):
        return super().get_context_data(account=self.account, **kwargs)

    def form_valid(self, form):
        try:
            services.password_reset(actor=self.request.user, user=self.account, password=form.cleaned_data["password1"])
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
            return self.form_invalid(form)
        messages.success(
            self.request, f"已重设 {self.account.username} 的密码。请当面或电话告知本人，对方下次登录须改为自己的密码。"
        )
        return redirect(f"{reverse('accounts:account_list')}?q={self.account.username}")


class TokenListView(ScopedViewMixin, TemplateView):
    """接口令牌: who holds an API token, until when, last used when; the system administrator
    revokes, renews or (for API clients) reissues them."""

    access = staticmethod(can_manage_accounts)
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

    access = staticmethod(can_manage_accounts)
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
            try:
                token = services.token_issue(actor=request.user, user=self.holder)
            except PermissionDenied as error:
                messages.error(request, str(error))
                return redirect("accounts:token_list")
            response = render(request, "pilot_admin/account_token_issued.html", {"holder": self.holder, "token": token})
            # The secret must not linger in any cache.
            response["Cache-Control"] = "no-store"
            return response
        raise Http404
