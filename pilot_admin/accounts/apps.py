from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pilot_admin.accounts"
    label = "accounts"
    verbose_name = "账户安全"

    def ready(self):
        from pilot_admin.accounts import signals  # noqa: F401  (connects the login audit)
