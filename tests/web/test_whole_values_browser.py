"""Codes, numbers and amounts are never broken inside, in a real Chromium on a 390 x 844 phone and on a
desktop (layout review A: the staff employer page broke the 18-character 统一社会信用代码 across two lines
at 390 px). On a few representative pages every occurrence of such a value (the credit code, a masked
证件号码, an amount with its 元) sits on one line, every element the templates mark as a whole value
(class num) sits on one line, and the page is no wider than the screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.registry.models import EmploymentSpell
from tests import personas
from tests.backoffice.test_browser_walkthrough import login
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}

# Each text occurrence of a value, and each element of class num: the number of distinct lines its
# glyph boxes lie on (1 = kept whole), the text, and the page's width against the screen's.
LINES_JS = """(values) => {
  /* the lines a range's boxes lie on: boxes that overlap vertically (a kept-whole element's own box and
     its text's) are one line */
  const lines = (range) => {
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0).sort((a, b) => a.top - b.top);
    let n = 0, bottom = -Infinity;
    for (const r of rects) { if (r.top >= bottom - 1) { n += 1; bottom = r.bottom; } else bottom = Math.max(bottom, r.bottom); }
    return n;
  };
  const found = [], broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || !el.getClientRects().length) continue;  /* not shown */
    for (const v of values) {
      let at = node.data.indexOf(v);
      while (at >= 0) {
        const range = document.createRange();
        range.setStart(node, at); range.setEnd(node, at + v.length);
        found.push(v);
        if (lines(range) !== 1) broken.push(v);
        at = node.data.indexOf(v, at + v.length);
      }
    }
  }
  const nums = [...document.querySelectorAll('.num')].filter(e => e.getClientRects().length && e.textContent.trim());
  const brokenNums = nums.filter(e => { const r = document.createRange(); r.selectNodeContents(e); return lines(r) !== 1; })
                         .map(e => e.textContent.trim());
  return {found, broken, nums: nums.length, brokenNums,
          doc: document.documentElement.scrollWidth, vw: window.innerWidth};
}"""


def whole(page, values: list[str], name: str) -> dict:
    page.wait_for_load_state("networkidle")
    screenshot(page, f"whole-{page.viewport_size['width']}-{name}")
    m = page.evaluate(LINES_JS, values)
    assert set(m["found"]) == set(values), (name, m)  # each value is printed on the page
    assert m["broken"] == [] and m["brokenNums"] == [], (name, m)
    assert m["doc"] <= m["vw"], (name, m)
    return m


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_codes_numbers_and_amounts_stay_on_one_line(page, clerk_chaoyang, collection_clerk, viewport):
    employer = personas.make_employer("北京朝阳区某某信息技术服务股份有限公司第一分公司")
    person = personas.make_person("欧阳娜娜", serial=31)
    EmploymentSpell.objects.create(person=person, employer=employer, from_month="2015-01")
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "clerk_cy")
    page.goto(page.live_server_url + reverse("web:employer_detail", args=[employer.pk]))
    m = whole(page, [employer.credit_code, person.id_number_masked], "employer")
    assert m["nums"] >= 2
    page.goto(page.live_server_url + reverse("web:employer_search") + "?q=" + employer.credit_code)
    whole(page, [employer.credit_code], "employer-search")

    login(page, "collection_city")
    page.goto(page.live_server_url + reverse("collection:employer_account", args=[employer.pk]))
    m = whole(page, [employer.credit_code, "0.00 元"], "employer-account")
    assert m["nums"] >= 8  # the facts' amounts and the code
