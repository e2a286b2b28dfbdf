"""On a 390 x 844 phone in a real Chromium (review-input9 F1): an employer registering an employee whose
name is Hangul fillers (U+3164, shown as nothing) is told in Chinese which character stands where, beside
the name box, which is drawn again without it; nothing is stored. Typed again with a look-alike 间隔号
(•), the registration is taken and the name stored with U+00B7."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from shebao.cases.models import Case
from tests.portal.conftest import sign_in_employer_page
from tests.portal.test_employer_browser import fits
from tests.portal.test_person_named_browser import phone  # noqa: F401 (the 390 x 844 page)
from tests.portal.test_person_names import _registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_name_of_fillers_is_named_beside_its_box_on_a_phone(phone, settings, employer_chaoyang):  # noqa: F811
    page = phone
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    sign_in_employer_page(page, settings, employer_chaoyang)

    page.goto(page.base + "/portal/employer/cases/new/?business=insured_registration")
    typed = _registration("\u3164\u3164")
    for name, value in typed.items():
        box = page.locator(f'[name="{name}"]')
        if box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)
    page.get_by_role("button", name="提交申请").click()
    said = page.locator("#bf-insured_name-error")
    expect(said).to_contain_text("第1位是不可见的字符U+3164（韩文填充符），不能填写该字符")
    expect(page.locator('[name="insured_name"]')).to_have_value("")  # drawn again without the fillers
    assert not Case.objects.exists()
    fits(page, "name-filler-refused")

    page.locator('[name="insured_name"]').fill("阿依古丽•买买提")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#decision")).to_be_visible()
    assert Case.objects.get().details["insured_name"] == "阿依古丽·买买提"
