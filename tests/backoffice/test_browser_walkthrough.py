"""A clerk's day in a real headless Chromium: search, front desk, phone check, approval; a deferred
case through the lifted announcement to completion; a clerk of another district locked out.

Screenshots of the main pages go to test-artifacts/ for a reviewer to look at.
"""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.models import Case
from tests.conftest import screenshot
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto(page.live_server_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=欢迎")


def front_desk(page, *, business: str, id_number: str, extra) -> int:
    page.goto(page.live_server_url + "/office/front-desk/")
    page.select_option("#business", business)
    page.wait_for_selector("input[name=applicant_kind][value=person]")
    page.check("input[name=applicant_kind][value=person]")
    page.wait_for_selector("#id_number")
    page.fill("#id_number", id_number)
    extra(page)
    page.click("button[name=do][value=preview]")
    page.wait_for_selector("#decision")
    page.click("button[name=do][value=save]")
    page.wait_for_url("**/office/cases/*/?registered=1")
    return int(page.url.rstrip("/").split("/office/cases/")[1].split("/")[0])


def test_a_clerks_day(page, clerk_chaoyang, reviewer_chaoyang, clerk_haidian, municipal_admin, person_chaoyang):
    # Sign in and find a person by pinyin initials.
    login(page, "clerk_cy")
    screenshot(page, "10-home")
    page.goto(page.live_server_url + "/persons/?q=zs")
    page.wait_for_selector("text=张三")
    screenshot(page, "11-search-pinyin")

    # A walk-in refund at the front desk: the decision shows before saving.
    refund = front_desk(page, business="refund", id_number=person_chaoyang.id_number,
                        extra=lambda p: p.select_option("#refund_kind", "base_difference"))
    assert "已登记" in page.content()
    screenshot(page, "12-refund-registered")
    page.fill("input[name=signer]", "张三")
    page.click("text=保存承诺书")
    page.wait_for_selector("text=承诺书已录入")
    page.click("form[action$='/act/accept/'] button")
    page.wait_for_selector("text=已受理")
    page.select_option("select[name=outcome]", "confirmed")
    page.click("text=记录核实结果")
    page.wait_for_selector("text=电话核实已记录")
    screenshot(page, "13-refund-phone-check")

    # The reviewer approves.
    login(page, "reviewer_cy")
    page.goto(f"{page.live_server_url}/office/cases/{refund}/")
    page.click("form[action$='/act/approve/'] button")
    page.wait_for_selector("text=已审批通过")
    assert Case.objects.get(pk=refund).status == "completed"
    screenshot(page, "14-refund-approved")

    # A deferred-documents case: accepted with documents owed (1.3).
    login(page, "clerk_cy")
    deferred = front_desk(page, business="person_change", id_number=person_chaoyang.id_number,
                          extra=lambda p: (p.check("input[name=fields][value=phone]"),
                                           p.check("input[name=fields][value=address]")))
    page.click("form[action$='/act/accept/'] button")
    page.wait_for_selector("text=已受理")
    assert Case.objects.get(pk=deferred).status == "documents_outstanding"
    page.goto(page.live_server_url + "/office/queue/")
    page.wait_for_selector(f"text=#{deferred}")
    screenshot(page, "15-queue")

    # The center announces the lift: preview, then publish.
    login(page, "admin_city")
    page.goto(page.live_server_url + "/office/announcements/")
    page.fill("#lift-date", dt.date.today().isoformat())
    page.click("button[name=do][value=preview]")
    page.wait_for_selector("#lift-preview")
    assert "容缺受理的申请 1 件" in page.content()
    screenshot(page, "16-lift-preview")
    page.click("button[name=do][value=publish]")
    page.wait_for_selector("text=手工应急操作复核")
    screenshot(page, "17-review-queue")
    assert Case.objects.get(pk=deferred).documents_due_on is not None

    # The clerk receives each owed document, the reviewer accepts them and completes the case.
    login(page, "clerk_cy")
    page.goto(f"{page.live_server_url}/office/cases/{deferred}/")
    upload = "input[type=file][aria-label^='上传']"
    while n := page.locator(upload).count():
        page.locator(upload).first.set_input_files({"name": "scan.pdf", "mimeType": "application/pdf", "buffer": PDF})
        page.locator(f"{upload} + button").first.click()
        # The page answers with one owed document fewer (the message alone may be the previous one's).
        page.wait_for_function(f'document.querySelectorAll("{upload}").length < {n}')
    login(page, "reviewer_cy")
    page.goto(f"{page.live_server_url}/office/cases/{deferred}/")
    while n := page.locator("button:has-text('审核通过')").count():
        page.locator("button:has-text('审核通过')").first.click()
        page.wait_for_function("[...document.querySelectorAll('button')].filter("
                               f"b => b.textContent.includes('审核通过')).length < {n}")
    page.click("form[action$='/act/complete/'] button")
    page.wait_for_selector("text=已办结")
    assert Case.objects.get(pk=deferred).status == "completed"
    screenshot(page, "18-deferred-completed")

    # A clerk of 海淀区 can open neither case.
    login(page, "clerk_hd")
    for pk in (refund, deferred):
        response = page.goto(f"{page.live_server_url}/office/cases/{pk}/")
        assert response.status == 404
        assert "张三" not in page.content()
