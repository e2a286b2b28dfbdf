"""A clerk's day in a real headless Chromium: search, front desk, phone check, approval; a deferred
case through the lifted announcement to completion; a clerk of another district locked out. Then every
demo role signs in on a desktop and on a 390x844 phone, opens every page its menu offers, a case page
and an error page, and the visible text must be Chinese: no catalog code, no English sentence.

Screenshots of the main pages go to test-artifacts/ for a reviewer to look at.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from shebao.cases.models import Case
from shebao.collection.models import Refund
from shebao.registry.generator import GenerateOptions, generate
from shebao.staff.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.businesses.desk import refund_fields
from tests.conftest import screenshot
from tests.personas import PASSWORD
from tests.uploads import PDF
from tests.visible_text import foreign_words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def login(page, username: str, password: str = PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(page.live_server_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page


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
    # It carries its amount (yuan typed), the paid dues it refunds and the payee's account (1.2c).
    fields = refund_fields(person_chaoyang)

    def refund_inputs(p):
        p.select_option("#bf-refund_kind", "base_difference")
        for name in ("amount_fen", "dues", "payee_name", "bank_name", "bank_account"):
            p.fill(f"#bf-{name}", fields[name])

    refund = front_desk(page, business="refund", id_number=person_chaoyang.id_number, extra=refund_inputs)
    assert "已登记" in page.content()
    screenshot(page, "12-refund-registered")
    page.fill("input[name=signer]", "张三")
    page.click("text=保存承诺书")
    page.wait_for_selector("text=承诺书已录入")
    page.click("form[action$='/act/accept/'] button")
    page.wait_for_selector("text=已受理")
    page.select_option("select[name=outcome]", "confirmed")
    page.click("button:has-text('记录核实结果')")
    page.wait_for_selector("text=电话核实已记录")
    screenshot(page, "13-refund-phone-check")

    # The reviewer approves.
    login(page, "reviewer_cy")
    page.goto(f"{page.live_server_url}/office/cases/{refund}/")
    page.click("form[action$='/act/approve/'] button")
    page.wait_for_selector("text=已审批通过")
    assert Case.objects.get(pk=refund).status == "completed"
    assert Refund.objects.get(case_id=refund).amount_fen == 30_000  # the payable in the ledger
    page.wait_for_selector("#case-effects")
    screenshot(page, "14-refund-approved")

    # A deferred-documents case: accepted with documents owed (1.3).
    login(page, "clerk_cy")
    deferred = front_desk(page, business="person_change", id_number=person_chaoyang.id_number,
                          # The clerk ticks the items to change, asks for their inputs, then fills them.
                          extra=lambda p: (p.check("input[name=fields][value=phone]"),
                                           p.check("input[name=fields][value=address]"),
                                           p.click("button[name=refresh][value=changes]"),
                                           p.fill("input[name=new_phone]", "010-65123456"),
                                           p.fill("input[name=new_address]", "北京市朝阳区光华路1号")))
    assert Case.objects.get(pk=deferred).details == {"changes": {"phone": "010-65123456",
                                                                 "address": "北京市朝阳区光华路1号"}}
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
        page.locator(f"form:has({upload})").first.locator("button:has-text('上传')").click()
        # The page answers with one owed document fewer (the message alone may be the previous one's).
        # (expect, not wait_for_function: the Content-Security-Policy forbids the eval that one uses.)
        expect(page.locator(upload)).to_have_count(n - 1)
    login(page, "reviewer_cy")
    page.goto(f"{page.live_server_url}/office/cases/{deferred}/")
    while n := page.locator("button:has-text('审核通过')").count():
        page.locator("button:has-text('审核通过')").first.click()
        expect(page.locator("button:has-text('审核通过')")).to_have_count(n - 1)
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


VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def _visible_problems(page, where: str) -> list[str]:
    """Codes and English words in what the page shows: its text, and the hints a person reads."""
    texts = [page.inner_text("body")]
    texts += page.eval_on_selector_all(
        "[placeholder], [title], [aria-label], img[alt]",
        "els => els.map(e => [e.getAttribute('placeholder'), e.getAttribute('title'),"
        " e.getAttribute('aria-label'), e.getAttribute('alt')].filter(Boolean).join(' '))")
    return [f"{where}: {line.strip()[:120]!r} {words}" for text in texts for line in text.splitlines()
            if (words := foreign_words(line))]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_role_reads_chinese_on_desktop_and_phone(page, settings, viewport):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)  # the demo's business date, inside the emergency
    generate(GenerateOptions(employers=8, persons=160, from_month="2019-10", months=5, seed=5))
    call_command("demo_setup", "--cases", "11", stdout=io.StringIO())
    page.set_viewport_size(VIEWPORTS[viewport])
    other_district_case = Case.objects.filter(office__code="110108").order_by("pk").first()
    problems: list[str] = []
    for username, display, role, *_ in DEMO_ACCOUNTS:
        login(page, username, DEMO_PASSWORD)
        assert display in page.inner_text("body")
        assert "业务日期：2020-02-20" in page.inner_text("body")
        problems += _visible_problems(page, f"{username} home")
        links = page.eval_on_selector_all(".mainnav a", "els => els.map(e => e.getAttribute('href'))")
        assert links, f"{username} has no menu"
        for href in dict.fromkeys(links):
            response = page.goto(page.live_server_url + href)
            assert response.status in (200, 403), (username, href, response.status)
            problems += _visible_problems(page, f"{username} {href}")
        page.goto(page.live_server_url + "/office/queue/")
        case_links = page.eval_on_selector_all("a[href^='/office/cases/']", "els => els.map(e => e.getAttribute('href'))")
        for href in list(dict.fromkeys(case_links))[:2]:
            page.goto(page.live_server_url + href)
            assert "办理决定" in page.inner_text("body")
            problems += _visible_problems(page, f"{username} {href}")
        if role == "district_clerk" and not username.startswith("haidian"):
            response = page.goto(f"{page.live_server_url}/office/cases/{other_district_case.pk}/")
            assert response.status == 404 and "未找到" in page.inner_text("body")
            assert other_district_case.person.name not in page.content()
            problems += _visible_problems(page, f"{username} another district's case")
        response = page.goto(page.live_server_url + "/office/no-such-page/")
        assert response.status == 404 and "返回首页" in page.inner_text("body")
        problems += _visible_problems(page, f"{username} unknown address")
        if username in ("chaoyang", "leader"):
            screenshot(page, f"20-{viewport}-{username}-not-found")
    page.goto(page.live_server_url + "/office/queue/")
    screenshot(page, f"21-{viewport}-queue")
    assert not problems, "codes or English on the pages:\n" + "\n".join(dict.fromkeys(problems))
