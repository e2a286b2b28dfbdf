"""The card-collection certificate (领卡证明, notice 5.1) as a PDF, in Chinese.

It names the person (in full: the font is the project's, `core.pdffonts`, so 王𠮷 prints whole or
no PDF is made), their masked ID number, the application, and the verification code with the
public page (and a QR code of it) where anyone checks that the certificate is genuine and still
valid: it is valid for medical treatment while the new card is made and posted, and lapses once
the card is delivered.
"""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from shebao.cards.models import CardOrder
from shebao.core import clock
from shebao.core.contact import card_line
from shebao.core.masking import mask_id_number
from shebao.core.pdffonts import StrictCanvas, pdf_font
from shebao.core.pdflayout import wrap


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def certificate_pdf(*, order: CardOrder, verify_url: str) -> bytes:
    """The 领卡证明 of `order`; `verify_url` is the public verification page's address with the code
    (the page builds it from the request). Raises `PdfFontMissing` / `UnprintableText` rather than
    print a name with a gap."""
    font = pdf_font()
    person, case = order.person, order.case
    buf = io.BytesIO()
    c = StrictCanvas(buf, pagesize=A4)
    c.setTitle(f"社会保障卡领卡证明 #{order.pk}")
    width, height = A4
    y = height - 25 * mm
    c.setFont(font, 18)
    c.drawCentredString(width / 2, y, "社会保障卡领卡证明")
    y -= 14 * mm
    qr_size = 35 * mm

    def line(text: str, *, size: float, step: float, beside_qr: bool = False) -> None:
        """`text` wrapped within the margins (core.pdflayout.wrap, review-user13 (3)), and clear of the QR
        code for the lines drawn beside it."""
        nonlocal y
        c.setFont(font, size)
        room = width - 40 * mm - (qr_size + 5 * mm if beside_qr else 0)
        for part in wrap(text, font, size, room):
            c.drawString(20 * mm, y, part)
            y -= step

    for text in (
        f"姓名：{person.name}",
        f"证件号码：{mask_id_number(person.id_number)}",
        f"补换原因：{order.get_reason_display()}",
        f"申请编号：{case.pk}（{case.business_zh}）",
        f"经办机构：{order.office.name}",
        f"出具日期：{order.certificate_issued_on:%Y-%m-%d}",
        f"制卡进度：{order.get_status_display()}"
        + (f"（EMS邮件号{order.ems_tracking_number}）" if order.ems_tracking_number else ""),
    ):
        line(text, size=12, step=8 * mm)
    y -= 4 * mm
    for text in ("兹证明上述人员已申请补换社会保障卡，新卡正在制作、寄递中。",
                 "依据北京市社会保险基金管理中心2020年1月31日通知第5.1条，",
                 "新卡送达前，本证明可用于就医；新卡送达本人后本证明自动失效。",
                 f"新卡由EMS寄递，可凭邮件号查询寄递进度，或拨打{card_line()}咨询。"):
        line(text, size=11, step=7 * mm, beside_qr=True)
    y -= 8 * mm
    line(f"验证码：{order.certificate_code_display}", size=14, step=8 * mm, beside_qr=True)
    line("医疗机构可在下列网址输入验证码，查验本证明是否真实、是否仍然有效：", size=10, step=6 * mm, beside_qr=True)
    url_top = y
    line(verify_url, size=10, step=6 * mm, beside_qr=True)
    renderPDF.draw(_qr(verify_url, qr_size), c, width - 20 * mm - qr_size, url_top - 4 * mm)
    y = min(y - 4 * mm, url_top - 16 * mm)
    c.setFont(font, 9)
    c.drawString(20 * mm, y, f"打印时间：{timezone.localtime(clock.now()):%Y-%m-%d %H:%M}")
    c.showPage()
    c.save()
    return buf.getvalue()
