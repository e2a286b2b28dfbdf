"""Card replacement in a real headless Chromium, on a desktop and on a 390x844 phone: the completed
case's page offers the certificate (a PDF), the card order page records made and posted with its EMS
number, and anyone checks the certificate's code on the public page without signing in; every page
reads as Chinese.

(The front desk's own fields for the address come from the business's definition,
rules/businesses/card_replacement.yaml; the desk's form is drawn from the definitions by the
front-desk page.)
"""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cards.models import CardOrder
from shebao.cases import services as cases
from tests.backoffice.test_browser_walkthrough import VIEWPORTS, _visible_problems, login
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADDRESS = {"reason": "damaged", "recipient_name": "张三", "recipient_phone": "13812345678",
           "postal_address": "北京市朝阳区朝阳门外大街1号院2单元301", "postal_code": "100020"}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_card_replacement_prints_its_certificate_and_is_checked_publicly(page, settings, viewport, clerk_chaoyang,
                                                                         reviewer_chaoyang, person_chaoyang):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    page.set_viewport_size(VIEWPORTS[viewport])
    # A shared two-core machine under a full test load answers slowly; the steps below wait for real
    # outcomes, so a longer patience only slows a failing run.
    page.set_default_timeout(90_000)
    page.set_default_navigation_timeout(90_000)
    case, _ = cases.case_submit(actor=clerk_chaoyang, business="card_replacement", channel="counter",
                                person=person_chaoyang, applicant_kind="person", applied_on=dt.date(2020, 2, 20),
                                details=ADDRESS)
    problems: list[str] = []
    # The clerk accepts, the reviewer approves: the order and its certificate are made on completion.
    login(page, "clerk_cy")
    page.goto(f"{page.live_server_url}/office/cases/{case.pk}/")
    page.click("form[action$='/act/accept/'] button")
    page.wait_for_selector("text=已受理")
    login(page, "reviewer_cy")
    page.goto(f"{page.live_server_url}/office/cases/{case.pk}/")
    page.click("form[action$='/act/approve/'] button")
    page.wait_for_selector("#card-order")
    order = CardOrder.objects.get(case=case)
    problems += _visible_problems(page, "case page")
    screenshot(page, f"60-card-case-{viewport}")
    # The certificate prints: a PDF from the case page's link.
    href = page.get_attribute("#card-order a[href$='certificate.pdf']", "href")
    pdf = page.request.get(page.live_server_url + href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"

    # The order page: made, then posted with an EMS number (a wrong one is refused in Chinese).
    login(page, "clerk_cy")
    page.goto(f"{page.live_server_url}/office/cards/{order.pk}/")
    assert "北京市朝阳区朝阳门外大街1号院2单元301" in page.inner_text("body")
    page.click("button:has-text('登记为“已制卡”')")
    page.wait_for_selector("text=已登记：已制卡")
    page.fill("input[name=tracking_number]", "EA12")
    page.click("button:has-text('登记为“已交EMS寄出”')")
    page.wait_for_selector("text=EMS邮件号应为13位")
    page.fill("input[name=tracking_number]", "EA123456785CN")
    page.click("button:has-text('登记为“已交EMS寄出”')")
    page.wait_for_selector("text=已登记：已交EMS寄出")
    # The verification code itself is letters and digits by design; everything else must read as Chinese.
    problems += [p for p in _visible_problems(page, "order page") if order.certificate_code_display not in p]
    screenshot(page, f"61-card-order-{viewport}")
    order.refresh_from_db()
    assert order.status == "posted" and order.ems_tracking_number == "EA123456785CN"

    # Anyone (signed out) checks the code: valid, masked data only.
    page.context.clear_cookies()
    page.goto(page.live_server_url + "/public/card-certificates/")
    page.fill("#code", order.certificate_code_display.lower())
    page.click("button:has-text('查验')")
    page.wait_for_selector("#result")
    body = page.inner_text("body")
    assert "该领卡证明真实有效" in body and "张*" in body and person_chaoyang.id_number not in body
    assert "朝阳门外大街" not in body and "13812345678" not in body
    problems += _visible_problems(page, "public check")
    screenshot(page, f"62-card-check-{viewport}")
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"] + 1
    assert not problems, "\n".join(problems)
