from django.apps import AppConfig


class GuardianshipConfig(AppConfig):
    name = "guardianship"
    verbose_name = "特困人员监护照护"
