"""The portal's pages pass an automated accessibility engine (axe-core, installed by `make install`
into node_modules and injected by the test, never committed) with no serious or critical violation,
in the standard look and in the elderly-friendly large-type mode (适老化: larger type, higher contrast),
on a 390 x 844 phone (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shebao.registry.models import EmploymentSpell
from tests.portal.conftest import PASSWORD, make_admin, sms_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def a11y_page(browser, live_server):
    if not AXE.exists():
        pytest.skip("没有 axe-core：请运行 make install（npm install axe-core）。No axe-core: run make install.")
    # The app's Content Security Policy refuses injected scripts; the engine is injected by the test only.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", bypass_csp=True,
                                  is_mobile=True, has_touch=True)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
                  else route.abort())
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


def serious_violations(page) -> list[str]:
    page.wait_for_load_state("networkidle")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("large_type", [False, True], ids=["standard", "large-type"])
def test_the_portals_pages_have_no_serious_accessibility_violation(a11y_page, settings, large_type,
                                                                   employer_chaoyang, person_chaoyang):
    page = a11y_page
    if large_type:
        page.context.add_cookies([{"name": "large_type", "value": "1", "url": page.base}])
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    admin = make_admin(employer_chaoyang)
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        if large_type:
            assert "large-type" in (page.get_attribute("html", "class") or "")
        problems = serious_violations(page)
        if problems:
            found[name] = problems

    page.goto(page.base + "/portal/")
    check("home")
    page.goto(page.base + "/portal/person/sign-in/")
    page.get_by_role("button", name="获取短信验证码").click()  # empty: the error beside the field
    check("person-sign-in-error")
    page.goto(page.base + "/portal/employer/sign-in/")
    check("employer-sign-in")
    page.get_by_label("统一社会信用代码").fill(employer_chaoyang.credit_code)
    page.get_by_label("登录名").fill(admin.login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="下一步：获取短信验证码").click()
    page.get_by_label("短信验证码").fill("000000")
    page.get_by_role("button", name="登录").click()
    check("code-error")
    page.get_by_label("短信验证码").fill(sms_codes(settings, admin.mobile)[-1])
    page.get_by_role("button", name="登录").click()
    check("employer-home")
    for path in ("cases/new/", "cases/new/?business=individual_back_payment", "cases/", "account/", "messages/",
                 "accounts/"):
        page.goto(page.base + "/portal/employer/" + path)
        check(path)
    page.goto(page.base + "/portal/employer/cases/new/?business=individual_back_payment")
    page.get_by_label("职工证件号码").fill(person_chaoyang.id_number)
    page.get_by_role("button", name="提交申请").click()  # no period or bases: errors beside the fields
    check("case-form-errors")
    page.get_by_label("起始月份").fill("2019-11")
    page.get_by_label("终止月份").fill("2019-12")
    page.get_by_label("各月缴费基数").fill("2019-11,8000\n2019-12,8000")
    page.get_by_role("button", name="提交申请").click()
    check("case")
    assert not found, found
