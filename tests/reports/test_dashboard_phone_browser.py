"""The leader's dashboard read on a 390x844 phone (office16 walk, finding 3): the money tiles said 0.00 with no
unit, and the districts' table stood its column heads one character a line. Every amount's tile says 元, and
a column head wraps between its words (申请量 / （0.4）), at most three lines, the table scrolling sideways
in its own box; the page is never wider than the phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shebao.benefits.payroll import payroll_run_start
from shebao.benefits.services import Basis, retiree_declare
from shebao.reports.selectors import FIGURES
from shebao.reports.tallies import tallies_refresh
from tests import personas
from tests.backoffice.test_browser_walkthrough import login
from tests.conftest import screenshot
from tests.reports.test_dashboard_browser import QUERY, _case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# Each column head of a table: its text and how many lines it takes.
HEADS_JS = """sel => [...document.querySelectorAll(sel + ' thead th')].map(th => {
  const r = th.getBoundingClientRect(); const s = getComputedStyle(th);
  const inner = r.height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
  return {text: th.innerText.replace(/\\s+/g, ''), lines: Math.round(inner / parseFloat(s.lineHeight))};
})"""


def test_the_dashboard_reads_on_a_phone(page, settings, leader):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 1)
    for day in (3, 10, 12, 20):
        _case("110105" if day % 2 else "110108", day=day, deadline=5)
    person = personas.make_person("退休甲", birth=dt.date(1959, 10, 15), serial=81)
    retiree_declare(actor=personas.SETUP, person=person, bank_account="6222020000000000081",
                    basis=Basis(record_monthly_fen=916_478, record_reference="核定-C"))
    payroll_run_start(actor=personas.SETUP, month="2020-02")
    tallies_refresh(full=True)
    page.set_viewport_size(PHONE)
    login(page, "leader_city")
    page.goto(page.live_server_url + "/office/dashboard/" + QUERY)
    page.wait_for_load_state("networkidle")
    screenshot(page, "dashboard-phone-390")

    # Every amount's tile says its unit; a count or a share does not.
    amounts = [f for f in FIGURES if f.unit == "fen"]
    assert amounts
    for f in FIGURES:
        value = page.locator(f"[data-figure={f.code}] > div").nth(1).inner_text().strip()
        if f.unit == "fen":
            assert re.fullmatch(r"-?[\d,]+\.\d\d 元|—", value), (f.code, value)
        else:
            assert "元" not in value, (f.code, value)
    assert any(page.locator(f"[data-figure={f.code}]").inner_text().strip().endswith("元") and
               "0.00 元" not in page.locator(f"[data-figure={f.code}]").inner_text() for f in amounts)

    # The districts' heads: at most three lines each (name, clause), none a column of single characters.
    heads = page.evaluate(HEADS_JS, "#district-table")
    assert len(heads) > 5
    assert max(h["lines"] for h in heads) <= 3, heads
    # The table scrolls in its own box; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    scroll = page.locator(".district-block .table-scroll")
    assert scroll.evaluate("el => getComputedStyle(el).overflowX") == "auto"
