"""The page machinery the reports' PDFs share (issue 20): an A4 canvas in the project's font that
starts a new page (title and column heads repeated) when a row will not fit, and opens and closes
every report the same way: the heading, then at the end the note, the "打印" line, the page number.

Used by the employer's statement (reports.statement), the assessment run's report
(reports.assessment_pdf) and the leaders' monthly report (reports.monthly_pdf). Every name is
printed in full (core.pdffonts: a character the font lacks stops the PDF rather than print a gap).
"""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from shebao.core import clock
from shebao.core.pdffonts import StrictCanvas, pdf_font

WIDTH, HEIGHT = A4
LEFT, RIGHT, BOTTOM = 15 * mm, WIDTH - 15 * mm, 18 * mm


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break `text` into lines no wider than `width` points (Chinese breaks between any characters)."""
    lines, line = [], ""
    for ch in text:
        if stringWidth(line + ch, font, size) > width and line:
            lines.append(line)
            line = ch
        else:
            line += ch
    return lines + ([line] if line or not lines else [])


class Pages:
    """A report being written: `open` draws the heading, `text`/`row` write on (a new page when the
    next line will not fit), `finish` writes the closing block and answers the PDF bytes.

    Raises core.pdffonts' `PdfFontMissing` / `UnprintableText` rather than print a gap."""

    def __init__(self, canvas: StrictCanvas, font: str, title: str, buffer: io.BytesIO | None = None) -> None:
        self.c, self.font, self.title, self.buffer = canvas, font, title, buffer
        self.page = 1
        self.y = HEIGHT - 20 * mm
        self.heads: tuple[list[str], list[float]] | None = None

    @classmethod
    def open(cls, *, title: str, heading: str) -> Pages:
        """A new A4 report: `title` is the document's title (and the running head of later pages),
        `heading` the large centred line on the first page."""
        font = pdf_font()
        buffer = io.BytesIO()
        canvas = StrictCanvas(buffer, pagesize=A4)
        canvas.setTitle(title)
        pages = cls(canvas, font, title, buffer)
        canvas.setFont(font, 16)
        canvas.drawCentredString(WIDTH / 2, pages.y, heading)
        pages.y -= 12 * mm
        return pages

    def finish(self, *, note: str, printed_by: str) -> bytes:
        """The closing block every report ends with: the note (`note`, the rules it rests on), who
        printed it and when (business clock, Beijing time), the last page's number; then the bytes."""
        self.y -= 4 * mm
        self.text(note, 9, 5 * mm)
        self.text(f"打印：{printed_by}，{timezone.localtime(clock.now()):%Y-%m-%d %H:%M}", 8, 5 * mm)
        self.footer()
        self.c.showPage()
        self.c.save()
        assert self.buffer is not None, "finish() is for a report begun with Pages.open()"
        return self.buffer.getvalue()

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
        for line in wrap(text, self.font, size, RIGHT - LEFT):
            self.need(gap)
            self.c.setFont(self.font, size)
            self.c.drawString(LEFT, self.y, line)
            self.y -= gap

    def row(self, cells: list[str], widths: list[float], *, bold: bool = False, size: float = 8.5) -> None:
        wrapped = [wrap(str(v), self.font, size, w - 2) for v, w in zip(cells, widths, strict=True)]
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

    def table(self, heads: list[str], widths: list[float], rows: list[list[str]], *, empty: str) -> None:
        """Column heads (repeated on each new page), the rows, or `empty` when there are none."""
        self.heads = (heads, widths)
        self.row(heads, widths, bold=True)
        for cells in rows:
            self.row(cells, widths)
        if not rows:
            self.text(empty, 9)
        self.heads = None


__all__ = ["BOTTOM", "HEIGHT", "LEFT", "RIGHT", "WIDTH", "Pages", "wrap"]
