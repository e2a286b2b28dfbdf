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
from shebao.registry.offices import short_name
from shebao.reports.pdfpages import Pages

# The late fee's amount and its state in columns of their own (review-user14 (8): "27.08 未缴（累计中）" in
# one cell wrapped and was set to the left, while every other amount is set to the right).
DUE_HEADS = ["所属期", "险种", "应缴（元）", "实缴日期", "滞纳金（元）", "滞纳金状态", "减免滞纳金（元）", "依据与减免"]
PAY_HEADS = ["到账日期", "来源", "金额（元）", "银行流水号"]
# 退费申请 heads both kinds of row: the employer's own application (本单位申请 with its number, which the
# employer opens on its portal) and a person's own refund of its due (个人申请, no number). It was headed
# 申请编号 and then held 个人申请 under it (ux14 finding 7).
REFUND_HEADS = ["核准日期", "退费申请", "金额（元）", "状态", "所退费款"]


def statement_pdf(*, account: Any, printed_by: str) -> bytes:
    """The statement of `account` (collection.selectors.EmployerAccount) as PDF bytes.

    Raises core.pdffonts' `PdfFontMissing` / `UnprintableText` rather than print a name with a gap.
    """
    employer, as_of = account.employer, account.as_of
    pages = Pages.open(title=f"单位社会保险费对账单：{employer.name}", heading="单位社会保险费对账单")
    pages.text(f"单位名称：{employer.name}", 11, 7 * mm)
    pages.text(f"统一社会信用代码：{employer.credit_code}；所属区：{short_name(employer.district.name)}", 10)
    pages.text(f"对账截止日：{as_of:%Y-%m-%d}", 10)
    pages.y -= 2 * mm
    totals = [
        ("应缴未缴", account.open_fen), ("其中逾期欠费", account.arrears_fen), ("滞纳金", account.late_fee_fen),
        ("减免滞纳金（第0.3条）", account.waived_fen), ("减免单位缴费（阶段性减免政策）", account.relief_fen),
        ("预缴余额", account.credit_fen),
    ]
    pages.text("；".join(f"{k}{format_yuan(v)}元" for k, v in totals), 10)
    pages.text(f"滞纳金状态：{account.late_fee_status}", 9, 5 * mm)  # owed, fixed or accruing, and how to pay (U11)
    pages.y -= 3 * mm
    pages.heading("一、应缴费款")
    dues = []
    for r in account.dues:
        due = r.due
        basis = "；".join([*r.clauses, *([r.relief] if r.relief else []), *([r.deferral] if r.deferral else [])])
        if due.relief_fen:
            basis = f"减免单位缴费{format_yuan(due.relief_fen)}元；{basis}"
        dues.append([due.month, due.get_insurance_display(), format_yuan(due.amount_fen),
                     f"{due.paid_on:%Y-%m-%d}" if due.paid_on else "未缴", format_yuan(r.late_fee_fen),
                     r.fee_state_short or "—", format_yuan(r.waived_fen), basis or "—"])
    # Columns as wide as their content asks (core.pdflayout): an amount never wraps nor runs into the next
    # column, a head wraps between its words (review-user13 (3)).
    pages.table(DUE_HEADS, dues, empty="没有应缴费款。")
    pages.y -= 4 * mm
    pages.heading("二、收款")
    pages.table(PAY_HEADS, [[f"{p.received_on:%Y-%m-%d}", p.get_source_display(), format_yuan(p.amount_fen),
                             p.reference or "—"] for p in account.payments], empty="没有收款记录。")
    # Refunds approved, each with where its money stands (review-user12 F7: the bill omitted them)
    pages.y -= 4 * mm
    pages.heading("三、退费")
    refunds = []
    for f in account.refunds:
        months = "、".join(f"{i.due.month}（{format_yuan(i.amount_fen)}元）" for i in f.items.all())
        # the number of the employer's own application only: a person's own refund is not its to open (review-user13 (5))
        applied = f"{f.applicant_zh}（编号{f.case_id}）" if f.employer_applied else f.applicant_zh
        refunds.append([f"{f.created_at:%Y-%m-%d}", applied,
                        format_yuan(f.amount_fen), f.get_status_display(), months or "—"])
    pages.table(REFUND_HEADS, refunds, empty="没有已核准的退费。")
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
