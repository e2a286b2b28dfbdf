"""Every staff page on a 390 x 844 phone in a real Chromium: nothing is wider than the screen (a wide
table scrolls inside its own box), and the queue turns into cards instead of one-character columns.

Screenshots go to test-artifacts/phone-*.png for a reviewer to look at.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from shebao.cases import services as case_services
from tests.cases.conftest import employ, valid_details
from tests.collection.conftest import book_due, contribution
from tests.conftest import screenshot
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# What is wider than the viewport, leaving out what sits inside a box that scrolls sideways.
OVERFLOW_JS = """() => {
  const vw = document.documentElement.clientWidth;
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p).overflowX; if (s === 'auto' || s === 'scroll') return true; } return false; };
  const wide = [...document.querySelectorAll('body *')].filter(el => {
      const r = el.getBoundingClientRect(); return r.width > 0 && r.right > vw + 1 && !scrolls(el); });
  return {doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, vw: vw,
          wide: wide.slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '')
                + ' ' + Math.round(el.getBoundingClientRect().right))};
}"""


@pytest.fixture
def phone(browser, live_server):
    """A page the size of a phone, refusing every request that leaves the app."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    external: list[str] = []

    def guard(route):
        if route.request.url.startswith((live_server.url, "data:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.set_default_timeout(60_000)
    pg = context.new_page()
    pg.live_server_url = live_server.url
    yield pg
    context.close()
    assert not external, external


def fits(page, name: str) -> None:
    """The page is no wider than the phone: neither the document nor any element outside a scroll box."""
    page.wait_for_load_state("networkidle")
    m = page.evaluate(OVERFLOW_JS)
    screenshot(page, f"phone-{name}")
    assert m["vw"] == PHONE["width"]
    assert m["doc"] <= m["vw"] and m["body"] <= m["vw"] and not m["wide"], (name, m)


@pytest.fixture
def city(clerk_chaoyang, person_chaoyang, employer_chaoyang):
    """A person with two years of contributions, an employer with dues, and a few cases."""
    for k in range(24):
        month = f"{2018 + k // 12}-{k % 12 + 1:02d}"
        contribution(person_chaoyang, employer_chaoyang, month, 1_234_500,
                     paid_on=dt.date(2018 + k // 12, k % 12 + 1, 20) if k % 5 else None)
        book_due(employer_chaoyang, month, 987_654_32, insurance="pension")
    employ(person_chaoyang, employer_chaoyang)  # what the refunds' content names: a paid due of 张三's employer
    book_due(employer_chaoyang, "2017-12", 100_000, insurance="pension", paid_on=dt.date(2018, 1, 15))
    cases = []
    for i, (business, facts) in enumerate([("refund", {"refund_kind": "overpayment"}),
                                           ("person_change", {"fields": ["phone", "address"]}),
                                           ("refund", {"refund_kind": "base_difference"})]):
        case, _ = case_services.case_submit(actor=clerk_chaoyang, business=business, channel="post",
                                            person=person_chaoyang, idempotency_key=f"p{i}",
                                            details=valid_details(business, person=person_chaoyang, facts=facts),
                                            manual_operation="传真件先行办理" if i == 2 else "")
        cases.append(case)
    return cases


def sign_in(page, username: str) -> None:
    page.goto(page.live_server_url + "/login/")
    fits(page, "01-login")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page


def test_no_page_is_wider_than_a_phone(phone, city, person_chaoyang, employer_chaoyang):
    sign_in(phone, "clerk_cy")
    base = phone.live_server_url
    pages = [
        ("02-home", "/"),
        ("03-person-search", "/persons/?q=zs"),
        ("04-person", f"/persons/{person_chaoyang.pk}/"),
        ("05-rights-record", f"/collection/persons/{person_chaoyang.pk}/rights/"),
        ("06-employer-search", "/employers/?q=cskj"),
        ("07-employer", f"/employers/{employer_chaoyang.pk}/"),
        ("08-employer-account", f"/collection/employers/{employer_chaoyang.pk}/"),
        ("09-queue", "/office/queue/"),
        ("10-case", f"/office/cases/{city[0].pk}/"),
        ("11-front-desk", "/office/front-desk/?business=refund&applicant_kind=employer"),
        ("12-review-queue", "/office/review/"),
    ]
    for name, path in pages:
        response = phone.goto(base + path)
        assert response.status == 200, path
        fits(phone, name)


def test_the_queue_becomes_cards_on_a_phone(phone, city):
    sign_in(phone, "clerk_cy")
    phone.goto(phone.live_server_url + "/office/queue/")
    widths = phone.eval_on_selector_all("table.queue tbody td", "tds => tds.map(td => td.getBoundingClientRect().width)")
    assert len(widths) == 7 * len(city)
    # Each cell spans the card (label and value side by side), never a sliver of a column.
    assert min(widths) >= 300, widths
    labels = phone.eval_on_selector("table.queue tbody td", "td => getComputedStyle(td, '::before').content")
    assert "编号" in labels
    # The search finds a case by its number on the phone too.
    phone.fill("input[name=q]", str(city[1].pk))
    phone.press("input[name=q]", "Enter")
    # (expect, not wait_for_function: the Content-Security-Policy forbids the eval that one uses.)
    expect(phone.locator("table.queue tbody tr")).to_have_count(1)
    fits(phone, "13-queue-search")


def test_the_front_desk_works_on_a_phone(phone, city, person_chaoyang):
    sign_in(phone, "clerk_cy")
    phone.goto(phone.live_server_url + "/office/front-desk/")
    phone.select_option("#business", "refund")
    phone.wait_for_selector("#bf-refund_kind")
    # Choosing a business shows its fields, not a row of red errors.
    assert phone.locator(".bad").count() == 0
    phone.check("input[name=applicant_kind][value=person]")
    phone.wait_for_selector("#id_number")
    phone.select_option("#channel", "fax")
    phone.fill("#received_on", "2020-02-12")
    phone.fill("#id_number", person_chaoyang.id_number)
    phone.select_option("#bf-refund_kind", "overpayment")
    # The refund's own fields (issue 13): amount, the dues it refunds, payee and account. The city
    # already has an unpaid 2019-12 pension due, so the paid due refunded is another month's.
    from tests.businesses.desk import refund_fields

    fields = refund_fields(person_chaoyang, month="2017-12")
    for name in ("amount_fen", "dues", "payee_name", "bank_name", "bank_account"):
        phone.fill(f"#bf-{name}", fields[name])
    phone.click("button[name=do][value=preview]")
    phone.wait_for_selector("#decision")
    fits(phone, "14-front-desk-decision")
    phone.click("button[name=do][value=save]")
    phone.wait_for_url("**/office/cases/*/?registered=1")
    assert "传真" in phone.content() and "2020-02-12" in phone.content()
    fits(phone, "15-registered")


def test_the_centers_pages_fit_a_phone_too(phone, city, municipal_admin):
    sign_in(phone, "admin_city")
    base = phone.live_server_url
    for name, path in [("19-admin-work", "/office/work/"), ("20-announcements", "/office/announcements/"),
                       ("21-review-queue", "/office/review/"),
                       ("22-queue-city", "/office/queue/?status=all"), ("23-remittances", "/collection/remittances/"),
                       ("24-deductions", "/collection/deductions/"), ("25-assessments", "/collection/assessments/")]:
        phone.goto(base + path)
        fits(phone, name)
