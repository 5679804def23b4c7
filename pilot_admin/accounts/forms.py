from django import forms


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
