"""The rights statement (个人权益记录单, 4.1) as a PDF, in Chinese, A4 landscape.

One line per contribution month: the month, the employer, the status (a month made up in the 0.3
window reads 疫情期间补缴，视同按时), and for each insurance type its base and the employer's and
the person's amounts in yuan. Then the totals by insurance type (months paid, amounts). Every page
carries the verification code and the public page where anyone checks it (with a QR code on the
first page). Printed with the project's font through `core.pdffonts.StrictCanvas`: a name prints in
full or no PDF is made.
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
from shebao.core.pdffonts import StrictCanvas, pdf_font

ROWS_PER_PAGE = 24
TOTALS_FIT = 14  # lines a page may hold and still have room for the totals below them
# Column x positions (mm from the left edge) of the line table.
_X_MONTH, _X_EMPLOYER, _X_STATUS, _X_AMOUNTS = 10, 24, 64, 96
_AMOUNT_WIDTH = 14.6  # mm per amount column (13 columns, to 286 mm of the page's 297)


def _yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan}.{cents:02d}"


def _columns() -> list[tuple[str, str, str]]:
    """(insurance code, sub-heading, key) of each amount column, in print order."""
    out = []
    for code, _zh, _base, _employer, personal in STATEMENT_INSURANCES:
        out += [(code, "基数", "base_fen"), (code, "单位", "employer_fen")]
        if personal:
            out.append((code, "个人", "personal_fen"))
    return out


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def rights_statement_pdf(*, statement: RightsStatement, verify_url: str) -> bytes:
    """The statement's PDF; `verify_url` is the public check page's address with the code. Raises
    `PdfFontMissing` / `UnprintableText` rather than print a name with a gap."""
    font = pdf_font()
    person = statement.person
    content: dict[str, Any] = statement.content
    lines = content.get("lines", [])
    pages = [lines[i:i + ROWS_PER_PAGE] for i in range(0, len(lines), ROWS_PER_PAGE)] or [[]]
    if len(pages[-1]) > TOTALS_FIT:  # the totals go on a page of their own rather than over the footer
        pages.append([])
    columns = _columns()
    buf = io.BytesIO()
    size = landscape(A4)
    width, height = size
    c = StrictCanvas(buf, pagesize=size)
    c.setTitle(f"个人权益记录单 {statement.code_display}")
    issued = timezone.localtime(statement.issued_at)
    for number, page in enumerate(pages, start=1):
        y = height - 15 * mm
        c.setFont(font, 16)
        c.drawCentredString(width / 2, y, "北京市社会保险个人权益记录单")
        y -= 9 * mm
        c.setFont(font, 10)
        c.drawString(12 * mm, y, f"姓名：{person.name}    证件号码：{mask_id_number(person.id_number)}    "
                                 f"截至：{statement.as_of:%Y年%m月%d日}    出具：{issued:%Y-%m-%d %H:%M}")
        c.drawRightString(width - 12 * mm, y, f"第{number}页 共{len(pages)}页")
        y -= 8 * mm
        c.setFont(font, 8)
        c.drawString(_X_MONTH * mm, y, "所属期")
        c.drawString(_X_EMPLOYER * mm, y, "缴费单位")
        c.drawString(_X_STATUS * mm, y, "缴费状态")
        x = _X_AMOUNTS
        for code, zh, *_rest in STATEMENT_INSURANCES:
            n = sum(1 for col in columns if col[0] == code)
            c.drawCentredString((x + n * _AMOUNT_WIDTH / 2) * mm, y, zh)
            x += n * _AMOUNT_WIDTH
        y -= 4.5 * mm
        for i, (_code, sub, _key) in enumerate(columns):
            c.drawRightString((_X_AMOUNTS + (i + 1) * _AMOUNT_WIDTH - 1) * mm, y, sub)
        y -= 1.5 * mm
        c.line(12 * mm, y, width - 12 * mm, y)
        y -= 4.5 * mm
        c.setFont(font, 7.5)
        for line in page:
            c.drawString(_X_MONTH * mm, y, line["month"])
            c.drawString(_X_EMPLOYER * mm, y, _short(line["employer"], 14))
            c.drawString(_X_STATUS * mm, y, line["status_text"].replace("（0.3）", ""))
            for i, (code, _sub, key) in enumerate(columns):
                c.drawRightString((_X_AMOUNTS + (i + 1) * _AMOUNT_WIDTH - 1) * mm, y,
                                  _yuan(line["insurances"][code][key]))
            y -= 5 * mm
        if not lines:
            c.drawString(_X_MONTH * mm, y, "截至上述日期暂无缴费记录")
            y -= 5 * mm
        if number == len(pages):
            y -= 2 * mm
            c.line(12 * mm, y + 3 * mm, width - 12 * mm, y + 3 * mm)
            c.setFont(font, 9)
            c.drawString(_X_MONTH * mm, y - 1 * mm, "合计（已缴费月份）：")
            y -= 6 * mm
            for t in content.get("totals", {}).values():
                personal = f"，个人缴纳{_yuan(t['personal_fen'])}元" if t["personal_fen"] is not None else ""
                c.drawString(_X_MONTH * mm, y, f"{t['zh']}：累计缴费{t['months']}个月，单位缴纳{_yuan(t['employer_fen'])}元"
                                               + personal)
                y -= 5 * mm
            y -= 2 * mm
            c.drawString(_X_MONTH * mm, y, "说明：疫情防控期间（第0.3条）在补缴期内补缴的月份，视同按时缴费，"
                                           "不影响个人权益记录。金额单位：元。")
        c.setFont(font, 9)
        c.drawString(12 * mm, 14 * mm, f"验证码：{statement.code_display}    内容摘要：{statement.content_sha256[:16]}")
        c.drawString(12 * mm, 9 * mm, f"任何单位和个人可在下列网址输入验证码查验本记录单：{verify_url}")
        if number == 1:
            qr = 28 * mm
            renderPDF.draw(_qr(verify_url, qr), c, width - 12 * mm - qr, 20 * mm)
        c.showPage()
    c.save()
    return buf.getvalue()
