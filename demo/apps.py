from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo county 巴东县 and `load_demo`: tooling above the product apps. It builds its rows
    through their services; none of them imports it."""

    name = "demo"
    verbose_name = "演示数据"
