from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PilotAdminConfig(AppConfig):
    default = True
    name = "pilot_admin"
    verbose_name = "系统"


class PilotAdminSiteConfig(admin_apps.AdminConfig):
    default = False
    default_site = "pilot_admin.admin_site.PilotAdminSite"
