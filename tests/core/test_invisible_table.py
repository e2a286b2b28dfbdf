"""One table of the characters no one can see (core.invisible, review-input9 F1), shared by the database
guard (`core.inputs.text_problem`, every model's ``pre_save``), the forms (`core.masking.invisible_problem`,
`core.forms.VisibleTextForm`) and the name rule (`core.person_name`). Every code point of it is refused by
the guard, the refusal naming it and its position in Chinese; the table is Unicode's
Default_Ignorable_Code_Point plus the controls, surrogates and fillers."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest
from django.core.exceptions import ValidationError

from shebao.core.inputs import check_values, text_problem
from shebao.core.invisible import DEFAULT_IGNORABLE, INVISIBLE_RE, invisible_code_points
from shebao.core.masking import invisible_name, invisible_problem
from shebao.registry.models import Person

TABLE = invisible_code_points()
IN_TABLE = frozenset(TABLE)


def test_the_table_holds_the_fillers_and_formats_the_review_named():
    for point in (0x115F, 0x1160, 0x3164, 0xFFA0, *range(0x180B, 0x1810), *range(0xFE00, 0xFE10), 0xE0000,
                  0xE0FFF, *range(0x200B, 0x2010), *range(0x2060, 0x2070), 0xFEFF, 0x034F, 0x17B4, 0x17B5, 0x2800):
        assert point in TABLE, hex(point)
    for ch in "\t\n\r 王A·\u3000":
        assert INVISIBLE_RE.search(ch) is None


@pytest.mark.skipif(shutil.which("perl") is None, reason="perl's Unicode database is the independent reading")
def test_the_default_ignorable_ranges_are_unicodes_property():
    script = ("for $i (0..0x10FFFF) { next if $i >= 0xD800 && $i <= 0xDFFF; "
              "printf(\"%X\\n\", $i) if chr($i) =~ /\\p{Default_Ignorable_Code_Point}/ }")
    perl = {int(x, 16) for x in subprocess.run(["perl", "-e", script], capture_output=True, text=True,
                                               check=True).stdout.split()}
    ours = {p for a, b, _ in DEFAULT_IGNORABLE for p in range(a, b + 1)}
    assert ours == perl


def test_every_code_point_of_the_table_is_refused_by_the_guard_naming_it_and_where():
    for point in TABLE:
        ch = chr(point)
        said = text_problem("王" + ch + "五")
        assert said.startswith("第2位是") and f"U+{point:04X}" in said and "请删除" in said, (hex(point), said)
        assert invisible_problem("王" + ch, "姓名").startswith(f"姓名第2位是不可见的字符U+{point:04X}"), hex(point)


def test_the_model_guard_refuses_each_at_the_field_in_chinese():
    for point in TABLE[::7] + [0x00AD, 0x180E, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2065,
                               0xFEFF, 0x3164]:
        with pytest.raises(ValidationError) as e:
            check_values(Person, {"name": "王" + chr(point)})
        said = e.value.message_dict["name"][0]
        assert said.startswith("姓名第2位是") and f"U+{point:04X}" in said, (hex(point), said)


def test_the_eleven_the_guard_let_through_before_are_refused_and_named():
    """U+00AD, U+180E, U+200C, U+200D, U+2060..U+2065 and U+FEFF passed the database guard though the
    forms refused them (its own table knew only the bidi controls, U+200B and U+2028/9)."""
    for ch, name in [("\u00ad", "软连字符"), ("\u180e", "蒙古文元音分隔符"), ("\u200c", "零宽不连字"),
                     ("\u200d", "零宽连字"), ("\u2060", "词连接符"), ("\u2065", "保留的不可见字符"),
                     ("\ufeff", "零宽不换行空格"), ("\u3164", "韩文填充符"), ("\uffa0", "半角韩文填充符"),
                     ("\u115f", "韩文初声填充符"), ("\u1160", "韩文中声填充符"), ("\U000e0041", "标签字符"),
                     ("\ufe0f", "变体选择符")]:
        assert f"（{name}）" in text_problem("A" + ch), ch
        assert invisible_name(ch).endswith(f"（{name}）")


def test_nfkc_makes_no_invisible_character_of_a_visible_one():
    """The name rule looks for the table's characters as typed (their positions are the typed ones) and
    judges the rest after NFKC: no visible character folds into one of the table."""
    for point in range(0x110000):
        if 0xD800 <= point <= 0xDFFF or point in IN_TABLE:
            continue
        folded = unicodedata.normalize("NFKC", chr(point))
        assert INVISIBLE_RE.search(folded) is None, hex(point)
