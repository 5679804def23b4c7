from django.urls import path

from pilot_admin.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.AccountView.as_view(), name="account"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("two-factor/", views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("two-factor/verify/", views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    path("tokens/", views.TokenListView.as_view(), name="token_list"),
    path("tokens/<int:pk>/<str:action>/", views.TokenActionView.as_view(), name="token_action"),
    path("lockouts/", views.LockoutListView.as_view(), name="lockout_list"),
    path("lockouts/unlock/", views.LockoutResetView.as_view(), name="lockout_reset"),
    path("inactive/", views.InactiveAccountListView.as_view(), name="inactive_list"),
    path("inactive/<int:pk>/reactivate/", views.InactiveAccountReactivateView.as_view(), name="inactive_reactivate"),
]
