from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PilotAdminConfig(AppConfig):
    default = True
    name = "pilot_admin"
    verbose_name = "系统"

    def ready(self):
        # crypto registers the system checks that refuse production without its keys; health and
        # metrics connect the Celery signals that stamp heartbeats and count tasks.
        from pilot_admin import crypto, health, metrics  # noqa: F401


class PilotAdminSiteConfig(admin_apps.AdminConfig):
    default = False
    default_site = "pilot_admin.admin_site.PilotAdminSite"
