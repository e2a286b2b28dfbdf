"""Forms outside the business definitions judge invisible characters as the business forms do (issue
15, closing18's open item; review-input7 F7): the character is named with its position
(`core.masking.invisible_problem`), and the box is drawn again without it (`core.masking.shown_data`).
One helper (`core.masking.invisible_problems`), one base for Django forms (`core.forms.VisibleTextForm`),
and the model guard's message (`core.inputs.field_problems`) say it the same way."""

from __future__ import annotations

import pytest
from django import forms
from django.http import QueryDict

from shebao.core.forms import VisibleTextForm
from shebao.core.inputs import field_problems
from shebao.core.masking import invisible_problems, shown_data


class _Form(VisibleTextForm, forms.Form):
    name = forms.CharField(label="姓名", max_length=20)
    note = forms.CharField(label="说明", required=False)
    secret = forms.CharField(label="密码", widget=forms.PasswordInput)


def test_the_helper_names_each_input_its_character_and_position():
    data = QueryDict(mutable=True)
    data.setlist("name", ["王五", "王\u00ad五"])  # a repeated input: every value is read
    data["note"] = "好"
    assert invisible_problems(data, {"name": "姓名", "note": "说明"}) == {
        "name": "姓名第2位是不可见的字符U+00AD（软连字符），不能填写该字符，请核对后重新提交"}
    assert shown_data(data).getlist("name") == ["王五", "王五"]
    assert shown_data({"a": "\u202e1", "f": 3}) == {"a": "1", "f": 3}


def test_a_django_form_names_the_character_and_draws_the_box_without_it():
    form = _Form({"name": "王\u200b五", "note": "本人\u202e提供", "secret": "pass\u200bword"})
    assert not form.is_valid()
    assert form.errors["name"] == ["姓名第2位是不可见的字符U+200B（零宽空格），不能填写该字符，请核对后重新提交"]
    assert form.errors["note"] == ["说明第3位是不可见的字符U+202E（从右向左覆盖），不能填写该字符，请核对后重新提交"]
    assert "secret" not in form.errors  # a password is never drawn again nor judged here
    html = str(form["name"]) + str(form["note"])
    assert 'value="王五"' in html and 'value="本人提供"' in html
    assert "\u200b" not in html and "\u202e" not in html
    assert "name" not in form.cleaned_data


def test_a_clean_form_is_untouched():
    form = _Form({"name": "王五", "note": "", "secret": "x"})
    assert form.is_valid() and form.cleaned_data["name"] == "王五"


@pytest.mark.django_db
def test_the_model_guard_names_the_position_too():
    from shebao.registry.models import Employer

    said = field_problems(Employer, [("name", "北京\u200b某公司")])
    assert said == {"name": "单位名称第3位是不可见的字符U+200B（零宽空格），不能填写该字符，请核对后重新提交"}, said
    assert field_problems(Employer, [("name", "北" * 300)])["name"].startswith("单位名称不能超过")


@pytest.mark.django_db
def test_the_staff_sign_in_names_an_invisible_character_in_the_user_name(rf):
    from shebao.web.forms import SignInForm

    form = SignInForm(rf.post("/login/"), data={"username": "clerk\u200b1", "password": "x"})
    assert not form.is_valid()
    assert form.errors["username"] == ["用户名第6位是不可见的字符U+200B（零宽空格），不能填写该字符，请核对后重新提交"]
    assert 'value="clerk1"' in str(form["username"])
