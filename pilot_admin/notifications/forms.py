from django import forms

from pilot_admin.choices import GroupRobotKind


class GroupRobotForm(forms.Form):
    """Input shape only: the webhook's form and the secret's rules are the service's."""

    kind = forms.ChoiceField(label="机器人类别", choices=GroupRobotKind.choices, widget=forms.RadioSelect)
    webhook = forms.CharField(
        label="webhook 地址",
        required=False,
        max_length=500,
        help_text="在群设置 → 群机器人里复制。企业微信形如 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…，"
        "钉钉形如 https://oapi.dingtalk.com/robot/send?access_token=…。已设置时留空表示不修改。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    secret = forms.CharField(
        label="加签密钥（钉钉）",
        required=False,
        max_length=200,
        help_text="钉钉机器人“安全设置 → 加签”的密钥，SEC 开头；企业微信群机器人不填。已设置时留空表示不修改。",
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, robot=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.robot = robot
        if robot is None:
            self.fields["webhook"].required = True
