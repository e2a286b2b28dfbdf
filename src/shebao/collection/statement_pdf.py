"""The rights statement (个人权益记录单, 4.1) as a PDF, in Chinese, A4 landscape.

One line per contribution month: the month, the employer, the status (a month made up in the 0.3
window reads 疫情期间补缴，视同按时), and for each insurance type its base and the employer's and
the person's amounts in yuan. Then the totals by insurance type (months paid, amounts). Every page
carries the verification code and the public page where anyone checks it (with a QR code on the
first page). Printed with the project's font through `core.pdffonts.StrictCanvas`: a name prints in
full or no PDF is made; the employer's name in full too, over as many lines as its column takes, and
amounts as the pages write them, 12,345.67 (review-user13 (4)).
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from shebao.cards.certificate import _qr
from shebao.collection.models import RightsStatement
from shebao.collection.selectors import STATEMENT_INSURANCES
from shebao.core.masking import mask_id_number
from shebao.core.money import format_yuan
from shebao.core.pdffonts import StrictCanvas, pdf_font
from shebao.core.pdflayout import PAD, fit_widths, wrap

MARGIN = 12 * mm
CELL_SIZE, HEAD_SIZE = 7.5, 8
LEADING = 3.4 * mm  # one line of a cell
ROW_GAP = 1.6 * mm  # between two rows
TABLE_BOTTOM = 50 * mm  # the rows end above the footer and the first page's QR code
FOOTER_TOP = 20 * mm  # the totals end above the footer's two lines


def _yuan(fen: int | None) -> str:
    """An amount as the pages write it (core.money.format_yuan: 12,345.67), or — when there is none."""
    return "—" if fen is None else format_yuan(fen)


def _columns() -> list[tuple[str, str, str]]:
    """(insurance code, sub-heading, key) of each amount column, in print order."""
    out = []
    for code, _zh, _base, _employer, personal in STATEMENT_INSURANCES:
        out += [(code, "基数", "base_fen"), (code, "单位", "employer_fen")]
        if personal:
            out.append((code, "个人", "personal_fen"))
    return out


def _table(lines: list[dict[str, Any]], font: str, width: float) -> tuple[list[str], list[float], list[list[list[str]]]]:
    """(the heads, the column widths, each line's cells wrapped in their columns): the columns as wide as
    their content asks (core.pdflayout.fit_widths), the employer's name in full over as many lines as it
    takes (review-user13 (4): it was cut at 14 characters), every amount on one line."""
    columns = _columns()
    heads = ["所属期", "缴费单位", "缴费状态", *(sub for _code, sub, _key in columns)]
    rows = [[line["month"], line["employer"], line["status_text"].replace("（0.3）", ""),
             *(_yuan(line["insurances"][code][key]) for code, _sub, key in columns)] for line in lines]
    widths = fit_widths(heads, rows, font=font, size=CELL_SIZE, head_size=HEAD_SIZE, total=width - 2 * MARGIN)
    return heads, widths, [[wrap(c, font, CELL_SIZE, w - 2 * PAD) for c, w in zip(r, widths, strict=True)]
                           for r in rows]


def _row_height(cells: list[list[str]]) -> float:
    return max(len(c) for c in cells) * LEADING + ROW_GAP


def _pages(rows: list[list[list[str]]], *, top: float, totals_height: float) -> list[list[list[list[str]]]]:
    """The rows cut into pages, each filled down to TABLE_BOTTOM; the totals (`totals_height`) go below
    the last rows, on a page of their own when they would reach the footer."""
    pages: list[list[list[list[str]]]] = [[]]
    y = top
    for cells in rows:
        h = _row_height(cells)
        if pages[-1] and y - h < TABLE_BOTTOM:
            pages.append([])
            y = top
        pages[-1].append(cells)
        y -= h
    if y - totals_height < FOOTER_TOP:
        pages.append([])
    return pages


def rights_statement_pdf(*, statement: RightsStatement, verify_url: str) -> bytes:
    """The statement's PDF; `verify_url` is the public check page's address with the code. Raises
    `PdfFontMissing` / `UnprintableText` rather than print a name with a gap."""
    font = pdf_font()
    person = statement.person
    content: dict[str, Any] = statement.content
    lines = content.get("lines", [])
    totals = list(content.get("totals", {}).values())
    columns = _columns()
    buf = io.BytesIO()
    size = landscape(A4)
    width, height = size
    heads, widths, rows = _table(lines, font, width)
    xs = [MARGIN + sum(widths[:j]) for j in range(len(widths) + 1)]  # each column's left edge, then the right
    top = height - 15 * mm - 9 * mm - 8 * mm - 6 * mm - 6 * mm  # the first row's baseline
    totals_height = 8 * mm + 5 * mm * len(totals) + 7 * mm
    pages = _pages(rows, top=top, totals_height=totals_height)
    c = StrictCanvas(buf, pagesize=size)
    c.setTitle(f"个人权益记录单 {statement.code_display}")
    issued = timezone.localtime(statement.issued_at)
    for number, page in enumerate(pages, start=1):
        y = height - 15 * mm
        c.setFont(font, 16)
        c.drawCentredString(width / 2, y, "北京市社会保险个人权益记录单")
        y -= 9 * mm
        c.setFont(font, 10)
        c.drawString(MARGIN, y, f"姓名：{person.name}    证件号码：{mask_id_number(person.id_number)}    "
                                f"截至：{statement.as_of:%Y-%m-%d}    出具：{issued:%Y-%m-%d %H:%M}")
        c.drawRightString(width - MARGIN, y, f"第{number}页 共{len(pages)}页")
        y -= 8 * mm
        c.setFont(font, HEAD_SIZE)
        first = 3  # the amount columns follow the month, the employer and the status
        for code, zh, *_rest in STATEMENT_INSURANCES:
            n = sum(1 for col in columns if col[0] == code)
            c.drawCentredString((xs[first] + xs[first + n]) / 2, y, zh)
            first += n
        y -= 6 * mm
        for j, head in enumerate(heads):
            if j < 3:
                c.drawString(xs[j] + PAD, y + 3 * mm, head)  # the row's own heads stand level with the insurance's
            else:
                c.drawRightString(xs[j + 1] - PAD, y, head)
        y -= 2 * mm
        c.line(MARGIN, y, width - MARGIN, y)
        y = top
        c.setFont(font, CELL_SIZE)
        for cells in page:
            for j, cell in enumerate(cells):
                yy = y
                for text in cell:
                    if j < 3:
                        c.drawString(xs[j] + PAD, yy, text)
                    else:
                        c.drawRightString(xs[j + 1] - PAD, yy, text)
                    yy -= LEADING
            y -= _row_height(cells)
        if not lines and number == 1:
            c.drawString(MARGIN + PAD, y, "截至上述日期暂无缴费记录")
            y -= 5 * mm
        if number == len(pages):
            y -= 1 * mm
            c.line(MARGIN, y + 3 * mm, width - MARGIN, y + 3 * mm)
            c.setFont(font, 9)
            c.drawString(MARGIN, y - 1 * mm, "合计（已缴费月份）：")
            y -= 6 * mm
            for t in totals:
                # amounts as the pages write them, 12,345.67 (review-user13 (4))
                personal = f"，个人缴纳{_yuan(t['personal_fen'])}元" if t["personal_fen"] is not None else ""
                c.drawString(MARGIN, y, f"{t['zh']}：累计缴费{t['months']}个月，单位缴纳{_yuan(t['employer_fen'])}元"
                                        + personal)
                y -= 5 * mm
            y -= 2 * mm
            c.drawString(MARGIN, y, "说明：疫情防控期间（第0.3条）在补缴期内补缴的月份，视同按时缴费，"
                                    "不影响个人权益记录。金额单位：元。")
        c.setFont(font, 9)
        c.drawString(MARGIN, 14 * mm, f"验证码：{statement.code_display}    内容摘要：{statement.content_sha256[:16]}")
        c.drawString(MARGIN, 9 * mm, f"任何单位和个人可在下列网址输入验证码查验本记录单：{verify_url}")
        if number == 1:
            qr = 28 * mm
            renderPDF.draw(_qr(verify_url, qr), c, width - MARGIN - qr, 20 * mm)
        c.showPage()
    c.save()
    return buf.getvalue()
