"""The page machinery the reports' PDFs share (issue 20): an A4 canvas in the project's font that
starts a new page (title and column heads repeated) when a row will not fit, and opens and closes
every report the same way: the heading, then at the end the note, the "打印" line, the page number.

Used by the employer's statement (reports.statement), the assessment run's report
(reports.assessment_pdf) and the leaders' monthly report (reports.monthly_pdf). Every name is
printed in full (core.pdffonts: a character the font lacks stops the PDF rather than print a gap).
"""

from __future__ import annotations

import io
import re

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from shebao.core import clock
from shebao.core.pdffonts import StrictCanvas, pdf_font
from shebao.core.pdflayout import PAD, fit_widths, wrap

# A table's cell text and its heads (points), and the height of one of its lines.
CELL_SIZE = 8.5
LEADING = 4.2 * mm
# A column whose every cell is a number (an amount, a count, a share) is set to the right.
# An amount with its unit (1,200.00元) counts as a number (review-user14 (8): the leader's 本月数值 mixed
# counts and yuan and was set to the left).
_NUMBER = re.compile(r"-?[\d,]+(\.\d+)?(%|元)?")

WIDTH, HEIGHT = A4
LEFT, RIGHT, BOTTOM = 15 * mm, WIDTH - 15 * mm, 18 * mm


class Pages:
    """A report being written: `open` draws the heading, `text`/`row` write on (a new page when the
    next line will not fit), `finish` writes the closing block and answers the PDF bytes.

    Raises core.pdffonts' `PdfFontMissing` / `UnprintableText` rather than print a gap."""

    def __init__(self, canvas: StrictCanvas, font: str, title: str, buffer: io.BytesIO | None = None) -> None:
        self.c, self.font, self.title, self.buffer = canvas, font, title, buffer
        self.page = 1
        self.y = HEIGHT - 20 * mm
        self.heads: tuple[list[str], list[float]] | None = None  # repeated at the top of each new page
        self.heads_right: frozenset[int] = frozenset()  # their columns set to the right

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
                self.row(*self.heads, bold=True, right=self.heads_right)

    def footer(self) -> None:
        self.c.setFont(self.font, 8)
        self.c.drawCentredString(WIDTH / 2, 10 * mm, f"第{self.page}页")

    def heading(self, text: str, size: float = 11, gap: float = 7 * mm) -> None:
        """A section's heading, kept with its table: on a new page unless the heading, the column heads
        and a first row fit here (review-user14 (8): 二、各区办件 and its heads sat alone at the foot of
        page 1, the rows on page 2)."""
        self.need(gap + 3 * (LEADING + 1.5 * mm) + 2 * LEADING)
        self.text(text, size, gap)

    def text(self, text: str, size: float = 10, gap: float = 6 * mm) -> None:
        for line in wrap(text, self.font, size, RIGHT - LEFT):
            self.need(gap)
            self.c.setFont(self.font, size)
            self.c.drawString(LEFT, self.y, line)
            self.y -= gap

    def row(self, cells: list[str], widths: list[float], *, bold: bool = False, size: float = CELL_SIZE,
            right: frozenset[int] = frozenset()) -> None:
        """One line of a table: each cell wrapped in its column (`core.pdflayout.wrap`: never inside a
        number or a word of a head), `PAD` kept on each side; the columns of `right` set to the right."""
        wrapped = [wrap(str(v), self.font, size, w - 2 * PAD, head=bold) for v, w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped) * LEADING + 1.5 * mm
        self.need(height)
        x = LEFT
        self.c.setFont(self.font, size)
        for j, (lines, w) in enumerate(zip(wrapped, widths, strict=True)):
            yy = self.y
            for line in lines:
                if j in right:
                    self.c.drawRightString(x + w - PAD, yy, line)
                else:
                    self.c.drawString(x + PAD, yy, line)
                yy -= LEADING
            x += w
        self.y -= height
        self.c.setLineWidth(0.6 if bold else 0.2)
        self.c.line(LEFT, self.y + 3 * mm, RIGHT, self.y + 3 * mm)

    def table(self, heads: list[str], rows: list[list[str]], *, empty: str,
              widths: list[float] | None = None) -> None:
        """Column heads (repeated on each new page), the rows, or `empty` when there are none. The
        columns are as wide as their content asks (`core.pdflayout.fit_widths`, across the page) unless
        `widths` are given; a column of numbers is set to the right (review-user13 (3))."""
        rows = [[str(v) for v in r] for r in rows]
        widths = widths or fit_widths(heads, rows, font=self.font, size=CELL_SIZE, total=RIGHT - LEFT)
        right = frozenset(j for j in range(len(heads))
                          if rows and all(_NUMBER.fullmatch(r[j]) or r[j] in ("", "—") for r in rows)
                          and any(_NUMBER.fullmatch(r[j]) for r in rows))
        self.heads, self.heads_right = (heads, widths), right
        self.row(heads, widths, bold=True, right=right)
        for cells in rows:
            self.row(cells, widths, right=right)
        if not rows:
            self.text(empty, 9)
        self.heads, self.heads_right = None, frozenset()


__all__ = ["BOTTOM", "HEIGHT", "LEFT", "RIGHT", "WIDTH", "Pages", "wrap"]  # wrap: core.pdflayout's
