from django.urls import path

from pilot_admin.accounts import views

app_name = "accounts"

urlpatterns = [
    # Everyone's own account.
    path("", views.AccountView.as_view(), name="account"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("channels/", views.NoticeChannelsView.as_view(), name="notice_channels"),
    path("two-factor/", views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("two-factor/verify/", views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    # 系统管理员: accounts, API tokens and the working-day calendar.
    path("users/", views.AccountListView.as_view(), name="account_list"),
    path("users/new/", views.AccountCreateView.as_view(), name="account_create"),
    path("users/<int:pk>/", views.AccountUpdateView.as_view(), name="account_update"),
    path("users/<int:pk>/password/", views.AccountPasswordResetView.as_view(), name="account_password_reset"),
    path("tokens/", views.TokenListView.as_view(), name="token_list"),
    path("tokens/<int:pk>/<str:action>/", views.TokenActionView.as_view(), name="token_action"),
    path("calendar/", views.WorkdayCalendarView.as_view(), name="workday_calendar"),
    path("calendar/<int:pk>/delete/", views.WorkdayOverrideDeleteView.as_view(), name="workday_override_delete"),
    # 安全管理员: lockouts, second factors, dormant accounts, the password policy.
    path("lockouts/", views.LockoutListView.as_view(), name="lockout_list"),
    path("lockouts/unlock/", views.LockoutResetView.as_view(), name="lockout_reset"),
    path("two-factor/accounts/", views.TwoFactorAccountListView.as_view(), name="two_factor_accounts"),
    path("two-factor/accounts/<int:pk>/reset/", views.TwoFactorResetView.as_view(), name="two_factor_reset"),
    path("inactive/", views.InactiveAccountListView.as_view(), name="inactive_list"),
    path("inactive/<int:pk>/reactivate/", views.InactiveAccountReactivateView.as_view(), name="inactive_reactivate"),
    path("policy/", views.PasswordPolicyView.as_view(), name="password_policy"),
]
