"""The one rule for a person's name (姓名, 户名), on every road that stores one (issue 16/17, review-input8 F5,
review-input9 F1-F3, review-user9 F1): the registry's services (`registry.services.derive_person_identity`:
the front desk, both portals, the API, the demo and its command), the business definitions' name fields
(`rules.business_fields`), the benefits' payees and relatives, the card's recipient, the pairing of people
registered twice (`registry.duplicates`) and the merge's comparison (`registry.merge`).

`normalize_person_name` gives the stored spelling, `person_name_problem` says why a typed name is refused.

Sources:

* GB/T 28039-2011《中国人名汉语拼音字母拼写规则》and the 公安部's 户籍 practice for names of the minority
  nationalities written in Han characters: the parts of such a name are joined by the 间隔号, U+00B7
  MIDDLE DOT, written only between two parts (阿依古丽·买买提), never at either end or twice in a row. Its
  look-alikes typed by other input methods (• U+2022, ・ U+30FB, ･ U+FF65, ‧ U+2027, ∙ U+2219, ⋅ U+22C5,
  · U+0387 …) are the same 间隔号 and are stored as U+00B7, so one person has one spelling and the
  registered-twice check pairs them (review-user9 F1).
* 《中华人民共和国居民身份证法》第三条 (the card carries the name of the 常住户口 registration) and
  《通用规范汉字表》(国发〔2013〕23号, the characters of 姓名 among its uses): the name on a 居民身份证 is
  Han characters, those of the extension planes included (王𠮷 of Extension B), with the 间隔号; no Latin
  letters, kana, bopomofo or Hangul (review-input9 F3). The other documents (护照, 外国人永久居留身份证,
  港澳台居民居住证/通行证) keep the name as the document spells it: letters of any script with their
  marks, and between two letters a space, a hyphen or an apostrophe (Anna Maria, Jean-Luc O'Brien;
  d686323, issue 17).
* Unicode: NFKC (UAX #15) folds what looks like a letter but is another code point (full-width Ａ,
  mathematical 𝐀, compatibility ideographs) before the check, and no name holds a character of the one
  table of invisible characters (`core.invisible`: every Default_Ignorable_Code_Point, the Hangul fillers
  U+115F/U+1160/U+3164/U+FFA0 among them: a name of U+3164 alone showed as a blank in the register).
"""

from __future__ import annotations

import re
import unicodedata

from shebao.core.invisible import INVISIBLE_RE

MIDDLE_DOT = "\u00b7"
# Look-alikes of the 间隔号, each read as U+00B7 (after NFKC, which already maps U+0387 and U+FF65's
# half width to U+00B7 and U+30FB): bullet, hyphenation point, bullet operator, dot operator, katakana
# middle dot, runic single punctuation, word separator middle dot, raised dot, Latin sinological dot,
# Canadian syllabics final middle dot.
DOT_LOOKALIKES = "\u2022\u2027\u2219\u22c5\u30fb\uff65\u0387\u16eb\u2e31\u2e33\ua78f\u1427"
_TO_MIDDLE_DOT = str.maketrans(dict.fromkeys(DOT_LOOKALIKES, MIDDLE_DOT))
_SPACES_RE = re.compile(r"\s+")
_SPACED_DOT_RE = re.compile(r" ?\u00b7 ?")
# Between two letters of an alphabet (not Han characters), on a document other than the 居民身份证.
NAME_JOINERS = " -'"
# Documents whose name is Han characters with the 间隔号 only (GB 11643-1999).
HAN_ONLY_ID_TYPES = frozenset({"citizen_id"})
# The blocks of CJK Unified Ideographs (Unicode Blocks.txt, to Unicode 15.1): the URO, Extensions A..I
# and the compatibility block's unified ideographs; 〇 U+3007 (通用规范汉字表). By block, not by the
# names of this Python's Unicode database, so a name of a newer extension (H, I) is not refused.
HAN_RANGES = (
    (0x3007, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF),
    (0x2A700, 0x2EE5F), (0x2F800, 0x2FA1F), (0x30000, 0x323AF),
)
DOT_EXAMPLE = "（如“阿依古丽·买买提”）"


def is_han(ch: str) -> bool:
    """True for a Han character (`HAN_RANGES`): ``is_han("𠮷")`` is True, ``is_han("A")`` False."""
    point = ord(ch)
    return any(a <= point <= b for a, b in HAN_RANGES)


def normalize_person_name(value: object) -> str:
    """The stored spelling of a typed name: NFKC, every look-alike of the 间隔号 as U+00B7 without spaces
    around it, runs of white space (the ideographic space too) as one space, trimmed. Idempotent.

    >>> normalize_person_name(" 阿依古丽 • 买买提 "), normalize_person_name("ＪＯＨＮ　Smith")
    ('阿依古丽·买买提', 'JOHN Smith')
    """
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).translate(_TO_MIDDLE_DOT)
    return _SPACED_DOT_RE.sub(MIDDLE_DOT, _SPACES_RE.sub(" ", text).strip())


def person_name_problem(value: str, *, id_type: str = "") -> str:
    """Why the typed name ``value`` is not a person's name, in Chinese without the field's label, or ``""``.
    The first character at fault is named by its position (``第2位“😀”``).

    ``id_type``: the person's document type (``registry.Person.IdType``: ``citizen_id``, ``passport``…),
    "" when not known (then the rule of a document other than the 居民身份证). A character no one can see
    is named by its position as typed (`core.invisible`); the rest is judged on the stored spelling
    (`normalize_person_name`).

    >>> person_name_problem("王 五", id_type="citizen_id")
    '第2位的空格请删除：居民身份证上的姓名不含空格（少数民族姓名各部分之间用间隔号“·”）'
    >>> person_name_problem("Anna Maria", id_type="passport"), person_name_problem("阿卜杜拉•买买提", id_type="citizen_id")
    ('', '')
    >>> person_name_problem("王\\u3164五")
    '第2位是不可见的字符U+3164（韩文填充符），不能填写该字符，请删除'
    """
    from shebao.core.masking import char_named

    typed = "" if value is None else str(value)
    if m := INVISIBLE_RE.search(typed):
        return f"第{m.start() + 1}位是{char_named(m.group())}，不能填写该字符，请删除"
    text = normalize_person_name(typed)
    if not text:
        return "不能为空"
    han_only = id_type in HAN_ONLY_ID_TYPES

    def spelled(ch: str) -> bool:  # a letter of an alphabet (or its mark), not a Han character
        return unicodedata.category(ch)[0] in "LM" and not is_han(ch)

    for i, ch in enumerate(text, start=1):
        before = text[i - 2] if i > 1 else ""
        if ch == MIDDLE_DOT:
            if i == 1:
                return f"第1位的间隔号“·”不能在姓名开头：间隔号只用在姓名两部分之间{DOT_EXAMPLE}"
            if i == len(text):
                return f"第{i}位的间隔号“·”不能在姓名末尾：间隔号只用在姓名两部分之间{DOT_EXAMPLE}"
            if before == MIDDLE_DOT:
                return f"第{i}位又是一个间隔号：姓名两部分之间只用一个间隔号“·”{DOT_EXAMPLE}"
            continue
        if han_only:
            if is_han(ch):
                continue
            if ch == " ":
                return f"第{i}位的空格请删除：居民身份证上的姓名不含空格（少数民族姓名各部分之间用间隔号“·”）"
            shown = char_named(ch) if not ch.isprintable() or ch.isspace() else f"“{ch}”"
            return f"第{i}位{shown}不是姓名用字：居民身份证上的姓名只由汉字组成（少数民族姓名各部分之间用间隔号“·”）"
        category = unicodedata.category(ch)[0]
        if category == "L" or (category == "M" and before and before != MIDDLE_DOT and before not in NAME_JOINERS):
            continue
        after = text[i] if i < len(text) else ""
        if ch == " " and (is_han(before) or is_han(after)):
            return f"第{i}位的空格请删除：姓名中汉字前后不能有空格"
        if ch in NAME_JOINERS and before and after and spelled(before) and spelled(after):
            continue
        shown = "的空格" if ch == " " else char_named(ch) if not ch.isprintable() or ch.isspace() else f"“{ch}”"
        return f"第{i}位{shown}不是姓名用字：姓名只能由汉字、字母和间隔号“·”组成，不能含数字、表情或其他符号"
    return ""


def person_name_checked(value: object, *, id_type: str = "") -> tuple[str, str]:
    """``(stored spelling, problem)`` of a typed name: `normalize_person_name` and `person_name_problem`
    in one call, for a road that stores the name when the problem is ``""``."""
    typed = "" if value is None else str(value)
    return normalize_person_name(typed), person_name_problem(typed, id_type=id_type)
