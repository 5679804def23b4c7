from django import forms
from django.contrib.auth import forms as auth_forms
from django.views.decorators.debug import sensitive_variables


class OTPCodeForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        min_length=6,
        max_length=6,
        help_text="打开手机上的验证器应用，输入当前显示的 6 位数字。",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}", "autofocus": True}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("验证码是 6 位数字。")
        return code


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, and the new password must differ from the current one: a forced or expired
    change that kept the password would change nothing."""

    @sensitive_variables("old", "new")
    def clean(self):
        cleaned_data = super().clean()
        old, new = cleaned_data.get("old_password"), cleaned_data.get("new_password1")
        if old and new and old == new:
            self.add_error(
                "new_password1", forms.ValidationError("新密码不能与当前密码相同。", code="password_unchanged")
            )
        return cleaned_data
