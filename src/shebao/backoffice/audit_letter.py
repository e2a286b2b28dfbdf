"""The decision letter of an audit case (劳动保障监察处理决定书) as a PDF, in Chinese.

The same approach as the front desk's receipt (``backoffice.receipt``): reportlab with the
project's PDF font (``core.pdffonts``: embedded as a subset, every character printed or no PDF,
``UnprintableText``), nothing fetched from the internet. The letter goes
to the employer: it names no complainant (劳动保障监察条例 第九条: the complainant is kept
confidential), and any number in the free text is masked.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from shebao.backoffice.receipt import _wrap
from shebao.core import clock
from shebao.core.masking import mask_text
from shebao.core.pdffonts import StrictCanvas, pdf_font
from shebao.rules.wording import date_zh


def decision_letter_pdf(*, case: Any) -> bytes:
    """PDF bytes of the letter for a decided case: its number, the employer, the dates, the
    findings and the decision, the district office that decided."""
    font = pdf_font()
    buf = io.BytesIO()
    c = StrictCanvas(buf, pagesize=A4)
    c.setTitle(f"稽核处理决定书 #{case.pk}")
    width, height = A4
    y = height - 25 * mm

    def line(text: str, *, indent: float = 20, step: float = 7, size: int = 11) -> None:
        nonlocal y
        for part in _wrap(text, font, size, width - (20 + indent) * mm):  # within the margins (review-user13 (3))
            if y < 25 * mm:
                c.showPage()
                y = height - 25 * mm
            c.setFont(font, size)
            c.drawString(indent * mm, y, part)
            y -= step * mm

    c.setFont(font, 18)
    c.drawCentredString(width / 2, y, "社会保险稽核处理决定书")
    y -= 12 * mm
    line(f"案件编号：稽{case.pk}")
    line(f"被稽核单位：{case.employer.name}")
    line(f"统一社会信用代码：{case.employer.credit_code}")
    line(f"案件来源：{case.get_source_display()}")
    if case.opened_on:
        line(f"立案日期：{date_zh(case.opened_on)}")
    if case.decided_on:
        line(f"决定日期：{date_zh(case.decided_on)}")
    y -= 3 * mm
    for title, text in (("经查：", case.findings), ("处理决定：", case.decision)):
        line(title)
        for para in mask_text(text or "").splitlines() or [""]:
            line(para, indent=25, step=6)
        y -= 3 * mm
    y -= 5 * mm
    line("如不服本决定，可自收到之日起六十日内依法申请行政复议，或者六个月内依法提起行政诉讼。", size=10)
    y -= 8 * mm
    line(f"{case.district.name}（印章）", indent=120)
    if case.decided_on:
        line(f"{date_zh(case.decided_on)}", indent=120)
    y -= 6 * mm
    line(f"打印时间：{timezone.localtime(clock.now()):%Y-%m-%d %H:%M}", size=9)
    c.showPage()
    c.save()
    return buf.getvalue()
