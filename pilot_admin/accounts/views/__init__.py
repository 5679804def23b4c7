"""账户 pages: the user's own account (own.py), and the pages of two of the three separated
administrator duties: the system administrator's accounts and tokens (system.py), the security
administrator's lockouts, second factors, dormant accounts and policy (security.py). The audit
administrator's pages are the audit log's (pilot_admin/audit/views.py)."""

from pilot_admin.accounts.views.calendar import WorkdayCalendarView, WorkdayOverrideDeleteView
from pilot_admin.accounts.views.own import (
    AccountView,
    NoticeChannelsView,
    PasswordChangeDoneView,
    PasswordChangeView,
    TwoFactorSetupView,
    TwoFactorVerifyView,
    lockout_response,
)
from pilot_admin.accounts.views.security import (
    InactiveAccountListView,
    InactiveAccountReactivateView,
    LockoutListView,
    LockoutResetView,
    PasswordPolicyView,
    TwoFactorAccountListView,
    TwoFactorResetView,
)
from pilot_admin.accounts.views.system import (
    AccountCreateView,
    AccountListView,
    AccountPasswordResetView,
    AccountUpdateView,
    TokenActionView,
    TokenListView,
)

__all__ = [
    "AccountCreateView",
    "AccountListView",
    "AccountPasswordResetView",
    "AccountUpdateView",
    "AccountView",
    "NoticeChannelsView",
    "InactiveAccountListView",
    "InactiveAccountReactivateView",
    "LockoutListView",
    "LockoutResetView",
    "PasswordChangeDoneView",
    "PasswordChangeView",
    "PasswordPolicyView",
    "TokenActionView",
    "TokenListView",
    "TwoFactorAccountListView",
    "TwoFactorResetView",
    "TwoFactorSetupView",
    "TwoFactorVerifyView",
    "WorkdayCalendarView",
    "WorkdayOverrideDeleteView",
    "lockout_response",
]
