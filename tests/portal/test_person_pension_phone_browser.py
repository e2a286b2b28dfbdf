"""A retiree's 我的养老金 on a 390 x 844 phone (layout review B: the 金额 label sat out of line, amounts
wrapped, the tables did not fit): every amount is printed whole with its 元 on one line, the arrears
table reads as one card a month with its labels in one column, and the page never scrolls sideways;
the same on a desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot
from tests.portal.conftest import sign_in_person_page
from tests.portal.test_employer_browser import screen  # noqa: F401 (the fixture)
from tests.portal.test_person_pension import retiree_paid_in_march
from tests.web.test_whole_values_browser import LINES_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_pension_page_reads_well_on_a_phone(screen, settings):  # noqa: F811
    page = screen
    retiree = retiree_paid_in_march(settings)
    sign_in_person_page(page, settings, retiree.person, "13900139041")
    page.goto(page.base + "/portal/person/pension/")
    expect(page.get_by_role("heading", name="我的养老金", level=1)).to_be_visible()
    page.get_by_text("计算过程").click()
    page.wait_for_load_state("networkidle")
    screenshot(page, f"pension-layout-{page.size_name}")
    m = page.evaluate(LINES_JS, ["2,654.10元", "3,654.10元", "14,616.40 元"])
    assert m["broken"] == [] and m["brokenNums"] == [], m
    assert {"2,654.10元", "3,654.10元", "14,616.40 元"} <= set(m["found"]), m
    assert m["doc"] <= m["vw"], m
    # Every amount the page prints is in a whole value with its 元 (an amount column says 元 too).
    amounts = page.locator("#arrears td[data-label^='金额']").all_inner_texts()
    assert len(amounts) == 4 and all(a.strip().endswith("元") for a in amounts), amounts
    # Nothing wider than its box: no table scrolls sideways on this page.
    wide = page.evaluate("""[...document.querySelectorAll('.main *')].filter(e => e.scrollWidth > e.clientWidth + 1
        && getComputedStyle(e).overflowX !== 'visible' && !e.classList.contains('num')).map(e => e.tagName + '.' + e.className)""")
    assert wide == [], wide
    if page.size_name == "phone":
        # The arrears as cards: each label starts at the card's left, in one column, beside its value.
        lefts = page.evaluate("""[...document.querySelectorAll('#arrears td')].map(td => {
            const r = td.getBoundingClientRect(); const s = getComputedStyle(td, '::before');
            return [Math.round(r.left), s.textAlign, getComputedStyle(td).textAlign]; })""")
        assert len({left for left, _, _ in lefts}) == 1, lefts
        assert all(align in ("left", "start") for _, _, align in lefts), lefts
