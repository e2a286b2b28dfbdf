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
