"""The one table of characters no one can see (issue 16, review-input9 F1): what the database guard
(`core.inputs.text_problem`, every model's ``pre_save``), the forms (`core.forms.VisibleTextForm`,
`core.masking.invisible_problem`), the echoes of typed text (`core.masking.echo`/`shown_text`) and the
rule for a person's name (`core.person_name`) refuse or leave out, each named in Chinese.

Source of the set: Unicode's derived property Default_Ignorable_Code_Point (DerivedCoreProperties.txt,
UAX #44; unchanged from Unicode 14.0, the version of Python 3.11's unicodedata, to 16.0), written as the
ranges of that file; `tests/core/test_invisible.py` holds them equal to the property as Perl's Unicode
database reads it where perl is installed. Added to it:

* the C0 and C1 control characters but tab, line feed and carriage return (category Cc), and lone
  UTF-16 surrogates (U+D800..U+DFFF: not characters; PostgreSQL refuses them);
* U+2028/U+2029, the line and paragraph separators (they break a line where none is seen);
* U+2800 BRAILLE PATTERN BLANK, a filler that shows as nothing (the Hangul fillers U+115F, U+1160,
  U+3164 and U+FFA0 are Default_Ignorable already: review-input9 F1, a name of U+3164 alone was
  registered and the register showed a blank).

Before this table the database guard (`core.inputs._BAD_TEXT_RE`) knew only the bidi controls, U+200B
and U+2028/9, so eleven characters the forms refused were stored by any other road: U+00AD, U+180E,
U+200C, U+200D, U+2060..U+2065 and U+FEFF; and neither knew the fillers, variation selectors or tags.
"""

from __future__ import annotations

import re

# (first, last, Chinese name), Default_Ignorable_Code_Point by DerivedCoreProperties.txt, then the fillers.
DEFAULT_IGNORABLE: tuple[tuple[int, int, str], ...] = (
    (0x00AD, 0x00AD, "软连字符"),
    (0x034F, 0x034F, "组合用字形连接符"),
    (0x061C, 0x061C, "阿拉伯字母标记"),
    (0x115F, 0x115F, "韩文初声填充符"),
    (0x1160, 0x1160, "韩文中声填充符"),
    (0x17B4, 0x17B5, "高棉文固有元音符"),
    (0x180B, 0x180D, "蒙古文自由变体选择符"),
    (0x180E, 0x180E, "蒙古文元音分隔符"),
    (0x180F, 0x180F, "蒙古文自由变体选择符"),
    (0x200B, 0x200B, "零宽空格"),
    (0x200C, 0x200C, "零宽不连字"),
    (0x200D, 0x200D, "零宽连字"),
    (0x200E, 0x200E, "从左向右标记"),
    (0x200F, 0x200F, "从右向左标记"),
    (0x202A, 0x202A, "从左向右嵌入"),
    (0x202B, 0x202B, "从右向左嵌入"),
    (0x202C, 0x202C, "方向格式结束"),
    (0x202D, 0x202D, "从左向右覆盖"),
    (0x202E, 0x202E, "从右向左覆盖"),
    (0x2060, 0x2060, "词连接符"),
    (0x2061, 0x2061, "函数应用符"),
    (0x2062, 0x2062, "不可见乘号"),
    (0x2063, 0x2063, "不可见分隔符"),
    (0x2064, 0x2064, "不可见加号"),
    (0x2065, 0x2065, "保留的不可见字符"),
    (0x2066, 0x2066, "从左向右隔离"),
    (0x2067, 0x2067, "从右向左隔离"),
    (0x2068, 0x2068, "首强字符隔离"),
    (0x2069, 0x2069, "方向隔离结束"),
    (0x206A, 0x206F, "已停用的格式控制符"),
    (0x3164, 0x3164, "韩文填充符"),
    (0xFE00, 0xFE0F, "变体选择符"),
    (0xFEFF, 0xFEFF, "零宽不换行空格"),
    (0xFFA0, 0xFFA0, "半角韩文填充符"),
    (0xFFF0, 0xFFF8, "保留的不可见字符"),
    (0x1BCA0, 0x1BCA3, "速记格式控制符"),
    (0x1D173, 0x1D17A, "乐谱格式控制符"),
    (0xE0000, 0xE0000, "保留的不可见字符"),
    (0xE0001, 0xE0001, "语言标签"),
    (0xE0002, 0xE001F, "保留的不可见字符"),
    (0xE0020, 0xE007F, "标签字符"),
    (0xE0080, 0xE00FF, "保留的不可见字符"),
    (0xE0100, 0xE01EF, "变体选择符"),
    (0xE01F0, 0xE0FFF, "保留的不可见字符"),
)
FILLERS: tuple[tuple[int, int, str], ...] = (
    (0x2028, 0x2028, "行分隔符"),
    (0x2029, 0x2029, "段分隔符"),
    (0x2800, 0x2800, "盲文空白"),
)
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _class(ranges: tuple[tuple[int, int, str], ...]) -> str:
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b, _ in ranges)


# C0 but tab/LF/CR, DEL and C1, lone surrogates, then the table.
INVISIBLE_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff" + _class(DEFAULT_IGNORABLE) + _class(FILLERS) + "]")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def invisible_code_points() -> list[int]:
    """Every code point of the table (controls, surrogates, Default_Ignorable, fillers), ascending."""
    points = [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000)]
    for a, b, _ in DEFAULT_IGNORABLE + FILLERS:
        points.extend(range(a, b + 1))
    return sorted(points)


def table_name(ch: str) -> str:
    """The Chinese name of a character of the table (``"韩文填充符"``), or ``""`` for one outside it and
    for a control or a surrogate (named by their category: `core.masking.invisible_name`)."""
    point = ord(ch)
    for a, b, name in DEFAULT_IGNORABLE + FILLERS:
        if a <= point <= b:
            return name
    return ""
