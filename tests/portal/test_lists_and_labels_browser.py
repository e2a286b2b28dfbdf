"""Lists and labels on a 390 x 844 phone and on a desktop, in a real Chromium (review-user7 F10): the
portal's change of data showed 请选择新户籍 for 请选择新户籍性质 (a list of ~140 px beside its 8.5em
label) and cut the month's placeholder; the survivors' grant broke its label 公民身份号码 as 公民身份号 / 码.

Measured as a class on every page that draws a business's fields: each employer business open online in
the portal, the person's card form, every business at the front desk, and the survivors' grant. Every
list is wide enough for its longest option (the prompt included), every placeholder fits its box, and
the words of a label (up to twelve characters) stay on one line."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from shebao.registry.models import EmploymentSpell
from tests import personas
from tests.portal.conftest import make_admin, sms_codes
from tests.portal.test_employer_browser import VIEWPORTS, screen  # noqa: F401 (the fixture)
from tests.web.test_phone_viewport import OVERFLOW_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every visible list, box with a placeholder and label of the page, measured in the page's own font.
# A list needs room for its widest option beside its arrow; a label's own words (its text, not its
# control) take one line when they are short.
MEASURE_JS = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0
      && getComputedStyle(el).visibility !== 'hidden' && !el.closest('.visually-hidden'); };
  const fontOf = cs => `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
  const room = (el, cs) => el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const name = el => el.id || el.name || el.textContent.trim().slice(0, 12);
  const cut = [];
  for (const s of document.querySelectorAll('select')) {
    if (!shown(s)) continue;
    const cs = getComputedStyle(s); ctx.font = fontOf(cs);
    const widest = Math.max(0, ...[...s.options].map(o => ctx.measureText(o.text).width));
    if (widest > room(s, cs) - 20) cut.push(`select ${name(s)}: ${Math.round(widest)} > ${Math.round(room(s, cs) - 20)}`);
  }
  for (const i of document.querySelectorAll('input[placeholder]')) {
    if (!shown(i)) continue;
    const cs = getComputedStyle(i); ctx.font = fontOf(cs);
    const w = ctx.measureText(i.placeholder).width;
    if (w > room(i, cs) + 1) cut.push(`placeholder ${name(i)}: ${Math.round(w)} > ${Math.round(room(i, cs))}`);
  }
  const broken = [];
  for (const l of document.querySelectorAll('label')) {
    if (!shown(l)) continue;
    for (const t of l.childNodes) {
      const words = t.nodeType === 3 ? t.textContent.trim() : '';
      if (!words || words.length > 12) continue;
      const r = document.createRange(); r.selectNodeContents(t);
      const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
      if (tops.size > 1) broken.push(words);
    }
  }
  return {cut, broken, count: document.querySelectorAll('select, label').length};
}"""


def measured(page, where: str) -> dict:
    page.wait_for_load_state("networkidle")
    m = page.evaluate(MEASURE_JS)
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["doc"] <= overflow["vw"] and not overflow["wide"], (where, overflow)
    return {"where": where, **m}


def portal_employer_sign_in(page, settings, employer) -> None:
    admin = make_admin(employer)
    page.goto(page.base + "/portal/employer/sign-in/")
    page.get_by_label("统一社会信用代码").fill(employer.credit_code)
    page.get_by_label("登录名").fill(admin.login)
    page.get_by_label("密码").fill("portal-demo-password-2020")
    page.get_by_role("button", name="下一步：获取短信验证码").click()
    page.get_by_label("短信验证码").fill(sms_codes(settings, admin.mobile)[-1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=employer.name)).to_be_visible()


def staff_sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto(page.base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", personas.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page


def test_every_list_placeholder_and_label_of_the_business_forms_fits(screen, settings, employer_chaoyang,  # noqa: F811
                                                                     person_chaoyang):
    from shebao.portal.employer import online_businesses
    from shebao.rules import BUSINESSES
    from tests.benefits.district_line_objects import death_award

    page = screen
    settings.SHEBAO_TODAY = dt.date(2020, 6, 10)
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    pages = []

    portal_employer_sign_in(page, settings, employer_chaoyang)
    for business in sorted(b.code for b in online_businesses()):
        page.goto(f"{page.base}/portal/employer/cases/new/?business={business}")
        if business == "person_change":  # every item ticked, as the review's phone showed them
            for box in page.locator("input[name=fields]").all():
                box.check()
        pages.append(measured(page, f"portal {business}"))

    personas.make_staff("clerk_cy_lists", role=personas.Role.DISTRICT_CLERK, office_code="110105")
    staff_sign_in(page, "clerk_cy_lists")
    for business in sorted(b.code for b in BUSINESSES):
        page.goto(f"{page.base}/office/front-desk/?business={business}")
        pages.append(measured(page, f"desk {business}"))

    award = death_award(personas.make_person("医生丁", birth=dt.date(1978, 6, 1), serial=53), reference="L1")
    personas.make_staff("reviewer_cy_lists", role=personas.Role.DISTRICT_REVIEWER, office_code="110105")
    staff_sign_in(page, "reviewer_cy_lists")
    page.goto(f"{page.base}/office/benefits/work-injury/{award.pk}/")
    expect(page.locator("#survivor-grant")).to_be_visible()
    grant = measured(page, "survivors' grant")
    assert grant["count"] >= 10, grant  # the grant's rows were measured
    pages.append(grant)

    assert sum(p["count"] for p in pages) > 100
    faults = [p for p in pages if p["cut"] or p["broken"]]
    assert not faults, faults
