from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PilotAdminConfig(AppConfig):
    default = True
    name = "pilot_admin"
    verbose_name = "系统"

    def ready(self):
        # Registers the system checks that refuse production without its keys.
        from pilot_admin import crypto  # noqa: F401


class PilotAdminSiteConfig(admin_apps.AdminConfig):
    default = False
    default_site = "pilot_admin.admin_site.PilotAdminSite"
