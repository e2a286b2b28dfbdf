"""The employer's account statement (单位缴费对账单) as a PDF, in Chinese (issue 20).

What the account page shows (collection.selectors.employer_account), on paper the employer keeps:
each due with its month, insurance, amount, payment date, late fee and its relief, and the clause of
the notice (or the relief pack's rule) behind each; then the payments; then the totals. Every name
is printed in full with the project's font (core.pdffonts: a character the font lacks stops the
PDF rather than print a gap).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from shebao.core import clock
from shebao.core.money import format_yuan
from shebao.core.pdffonts import StrictCanvas, pdf_font

WIDTH, HEIGHT = A4
LEFT, RIGHT, BOTTOM = 15 * mm, WIDTH - 15 * mm, 18 * mm


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break `text` into lines no wider than `width` points (Chinese breaks between any characters)."""
    lines, line = [], ""
    for ch in text:
        if stringWidth(line + ch, font, size) > width and line:
            lines.append(line)
            line = ch
        else:
            line += ch
    return lines + ([line] if line or not lines else [])


class _Pages:
    """A canvas that starts a new page (title and column heads repeated) when a row will not fit."""

    def __init__(self, canvas: StrictCanvas, font: str, title: str) -> None:
        self.c, self.font, self.title = canvas, font, title
        self.page = 1
        self.y = HEIGHT - 20 * mm
        self.heads: tuple[list[str], list[float]] | None = None

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.footer()
            self.c.showPage()
            self.page += 1
            self.y = HEIGHT - 20 * mm
            self.c.setFont(self.font, 10)
            self.c.drawString(LEFT, self.y, f"{self.title}（续）")
            self.y -= 8 * mm
            if self.heads:
                self.row(*self.heads, bold=True)

    def footer(self) -> None:
        self.c.setFont(self.font, 8)
        self.c.drawCentredString(WIDTH / 2, 10 * mm, f"第{self.page}页")

    def text(self, text: str, size: float = 10, gap: float = 6 * mm) -> None:
        for line in _wrap(text, self.font, size, RIGHT - LEFT):
            self.need(gap)
            self.c.setFont(self.font, size)
            self.c.drawString(LEFT, self.y, line)
            self.y -= gap

    def row(self, cells: list[str], widths: list[float], *, bold: bool = False, size: float = 8.5) -> None:
        wrapped = [_wrap(str(v), self.font, size, w - 2) for v, w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped) * 4.2 * mm + 1.5 * mm
        self.need(height)
        x = LEFT
        self.c.setFont(self.font, size)
        for lines, w in zip(wrapped, widths, strict=True):
            yy = self.y
            for line in lines:
                self.c.drawString(x + 1, yy, line)
                yy -= 4.2 * mm
            x += w
        self.y -= height
        self.c.setLineWidth(0.6 if bold else 0.2)
        self.c.line(LEFT, self.y + 3 * mm, RIGHT, self.y + 3 * mm)


DUE_HEADS = ["所属期", "险种", "应缴（元）", "实缴日期", "滞纳金（元）", "减免滞纳金（元）", "依据与减免"]
DUE_WIDTHS = [16 * mm, 20 * mm, 24 * mm, 20 * mm, 22 * mm, 24 * mm, 54 * mm]
PAY_HEADS = ["到账日期", "来源", "金额（元）", "银行流水号"]
PAY_WIDTHS = [30 * mm, 40 * mm, 40 * mm, 70 * mm]


def statement_pdf(*, account: Any, printed_by: str) -> bytes:
    """The statement of `account` (collection.selectors.EmployerAccount) as PDF bytes.

    Raises core.pdffonts' `PdfFontMissing` / `UnprintableText` rather than print a name with a gap.
    """
    font = pdf_font()
    employer, as_of = account.employer, account.as_of
    buf = io.BytesIO()
    c = StrictCanvas(buf, pagesize=A4)
    title = f"单位社会保险费对账单：{employer.name}"
    c.setTitle(title)
    pages = _Pages(c, font, title)
    c.setFont(font, 16)
    c.drawCentredString(WIDTH / 2, pages.y, "单位社会保险费对账单")
    pages.y -= 12 * mm
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
    pages.y -= 3 * mm
    pages.text("一、应缴费款", 11, 7 * mm)
    pages.heads = (DUE_HEADS, DUE_WIDTHS)
    pages.row(DUE_HEADS, DUE_WIDTHS, bold=True)
    for r in account.dues:
        due = r.due
        basis = "；".join([*r.clauses, *([r.relief] if r.relief else []), *([r.deferral] if r.deferral else [])])
        if due.relief_fen:
            basis = f"减免单位缴费{format_yuan(due.relief_fen)}元；{basis}"
        pages.row([due.month, due.get_insurance_display(), format_yuan(due.amount_fen),
                   f"{due.paid_on:%Y-%m-%d}" if due.paid_on else "未缴", format_yuan(r.late_fee_fen),
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
    pages.y -= 4 * mm
    pages.text("说明：滞纳金与减免按北京市社会保险基金管理中心2020年1月31日通知及所列条款计算；"
               "减免单位缴费依所列阶段性减免政策条目。如有疑问，请与所属区社会保险基金管理中心联系。", 9, 5 * mm)
    pages.text(f"打印：{printed_by}，{timezone.localtime(clock.now()):%Y-%m-%d %H:%M}", 8, 5 * mm)
    pages.footer()
    c.showPage()
    c.save()
    return buf.getvalue()


def statement_filename(employer: Any, as_of: dt.date) -> str:
    return f"对账单_{employer.name}_{as_of:%Y%m%d}.pdf"
