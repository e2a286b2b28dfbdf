"""The front desk's receipt (回执) as a PDF, in Chinese.

The font is the project's PDF font (`core.pdffonts`: BabelStone Han, embedded as a subset), which
prints names outside the Basic Multilingual Plane (王𠮷); a character it cannot print stops the
receipt (`UnprintableText`) rather than leaving a gap in a name.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from shebao.core import clock
from shebao.core.contact import helpline
from shebao.core.pdffonts import StrictCanvas, pdf_font


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def receipt_pdf(*, case: Any, owed: list[Any]) -> bytes:
    font = pdf_font()
    buf = io.BytesIO()
    c = StrictCanvas(buf, pagesize=A4)
    c.setTitle(f"受理回执 #{case.pk}")
    width, height = A4
    y = height - 25 * mm
    c.setFont(font, 18)
    c.drawCentredString(width / 2, y, "社会保险业务受理回执")
    y -= 12 * mm
    c.setFont(font, 11)
    applicant = case.person.name if case.person else (case.employer.name if case.employer else "")
    lines = [
        f"受理编号：{case.pk}",
        f"业务：{case.business_zh}",
        f"申请人：{applicant}",
        f"受理机构：{case.office.name}",
        f"受理渠道：{case.get_channel_display()}",
        f"受理日期：{case.applied_on:%Y年%m月%d日}",
        f"办理方式：{case.get_mode_display()}",
    ]
    for line in lines:
        c.drawString(20 * mm, y, line)
        y -= 7 * mm
    y -= 3 * mm
    c.drawString(20 * mm, y, "决定说明：")
    y -= 7 * mm
    for line in _wrap(case.explanation_zh, 42):
        c.drawString(25 * mm, y, line)
        y -= 6 * mm
    y -= 4 * mm
    still = [(o.name, o.due_on) for o in owed if o.state in ("owed", "refused")]
    if not owed and "documents_later" in case.requires:
        # Accepted at the desk, not yet in the back office: the catalog's documents are what is owed (1.3).
        from shebao.rules import business

        still = [(name, case.documents_due_on) for name in business(case.business).documents]
    c.drawString(20 * mm, y, "尚需补交的材料：" + ("无" if not still else ""))
    y -= 7 * mm
    for name, due_on in still:
        due = f"（{due_on:%Y-%m-%d}前）" if due_on else "（疫情解除后按通知补交）"
        c.drawString(25 * mm, y, f"· {name}{due}")
        y -= 6 * mm
    y -= 8 * mm
    c.setFont(font, 9)
    c.drawString(20 * mm, y, f"打印时间：{timezone.localtime(clock.now()):%Y-%m-%d %H:%M} · 请妥善保管本回执，凭受理编号查询办理进度（{helpline()}）。")
    c.showPage()
    c.save()
    return buf.getvalue()
