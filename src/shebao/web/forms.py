"""Forms of the staff pages that are not a service's input (sign-in)."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    """Django's sign-in form with every message in plain Chinese, an empty field included."""

    error_messages = {
        "invalid_login": "用户名或密码不正确，请输入正确的用户名和密码（区分大小写）。",
        "inactive": "该账号已停用，请联系本单位管理员。",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "请填写用户名"
        self.fields["password"].error_messages["required"] = "请填写密码"
