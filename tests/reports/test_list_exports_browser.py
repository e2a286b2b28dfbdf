"""The lists a clerk, a collection clerk and a leader take away, downloaded in a real browser on a
desktop and on a 390x844 phone (issue 20, Done when: "the Excel download opens with the same rows"):
the person search, the remittance queue, the payroll run and the assessment results. Each page shows its
rows, its download link is reached and clicked as a user would, and the file, read back with openpyxl,
holds the rows the page shows; the page fits the phone's width."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from shebao.collection.models import BankFile, RemittanceLine
from shebao.core.models import PersonalDataAccess
from tests import personas
from tests.backoffice.test_browser_walkthrough import login
from tests.conftest import screenshot
from tests.reports.test_lists import assessed, run  # noqa: F401 (the fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def _download(page, link, tmp_path, name: str) -> list[tuple]:
    """Click `link` (a locator), save the download and read its rows back (header first)."""
    link.scroll_into_view_if_needed()
    with page.expect_download() as info:
        link.click()
    path = tmp_path / name
    info.value.save_as(path)
    return list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))


def _fits(page, viewport: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"], width


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_clerk_downloads_the_person_search_as_shown(page, settings, clerk_chaoyang, person_chaoyang, viewport,
                                                      tmp_path):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    other = personas.make_person("张四", serial=2)
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "clerk_cy")
    page.goto(page.live_server_url + "/persons/")
    page.fill("input[name=q]", "张")
    page.keyboard.press("Enter")
    expect(page.get_by_text("张四").first).to_be_visible()
    expect(page.get_by_text(person_chaoyang.name, exact=True).first).to_be_visible()
    _fits(page, viewport)
    screenshot(page, f"70-{viewport}-person-search-export")
    rows = _download(page, page.get_by_role("button", name="下载电子表格（全部查询结果）"), tmp_path, "persons.xlsx")
    assert rows[0][0] == "姓名"
    assert sorted(r[0] for r in rows[1:]) == sorted([person_chaoyang.name, other.name])
    # a district clerk reads the numbers in full (the read is recorded: tests/reports/test_exports.py)
    assert {r[2] for r in rows[1:]} == {person_chaoyang.id_number, other.id_number}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_clerk_downloads_the_remittance_queue_as_shown(page, settings, clerk_chaoyang, viewport, tmp_path):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    bank_file = BankFile.objects.create(kind="remittance_statement", sha256="f" * 64, filename="s.csv", lines=2)
    for i, fen in enumerate((12_345, 600_000)):
        RemittanceLine.objects.create(bank_file=bank_file, line_no=i + 1, bank_reference=f"R-{i}", amount_fen=fen,
                                      value_date=dt.date(2020, 2, 10 + i), payer_name=f"某公司{i}",
                                      payer_account="6222020000000000123")
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "clerk_cy")
    page.goto(page.live_server_url + "/collection/remittances/")
    for ref in ("R-0", "R-1"):
        expect(page.get_by_text(ref).first).to_be_visible()
    _fits(page, viewport)
    screenshot(page, f"70-{viewport}-remittance-export")
    rows = _download(page, page.get_by_role("link", name="下载电子表格（全部待匹配）"), tmp_path, "remittances.xlsx")
    assert [r[0] for r in rows[1:]] == ["R-0", "R-1"]
    assert [r[2] for r in rows[1:]] == [123.45, 6000.0]  # amounts as numbers, in yuan
    # a district clerk may read personal data: the payer's account in full, and the read recorded
    assert {r[4] for r in rows[1:]} == {"6222020000000000123"}
    assert PersonalDataAccess.objects.filter(field="汇款队列导出").count() == 2


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_leader_downloads_a_payroll_run_as_shown(page, settings, leader, run, viewport, tmp_path):  # noqa: F811
    run, payees = run
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "leader_city")
    page.goto(page.live_server_url + f"/office/benefits/payroll/{run.pk}/")
    for p in payees:
        expect(page.get_by_text(p.name).first).to_be_visible()
    _fits(page, viewport)
    screenshot(page, f"70-{viewport}-payroll-export")
    rows = _download(page, page.get_by_role("link", name="下载电子表格（全部明细）"), tmp_path, "payroll.xlsx")
    transfers = list(run.transfers.order_by("pk"))
    assert [r[0] for r in rows[1:]] == [t.pk for t in transfers]
    assert [round(r[5] * 100) for r in rows[1:]] == [t.amount_fen for t in transfers]
    assert {r[1] for r in rows[1:]} == {p.name for p in payees}  # 退休𠮷甲 in full
    assert all(p.id_number not in str(rows) for p in payees)  # a leader reads masked numbers


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_collection_clerk_downloads_the_assessment_results_as_shown(
        page, settings, collection_clerk, assessed, employer_chaoyang, employer_haidian, viewport,  # noqa: F811
        tmp_path):
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "collection_city")
    page.goto(page.live_server_url + f"/collection/assessments/{assessed.pk}/")
    expect(page.get_by_role("link", name="下载电子表格（全市全部单位）")).to_be_visible()
    _fits(page, viewport)
    screenshot(page, f"70-{viewport}-assessment-export")
    rows = _download(page, page.get_by_role("link", name="下载电子表格（全市全部单位）"), tmp_path, "assessment.xlsx")
    assert rows[0][:4] == ("单位编号", "单位名称", "所属区", "欠费（元）")
    assert {r[0] for r in rows[1:]} == {employer_chaoyang.pk, employer_haidian.pk}
    assert sum(round(r[3] * 100) for r in rows[1:]) == assessed.arrears_fen
