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
from shebao.core.pdflayout import wrap


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` in lines no wider than `width` points, broken at sensible points (core.pdflayout.wrap:
    never inside a number, a date or a code). The receipt, the audit decision letter and the outreach
    letters wrap every line with it (review-user13 (3): no line runs past the page's margin)."""
    return wrap(text, font, size, width)


def applicant_lines(case: Any) -> list[str]:
    """Who applied, as the receipt says it: an employer's application names the employer and its unified
    social credit code (in full, as its account page and statement print it: an employer's registration
    number, no one's personal number), then the insured person it concerns, if any (review-user13 (12):
    the receipt named only the person); a person's own application names the person."""
    from shebao.cases.models import ApplicantKind

    employer, person = case.employer, case.person
    if case.applicant_kind == ApplicantKind.EMPLOYER and employer is not None:
        out = [f"申请单位：{employer.name}", f"统一社会信用代码：{employer.credit_code}"]
        if person is not None:
            out.append(f"参保人员：{person.name}（证件号码{person.id_number_masked}）")
        return out
    if person is not None:
        return [f"申请人：{person.name}（证件号码{person.id_number_masked}）"]
    return [f"申请人：{employer.name}" if employer is not None else "申请人："]


def what_a_walk_in_asks(case: Any) -> list[str]:
    """What the worker at the desk asks about, printed on the receipt (review-user14 (13): the refund's
    receipt had no amount, no time limit and no word of the verification call): the amount applied
    for, the time limit (办理时限) and, where the business needs it, that the agency will phone."""
    from shebao.core.money import format_yuan

    out = []
    amount = (case.details or {}).get("amount_fen") if case.business == "refund" else None
    if isinstance(amount, int):
        out.append(f"申请退费金额：{format_yuan(amount)}元")
    if case.deadline:
        out.append(f"办理时限：{case.deadline:%Y-%m-%d}前办结")
    if "phone_verification" in (case.requires or []):
        out.append("电话核实：经办机构将致电申请人核实本人申请，请保持电话畅通；核实前不予办结")
    return out


def receipt_pdf(*, case: Any, owed: list[Any]) -> bytes:
    font = pdf_font()
    buf = io.BytesIO()
    c = StrictCanvas(buf, pagesize=A4)
    c.setTitle(f"受理回执 #{case.pk}")
    width, height = A4
    y = height - 25 * mm

    def line(text: str, *, indent: float = 20 * mm, step: float = 7 * mm, size: float = 11) -> None:
        nonlocal y
        c.setFont(font, size)
        for part in _wrap(text, font, size, width - 20 * mm - indent):
            c.drawString(indent, y, part)
            y -= step

    c.setFont(font, 18)
    c.drawCentredString(width / 2, y, "社会保险业务受理回执")
    y -= 12 * mm
    for text in (
        f"申请编号：{case.pk}",
        f"业务：{case.business_zh}",
        *applicant_lines(case),
        f"受理机构：{case.office.name}",
        f"受理渠道：{case.get_channel_display()}",
        f"受理日期：{case.applied_on:%Y-%m-%d}",
        f"办理方式：{case.get_mode_display()}",
        *what_a_walk_in_asks(case),
    ):
        line(text)
    y -= 3 * mm
    line("决定说明：")
    line(case.explanation_zh, indent=25 * mm, step=6 * mm)
    y -= 4 * mm
    still = [(o.name, o.due_on) for o in owed if o.state in ("owed", "refused")]
    if not owed and "documents_later" in case.requires:
        # Accepted at the desk, not yet in the back office: the catalog's documents are what is owed (1.3).
        from shebao.rules import business

        still = [(name, case.documents_due_on) for name in business(case.business).documents]
    line("尚需补交的材料：" + ("无" if not still else ""))
    for name, due_on in still:
        due = f"（{due_on:%Y-%m-%d}前）" if due_on else "（疫情解除后按通知补交）"
        line(f"· {name}{due}", indent=25 * mm, step=6 * mm)
    y -= 8 * mm
    line(f"打印时间：{timezone.localtime(clock.now()):%Y-%m-%d %H:%M} · 请妥善保管本回执，凭申请编号查询办理进度（{helpline()}）。",
         size=9, step=5 * mm)
    c.showPage()
    c.save()
    return buf.getvalue()
