"""How text fits on the agency's PDFs: where a line may break, and how wide each column of a table is.

Every PDF of the project (the employer's statement and the reports through `reports.pdfpages`, the
rights statement, the receipt, the certificate, the letters) wraps its text here, so a line breaks at
a sensible point: between Chinese characters, at a space, never inside a number, a date, a code or a
short bracketed unit such as （元） (review-user13 (3): the statement's heads read 减免滞纳金（元 / ） and
a basis read 延长至20 / 20年). A table's columns are as wide as their content asks (`fit_widths`): an
amount or a date column gets the width of its widest value, so a number never wraps or runs into the
next column, and the text columns share what is left, their heads wrapping at those same points.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

# Space kept on each side of a table cell's text: 3 mm (about one character) between the texts of two
# cells side by side, so an amount set to the right never reads as one with the text after it.
PAD = 1.5 * mm

# A run that is never broken: digits and Latin letters with what joins them in a number, a date, a code
# or an address (1,234.56  2020-02-20  EA123456785CN  https://…/verify?code=AB-12).
_RUN = r"[0-9A-Za-z][0-9A-Za-z.,:/%#+\-_~?=&@]*"
# A short bracketed unit kept whole: （元） （0.3） （第0.3条）.
_UNIT = r"（[^（）]{1,6}）|\([^()]{1,6}\)"
# A date written in Chinese, kept whole: 2020年6月30日, 2020年06月, 6月30日.
_DATE = r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日"
_TOKEN = re.compile(f"{_DATE}|{_UNIT}|{_RUN}|\\s+|.", re.S)
# Never at the start of a line (they close what went before) / never at its end (they open what follows).
_CLOSING = set("，。；：、）」』】》！？,.;:!?)%…”’")
_OPENING = set("（「『【《“‘(")


def tokens(text: str) -> list[str]:
    """`text` cut into the pieces a line may break between (see the module's note).

    >>> tokens("减免滞纳金（元）")
    ['减', '免', '滞', '纳', '金', '（元）']
    >>> tokens("缓缴至2020年6月30日，免收")
    ['缓', '缴', '至', '2020年6月30日，', '免', '收']
    """
    out: list[str] = []
    pending = ""  # opening punctuation, held for the token after it
    for piece in _TOKEN.findall(text):
        if piece.isspace():
            if pending:
                out.append(pending)
                pending = ""
            out.append(" ")
            continue
        if piece in _OPENING:
            pending += piece
            continue
        piece, pending = pending + piece, ""
        # a closing mark glued to the piece before it: no line starts with it
        if out and out[-1] != " " and piece[0] in _CLOSING:
            out[-1] += piece
        else:
            out.append(piece)
    if pending:
        out.append(pending)
    return out


def phrases(head: str) -> list[str]:
    """A column head cut only where it may wrap: at a space and before a bracketed unit, so that each
    word stays whole (review-user13 (3): 减免滞纳金（元 / ）).

    >>> phrases("减免滞纳金（元）"), phrases("依据与减免")
    (['减免滞纳金', '（元）'], ['依据与减免'])
    """
    out: list[str] = []
    for word in re.split(r"(\s+)", head):
        if word.isspace():
            out.append(" ")
        elif word:
            out += [p for p in re.split(r"(?=[（(])", word) if p]
    return out


def wrap(text: str, font: str, size: float, width: float, *, head: bool = False) -> list[str]:
    """`text` in lines no wider than `width` points, broken only between `tokens` (a column head's
    only between its `phrases`, `head`); a line never starts with a space. A piece wider than the line
    on its own is broken between its characters, the one case where a word or a number is cut (the
    columns are made wide enough that it is not: `fit_widths`). Explicit newlines are kept. Never an
    empty list."""

    def fits(candidate: str) -> bool:
        return stringWidth(candidate, font, size) <= width + 0.01  # a column made to its width exactly

    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line = ""
        for tok in (phrases(paragraph) if head else tokens(paragraph)):
            if tok == " ":
                if line and fits(line + tok):
                    line += tok
                elif line:
                    lines.append(line)
                    line = ""
                continue
            if fits(line + tok):
                line += tok
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = ""
            if fits(tok):
                line = tok
                continue
            for ch in tok:  # wider than the line on its own: cut between its characters
                if line and not fits(line + ch):
                    lines.append(line)
                    line = ""
                line += ch
        lines.append(line.rstrip())
    return lines or [""]


def text_width(text: str, font: str, size: float) -> float:
    """The width of `text` on one line (its widest line, if it holds newlines), in points."""
    return max(stringWidth(line, font, size) for line in str(text).split("\n"))


def narrowest_width(text: str, font: str, size: float, *, head: bool = False) -> float:
    """The width below which `text` cannot be wrapped without cutting a piece: its widest token (a
    head's widest phrase)."""
    pieces = phrases(str(text)) if head else tokens(str(text))
    return max((stringWidth(t, font, size) for t in pieces if t != " "), default=0.0)


def fit_widths(heads: Sequence[str], rows: Sequence[Sequence[str]], *, font: str, size: float,
               head_size: float | None = None, total: float, pad: float = PAD) -> list[float]:
    """The widths (points, summing to `total`) of a table's columns, from their content.

    Each column asks for its widest cell or head on one line (natural) and at least its widest
    unbreakable piece (narrowest): a column of amounts or dates is as wide as its widest value, so it
    never wraps. When every column fits on one line the room left is shared out in proportion; when
    not, every column gets its narrowest and the text columns share the rest in proportion to what
    they lack. `pad` is kept on each side of a cell's text."""
    head_size = head_size or size
    natural, narrowest = [], []
    for j, head in enumerate(heads):
        cells = [str(r[j]) for r in rows]
        natural.append(2 * pad + max([text_width(head, font, head_size), *(text_width(c, font, size) for c in cells)]))
        narrowest.append(2 * pad + max([narrowest_width(head, font, head_size, head=True),
                                        *(narrowest_width(c, font, size) for c in cells)]))
    if sum(natural) <= total:
        spare = total - sum(natural)
        return [w + spare * w / sum(natural) for w in natural]
    if sum(narrowest) >= total:  # cannot fit whole: shrink alike (a piece is cut rather than overflow)
        return [w * total / sum(narrowest) for w in narrowest]
    # A column asking no more than an even share gets what it asks (险种 on one line, not 基本/养老/保险);
    # the others get their narrowest and share the rest in proportion to what they lack.
    share = total / len(natural)
    short = [n <= share for n in natural]
    if sum(n for n, s in zip(natural, short, strict=True) if s) + sum(
            m for m, s in zip(narrowest, short, strict=True) if not s) > total or all(short):
        short = [False] * len(natural)
    widths = [n if s else m for n, m, s in zip(natural, narrowest, short, strict=True)]
    lack = [0.0 if s else n - m for n, m, s in zip(natural, narrowest, short, strict=True)]
    spare = total - sum(widths)
    return [w + spare * gap / sum(lack) for w, gap in zip(widths, lack, strict=True)]


__all__ = ["PAD", "fit_widths", "narrowest_width", "phrases", "text_width", "tokens", "wrap"]
