"""The portal's forms: every message in Chinese, shown next to its field (no JavaScript needed).

What a person types is normalised before anything is checked or looked up, the same way everywhere in
the portal (`core.normalize`, bad-input review D10/D12): full-width digits and letters (１２３,
ＡＢＣ), spaces and hyphens inside a number (``110105 1965 0713 0892``), a lower-case x. Only then
are lengths and formats checked, so a field's limit counts the characters of the number, not the
spaces typed between them. A digit of another script (Arabic-Indic ٣) is not a typing accident: it
is refused naming its position.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from django import forms

from shebao.core.forms import VisibleTextForm
from shebao.core.masking import char_named, shown_text
from shebao.core.normalize import normalize_code, normalize_phone
from shebao.core.person_name import normalize_person_name
from shebao.registry.checks import CodeError, parse_citizen_id, validate_credit_code

LOGIN = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# How many characters a box takes as typed: a number's own length plus the spaces people put in it.
TYPED_MAX = 64


def _required(label: str) -> dict[str, str]:
    return {"required": f"请填写{label}", "max_length": f"{label}过长"}


def normalize_login(value: object) -> str:
    """A login name as typed: full-width letters as ASCII (NFKC), trimmed. Compared without case."""
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()


def non_ascii_problem(value: str, label: str) -> str:
    """Why a normalised number still holds a character that is not an ASCII letter or digit, naming
    its position (1-based), or ``""``."""
    for i, ch in enumerate(value, start=1):
        if not (ch.isascii() and ch.isalnum()):
            # An invisible character is named by its code point, never put raw into the page
            # (review-input6 F12), and the box is drawn again without it (`NormalizedField.prepare_value`).
            gone = "（已从输入框中去掉）" if not char_named(ch).startswith("“") else ""
            return f"{label}第{i}位是{char_named(ch)}，不是可用的字符{gone}：请只输入数字0–9和字母"
    return ""


def visible_name_problem(name: str) -> str:
    """Why `name` cannot be shown as a person's name, in Chinese, or ``""``: empty once the spaces and
    the invisible format characters (zero-width space U+200B, joiners, bidi controls such as U+202E,
    Unicode category Cf) are set aside, or holding such a character at all (a name that shows as
    blank, or reads backwards, on every page that names the account; bad-input review D11); then the one
    rule of a person's name (`core.person_name`: letters, Han characters and the 间隔号, no digits or
    symbols), which an employer clerk's name escaped (review-input12 F16: "<b>HR 01</b>" was stored).
    The clerk's document is not known: the rule of a document other than the 居民身份证."""
    from shebao.core.person_name import person_name_problem

    for i, ch in enumerate(name, start=1):
        if unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cs", "Cn"):
            # where and which, as every form says it (core.masking.invisible_problem)
            return f"姓名第{i}位是{char_named(ch)}，不能填写该字符，请核对后重新提交"
    if not any(unicodedata.category(ch)[0] in "LN" for ch in name):
        return "请填写姓名（须含文字）"
    problem = person_name_problem(name)
    return f"姓名{problem}" if problem else ""


class NormalizedField(forms.CharField):
    """A CharField whose value is normalised (`normalizer`) before its length is checked; the box
    takes up to TYPED_MAX characters as typed."""

    def __init__(self, *, normalizer: Callable[[object], str], **kwargs: Any) -> None:
        self.normalizer = normalizer
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return self.normalizer(text) if text not in self.empty_values else text

    def prepare_value(self, value: Any) -> Any:
        """The value drawn again in the box after a refusal: what was typed, less the characters that
        cannot be shown (a U+202E would turn the box around; the message names it by code point)."""
        return shown_text(value) if isinstance(value, str) else value

    def widget_attrs(self, widget: Any) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if "maxlength" in attrs:
            attrs["maxlength"] = str(TYPED_MAX)
        if "minlength" in attrs:
            attrs.pop("minlength")
        return attrs


class PersonSignInForm(VisibleTextForm, forms.Form):
    id_number = NormalizedField(
        normalizer=normalize_code, label="身份证件号码", max_length=32, error_messages=_required("身份证件号码"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "text"}))

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"]
        problem = non_ascii_problem(value, "证件号码")
        if problem:
            raise forms.ValidationError(problem)
        if len(value) in (16, 17) and value.rstrip("X").isdigit():
            # A citizen ID number short of a digit or two (review-user13 (7): 17 digits "sent" a code): no
            # document has this form, so it is refused here, before any code is made, sent or stored.
            raise forms.ValidationError(f"证件号码有误：公民身份号码应为18位，现为{len(value)}位，请核对后重新输入")
        if len(value) == 18 and value[:17].isdigit():
            try:
                return parse_citizen_id(value).number
            except CodeError as e:
                raise forms.ValidationError(f"证件号码有误：{e}") from None
        if len(value) < 6:
            raise forms.ValidationError("证件号码格式不正确：请输入18位公民身份号码或其他证件号码")
        return value


class CodeForm(VisibleTextForm, forms.Form):
    code = NormalizedField(normalizer=normalize_code, label="短信验证码", max_length=6, min_length=6,
                           error_messages={"required": "请填写短信验证码", "max_length": "验证码为6位数字",
                                           "min_length": "验证码为6位数字"},
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def clean_code(self) -> str:
        value = self.cleaned_data["code"]
        if not (value.isascii() and value.isdigit()):
            raise forms.ValidationError("验证码为6位数字")
        return value


class EmployerSignInForm(VisibleTextForm, forms.Form):
    credit_code = NormalizedField(normalizer=normalize_code, label="统一社会信用代码", max_length=18, min_length=18,
                                  error_messages={**_required("统一社会信用代码"),
                                                  "max_length": "统一社会信用代码为18位",
                                                  "min_length": "统一社会信用代码为18位"})
    login = NormalizedField(normalizer=normalize_login, label="登录名", max_length=40, error_messages=_required("登录名"),
                            widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(label="密码", max_length=128, error_messages=_required("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean_credit_code(self) -> str:
        try:
            return validate_credit_code(self.cleaned_data["credit_code"], legacy_check_character=True)
        except CodeError as e:
            raise forms.ValidationError(f"统一社会信用代码有误：{e}") from None


class ClerkForm(VisibleTextForm, forms.Form):
    login = NormalizedField(normalizer=normalize_login, label="登录名", max_length=40,
                            error_messages=_required("登录名"), help_text="3至40位字母、数字或 _ . -，不区分大小写")
    display_name = NormalizedField(normalizer=normalize_person_name, label="姓名", max_length=50,
                                   error_messages=_required("姓名"))
    mobile = NormalizedField(normalizer=normalize_phone, label="手机号码", max_length=11,
                             error_messages={**_required("手机号码"), "max_length": "手机号码须为11位中国大陆手机号码"},
                             help_text="登录验证码发送到该号码", widget=forms.TextInput(attrs={"inputmode": "tel"}))
    password = forms.CharField(label="初始密码", max_length=128, strip=False, error_messages=_required("初始密码"),
                               help_text="至少12位，不能全为数字或过于常见",
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_login(self) -> str:
        value = self.cleaned_data["login"]
        if value and not LOGIN.match(value):
            raise forms.ValidationError("登录名须为3至40位字母、数字或 _ . -")
        return value

    def clean_display_name(self) -> str:
        value = self.cleaned_data["display_name"]
        problem = visible_name_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean_mobile(self) -> str:
        value = self.cleaned_data["mobile"]
        if not MOBILE.match(value):
            raise forms.ValidationError("手机号码须为11位中国大陆手机号码")
        return value
