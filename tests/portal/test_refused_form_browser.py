"""A refused portal form in a real Chromium, on a 390 x 844 phone and on a desktop: the change of data
offers 性别, 户籍性质, 缴费人员类别 and 工人变更干部身份 as lists with their Chinese names (review-user6 F2); one
wrong new value is marked alone (F6); and the focus moves to the first input at fault though the form
has no error summary (F5), as on the sign-in page. axe-core finds no serious violation on the refused
form."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from shebao.cases.models import Case
from shebao.registry.models import EmploymentSpell
from tests.portal.conftest import make_admin, sign_in_employer_page
from tests.portal.test_accessibility import AXE, serious_violations
from tests.portal.test_employer_browser import VIEWPORTS, fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, browser, live_server):
    size = VIEWPORTS[request.param]
    phone = request.param == "phone"
    # bypass_csp: only so that the test may inject axe-core, as test_accessibility does.
    context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=phone, has_touch=phone,
                                  device_scale_factor=2 if phone else 1, bypass_csp=True)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
                  else route.abort())
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.base = live_server.url
    page.size_name = request.param
    yield page
    context.close()


def test_a_refused_change_of_data_marks_and_focuses_the_one_wrong_value(screen, settings, employer_chaoyang,
                                                                       person_chaoyang):
    page = screen
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    admin = make_admin(employer_chaoyang)

    # The sign-in page has no summary either: a refused number gets the focus.
    page.goto(page.base + "/portal/person/sign-in/")
    page.get_by_label("身份证件号码").fill("\u202e" + person_chaoyang.id_number)
    page.get_by_role("button", name="获取短信验证码").click()
    expect(page.locator("#id_id_number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_id_number")).to_be_focused()
    assert "第1位是不可见的字符U+202E" in page.inner_text("main")
    assert "\u202e" not in page.content()

    sign_in_employer_page(page, settings, employer_chaoyang, admin)

    page.goto(page.base + "/portal/employer/cases/new/?business=person_change")
    page.get_by_label("职工证件号码").fill(person_chaoyang.id_number)
    for item, value in (("户籍性质", "农业"), ("缴费人员类别", "灵活就业人员"), ("工人变更干部身份", "是")):
        page.get_by_role("checkbox", name=item, exact=True).check()
        page.get_by_label(f"{item}新值").select_option(label=value)
    page.get_by_role("checkbox", name="手机号码", exact=True).check()
    page.get_by_label("手机号码新值").fill("12345")
    fits(page, "change-form")
    page.get_by_role("button", name="提交申请").click()

    mobile = page.locator("#bf-new-mobile")
    expect(mobile).to_have_attribute("aria-invalid", "true")
    assert page.locator('[aria-invalid="true"]').count() == 1
    expect(mobile).to_be_focused()  # the focus is at the one input at fault
    box = mobile.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]  # on the screen
    assert "手机号码：" in page.inner_text("#bf-new-mobile-error")
    # the other values stay chosen, by their Chinese names, and are not outlined as errors
    for item, value in (("户籍性质", "农业"), ("缴费人员类别", "灵活就业人员"), ("工人变更干部身份", "是")):
        select = page.get_by_label(f"{item}新值")
        assert select.evaluate("s => s.options[s.selectedIndex].text") == value
        assert select.get_attribute("aria-invalid") is None
        assert select.evaluate("s => getComputedStyle(s).borderTopWidth") == "1px"
    fits(page, "change-refused")
    if AXE.exists():
        assert serious_violations(page) == []
    assert not Case.objects.exists()

    mobile.fill("13900001111")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#decision")).to_be_visible()
    assert Case.objects.get().details == {"changes": {"household_type": "rural", "contributor_category": "flexible",
                                                      "cadre_status": "true", "mobile": "13900001111"}}
