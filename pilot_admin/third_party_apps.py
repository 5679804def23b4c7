"""Third-party apps under Chinese names in /admin/ (Django's documented way: a subclass of the
app's AppConfig named in INSTALLED_APPS). Their field and model labels that go through gettext
are translated in locale/zh_Hans; what a package names without gettext is renamed here."""

from axes.apps import AppConfig as AxesAppConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPAppConfig

TOTP_FIELD_LABELS = {
    "user": "用户",
    "name": "名称",
    "confirmed": "已确认",
    "created_at": "创建时间",
    "last_used_at": "最近使用时间",
    "key": "密钥",
    "step": "时间步长（秒）",
    "t0": "起始时间",
    "digits": "验证码位数",
    "tolerance": "允许偏差（步）",
    "drift": "时钟漂移（步）",
    "last_t": "最近使用的时间步",
    "throttling_failure_timestamp": "最近失败时间",
    "throttling_failure_count": "连续失败次数",
}


class AxesConfig(AxesAppConfig):
    default = False
    verbose_name = "登录失败与锁定"


class TOTPConfig(TOTPAppConfig):
    default = False
    verbose_name = "两步验证"

    def ready(self):
        super().ready()
        # django-otp names its model in plain English (no gettext): no catalogue can reach it.
        # Only the label changes; migrations read Meta's original attributes, not these.
        # (Help texts stay: migrations do read those.)
        meta = self.get_model("TOTPDevice")._meta
        meta.verbose_name = "手机验证器"
        meta.verbose_name_plural = "手机验证器"
        for name, label in TOTP_FIELD_LABELS.items():
            meta.get_field(name).verbose_name = label
