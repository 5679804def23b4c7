from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import SetPasswordMixin
from django.views.decorators.debug import sensitive_variables

from pilot_admin.accounts import selectors
from pilot_admin.choices import Channel, NoticeKind, Role
from pilot_admin.models import User, WorkdayOverride


class OTPCodeForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        min_length=6,
        max_length=6,
        help_text="打开手机上的验证器应用，输入当前显示的 6 位数字。",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("验证码是 6 位数字。")
        return code


def _without_autofocus(form) -> None:
    """Django's auth forms focus their first field on load; ours do not: the first Tab of every
    page is the skip link, and a screen reader starts at the page's heading and notices (why a
    password must change, that the session timed out), not in the middle of the form."""
    for field in form.fields.values():
        field.widget.attrs.pop("autofocus", None)


class LoginForm(auth_forms.AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_autofocus(self)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, and the new password must differ from the current one: a forced or expired
    change that kept the password would change nothing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_autofocus(self)

    @sensitive_variables("old", "new")
    def clean(self):
        cleaned_data = super().clean()
        old, new = cleaned_data.get("old_password"), cleaned_data.get("new_password1")
        if old and new and old == new:
            self.add_error(
                "new_password1", forms.ValidationError("新密码不能与当前密码相同。", code="password_unchanged")
            )
        return cleaned_data


# --- the administrators' forms ---------------------------------------------------------------


# The User constraints that name the unit a role requires, and that unit's field.
UNIT_CONSTRAINTS = {
    "user_township_role_has_township": "township",
    "user_department_role_has_department": "department",
}


class AccountForm(forms.ModelForm):
    """The system administrator's account form: who the person is, their role and unit. Input
    shape only: the User model's constraints and the separation rules are the service's
    (account_create / account_update), whose refusals come back onto these fields."""

    class Meta:
        model = User
        fields = (
            "username",
            "last_name",
            "email",
            "phone",
            "wecom_userid",
            "dingtalk_userid",
            "role",
            "county",
            "township",
            "department",
            "is_unit_leader",
            "is_staff",
            "is_active",
        )
        labels = {
            "last_name": "姓名或单位名称",
            "email": "电子邮箱",
            "is_staff": "可进入后台（数据管理）",
            "is_active": "在用",
        }
        help_texts = {
            "username": "登录用的名字：字母、数字和 @ . + - _，不超过 150 个字符。",
            "email": "每日提醒摘要发到这个邮箱；可不填。",
            "township": "乡镇角色必填，其他角色不填。",
            "department": "县直部门角色必填，其他角色不填。",
            "is_unit_leader": "仅乡镇和县直部门：逾期升级提醒发给单位负责人。",
            "is_staff": "仅县级管理员（领导小组办公室）可用，其他角色保存时自动取消。",
            "is_active": "停用后该账户立即不能登录，接口令牌也随之失效。",
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["last_name"].required = True
        self.fields["role"].choices = [("", "请选择角色"), *Role.choices]
        self.fields["township"].queryset = selectors.county_townships(user=actor)
        self.fields["township"].empty_label = "（不属于乡镇）"
        self.fields["department"].queryset = selectors.county_departments(user=actor)
        self.fields["department"].empty_label = "（不属于部门）"
        if actor.county_id is not None:
            # Accounts are made in the administrator's own county (the view sets it).
            del self.fields["county"]
        else:
            self.fields["county"].required = True
            self.fields["county"].empty_label = "请选择县"

    def _post_clean(self):
        # Model validation runs inside the service, which owns the write.
        pass

    def add_service_error(self, error) -> None:
        """The service's refusal on the form: a unit the role requires (the User model's named
        constraints) under that unit's field, the rest per field or above the form."""
        unit_fields = {
            str(constraint.violation_error_message): UNIT_CONSTRAINTS[constraint.name]
            for constraint in User._meta.constraints
            if constraint.name in UNIT_CONSTRAINTS
        }
        pairs = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
        for field, messages in pairs:
            for message in messages:
                target = unit_fields.get(message, field)
                self.add_error(target if target in self.fields else None, message)


class AccountCreateForm(SetPasswordMixin, AccountForm):
    """A new account and its first password, which the user must replace at the first sign-in."""

    password1, password2 = SetPasswordMixin.create_password_fields(label1="初始密码", label2="再次输入初始密码")

    class Meta(AccountForm.Meta):
        fields = tuple(name for name in AccountForm.Meta.fields if name != "is_active")

    def clean(self):
        cleaned_data = super().clean()
        self.validate_passwords()
        # The similarity check compares the password with the name and username just typed.
        candidate = User(
            username=cleaned_data.get("username") or "",
            last_name=cleaned_data.get("last_name") or "",
            email=cleaned_data.get("email") or "",
        )
        self.validate_password_for_user(candidate)
        return cleaned_data


class AccountUpdateForm(AccountForm):
    class Meta(AccountForm.Meta):
        fields = tuple(name for name in AccountForm.Meta.fields if name != "username")


class PasswordResetForm(SetPasswordMixin, forms.Form):
    """An administrator sets another person's password, which they must replace at next sign-in."""

    password1, password2 = SetPasswordMixin.create_password_fields(label1="新密码", label2="再次输入新密码")

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned_data = super().clean()
        self.validate_passwords()
        self.validate_password_for_user(self.user)
        return cleaned_data


class WorkdayOverrideForm(forms.ModelForm):
    """One day of the county's calendar. A date already entered is changed, not duplicated
    (the view loads it), so the form never trips the unique date."""

    class Meta:
        model = WorkdayOverride
        fields = ("date", "is_workday", "name", "note")
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class NoticeChannelsForm(forms.ModelForm):
    """我的账户 → 提醒渠道: the person's addresses (their shape checked by the User fields) and one
    box per notice kind and channel the county allows (`allowed(kind)` → channels)."""

    class Meta:
        model = User
        fields = ("phone", "wecom_userid", "dingtalk_userid")
        help_texts = {
            "phone": "11 位手机号，如 13812345678；不填则不收短信。",
            "wecom_userid": "企业微信通讯录里的账号（UserID），可请本单位企业微信管理员查看。",
            "dingtalk_userid": "钉钉通讯录里的 userid，可请本单位钉钉管理员查看。",
        }

    def __init__(self, *args, allowed, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = self.instance.notice_channels if isinstance(self.instance.notice_channels, dict) else {}
        self.grid = []
        for kind in NoticeKind:
            cells = []
            for channel in Channel:
                if channel not in allowed(kind):
                    cells.append(None)
                    continue
                name = f"{kind.value}__{channel.value}"
                self.fields[name] = forms.BooleanField(
                    label=f"{kind.label}：{channel.label}",
                    required=False,
                    initial=kind.value not in chosen or channel.value in chosen[kind.value],
                )
                cells.append(name)
            self.grid.append((kind, cells))

    def rows(self):
        """(kind, [(channel, bound field or None)]) for the template's table."""
        return [
            (kind, [(channel, self[name] if name else None) for channel, name in zip(Channel, cells, strict=True)])
            for kind, cells in self.grid
        ]

    def notice_channels(self) -> dict[str, list[str]]:
        return {
            kind.value: [name.split("__", 1)[1] for name in cells if name and self.cleaned_data.get(name)]
            for kind, cells in self.grid
        }
