"""Every wide table on a 390 x 844 phone either becomes cards or shows that it scrolls (review-user4 U11:
the portal's rights table cut the 个人缴纳 column with no sign that it scrolled sideways).

Over the main list pages of each role (district clerk, reviewer, the center, the hall manager, the
insured person and the employer in the portal), in a real Chromium: a table is either shown as cards
(`table.cards`: no card wider than its box) or, when wider than the box that scrolls it, that box is
marked (`scrolls`, a tab stop) with the visible hint "表格较宽，可左右滑动查看" right above it; no table is
clipped by a box that does not scroll, and none widens the page.
"""

from __future__ import annotations

import re

import pytest

from tests import personas
from tests.conftest import screenshot
from tests.portal.conftest import PASSWORD, make_admin, sms_codes
from tests.web.test_phone_viewport import city, fits, phone, sign_in  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For each visible table: what is wrong with it on this page ([] when every table fits, is cards, or
# scrolls with its hint).
TABLES_JS = """() => {
  const vw = document.documentElement.clientWidth, bad = [];
  const name = t => (t.id ? '#' + t.id : '') + (t.className ? '.' + String(t.className).split(' ').join('.') : '')
      + ' (' + ((t.querySelector('th') || {}).textContent || '').trim().slice(0, 12) + ')';
  for (const t of document.querySelectorAll('table')) {
    const r = t.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const head = t.querySelector('thead');
    const asCards = t.classList.contains('cards') && head && getComputedStyle(head).display === 'none';
    let box = null, clipped = null;
    for (let el = t; el && el !== document.body; el = el.parentElement) {
      const x = getComputedStyle(el).overflowX;
      if (x === 'auto' || x === 'scroll') { box = el; break; }
      if ((x === 'hidden' || x === 'clip') && el !== t && t.scrollWidth > el.clientWidth + 1) clipped = el;
    }
    if (clipped) { bad.push(name(t) + ' is clipped by a box that does not scroll'); continue; }
    if (asCards) {
      for (const row of t.querySelectorAll('tr')) {
        if (row.getBoundingClientRect().right > vw + 1 || row.scrollWidth > row.clientWidth + 1) {
          bad.push(name(t) + ' has a card wider than the phone'); break; }
      }
      continue;
    }
    if (!box) { if (r.right > vw + 1) bad.push(name(t) + ' widens the page'); continue; }
    if (box.scrollWidth <= box.clientWidth + 1) continue;  // fits its box
    const hint = box.previousElementSibling;
    const shown = hint && hint.classList.contains('scroll-hint') && hint.getBoundingClientRect().height > 0
        && hint.textContent.includes('左右滑动');
    if (!shown) bad.push(name(t) + ' scrolls sideways with no hint');
    if (!box.classList.contains('scrolls') || box.tabIndex < 0) bad.push(name(t) + ' scroll box not marked/focusable');
  }
  return bad;
}"""


@pytest.fixture(autouse=True)
def _sms_dir(settings, tmp_path):
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"  # the portal's sign-in codes are read from here


def tables_ok(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    screenshot(page, f"phone-tables-{name}")
    bad = page.evaluate(TABLES_JS)
    assert not bad, (name, page.url, bad)
    fits(page, f"tables-{name}")


def visit(page, name: str, path: str) -> None:
    response = page.goto(page.live_server_url + path)
    assert response.status == 200, path
    tables_ok(page, name)


def test_staff_list_pages_show_wide_tables_as_cards_or_scrolling_with_a_hint(
        phone, city, person_chaoyang, employer_chaoyang, reviewer_chaoyang, municipal_admin):  # noqa: F811
    personas.make_staff("hall_cy", role=personas.Role.HALL_MANAGER, office_code="110105", display_name="朝阳区大厅主管")
    sign_in(phone, "clerk_cy")
    for name, path in [
        ("clerk-home", "/"), ("clerk-persons", "/persons/?q=zs"), ("clerk-person", f"/persons/{person_chaoyang.pk}/"),
        ("clerk-rights", f"/collection/persons/{person_chaoyang.pk}/rights/"),
        ("clerk-employer", f"/employers/{employer_chaoyang.pk}/"),
        ("clerk-employer-account", f"/collection/employers/{employer_chaoyang.pk}/"),
        ("clerk-queue", "/office/queue/"), ("clerk-declarations", "/office/declarations/"),
    ]:
        visit(phone, name, path)
    phone.context.clear_cookies()  # the next role signs in afresh
    sign_in(phone, "reviewer_cy")
    visit(phone, "reviewer-queue", "/office/review/")
    phone.context.clear_cookies()  # the next role signs in afresh
    sign_in(phone, "admin_city")
    for name, path in [("center-remittances", "/collection/remittances/"), ("center-deductions", "/collection/deductions/"),
                       ("center-assessments", "/collection/assessments/"), ("center-dashboard", "/office/dashboard/"),
                       ("center-incidents", "/office/incidents/"), ("center-audits", "/office/audits/"),
                       ("center-announcements", "/office/announcements/"),
                       ("center-payroll", "/office/benefits/payroll/"), ("center-retirees", "/office/benefits/retirees/")]:
        visit(phone, name, path)
    phone.context.clear_cookies()  # the next role signs in afresh
    sign_in(phone, "hall_cy")
    visit(phone, "hall-list", "/office/halls/")


def test_portal_pages_show_wide_tables_as_cards_or_scrolling_with_a_hint(phone, settings, city,  # noqa: F811
                                                                        person_chaoyang, employer_chaoyang):
    from shebao.registry.services import person_update

    person = person_update(actor=personas.SETUP, person=person_chaoyang, phone="13900139000")
    phone.goto(phone.live_server_url + "/portal/person/sign-in/")
    phone.fill("input[name=id_number]", person.id_number)
    phone.click("button[type=submit]")
    phone.wait_for_selector("input[name=code]")
    phone.fill("input[name=code]", sms_codes(settings, person.phone)[-1])
    phone.click("form.form button[type=submit]")
    phone.wait_for_url(re.compile(r"/portal/person/$"))
    visit(phone, "person-rights", "/portal/person/rights/")
    # The rights record's monthly tables are cards on the phone: 个人缴纳 is on screen, labelled.
    assert phone.locator("table.cards td[data-label=个人缴纳]").first.is_visible()
    visit(phone, "person-cases", "/portal/person/cases/")

    phone.context.clear_cookies()
    account = make_admin(employer_chaoyang)
    phone.goto(phone.live_server_url + "/portal/employer/sign-in/")
    phone.fill("input[name=credit_code]", employer_chaoyang.credit_code)
    phone.fill("input[name=login]", account.login)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_selector("input[name=code]")
    phone.fill("input[name=code]", sms_codes(settings, account.mobile)[-1])
    phone.click("form.form button[type=submit]")
    phone.wait_for_url(re.compile(r"/portal/employer/$"))
    for name, path in [("employer-account", "/portal/employer/account/"),
                       ("employer-declarations", "/portal/employer/declarations/"),
                       ("employer-cases", "/portal/employer/cases/")]:
        visit(phone, name, path)
