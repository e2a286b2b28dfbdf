"""On a 390 x 844 phone in a real Chromium (review user3 U2, U4): an employer's person change without
the employee is refused at the ID number field with the new value kept, then registered naming the
employee; its online refund is made by ticking one of its own paid dues. No page is wider than the
phone and nothing is loaded from outside the app."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from shebao.cases.models import Case
from shebao.registry.models import EmploymentSpell
from tests.collection.conftest import book_due
from tests.portal.conftest import sign_in_employer_page
from tests.portal.test_employer_browser import fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    external: list[str] = []

    def guard(route):
        if route.request.url.startswith((live_server.url, "data:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.base = live_server.url
    page.size_name = "phone"
    yield page
    context.close()
    assert not external, external


def test_an_employer_names_its_employee_and_picks_its_paid_dues_on_a_phone(
        phone, settings, employer_chaoyang, person_chaoyang):
    page = phone
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    due = book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    sign_in_employer_page(page, settings, employer_chaoyang)

    page.goto(page.base + "/portal/employer/cases/new/?business=person_change")
    page.get_by_role("checkbox", name="联系电话").check()
    page.get_by_label("联系电话新值").fill("010-88886666")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#f-id_number-error")).to_have_text("请填写职工的证件号码")
    expect(page.get_by_label("联系电话新值")).to_have_value("010-88886666")  # kept, not cleared
    assert not Case.objects.exists()
    fits(page, "person-change-refused")
    page.get_by_label("职工证件号码").fill(person_chaoyang.id_number)
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#decision")).to_be_visible()
    case = Case.objects.get()
    assert case.person == person_chaoyang and case.details == {"changes": {"phone": "010-88886666"}}
    expect(page.get_by_text(person_chaoyang.name).first).to_be_visible()
    fits(page, "person-change-registered")

    page.goto(page.base + "/portal/employer/cases/new/?business=refund")
    page.get_by_label("职工证件号码").fill(person_chaoyang.id_number)
    page.get_by_label("退费类型").select_option("overpayment")
    page.get_by_label("退费金额").fill("300")
    page.get_by_role("checkbox", name=f"编号{due.pk}：2019-12").check()
    page.get_by_label("收款人户名").fill(employer_chaoyang.name)
    page.get_by_label("开户银行").fill("中国工商银行北京朝阳支行")
    page.get_by_label("收款银行账号").fill("6222020000001234567")
    fits(page, "refund-form")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#decision")).to_be_visible()
    refund = Case.objects.get(business="refund")
    assert refund.details["dues"] == [due.pk] and refund.details["amount_fen"] == 30_000
    fits(page, "refund-registered")
