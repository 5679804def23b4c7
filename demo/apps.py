from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo county 巴东县 and `load_demo`: tooling above the product apps. It builds its rows
    through their services; none of them imports it."""

    name = "demo"
    verbose_name = "演示数据"

    def ready(self):
        # The accounts `make run` may open without a phone (DEBUG only; pilot_admin/accounts/demo.py).
        from demo.county import DEMO_USERS
        from demo.liuzhi import ADMIN as LIUZHI_ADMIN
        from pilot_admin.accounts.demo import register_demo_accounts

        register_demo_accounts([*(user.username for user in DEMO_USERS), LIUZHI_ADMIN])
