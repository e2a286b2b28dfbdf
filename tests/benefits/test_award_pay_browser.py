"""The work-injury pay page in a real Chromium, on a desktop and on a 390 x 844 phone (review-user6 F7:
the page said a refusal in one line at the top). A refused payment of a death opens at the first input
at fault, each message under its own input (aria-invalid, aria-describedby), the summary above links to
them; every label sits on its own line above its input and fits the screen, and nothing is wider than it.
Corrected, the payment is made to the relative typed."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from shebao.benefits.models import WorkInjuryAward
from tests import personas
from tests.benefits.test_award_payee import WIFE, _claim
from tests.conftest import screenshot
from tests.web.test_phone_viewport import OVERFLOW_JS
from tests.web.test_refused_form_focus_browser import VIEWPORTS, focused_and_seen, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_refused_payment_says_each_error_at_its_input(page, settings, viewport):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 20)
    page.set_viewport_size(VIEWPORTS[viewport])
    clerk = personas.make_staff("clerk_cy_pay", role=personas.Role.DISTRICT_CLERK, office_code="110105",
                                display_name="朝阳区经办")
    personas.make_staff("reviewer_cy_pay", role=personas.Role.DISTRICT_REVIEWER, office_code="110105",
                        display_name="朝阳区审核")
    case = _claim(clerk, 311, died=True)
    login(page, "reviewer_cy_pay")
    page.goto(f"{page.live_server_url}/office/benefits/work-injury/claims/{case.pk}/pay/")
    page.fill("#pay-payee-name", "王丽")
    page.select_option("#pay-payee-relation", "spouse")
    page.fill("#pay-payee-id", case.person.id_number)  # the dead worker's own number
    page.fill("#pay-account", "12345")
    page.click("#work-injury-pay button")
    page.wait_for_selector("#errors")
    expect(page.locator("[aria-invalid=true]:focus")).to_have_count(1)  # (expect polls from here: the CSP forbids wait_for_function's eval)
    # the first input at fault has the focus, in view; its message is right under it, and it names it
    seen = focused_and_seen(page)
    assert seen["id"] == "pay-payee-id" and seen["invalid"] == "true", seen
    assert seen["top"] >= 0 and seen["bottom"] <= seen["height"], seen
    at = page.evaluate("""() => [...document.querySelectorAll('#work-injury-pay [aria-invalid=true]')].map(el => {
        const msg = document.getElementById(el.getAttribute('aria-describedby'));
        const a = el.getBoundingClientRect(), b = msg.getBoundingClientRect();
        return {id: el.id, text: msg.textContent, below: b.top >= a.bottom - 1 && b.top - a.bottom < 40,
                same: msg.parentElement === el.parentElement};
    })""")
    assert [x["id"] for x in at] == ["pay-payee-id", "pay-account"], at
    assert "死者本人的号码" in at[0]["text"] and "8至32位数字" in at[1]["text"]
    assert all(x["below"] and x["same"] for x in at), at
    links = page.eval_on_selector_all("#errors a.error-link", "els => els.map(a => a.getAttribute('href'))")
    assert set(links) == {"#pay-payee-id", "#pay-account"}, links
    # each label on its own line above its input, inside the screen; nothing wider than the screen
    labels = page.evaluate("""() => [...document.querySelectorAll('#work-injury-pay .field > label')].map(l => {
        const input = document.getElementById(l.htmlFor), a = l.getBoundingClientRect(), b = input.getBoundingClientRect();
        const r = document.createRange(); r.selectNodeContents(l);
        return {label: l.textContent, above: a.bottom <= b.top + 1, right: a.right, lines:
                new Set([...r.getClientRects()].map(x => Math.round(x.top))).size, inputRight: b.right};
    })""")
    width = VIEWPORTS[viewport]["width"]
    assert len(labels) == 5, labels
    for x in labels:
        assert x["above"] and x["right"] <= width and x["inputRight"] <= width, x
        assert x["lines"] == 1, x  # none of these labels needs a second line, even at 390 px
    m = page.evaluate(OVERFLOW_JS)
    assert m["doc"] <= m["vw"] and m["body"] <= m["vw"] and not m["wide"], m
    screenshot(page, f"award-pay-refused-{viewport}")
    # corrected: paid to the relative
    page.fill("#pay-payee-id", WIFE)
    page.fill("#pay-account", "6222020000000003111")
    page.click("#work-injury-pay button")
    page.wait_for_selector("text=已核定并即时支付")
    award = WorkInjuryAward.objects.get(case=case)
    assert (award.payee_name, award.payee_id_number) == ("王丽", WIFE)
    assert "王丽（配偶" in page.inner_text("#award-payee")
