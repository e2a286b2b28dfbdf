"""The employer's account statement (单位缴费对账单) as a PDF, in Chinese (issue 20).

What the account page shows (collection.selectors.employer_account), on paper the employer keeps:
each due with its month, insurance, amount, payment date, late fee and its relief, and the clause of
the notice (or the relief pack's rule) behind each; then the payments; then the totals. Every name
is printed in full with the project's font (core.pdffonts: a character the font lacks stops the
PDF rather than print a gap).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reportlab.lib.units import mm

from shebao.core import clock
from shebao.core.money import format_yuan
from shebao.reports.pdfpages import Pages

DUE_HEADS = ["所属期", "险种", "应缴（元）", "实缴日期", "滞纳金（元）", "减免滞纳金（元）", "依据与减免"]
DUE_WIDTHS = [16 * mm, 20 * mm, 24 * mm, 20 * mm, 22 * mm, 24 * mm, 54 * mm]
PAY_HEADS = ["到账日期", "来源", "金额（元）", "银行流水号"]
PAY_WIDTHS = [30 * mm, 40 * mm, 40 * mm, 70 * mm]


def statement_pdf(*, account: Any, printed_by: str) -> bytes:
    """The statement of `account` (collection.selectors.EmployerAccount) as PDF bytes.

    Raises core.pdffonts' `PdfFontMissing` / `UnprintableText` rather than print a name with a gap.
    """
    employer, as_of = account.employer, account.as_of
    pages = Pages.open(title=f"单位社会保险费对账单：{employer.name}", heading="单位社会保险费对账单")
    pages.text(f"单位名称：{employer.name}", 11, 7 * mm)
    pages.text(f"统一社会信用代码：{employer.credit_code}    所属区：{employer.district.name}", 10)
    pages.text(f"对账截止日：{as_of:%Y年%m月%d日}", 10)
    pages.y -= 2 * mm
    totals = [
        ("应缴未缴", account.open_fen), ("其中逾期欠费", account.arrears_fen), ("滞纳金", account.late_fee_fen),
        ("减免滞纳金（第0.3条）", account.waived_fen), ("减免单位缴费（阶段性减免政策）", account.relief_fen),
        ("预缴余额", account.credit_fen),
    ]
    pages.text("；".join(f"{k}{format_yuan(v)}元" for k, v in totals), 10)
    pages.text(f"滞纳金状态：{account.late_fee_status}", 9, 5 * mm)  # owed, fixed or accruing, and how to pay (U11)
    pages.y -= 3 * mm
    pages.text("一、应缴费款", 11, 7 * mm)
    pages.heads = (DUE_HEADS, DUE_WIDTHS)
    pages.row(DUE_HEADS, DUE_WIDTHS, bold=True)
    for r in account.dues:
        due = r.due
        basis = "；".join([*r.clauses, *([r.relief] if r.relief else []), *([r.deferral] if r.deferral else [])])
        if due.relief_fen:
            basis = f"减免单位缴费{format_yuan(due.relief_fen)}元；{basis}"
        fee = " ".join(x for x in (format_yuan(r.late_fee_fen), r.fee_state_short) if x)
        pages.row([due.month, due.get_insurance_display(), format_yuan(due.amount_fen),
                   f"{due.paid_on:%Y-%m-%d}" if due.paid_on else "未缴", fee,
                   format_yuan(r.waived_fen), basis or "—"], DUE_WIDTHS)
    if not account.dues:
        pages.text("没有应缴费款。", 9)
    pages.heads = None
    pages.y -= 4 * mm
    pages.text("二、收款", 11, 7 * mm)
    pages.heads = (PAY_HEADS, PAY_WIDTHS)
    pages.row(PAY_HEADS, PAY_WIDTHS, bold=True)
    for p in account.payments:
        pages.row([f"{p.received_on:%Y-%m-%d}", p.get_source_display(), format_yuan(p.amount_fen),
                   p.reference or "—"], PAY_WIDTHS)
    if not account.payments:
        pages.text("没有收款记录。", 9)
    pages.heads = None
    return pages.finish(note="说明：滞纳金与减免按北京市社会保险基金管理中心2020年1月31日通知及所列条款计算；"
                        "减免单位缴费依所列阶段性减免政策条目。如有疑问，请与所属区社会保险基金管理中心联系。",
                        printed_by=printed_by)


def statement_as_of(raw: object, *, employer: Any) -> dt.date:
    """The ``as_of`` of an employer's statement or account page: empty means today; a day after today
    or before the employer's books (collection.selectors.employer_records_from) is refused with a
    Chinese ValidationError (core.periods, review E14)."""
    from shebao.collection.selectors import employer_records_from
    from shebao.core.periods import report_day

    return report_day(raw, label="对账截止日", today=clock.today(), default=clock.today(),
                      first=employer_records_from(employer), first_what="该单位最早的缴费记录", field="as_of")


def statement_filename(employer: Any, as_of: dt.date) -> str:
    return f"对账单_{employer.name}_{as_of:%Y%m%d}.pdf"
