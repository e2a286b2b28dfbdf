"""A retiree reads their pension in a real Chromium, on a 390 x 844 phone and on a desktop
(review-user10 F3): signs in with the code sent to their mobile, follows 我的养老金 from the home page,
reads the entitlement, this month's amount, the months paid and the arrears statement; no page is
wider than the screen, nothing is loaded from outside the app, and the accessibility engine finds no
serious or critical violation, in the standard look and in large type."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.portal.conftest import sign_in_person_page
from tests.portal.test_accessibility import AXE, serious_violations
from tests.portal.test_employer_browser import fits, screen  # noqa: F401 (the fixture)
from tests.portal.test_person_pension import retiree_paid_in_march

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_retiree_reads_the_pension_paid_and_the_arrears(screen, settings):  # noqa: F811
    page = screen
    retiree = retiree_paid_in_march(settings)

    sign_in_person_page(page, settings, retiree.person, "13900139041")
    page.get_by_role("link", name="我的养老金（待遇核定、每月发放、补发明细）").click()
    expect(page.get_by_role("heading", name="我的养老金", level=1)).to_be_visible()
    expect(page.locator("#entitlement")).to_contain_text("基础养老金")
    expect(page.locator("#entitlement")).to_contain_text("2,654.10元/月")
    # no adjustment issued yet that applies: said so, not "含已公布的年度调整" (review-user12 F2)
    expect(page.locator("#now")).to_contain_text("3,654.10元（与退休时相同：退休后尚无已印发、适用于您的年度调整")
    expect(page.locator("#record-months")).to_contain_text("0个月")
    first = page.locator("#payments li").first
    expect(first).to_contain_text("2020-03 当月 3,654.10元")
    expect(first).to_contain_text("支付成功")
    expect(first).to_contain_text("2020-03-20到账")
    expect(page.locator("#payments li")).to_have_count(1)  # the 4 补发 months only in 补发明细 (review-user14 (12))
    expect(page.locator("#arrears")).to_contain_text("共 14,616.40 元")
    expect(page.locator("#arrears tbody tr")).to_have_count(4)
    page.get_by_text("计算过程").click()
    expect(page.get_by_text("个人账户储存额139,000.00元").first).to_be_visible()
    fits(page, "person-pension")
    if page.size_name == "phone":  # the engine on the phone, standard and large type (适老化)
        cookies = [c for c in page.context.cookies() if c["name"] != "large_type"]
        for large in (False, True):
            # the app's CSP refuses injected scripts: the engine runs in a context that bypasses it
            ctx = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                                   bypass_csp=True, is_mobile=True, has_touch=True)
            ctx.add_cookies(cookies + ([{"name": "large_type", "value": "1", "url": page.base}] if large else []))
            checked = ctx.new_page()
            checked.goto(page.base + "/portal/person/pension/")
            assert ("large-type" in (checked.get_attribute("html", "class") or "")) == large
            assert AXE.exists() and serious_violations(checked) == [], large
            ctx.close()
