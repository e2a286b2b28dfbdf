"""The reports' shared page machinery (reports.pdfpages) and the assessment report's clause 0.3
note, worded from the policy's make-up months rather than a literal "三个月" (issue 20)."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

from pypdf import PdfReader

from shebao.core.policy import current_policy, policy_with
from shebao.reports.assessment_pdf import assessment_report_pdf
from shebao.reports.pdfpages import Pages
from shebao.rules.dates import add_months
from shebao.rules.wording import date_zh, makeup_relief_text


def _text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def _run(lifted_on: dt.date | None) -> SimpleNamespace:
    return SimpleNamespace(as_of=dt.date(2020, 6, 30), pk=7, lifted_on=lifted_on, policy_name="base",
                           policy_version="2020.01.31", created_at=dt.datetime(2020, 6, 30, 9, 0),
                           created_by_label="征缴员", dues=0, employers_in_arrears=0, arrears_fen=0, late_fee_fen=0,
                           waived_fen=0)


def test_the_make_up_months_come_from_the_policy_not_a_literal(db):
    six = policy_with({"epidemic.makeup_months": 6})
    text = _text(assessment_report_pdf(run=_run(None), districts=[], top=[], policy=six, printed_by="征缴员"))
    assert "疫情解除后6个月内补缴的，免收滞纳金" in text and "三个月" not in text
    months = current_policy().value("epidemic.makeup_months")
    assert makeup_relief_text(current_policy(), lifted_on=None) == f"疫情期间欠费于疫情解除后{months}个月内补缴的，免收滞纳金"
    # Once the lifting date is known (recorded on the run), the note names the last day instead.
    lifted = dt.date(2020, 4, 15)
    text = _text(assessment_report_pdf(run=_run(lifted), districts=[], top=[], policy=six, printed_by="征缴员"))
    assert f"疫情期间欠费于{date_zh(add_months(lifted, 6))}前（含当日）补缴的" in text


def test_every_report_closes_with_its_note_who_printed_it_and_the_page_number(db):
    pages = Pages.open(title="测试报告", heading="测试报告标题")
    for i in range(80):  # runs onto a second page
        pages.text(f"第{i}行")
    pdf = pages.finish(note="说明：测试说明。", printed_by="打印人甲")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    last = reader.pages[-1].extract_text().replace("\n", "")
    assert "说明：测试说明。" in last and "打印：打印人甲，" in last and "第2页" in last
    assert "测试报告（续）" in last and "测试报告标题" in reader.pages[0].extract_text()
    assert reader.metadata.title == "测试报告"


def test_a_section_heading_is_never_left_alone_at_a_page_foot_and_amounts_with_units_go_right(db):
    """review-user14 (8): 二、各区办件 and its column heads sat alone at the foot of page 1 with the rows on
    page 2; the leader's 本月数值 (counts and 1,200.00元 mixed) was set to the left."""
    from reportlab.lib.units import mm

    from shebao.reports.pdfpages import BOTTOM
    from tests.pdf_layout import spans

    pages = Pages.open(title="测试报告", heading="测试报告标题")
    pages.y = BOTTOM + 14 * mm  # room for the heading and the heads, not for a row after them
    pages.heading("二、各区办件")
    pages.table(["区", "本月数值"], [["朝阳区", "1,200.00元"], ["海淀区", "12"], ["东城区", "85.3%"]], empty="无")
    pdf = pages.finish(note="说明。", printed_by="打印人甲")
    reader = PdfReader(io.BytesIO(pdf))
    assert "二、各区办件" not in reader.pages[0].extract_text()
    second = reader.pages[1].extract_text()
    assert "二、各区办件" in second and "朝阳区" in second
    values = [s for s in spans(pdf) if s.text in ("1,200.00元", "12", "85.3%")]
    assert len(values) == 3 and max(s.right for s in values) - min(s.right for s in values) < 1  # one right edge


def test_the_statements_late_fee_is_an_amount_and_its_state_a_column_of_its_own():
    from shebao.reports.statement import DUE_HEADS

    assert DUE_HEADS[4:6] == ["滞纳金（元）", "滞纳金状态"]
