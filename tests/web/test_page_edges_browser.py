"""Page edges in a real headless Chromium, on a desktop and on a 390x844 phone (reviews U6, U10, U15),
each checked as a class over every element of its kind on the page:

- no number breaks across lines (a money amount, a count with separators), large type included;
- no chart label runs out of its chart; the dashboard's district names keep to one line;
- no text field cuts its own value or hint; no checkbox's words wrap away from the box;
- every form leaves checking to the server (no browser's own English bubble), and a file input
  reads 选择文件 / 未选择文件 and then the chosen file's name.
"""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.benefits.payroll import payroll_run_start
from shebao.benefits.services import Basis, retiree_declare
from shebao.cases.models import Case
from shebao.core.audit import audit_create
from shebao.operations import halls
from shebao.reports.tallies import tallies_refresh
from tests import personas
from tests.backoffice.test_browser_walkthrough import login
from tests.collection.conftest import contribution
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}

# Every number written with separators or decimals whose characters do not sit on one line.
WRAPPED_NUMBERS = r"""() => {
  const re = /\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+/g, out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement || node.parentElement.closest("svg, script, style")) continue;
    let m; re.lastIndex = 0;
    while ((m = re.exec(node.nodeValue))) {
      const r = document.createRange(); r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
      const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
      if (tops.size > 1) out.push(m[0]);
    }
  }
  return out;
}"""
# Every chart text (labels, legends, titles) drawn outside its chart's box.
CUT_CHART_TEXT = r"""() => [...document.querySelectorAll(".chart svg")].flatMap(svg => {
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll("text")].filter(t => t.textContent.trim() && t.getClientRects().length)
    .filter(t => { const r = t.getBoundingClientRect();
                   return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                          || r.bottom > box.bottom + 1; })
    .map(t => t.textContent.trim());
})"""
# Every visible text field whose value (or, empty, its hint) is wider than the room inside it.
CUT_FIELDS = r"""() => {
  const ctx = document.createElement("canvas").getContext("2d");
  return [...document.querySelectorAll("input:not([type]), input[type=text], input[type=search]")]
    .filter(i => i.offsetParent !== null).filter(i => {
      const s = getComputedStyle(i); ctx.font = s.font;
      const room = i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      return ctx.measureText(i.value || i.placeholder).width > room + 1;
    }).map(i => i.name + ":" + (i.value || i.placeholder));
}"""
# Every label of a checkbox or radio that runs over more than one line box (its words left the box).
SPLIT_CHECKS = r"""() => [...document.querySelectorAll("label")]
  .filter(l => l.querySelector(":scope > input[type=checkbox], :scope > input[type=radio]"))
  .filter(l => l.offsetParent !== null && l.getClientRects().length > 1).map(l => l.textContent.trim())"""
# Every row heading (a district, an insurance) whose words run over more than one line.
SQUEEZED_ROW_HEADS = r"""() => [...document.querySelectorAll("th[scope=row]")].filter(th => th.offsetParent !== null)
  .filter(th => { const r = document.createRange(); r.selectNodeContents(th);
                  return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size > 1; })
  .map(th => th.textContent.trim())"""
FORMS_CHECKED_BY_BROWSER = "() => [...document.forms].filter(f => !f.noValidate).map(f => f.action)"


def _no_sideways_scroll(page, viewport: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"], width


def _case(code: str, day: int) -> None:
    case = Case.objects.create(business="work_injury_recognition", business_zh="工伤认定", applicant_kind="employer",
                               channel="online", applied_on=dt.date(2020, 2, day), mode="direct",
                               explanation_zh="说明", pack="p", pack_version="1", office=personas.office(code),
                               status="submitted", deadline=dt.date(2020, 2, day + 2))
    audit_create(actor=personas.SETUP, instance=case)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_dashboard_keeps_names_numbers_and_chart_labels_whole(page, settings, leader, viewport):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 25)
    for i, code in enumerate(("110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
                              "110302")):
        _case(code, 3 + i)
    person = personas.make_person("退休甲", birth=dt.date(1959, 10, 15), serial=81)
    retiree_declare(actor=personas.SETUP, person=person, bank_account="6222020000000000081",
                    basis=Basis(record_monthly_fen=916_478, record_reference="核定-U6"))
    payroll_run_start(actor=personas.SETUP, month="2020-02")  # a transfer 待银行结果 in the 待遇支付 chart
    tallies_refresh(full=True)
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "leader_city")
    page.goto(page.live_server_url + "/office/dashboard/?start=2020-02-01&end=2020-02-25&grain=week")
    page.click("#district-all summary")  # every district, those without a case too (layout review C)
    names = page.eval_on_selector_all("#district-table [data-district]",
                                      "as => as.map(a => [a.textContent, a.getClientRects().length])")
    assert len(names) >= 8 and all(lines == 1 for _, lines in names), names
    assert all("中心" not in name for name, _ in names)  # the short name, the full one in its title
    assert "待银行结果" in page.text_content("#breakdown-payroll svg")
    assert page.evaluate(CUT_CHART_TEXT) == []
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # the table views too
    assert page.evaluate(WRAPPED_NUMBERS) == [] and page.evaluate(SQUEEZED_ROW_HEADS) == []
    _no_sideways_scroll(page, viewport)
    screenshot(page, f"70-{viewport}-dashboard-edges")


def test_large_type_on_the_phone_never_breaks_an_amount(page, settings, employer_chaoyang):
    from shebao.registry.services import person_update
    from tests.portal.test_person_browser import sign_in

    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    person = person_update(actor=personas.SETUP, person=personas.make_person("苏聪", serial=83), phone="13900139083")
    for month in ("2019-11", "2019-12", "2020-01"):
        contribution(person, employer_chaoyang, month, 916_478, paid_on=dt.date(2020, 1, 10))
    page.set_viewport_size(VIEWPORTS["phone"])
    sign_in(page, settings, person)
    page.context.add_cookies([{"name": "large_type", "value": "1", "url": page.live_server_url}])
    page.goto(page.live_server_url + "/portal/person/rights/")
    assert page.evaluate("document.documentElement.classList.contains('large-type')")
    assert "9,164.78" in page.inner_text("body")
    assert page.evaluate(WRAPPED_NUMBERS) == [] and page.evaluate(SQUEEZED_ROW_HEADS) == []
    _no_sideways_scroll(page, "phone")
    screenshot(page, "71-phone-large-type-rights")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_fields_checkboxes_forms_and_file_inputs_read_whole_and_in_chinese(page, settings, clerk_chaoyang,
                                                                          viewport, tmp_path):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    hall = personas.office("110105")
    manager = personas.make_staff("hall_cy", role=personas.Role.HALL_MANAGER, office_code="110105")
    halls.hall_log_save(actor=manager, hall=hall, day=dt.date(2020, 2, 20), visitors_checked=86,
                        ventilation="开窗通风2次，每次30分钟", posters_in_place=True)
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "hall_cy")
    page.goto(f"{page.live_server_url}/office/halls/{hall.pk}/?day=2020-02-20")
    assert page.input_value("input[name=ventilation]") == "开窗通风2次，每次30分钟"
    assert page.evaluate(CUT_FIELDS) == [] and page.evaluate(SPLIT_CHECKS) == []
    assert page.evaluate(FORMS_CHECKED_BY_BROWSER) == []
    screenshot(page, f"72-{viewport}-hall-log")

    login(page, "clerk_cy")
    page.goto(page.live_server_url + "/office/queue/")
    assert page.evaluate(CUT_FIELDS) == [], "the queue's search hint is cut"
    assert page.evaluate(FORMS_CHECKED_BY_BROWSER) == []
    page.goto(page.live_server_url + "/office/front-desk/")
    page.select_option("#business", "person_change")
    page.wait_for_selector("input[type=checkbox][name=fields]")
    assert page.evaluate(SPLIT_CHECKS) == []
    assert page.evaluate(CUT_FIELDS) == [] and page.evaluate(FORMS_CHECKED_BY_BROWSER) == []
    screenshot(page, f"73-{viewport}-person-change")

    # A file input in Chinese, and the chosen file's name once chosen.
    page.goto(page.live_server_url + "/office/declarations/")
    picker = page.locator(".file-picker").first
    assert picker.locator(".file-picker-button").inner_text() == "选择文件"
    assert picker.locator(".file-picker-name").inner_text() == "未选择文件"
    roster = tmp_path / "花名册.csv"
    roster.write_text("id_number,name,base\n", encoding="utf-8")
    picker.locator("input[type=file]").set_input_files(str(roster))
    assert picker.locator(".file-picker-name").inner_text() == "花名册.csv"
    assert page.evaluate(FORMS_CHECKED_BY_BROWSER) == []
    _no_sideways_scroll(page, viewport)
