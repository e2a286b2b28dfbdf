"""The portal's forms: every message in Chinese, shown next to its field (no JavaScript needed)."""

from __future__ import annotations

from django import forms

from shebao.registry.checks import CodeError, parse_citizen_id, validate_credit_code


def _required(label: str) -> dict[str, str]:
    return {"required": f"请填写{label}", "max_length": f"{label}过长"}


class PersonSignInForm(forms.Form):
    id_number = forms.CharField(label="身份证件号码", max_length=32, error_messages=_required("身份证件号码"),
                                widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "text"}))

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip().upper()
        if len(value) == 18 and value[:17].isdigit():
            try:
                return parse_citizen_id(value).number
            except CodeError as e:
                raise forms.ValidationError(f"身份证号码有误：{e}") from None
        if not value.isascii() or not value.isalnum() or len(value) < 6:
            raise forms.ValidationError("证件号码格式不正确：请输入18位居民身份证号码或其他证件号码")
        return value


class CodeForm(forms.Form):
    code = forms.CharField(label="短信验证码", max_length=6, min_length=6, error_messages={
        "required": "请填写短信验证码", "max_length": "验证码为6位数字", "min_length": "验证码为6位数字"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}))

    def clean_code(self) -> str:
        value = self.cleaned_data["code"].strip()
        if not (value.isascii() and value.isdigit()):
            raise forms.ValidationError("验证码为6位数字")
        return value


class EmployerSignInForm(forms.Form):
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, min_length=18,
                                  error_messages={**_required("统一社会信用代码"),
                                                  "min_length": "统一社会信用代码为18位"})
    login = forms.CharField(label="登录名", max_length=40, error_messages=_required("登录名"),
                            widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(label="密码", max_length=128, error_messages=_required("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean_credit_code(self) -> str:
        value = self.cleaned_data["credit_code"].strip().upper()
        try:
            validate_credit_code(value, legacy_check_character=True)
        except CodeError as e:
            raise forms.ValidationError(f"统一社会信用代码有误：{e}") from None
        return value


class ClerkForm(forms.Form):
    login = forms.CharField(label="登录名", max_length=40, error_messages=_required("登录名"),
                            help_text="3至40位字母、数字或 _ . -")
    display_name = forms.CharField(label="姓名", max_length=50, error_messages=_required("姓名"))
    mobile = forms.CharField(label="手机号码", max_length=11, error_messages=_required("手机号码"),
                             help_text="登录验证码发送到该号码", widget=forms.TextInput(attrs={"inputmode": "tel"}))
    password = forms.CharField(label="初始密码", max_length=128, strip=False, error_messages=_required("初始密码"),
                               help_text="至少12位，不能全为数字或过于常见",
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
