"""One way to read what a person or a file gives: identifiers and numbers normalised at the boundary.

Forms, the API, the bank-file importers and the searches all pass what they receive through these
functions before validating, storing or looking anything up, so that ``１１０１０５…``, ``110105…``
and ``110105 1975…`` are one number and a credit code typed in lower case is the same employer.

The steps, always in this order:

1. Unicode NFKC (full-width 全角 digits and letters, the ideographic space U+3000 and full-width
   punctuation become their ASCII forms; Unicode standard annex #15).
2. Trim, and for codes drop the separators people put inside long numbers: spaces of any kind
   and hyphens/dashes (``6222 0202 0011 2233 445``, ``138-1234-5678``).
3. Upper case for codes (the check character X of GB 11643, the letters of GB 32100).

Pure Python, no Django: the rules and the importers use it alike.
"""

from __future__ import annotations

import re
import unicodedata

# Hyphen-minus, the Unicode hyphens and dashes (U+2010..U+2015), minus sign, the Katakana middle
# dot and the fullwidth hyphen's NFKC form are all "a separator a person typed".
_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fb\u00b7_]+")
_SPACES_RE = re.compile(r"\s+")


_FULL_WIDTH_ALNUM = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                     for c in range(r[0], r[1] + 1)}


def normalize_text(value: object) -> str:
    """Names and free text: full-width letters and digits as ASCII, trimmed, inner runs of
    whitespace (the ideographic space too) as one space. Chinese punctuation (，：) is kept: it is
    text, not a typing accident.

    >>> normalize_text("  王　伟 ")
    '王 伟'
    >>> normalize_text("Ｊｏｈｎ，１号")
    'John，1号'
    """
    if value is None:
        return ""
    return _SPACES_RE.sub(" ", str(value).translate(_FULL_WIDTH_ALNUM)).strip()


def normalize_code(value: object) -> str:
    """An identifier as stored and looked up: NFKC, no separators or spaces, upper case.

    For ID numbers (GB 11643), credit codes (GB 32100), bank accounts and bank references.

    >>> normalize_code("１１０１０５ １９７５０６０７ ３１９ｘ")
    '11010519750607319X'
    >>> normalize_code("91110105-00000000-0u")
    '91110105000000000U'
    """
    if value is None:
        return ""
    return _SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", str(value))).upper()


def normalize_phone(value: object) -> str:
    """A phone number as digits only; a mainland mobile loses its +86 / 0086 country prefix.

    >>> normalize_phone("+86 138-1234-5678")
    '13812345678'
    >>> normalize_phone("（010）6512 3456")
    '01065123456'
    """
    text = normalize_code(value)
    text = re.sub(r"[()（）]", "", text)
    m = re.fullmatch(r"(?:\+?86|0086)(1[3-9]\d{9})", text)
    return m.group(1) if m else text


def normalize_number_text(value: object) -> str:
    """An amount or other number as a person or Excel writes it, ready for a strict parser.

    NFKC, trimmed, spaces removed, a leading currency sign (¥ or ￥) and a trailing 元 dropped.
    Thousands separators are kept: the parser decides whether they are well placed.

    >>> normalize_number_text(" ￥１２，３４５．６０ ")
    '12,345.60'
    """
    text = _SPACES_RE.sub("", unicodedata.normalize("NFKC", "" if value is None else str(value)))
    text = text.lstrip("¥")
    return text[:-1] if text.endswith("元") else text


_MONTH_RE = re.compile(r"^(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?$")


def normalize_month(value: object) -> str:
    """A month as typed (2020-1, 2020/01, 2020.1, 2020年1月, full-width) as ``YYYY-MM``; anything
    else is returned NFKC-trimmed for the strict parser to refuse with its own message.

    >>> normalize_month("２０２０年１月"), normalize_month("2020/1"), normalize_month("2020-13")
    ('2020-01', '2020-01', '2020-13')
    """
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    m = _MONTH_RE.match(text)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    return text


def normalize_date_text(value: object) -> str:
    """A date as typed, NFKC-trimmed (２０２０－０３－０５ → 2020-03-05), for the strict parser."""
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
