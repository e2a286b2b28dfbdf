"""The font of every PDF the agency prints, and the rule that a PDF prints every character or none.

Names are printed in full or the PDF is not produced (issue 12): reportlab's built-in Adobe CID
font (STSong-Light) covers only the Basic Multilingual Plane, so 王𠮷 (U+20BB7, CJK Extension B)
came out as "王". The font used instead is BabelStone Han, a TrueType font covering the CJK
Unified Ideographs of Unicode 15 including Extensions A to H, from Debian's `fonts-babelstone-han`
package (installed by .ci/run and named in the README). reportlab embeds only the glyphs used
(a subset), so a receipt stays small and shows the same on any reader.

`settings.SHEBAO_PDF_FONT` may name another TrueType (.ttf) file; without it the Debian path is
used. A missing font stops the PDF with `PdfFontMissing`; a character the font lacks stops it with
`UnprintableText`, naming the character, never a PDF with a gap in a name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

DEFAULT_FONT_FILE = "/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf"
FONT_NAME = "ShebaoHan"
DEBIAN_PACKAGE = "fonts-babelstone-han"


class PdfFontMissing(RuntimeError):
    """The PDF font file is not installed: no PDF can be printed in full."""


class UnprintableText(ValueError):
    """Text holds characters that the PDF font has no glyph for; `.chars` lists them."""

    def __init__(self, chars: list[str]) -> None:
        self.chars = chars
        shown = "、".join(f"“{c}”（U+{ord(c):04X}）" for c in chars)
        super().__init__(f"PDF字体缺少字符{shown}，为免打印不全，未生成PDF")


def font_file() -> Path:
    from django.conf import settings

    return Path(getattr(settings, "SHEBAO_PDF_FONT", "") or DEFAULT_FONT_FILE)


_ASTRAL_ENTRY_RE = re.compile(r"^<([0-9A-F]{2})> <([0-9A-F]{5,6})>$", re.M)
_reportlab_to_unicode_cmap = ttfonts.makeToUnicodeCMap


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode table, with characters beyond U+FFFF written as UTF-16 (surrogate
    pairs) as the PDF reference requires. reportlab 4/5 writes <20BB7>, which readers cannot map
    back, so 𠮷 printed fine but could not be searched or copied from the PDF."""
    return _ASTRAL_ENTRY_RE.sub(
        lambda m: f"<{m.group(1)}> <{chr(int(m.group(2), 16)).encode('utf-16-be').hex().upper()}>",
        _reportlab_to_unicode_cmap(fontname, subset))


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


@lru_cache(maxsize=1)
def _registered(path: str) -> TTFont:
    if not Path(path).is_file():
        raise PdfFontMissing(f"找不到PDF字体文件{path}（Debian软件包{DEBIAN_PACKAGE}），无法生成PDF")
    font = TTFont(FONT_NAME, path)
    pdfmetrics.registerFont(font)
    return font


def pdf_font() -> str:
    """The registered name of the PDF font (loaded once per process). Raises PdfFontMissing."""
    _registered(str(font_file()))
    return FONT_NAME


def missing_characters(text: str) -> list[str]:
    """The characters of `text` the PDF font cannot print, in order, each once (whitespace is fine)."""
    glyphs = _registered(str(font_file())).face.charToGlyph
    out: list[str] = []
    for c in text:
        if not c.isspace() and ord(c) not in glyphs and c not in out:
            out.append(c)
    return out


class StrictCanvas(canvas.Canvas):
    """A reportlab canvas that refuses, rather than drops, a character its font cannot print.

    Every PDF of the project draws through it: ``StrictCanvas(buf, pagesize=A4)`` then the usual
    ``setFont(pdf_font(), size)`` and ``drawString``. Raises UnprintableText before anything of the
    text is drawn.
    """

    def _check(self, text: Any) -> None:
        missing = missing_characters(str(text))
        if missing:
            raise UnprintableText(missing)

    def drawString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> Any:
        self._check(text)
        return super().drawString(x, y, text, *args, **kwargs)

    def drawCentredString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> Any:
        self._check(text)
        return super().drawCentredString(x, y, text, *args, **kwargs)

    def drawRightString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> Any:
        self._check(text)
        return super().drawRightString(x, y, text, *args, **kwargs)
