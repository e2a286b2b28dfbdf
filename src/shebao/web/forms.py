"""Forms of the staff pages that are not a service's input (sign-in)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError

from shebao.core.forms import VisibleTextForm

# One message for every failure when the second factor is on: it tells no one which part was right.
WRONG_WITH_SECOND_FACTOR = "用户名、密码或动态口令不正确，请重新输入（区分大小写；动态口令以验证器应用当前显示的为准）。"


class SignInForm(VisibleTextForm, AuthenticationForm):
    """Django's sign-in form with every message in plain Chinese, an empty field included, and the
    second factor: the 6-digit code of the account's authenticator (django-otp TOTP; staff.otp).

    A wrong code counts as a failed sign-in (the `user_login_failed` signal), so django-axes locks the
    account after repeated failures whichever part was wrong. On success `get_user().otp_device` is
    the device that verified the code; django-otp keeps it in the session at sign-in.
    """

    otp_token = forms.CharField(label="动态口令", required=False, max_length=10, strip=True)

    error_messages = {
        "invalid_login": "用户名或密码不正确，请输入正确的用户名和密码（区分大小写）。",
        "inactive": "该账号已停用，请联系本单位管理员。",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "请填写用户名"
        self.fields["password"].error_messages["required"] = "请填写密码"
        self.second_factor = settings.SHEBAO_STAFF_MFA
        if self.second_factor:
            self.error_messages = {**self.error_messages, "invalid_login": WRONG_WITH_SECOND_FACTOR}

    def clean(self):
        cleaned = super().clean()
        if self.second_factor and self.user_cache is not None:
            from django_otp import match_token

            token = (cleaned.get("otp_token") or "").replace(" ", "")
            device = match_token(self.user_cache, token) if token.isascii() and token.isdigit() else None
            if device is None:
                user_login_failed.send(sender=__name__, credentials={"username": cleaned.get("username")},
                                       request=self.request)
                self.user_cache = None
                raise ValidationError(WRONG_WITH_SECOND_FACTOR, code="invalid_login")
            self.user_cache.otp_device = device
        return cleaned
