"""The employer's whole errand in a real Chromium, on a 390 x 844 phone and on a desktop (issue 15):
sign in with the code sent by SMS, submit an individual back-payment, sign the commitment letter,
upload a document; a clerk handles the case in the back office; the employer sees the decision and
the bill. Nothing is loaded from outside the app, and no page is wider than the phone."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from shebao.cases.models import Case, CommitmentLetter
from shebao.registry.models import EmploymentSpell
from tests import personas
from tests.businesses.walk import PDF, finish
from tests.conftest import screenshot
from tests.portal.conftest import PASSWORD, make_admin, sms_codes
from tests.web.test_phone_viewport import OVERFLOW_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, browser, live_server):
    size = VIEWPORTS[request.param]
    phone = request.param == "phone"
    context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=phone, has_touch=phone,
                                  device_scale_factor=2 if phone else 1)
    external: list[str] = []

    def guard(route):
        if route.request.url.startswith((live_server.url, "data:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.base = live_server.url
    page.size_name = request.param
    yield page
    context.close()
    assert not external, external


def fits(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    screenshot(page, f"portal-{page.size_name}-{name}")
    m = page.evaluate(OVERFLOW_JS)
    assert m["doc"] <= m["vw"] and not m["wide"], (name, m)


def test_an_employer_applies_signs_uploads_and_sees_the_decision_and_bill(
        screen, settings, tmp_path, employer_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    page = screen
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)  # inside the emergency
    # A temporary account's back-payment from 2011-07 on, at most 36 months: on commitment (1.2b).
    person_chaoyang = personas.make_person("张临时", serial=41, account_type="temporary")
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    admin = make_admin(employer_chaoyang)

    page.goto(page.base + "/portal/")
    fits(page, "01-home")
    page.get_by_role("link", name="单位登录").click()
    page.get_by_label("统一社会信用代码").fill(employer_chaoyang.credit_code)
    page.get_by_label("登录名").fill(admin.login)
    page.get_by_label("密码").fill(PASSWORD)
    fits(page, "02-sign-in")
    page.get_by_role("button", name="下一步：获取短信验证码").click()
    expect(page.get_by_role("heading", name="输入短信验证码")).to_be_visible()
    page.get_by_label("短信验证码").fill(sms_codes(settings, admin.mobile)[-1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=employer_chaoyang.name)).to_be_visible()
    fits(page, "03-home")

    page.get_by_role("link", name="我要办理").first.click()
    page.get_by_role("link", name="个人补缴（单位申报）").click()
    page.get_by_label("职工证件号码").fill(person_chaoyang.id_number)
    page.get_by_label("起始月份").fill("2019-05")
    page.get_by_label("终止月份").fill("2019-06")
    page.get_by_label("各月缴费基数").fill("2019-05,8000\n2019-06,8000")
    fits(page, "04-form")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#decision")).to_be_visible()
    case = Case.objects.get()
    assert case.channel == "online" and case.mode == "commitment" and "commitment_letter" in case.requires
    expect(page.locator("#decision")).to_contain_text(case.explanation_zh)
    fits(page, "05-case")

    page.get_by_label("本单位作出上述承诺").check()
    page.get_by_role("button", name="签署承诺书").click()
    letter = CommitmentLetter.objects.get(case=case)
    expect(page.locator("#commitment")).to_contain_text(letter.sha256)
    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("这份材料是").select_option("other")  # not one the case names: its name typed
    page.get_by_label("其他材料的名称").fill("劳动合同")
    page.get_by_label("文件（PDF文件或图片）").set_input_files(str(pdf))
    page.get_by_role("button", name="上传", exact=True).last.click()
    expect(page.locator("#documents")).to_contain_text("劳动合同")
    fits(page, "06-uploaded")

    case.refresh_from_db()
    finish(case, clerk_chaoyang, reviewer_chaoyang)  # the back office handles the online case
    page.reload()
    expect(page.locator("#case-status")).to_have_text("已办结")
    expect(page.locator("#effects")).to_be_visible()
    fits(page, "07-completed")
    page.get_by_role("link", name="查看缴费与账单").click()
    expect(page.locator("#dues")).to_contain_text("2019-05")
    expect(page.locator("#remittance-reference")).to_be_visible()
    fits(page, "08-bill")
