"""The leader on a desktop and on a 390x844 phone: the dashboard shows every figure, a number drills
down to the cases behind it, and its Excel download (read back with openpyxl) holds the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from shebao.cases.models import Case
from shebao.core.audit import audit_create
from shebao.reports.selectors import FIGURES
from shebao.reports.tallies import tallies_refresh
from tests import personas
from tests.backoffice.test_browser_walkthrough import login
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
QUERY = "?start=2020-02-01&end=2020-02-29&grain=week"


def _case(code: str, *, day: int, deadline: int | None, channel: str = "online", status: str = "submitted") -> Case:
    applied = dt.date(2020, 2, day)
    case = Case.objects.create(
        business="work_injury_recognition", business_zh="工伤认定", applicant_kind="employer", channel=channel,
        applied_on=applied, mode="direct", explanation_zh="说明", pack="p", pack_version="1",
        office=personas.office(code), status=status,
        deadline=None if deadline is None else applied + dt.timedelta(days=deadline))
    audit_create(actor=personas.SETUP, instance=case)
    return case


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_leader_reads_the_dashboard_drills_down_and_downloads_the_same_rows(page, settings, leader, viewport,
                                                                                 tmp_path):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 1)
    overdue = [_case("110105", day=3, deadline=5), _case("110105", day=10, deadline=2, channel="counter"),
               _case("110108", day=12, deadline=1)]
    _case("110105", day=20, deadline=30)  # open, not overdue
    _case("110108", day=21, deadline=1, status="completed")  # done: not overdue
    tallies_refresh()  # the page never refreshes on a read (reports.refresher)
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "leader_city")
    page.goto(page.live_server_url + "/office/dashboard/" + QUERY)
    body = page.inner_text("body")
    assert "领导看板" in body
    for f in FIGURES:
        card = page.locator(f"[data-figure={f.code}]")
        assert card.count() == 1, f.code
        assert f.zh in card.inner_text() and f"第{f.clause}条" in card.inner_text()
    assert page.inner_text("[data-figure=applications] a") == "5"
    assert page.inner_text("[data-figure=overdue] a") == "3"
    assert page.locator(".chart svg").count() >= 3
    # Nothing wider than the phone: the page scrolls down, never sideways.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"], width
    screenshot(page, f"60-{viewport}-dashboard")

    # Drill down to a district, then to the overdue cases behind its number.
    page.click("[data-district='110105']")
    page.wait_for_selector("text=领导看板：朝阳区")
    assert page.inner_text("[data-figure=overdue] a") == "2"
    page.click("[data-drill=overdue]")
    page.wait_for_selector("#drill-total")
    assert page.inner_text("#drill-total") == "2"
    shown = {int(t.strip("#")) for t in page.locator("#drill-table tbody a").all_inner_texts()}
    assert shown == {overdue[0].pk, overdue[1].pk}
    screenshot(page, f"61-{viewport}-drill")
    with page.expect_download() as info:
        page.click("text=下载电子表格")
    path = tmp_path / "drill.xlsx"
    info.value.save_as(path)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][0] == "申请编号"
    assert {r[0] for r in rows[1:]} == shown and len(rows) == 3

    # The city's table of districts downloads as the rows the page shows.
    page.goto(page.live_server_url + "/office/dashboard/" + QUERY)
    page_rows = page.eval_on_selector_all(
        "#district-table tbody tr", "trs => trs.map(tr => [...tr.cells].map(td => td.innerText.trim()))")
    with page.expect_download() as info:
        page.click("a[href*='table=districts']")
    path = tmp_path / "districts.xlsx"
    info.value.save_as(path)
    sheet = load_workbook(path).active
    assert sheet["A1"].value.startswith("各区办件情况｜全市｜统计期间")  # the title row names the period (F4)
    rows = list(sheet.iter_rows(min_row=3))  # below the title row and the header
    assert [[_as_shown(c) for c in r] for r in rows] == page_rows


def _as_shown(cell) -> str:
    """A cell read back, printed as the page prints it: the sheet holds numbers in their formats."""
    if cell.value is None:
        return "—"
    if cell.number_format == "0.0%":
        return f"{cell.value * 100:.1f}%"
    if cell.number_format == "#,##0.00":
        return f"{cell.value:,.2f}"
    if cell.number_format == "#,##0":
        assert isinstance(cell.value, int)
        return f"{cell.value:,}"
    return str(cell.value)
