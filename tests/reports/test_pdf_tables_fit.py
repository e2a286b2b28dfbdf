"""Every table the project prints fits its heads and cells (review-user13 (3), (4)).

The user saw, on the employer's statement, 「减免滞纳金（元」 above 「）」, a basis cut as 「延长至20 / 20年」 and a
late fee running into the next column; on the rights statement the employer's name cut with "…" and
totals without thousands separators. Each PDF is rendered here with the longest realistic values (the
largest amounts a column holds, an employer's name of 30 characters and more, a basis of several
clauses) and read back: by pypdf's text extraction (head words whole, dates and amounts whole, amounts
as the pages write them) and by the position of every drawn string (pdfium: no two cells on a line
nearer than a few points, nothing past the page's margins).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as N

import pytest
from django.utils import timezone
from reportlab.lib.units import mm

from shebao.collection.selectors import STATEMENT_INSURANCES
from shebao.collection.statement_pdf import rights_statement_pdf
from shebao.reports.assessment_pdf import assessment_report_pdf
from shebao.reports.statement import DUE_HEADS, PAY_HEADS, REFUND_HEADS, statement_pdf
from tests.pdf_layout import crowded, past_margins, spans, text_lines

pytestmark = pytest.mark.django_db

LONG_EMPLOYER = "北京市朝阳区国际科技创新产业园区管理服务有限责任公司第一分公司"  # 30 characters
OTHER_EMPLOYER = "京城和鼎制造有限公司（000）"
BIG = 9_999_999_999  # 99,999,999.99 yuan: more than any due, fee or payment of the books


class _Items(list):
    def all(self):
        return self


def _due(month: str) -> N:
    return N(due=N(month=month, get_insurance_display=lambda: "基本养老保险", amount_fen=BIG, paid_on=None,
                   relief_fen=123_456_789),
             clauses=["第0.3条：疫情期间欠费于疫情解除后3个月内补缴的，免收滞纳金"],
             relief="阶段性减免企业社会保险费（人社部发〔2020〕11号 第一条）",
             deferral="缓缴至2020年6月30日，缓缴期间免收滞纳金：延长至2020年12月31日",
             late_fee_fen=123_456_789, fee_state_short="未缴（累计中）", waived_fen=987_654_321)


def _account() -> N:
    employer = N(name=LONG_EMPLOYER, credit_code="91110105MA01ABCD2X", district=N(name="朝阳区社会保险基金管理中心"))
    return N(employer=employer, as_of=dt.date(2020, 6, 30), open_fen=BIG, arrears_fen=BIG, late_fee_fen=BIG,
             waived_fen=BIG, relief_fen=BIG, credit_fen=0, late_fee_status="滞纳金尚未缴纳。",
             dues=[_due(f"2020-0{m}") for m in range(1, 6)],
             payments=[N(received_on=dt.date(2020, 1, 1), get_source_display=lambda: "银行托收", amount_fen=BIG,
                         reference="BANK-2020-0101-000000012345678")],
             refunds=[N(items=_Items([N(due=N(month="2019-12"), amount_fen=123_456_789)] * 3),
                        created_at=dt.datetime(2020, 3, 1), case_id=123_456, employer_applied=False,
                        applicant_zh="个人申请", amount_fen=BIG, get_status_display=lambda: "已核准，待退款")])


def _heads_whole(lines: list[str], heads: list[str]) -> None:
    """Each head's words on one line: a head may wrap before its unit (减免滞纳金 / （元）), never inside."""
    for head in heads:
        word = head.split("（")[0]
        assert any(word in line for line in lines), (head, [x for x in lines if word[:2] in x])
        if "（" in head:
            unit = head[head.index("（"):]
            assert any(unit in line for line in lines), (head, unit)
    assert not any(line.strip().startswith("）") for line in lines)


def test_the_employers_statement_keeps_heads_dates_and_amounts_whole_and_its_cells_apart(settings):
    settings.SHEBAO_TODAY = "2020-06-30"
    pdf = statement_pdf(account=_account(), printed_by="朝阳区经办员")
    lines = text_lines(pdf)
    _heads_whole(lines, DUE_HEADS + PAY_HEADS + REFUND_HEADS)
    text = "\n".join(lines)
    for whole in ("99,999,999.99", "1,234,567.89", "9,876,543.21", "2020年12月31日", "2020年6月30日",
                  "BANK-2020-0101-000000012345678"):
        assert whole in text, whole  # a number, a date, a code never cut over two lines
    assert not crowded(pdf), crowded(pdf)[:5]
    assert not past_margins(pdf, margin=10 * mm)


def _statement(lines: list[dict], totals: dict) -> N:
    return N(person=N(name="欧阳𠮷祥", id_number="110105196507130016"), content={"lines": lines, "totals": totals},
             code_display="ABCD-EFGH-JKLM", issued_at=timezone.now(), as_of=dt.date(2020, 12, 31),
             content_sha256="0" * 64)


def test_the_rights_statement_names_every_employer_in_full_and_writes_amounts_as_the_pages(settings):
    settings.SHEBAO_TODAY = "2020-12-31"
    amounts = {code: {"base_fen": 3_378_600, "employer_fen": 540_576, "personal_fen": 270_288 if personal else None}
               for code, _zh, _b, _e, personal in STATEMENT_INSURANCES}
    lines = [{"month": f"20{y}-{m:02d}", "employer": (LONG_EMPLOYER, OTHER_EMPLOYER)[(y + m) % 2],
              "status_text": "疫情期间补缴，视同按时（0.3）" if m % 3 else "按时缴费", "insurances": amounts}
             for y in (18, 19, 20) for m in range(1, 13)]
    totals = {code: {"zh": zh, "months": 36, "employer_fen": 1_234_567_891,
                     "personal_fen": 987_654_321 if personal else None}
              for code, zh, _b, _e, personal in STATEMENT_INSURANCES}
    pdf = rights_statement_pdf(statement=_statement(lines, totals), verify_url="https://shebao.example/v/?code=ABCD")
    text = "\n".join(text_lines(pdf))
    assert "…" not in text
    # The employer's column read down the page, as a person reads it: each name whole, over its lines.
    column = _column_text(pdf, head="缴费单位", next_head="缴费状态")
    assert column.count(LONG_EMPLOYER) == 18 and column.count(OTHER_EMPLOYER) == 18, column[:200]
    assert "33,786.00" in text and "5,405.76" in text and "2,702.88" in text
    assert "单位缴纳12,345,678.91元，个人缴纳9,876,543.21元" in text.replace("\n", "")
    assert "12345678.91" not in text
    assert not crowded(pdf), crowded(pdf)[:5]
    assert not past_margins(pdf, margin=10 * mm)


def _column_text(pdf: bytes, *, head: str, next_head: str) -> str:
    """The text drawn between the left of `head` and the left of `next_head`, page after page, top down."""
    found = spans(pdf)
    left = next(s.left for s in found if s.text == head)
    right = next(s.left for s in found if s.text == next_head)
    inside = [s for s in found if left - 1 <= s.left and s.right <= right and s.text not in (head,)]
    inside.sort(key=lambda s: (s.page, -s.baseline))
    return "".join(s.text for s in inside)


def test_the_assessment_report_fits_a_long_name_and_the_largest_sums(settings):
    run = N(as_of=dt.date(2020, 6, 30), pk=7, lifted_on=None, policy_name="base", policy_version="2020.01.31",
            created_at=dt.datetime(2020, 6, 30, 9, 0), created_by_label="征缴员", dues=1_000_000,
            employers_in_arrears=123_456, arrears_fen=BIG * 10, late_fee_fen=BIG, waived_fen=BIG)
    districts = [N(district=N(name=f"北京市{n}社会保险基金管理中心"), employers_in_arrears=12_345, arrears_fen=BIG,
                   late_fee_fen=BIG, waived_fen=BIG) for n in ("朝阳区", "海淀区", "门头沟区")]
    top = [{"employer_name": LONG_EMPLOYER, "district_name": "朝阳区社会保险基金管理中心", "arrears_fen": BIG,
            "overdue_dues": 12_345, "late_fee_fen": BIG, "waived_fen": BIG}]
    from shebao.core.policy import current_policy

    pdf = assessment_report_pdf(run=run, districts=districts, top=top, policy=current_policy(), printed_by="征缴员")
    lines = text_lines(pdf)
    _heads_whole(lines, ["欠费单位数", "欠费（元）", "滞纳金（元）", "减免滞纳金（元）", "逾期笔数", "减免（元）"])
    assert "99,999,999.99" in "\n".join(lines) and "299,999,999.97" in "\n".join(lines)
    assert not crowded(pdf), crowded(pdf)[:5]
    assert not past_margins(pdf, margin=10 * mm)


def test_the_receipt_and_the_certificate_keep_long_names_within_the_page(settings):
    """The receipt and the certificate are lines, not tables: each wraps within the margins (the receipt's
    closing line with the helpline ran past the right edge; a long office or employer name would too)."""
    from shebao.backoffice.receipt import receipt_pdf
    from shebao.cards.certificate import certificate_pdf

    settings.SHEBAO_TODAY = "2020-02-20"
    office = N(name="北京市朝阳区社会保险基金管理中心国际科技创新产业园区社会保险服务站（第一服务大厅）")
    case = N(pk=123_456, business_zh="单位申报月报补缴（含基数差补缴）", person=None, applicant_kind="employer",
             employer=N(name=LONG_EMPLOYER * 2, credit_code="91110105MA01ABCD2X"),
             office=office, get_channel_display=lambda: "窗口", applied_on=dt.date(2020, 2, 20),
             get_mode_display=lambda: "承诺制办理", explanation_zh="依第1.1条承诺制办理，" * 12,
             business="monthly_report_back_payment", details={}, deadline=dt.date(2020, 3, 5),
             requires=["phone_verification"])  # the time limit and the call printed too (review-user14 (13))
    receipt = receipt_pdf(case=case, owed=[])
    order = N(pk=9, person=N(name="欧阳𠮷祥", id_number="110105196507130016"),
              case=N(pk=123_456, business_zh="社会保障卡补换卡"), get_reason_display=lambda: "遗失",
              office=office, certificate_issued_on=dt.date(2020, 2, 20), get_status_display=lambda: "已交EMS寄出",
              ems_tracking_number="EA123456785CN", certificate_code_display="ABCD-EFGH-JKLM")
    certificate = certificate_pdf(order=order, verify_url="https://shebao.example/cards/verify/?code=ABCD-EFGH-JKLM")
    for pdf in (receipt, certificate):
        assert not past_margins(pdf, margin=15 * mm), past_margins(pdf, margin=15 * mm)
    receipt_text = "".join(text_lines(receipt))
    from shebao.core.contact import helpline

    assert LONG_EMPLOYER * 2 in receipt_text and f"（{helpline()}）。" in receipt_text
    assert office.name in "".join(text_lines(certificate)) and "EA123456785CN" in "".join(text_lines(certificate))
