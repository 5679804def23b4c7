"""System checks of the sign-in settings, run by every manage.py command and `check --deploy`."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def demo_skip_two_factor_check(app_configs=None, **kwargs):
    """The switch is inert without DEBUG (pilot_admin/accounts/demo.py), but set in production it
    says someone expects the demo accounts to open without a phone: refused loudly, not ignored."""
    if settings.DEBUG or not settings.PILOT_ADMIN_DEMO_SKIP_2FA:
        return []
    return [
        checks.Error(
            "PILOT_ADMIN_DEMO_SKIP_2FA 只供开发服务器（DJANGO_DEBUG=1，make run）演示用；"
            "生产配置（DJANGO_DEBUG=0）下不得设置，两步验证照常要求。",
            hint="从生产环境的变量中删去 PILOT_ADMIN_DEMO_SKIP_2FA。",
            id="pilot_admin.E111",
        )
    ]
