"""The leader's dashboard is a dashboard (layout review C: 9,700 px tall at 1280x900, its two district
charts drew all 17 districts with 2 holding data): the figures first, the district charts only for
districts with a figure, the long breakdowns and the late fees collapsed; the page is under 3,000 px at
1280x900 and every figure and table it had is still on it."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.benefits.payroll import payroll_run_start
from shebao.benefits.services import Basis, retiree_declare
from shebao.reports.selectors import BREAKDOWNS, FIGURES
from shebao.reports.tallies import tallies_refresh
from tests import personas
from tests.backoffice.test_browser_walkthrough import login
from tests.conftest import screenshot
from tests.reports.test_dashboard_browser import QUERY, _case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _dashboard_height(page, query: str, shot: str) -> int:
    """The leader dashboard's height in px at 1280x900 for `query`, signed in as the city's leader."""
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "leader_city")
    page.goto(page.live_server_url + "/office/dashboard/" + query)
    page.wait_for_load_state("networkidle")
    screenshot(page, shot)
    return page.evaluate("document.documentElement.scrollHeight")


def test_the_dashboard_is_short_and_keeps_every_figure(page, settings, leader):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 1)
    for day in range(3, 25):
        _case("110105" if day % 2 else "110108", day=day, deadline=3 if day % 3 else 40,
              channel="counter" if day % 4 == 0 else "online")
    tallies_refresh()
    assert _dashboard_height(page, QUERY, "dashboard-height-1280") < 3000
    # The key figures come first, each one still a card.
    for f in FIGURES:
        assert page.locator(f"[data-figure={f.code}]").count() == 1, f.code
    # The district chart names only the two districts with cases, not all 17.
    bars = page.locator(".chart svg").nth(1).inner_html()
    assert "朝阳区" in bars and "海淀区" in bars and "东城区" not in bars
    # The table shows the two districts with cases; every other one is one click away ("显示全部").
    shown = page.locator("#district-table tbody tr:visible")
    assert sorted(shown.all_inner_texts()[i].split()[0] for i in range(shown.count())) == ["朝阳区", "海淀区"]
    all_rows = page.locator("#district-table tbody tr").count()
    assert all_rows >= 16
    page.locator("#district-all summary").click()
    assert shown.count() == all_rows
    # Every breakdown one click away.
    for b in BREAKDOWNS:
        section = page.locator(f"#breakdown-{b.code}")
        if section.count():
            section.locator("summary").first.click()
            assert section.locator(".chart svg").is_visible()


def test_a_busy_month_in_nine_districts_stays_short(page, settings, leader):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 25)
    codes = ("110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111", "110302")
    for i, code in enumerate(codes * 3):
        _case(code, day=3 + i % 20, deadline=2 if i % 2 else 30, channel=("online", "counter", "mobile")[i % 3])
    person = personas.make_person("退休甲", birth=dt.date(1959, 10, 15), serial=81)
    retiree_declare(actor=personas.SETUP, person=person, bank_account="6222020000000000081",
                    basis=Basis(record_monthly_fen=916_478, record_reference="核定-C"))
    payroll_run_start(actor=personas.SETUP, month="2020-02")
    tallies_refresh(full=True)
    assert _dashboard_height(page, "?start=2020-02-01&end=2020-02-25&grain=week", "dashboard-height-1280-busy") < 3000
    for f in FIGURES:
        assert page.locator(f"[data-figure={f.code}]").count() == 1, f.code
    assert page.locator("#district-table tbody tr:visible").count() == len(codes)
    assert page.locator("#breakdown-payroll").count() == 1  # the payroll's breakdown, one click away
