"""Reading a PDF back as a person reads it: its lines of text (pypdf) and where each drawn string lies
on the page (pdfium's text objects), to check that every table's heads, cells and numbers fit
(review-user13 (3), (4)): a head word is never cut, two cells side by side never touch or overlap, no
text runs past the page's margins."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium
from pypdf import PdfReader


@dataclass(frozen=True)
class Span:
    page: int
    left: float
    right: float
    baseline: float
    text: str


def text_lines(pdf: bytes) -> list[str]:
    """Every line of text of the PDF, as pypdf extracts it (a table's row is one line: its cells apart)."""
    return [line for page in PdfReader(io.BytesIO(pdf)).pages for line in page.extract_text().splitlines()]


def spans(pdf: bytes) -> list[Span]:
    """Each string drawn on the PDF (one text object per drawString): its page, ink from left to right
    (points) and baseline."""
    out = []
    doc = pdfium.PdfDocument(pdf)
    try:
        for number in range(len(doc)):
            page = doc[number]
            textpage = page.get_textpage()
            for obj in page.get_objects():
                if obj.type != pdfium.raw.FPDF_PAGEOBJ_TEXT:
                    continue
                left, bottom, right, top = obj.get_bounds()
                baseline = obj.get_matrix().f
                out.append(Span(number, left, right, baseline,
                                textpage.get_text_bounded(left, bottom, right, top).strip()))
            textpage.close()
            page.close()
    finally:
        doc.close()
    return out


def page_width(pdf: bytes) -> float:
    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[0].get_size()[0]
    finally:
        doc.close()


def crowded(pdf: bytes, *, gap: float = 5.0) -> list[tuple[str, str, float]]:
    """The pairs of strings on one line of a page that touch or overlap: (left text, right text, the
    space between their ink in points, less than `gap`). Empty when every cell keeps its distance."""
    by_line: dict[tuple[int, float], list[Span]] = {}
    for s in spans(pdf):
        by_line.setdefault((s.page, round(s.baseline, 1)), []).append(s)
    out = []
    for row in by_line.values():
        row.sort(key=lambda s: s.left)
        for a, b in zip(row, row[1:]):
            if b.left - a.right < gap:
                out.append((a.text, b.text, round(b.left - a.right, 2)))
    return out


def past_margins(pdf: bytes, *, margin: float) -> list[str]:
    """The strings whose ink runs nearer than `margin` points to the page's left or right edge."""
    width = page_width(pdf)
    return [s.text for s in spans(pdf) if s.left < margin or s.right > width - margin]
