"""The correction of a failed payment in a real Chromium, on a desktop and on a 390 x 844 phone
(review-user7 F4): the refused form opens at the first input at fault with each message under its input,
nothing is wider than the screen; corrected, the payment goes again to the corrected account."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from shebao.benefits.models import PayrollRun, Transfer
from shebao.benefits.work_injury import AwardPayee, fast_track_award_pay
from tests import personas
from tests.benefits.test_award_payee import WIFE, _claim
from tests.benefits.test_payment_corrections import fail
from tests.conftest import screenshot
from tests.web.test_phone_viewport import OVERFLOW_JS
from tests.web.test_refused_form_focus_browser import VIEWPORTS, focused_and_seen, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_failed_payment_is_corrected_and_resent_from_its_page(page, settings, viewport):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 20)
    page.set_viewport_size(VIEWPORTS[viewport])
    clerk = personas.make_staff("clerk_cy_resend", role=personas.Role.DISTRICT_CLERK, office_code="110105",
                                display_name="朝阳区经办")
    reviewer = personas.make_staff("reviewer_cy_resend", role=personas.Role.DISTRICT_REVIEWER,
                                   office_code="110105", display_name="朝阳区审核")
    personas.make_staff("admin_resend", role=personas.Role.MUNICIPAL_ADMIN, office_code="110000",
                        display_name="市中心管理员")
    award = fast_track_award_pay(actor=reviewer, case=_claim(clerk, 491, died=True), wage_fen=0,
                                 bank_account="6222020000000004911", payee=AwardPayee("王丽", "spouse", WIFE))
    t = fail(award.run.transfers.get())
    login(page, "admin_resend")
    page.goto(f"{page.live_server_url}/office/benefits/payroll/{award.run_id}/")
    page.click("a.resend")
    page.fill("#resend-account", "12345")
    page.click("#resend-form button")
    page.wait_for_selector("#errors")
    expect(page.locator("[aria-invalid=true]:focus")).to_have_count(1)
    seen = focused_and_seen(page)
    assert seen["id"] == "resend-account" and seen["top"] >= 0 and seen["bottom"] <= seen["height"], seen
    at = page.evaluate("""() => [...document.querySelectorAll('#resend-form [aria-invalid=true]')].map(el => {
        const msg = document.getElementById(el.getAttribute('aria-describedby'));
        const a = el.getBoundingClientRect(), b = msg.getBoundingClientRect();
        return {id: el.id, text: msg.textContent, below: b.top >= a.bottom - 1 && b.top - a.bottom < 40};
    })""")
    assert [x["id"] for x in at] == ["resend-account", "resend-reason"], at
    assert all(x["below"] for x in at), at
    m = page.evaluate(OVERFLOW_JS)
    assert m["doc"] <= m["vw"] and m["body"] <= m["vw"] and not m["wide"], m
    screenshot(page, f"transfer-resend-refused-{viewport}")
    page.fill("#resend-account", "6222020000000004999")
    page.fill("#resend-name", "王莉")
    page.fill("#resend-reason", "领取人本人提供的银行卡复印件")
    page.click("#resend-form button")
    page.wait_for_selector("text=已更正并生成重发批次")
    retry = PayrollRun.objects.get(kind=PayrollRun.Kind.RETRY)
    new = Transfer.objects.get(run=retry)
    assert new.bank_account == "6222020000000004999" and Transfer.objects.get(pk=t.pk).retried_by_id == new.pk
    assert "王莉" in page.inner_text("table")
