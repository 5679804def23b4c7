from django.apps import AppConfig


class HomeConfig(AppConfig):
    """Pages that gather several apps: the county dashboard, the township workspace and the
    navigation. Top of the layers: it imports the apps, none of them imports it."""

    name = "home"
    verbose_name = "首页"
