from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pilot_admin.accounts"
    label = "accounts"
    verbose_name = "账户安全"

    def ready(self):
        from pilot_admin.accounts import checks, signals  # noqa: F401  (the login audit; the settings' checks)
