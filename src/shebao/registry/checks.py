"""Check characters of the codes the registry accepts.

- Citizen ID number, GB 11643-1999: 17 digits and a MOD 11-2 check character (0-9 or X).
- Unified social credit code, GB 32100-2015: 18 characters from a 31-character alphabet
  (no I, O, Z, S, V) with a MOD 31 check character.

Both are read through `shebao.core.normalize.normalize_code` first (NFKC, no separators, upper
case), so full-width digits, a lower-case x or the spaces people type give the same stored number.

A citizen ID number must also be plausible: its birth date not in the future and not more than
`OLDEST_AGE_YEARS` ago, and its first six digits an administrative division code of GB/T 2260
that was in use in or after the birth year (python-stdnum's `cn/loc` table, which keeps codes
that were abolished but are still printed on valid cards, such as 110103 崇文区 until 2010).

Each validator raises `CodeError` whose message names the position of the fault (1-based) in
Chinese; `.position` and `.reason` carry it for the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from shebao.core.masking import char_named
from shebao.core.normalize import normalize_code

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
DIGITS = frozenset("0123456789")

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_AUTHORITY = "123456789ABCDEFGNY"
# Older than any person recorded alive (the oldest verified lived 122 years): a typing error.
OLDEST_AGE_YEARS = 130


class CodeError(ValueError):
    def __init__(self, message: str, *, position: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.position = position
        self.reason = reason or message


def id_check_character(first17: str) -> str:
    """>>> id_check_character("11010519491231002")
    'X'
    """
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


@dataclass(frozen=True)
class CitizenId:
    number: str
    birth_date: dt.date
    gender: str  # "male" | "female"
    region: str


def legacy_citizen_id(value: str) -> str | None:
    """The 18-character number (GB 11643-1999) of a first-generation 15-digit citizen ID number
    (GB 11643-1989: six of region, YYMMDD, three of sequence; issued to people born in the 1900s),
    or None when `value` (normalised: full-width, spaces, case) is not one. The 1999 form inserts
    "19" before the year and adds the check character (GB 11643-1999 §8):

    >>> legacy_citizen_id("110105650713225")
    '110105196507132257'
    >>> legacy_citizen_id("110105196507132257") is None
    True
    """
    number = normalize_code(value)
    if len(number) != 15 or any(c not in DIGITS for c in number):
        return None
    try:
        dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return None
    first17 = number[:6] + "19" + number[6:]
    return first17 + id_check_character(first17)


def lookup_numbers(value: str) -> list[str]:
    """The numbers a typed document number may be registered under, to look a person up, in the order
    to try them: for a 15-digit first-generation citizen ID its 18-character form first
    (`legacy_citizen_id`), which is how the registry holds the card holder (review-input4 F8:
    110105650713225 found nobody at the desk, the portal, the roster or the search), then the number
    normalised, so that someone registered under those 15 digits as another document before
    review-input5 F3 is never taken for the card holder."""
    number = normalize_code(value)
    legacy = legacy_citizen_id(number)
    return ([legacy] if legacy else []) + [number]


def not_found_hint(value: str) -> str:
    """Why a typed number that found nobody may be wrong, in Chinese (``""`` when nothing is seen): an
    18-character number of the citizen ID's form that fails GB 11643 (its check character, its date)
    is named, as registration names it (review-input4 F8: a wrong check digit got only "本区没有…")."""
    number = normalize_code(value)
    if len(number) != 18 or any(c not in DIGITS for c in number[:17]):
        return ""
    try:
        parse_citizen_id(number)
    except CodeError as e:
        return f"；该号码有误：{e}"
    return ""


@lru_cache(maxsize=4096)
def division_name(code: str, *, in_or_after_year: int | None = None) -> str | None:
    """The county-level division of a GB/T 2260 code, e.g. ``division_name("110103") == "崇文区"``.

    None if no such code ever existed; with `in_or_after_year`, None also if the code had been
    abolished before that year (a number is given at birth or later, never with a code already
    gone). Data: python-stdnum's `cn/loc` (GB/T 2260 with the years each code was in use).
    """
    from stdnum import numdb

    counties = [props["county"] for _, props in numdb.get("cn/loc").info(code) if "county" in props]
    if not counties:
        return None
    for entry in counties[0].split(","):
        if not entry.startswith("["):
            return entry
        years, name = entry[1:].split("]", 1)
        _start, end = years.split("-")
        if in_or_after_year is None or not end or int(end) >= in_or_after_year:
            return name
    return None


def parse_citizen_id(value: str, *, today: dt.date | None = None) -> CitizenId:
    """Validate a GB 11643 citizen ID number and derive birth date and gender from it.

    `today` (default: the machine's date) bounds the birth date. Raises `CodeError` with reason
    length, not_digit, bad_check_character, bad_birth_date, future_birth_date, unknown_region,
    region_abolished or check_character_mismatch.
    """
    number = normalize_code(value)
    if len(number) != 18:
        legacy = legacy_citizen_id(number)
        hint = f"（第一代15位号码，对应的18位号码为{legacy}，请填写18位号码）" if legacy else ""
        raise CodeError(f"公民身份号码应为18位，实为{len(number)}位{hint}", reason="length")
    for i, c in enumerate(number[:17], start=1):
        if c not in DIGITS:  # str.isdigit() also takes ٣ and other scripts' digits (review D12)
            raise CodeError(f"公民身份号码第{i}位应为数字，实为{char_named(c)}", position=i, reason="not_digit")
    if number[17] not in "0123456789X":
        raise CodeError(f"公民身份号码第18位（校验码）应为数字或X，实为{char_named(number[17])}", position=18,
                        reason="bad_check_character")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise CodeError(f"公民身份号码第7–14位的出生日期{number[6:14]}不是有效日期", position=7,
                        reason="bad_birth_date") from None
    expected = id_check_character(number[:17])
    if number[17] != expected:
        raise CodeError(
            # never the character that would pass: the typo is elsewhere, and a user told the "right" last
            # character would change it rather than find the typo (review-user14 (14))
            "公民身份号码第18位校验码与前17位不符：号码中有输错的字符，请对照证件逐位核对",
            position=18, reason="check_character_mismatch",
        )
    if today is None:
        from shebao.core.clock import today as business_today  # the business date (a training copy's too)

        today = business_today()
    if birth > today:
        raise CodeError(f"公民身份号码第7–14位的出生日期{birth:%Y-%m-%d}晚于今天，号码有误", position=7,
                        reason="future_birth_date")
    if today.year - birth.year > OLDEST_AGE_YEARS:
        raise CodeError(f"公民身份号码第7–14位的出生日期{birth:%Y-%m-%d}距今超过{OLDEST_AGE_YEARS}年，不合理",
                        position=7, reason="bad_birth_date")
    if division_name(number[:6]) is None:
        raise CodeError(f"公民身份号码第1–6位“{number[:6]}”不是任何行政区划代码（GB/T 2260）", position=1,
                        reason="unknown_region")
    if division_name(number[:6], in_or_after_year=birth.year) is None:
        raise CodeError(f"公民身份号码第1–6位“{number[:6]}”（{division_name(number[:6])}）在出生年份{birth.year}"
                        "之前已撤销，号码有误", position=1, reason="region_abolished")
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return CitizenId(number=number, birth_date=birth, gender=gender, region=number[:6])


def credit_check_character(first17: str) -> str:
    """>>> credit_check_character("91110000600037341")
    'L'
    """
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str, *, legacy_check_character: bool = False) -> str:
    """Validate a GB 32100 unified social credit code; returns it normalised (upper case).

    With `legacy_check_character`, everything but the check character (position 18) is checked:
    some codes issued before the standard took full effect (2016) do not satisfy its MOD 31 check
    and are still on valid licences; staff accept such a code only with a recorded override
    (`registry.services.employer_register`). Raises `CodeError`.
    """
    code = normalize_code(value)
    if len(code) != 18:
        raise CodeError(f"统一社会信用代码应为18位，实为{len(code)}位", reason="length")
    for i, c in enumerate(code, start=1):
        if c not in CREDIT_ALPHABET:
            raise CodeError(
                f"统一社会信用代码第{i}位是{char_named(c)}，不是允许的字符（不使用I、O、Z、S、V）", position=i, reason="bad_character"
            )
    if code[0] not in CREDIT_AUTHORITY:
        raise CodeError(f"统一社会信用代码第1位（登记管理部门）“{code[0]}”无效", position=1, reason="bad_authority")
    for i, c in enumerate(code[2:8], start=3):
        if c not in DIGITS:
            raise CodeError(f"统一社会信用代码第{i}位（行政区划码）应为数字，实为{char_named(c)}", position=i,
                            reason="bad_region")
    expected = credit_check_character(code[:17])
    if code[17] != expected and not legacy_check_character:
        raise CodeError(
            "统一社会信用代码第18位校验码与前17位不符：代码中有输错的字符，请对照证照逐位核对",
            position=18, reason="check_character_mismatch",
        )
    return code


# --- A document number against its document type ----------------------------------------------------
# 港澳台居民居住证 (State Council 2018): an 18-character number of the citizen ID's form whose first
# six digits are 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan). 港澳居民来往内地通行证: H or M
# and 8 digits (10 with the issue count). 台湾居民来往大陆通行证: 8 digits (10 characters before 2015).
# 外国人永久居留身份证: 15 characters (3-letter country code, 12 digits; before 2023) or 18 of the
# citizen ID's form beginning with 9 (from 2023-12).
_HMT_REGIONS = ("810000", "820000", "830000")


def _gb11643_form(number: str) -> bool:
    return (len(number) == 18 and all(c in DIGITS for c in number[:17]) and number[17] in "0123456789X"
            and id_check_character(number[:17]) == number[17])


def reads_as_citizen_id(value: str) -> str | None:
    """The mainland citizen ID number (18 characters, GB 11643-1999) that `value` reads as, or None.

    A number reads as a citizen ID when it is (normalised as `normalize_code`):
    - 18 characters of the citizen ID's form with a right check character, outside the ranges other
      documents use (港澳台居民居住证 810000/820000/830000, 外国人永久居留身份证 9…);
    - 15 digits of the first-generation form (GB 11643-1989: `legacy_citizen_id`) whose first six are
      an administrative division code (GB/T 2260): the card holder's 18-character number is returned.

    Such a number under another document type would register the card holder a second time (review-input5
    F3: 110105650713182 was taken as a passport number, and then the desk, the search and the roster found
    the wrong person).
    """
    number = normalize_code(value)
    if _gb11643_form(number):
        return None if number[:6] in _HMT_REGIONS or number.startswith("9") else number
    legacy = legacy_citizen_id(number)
    if legacy is not None and division_name(number[:6]) is not None:
        return legacy
    return None


def _citizen_id_mistyped(number: str) -> bool:
    """18 characters of the citizen ID's form (a division code, a real birth date) whose check character
    is wrong: a mistyped ID card number, not another document's."""
    if len(number) != 18 or any(c not in DIGITS for c in number[:17]) or number[17] not in "0123456789X":
        return False
    if number[:6] in _HMT_REGIONS or number.startswith("9") or division_name(number[:6]) is None:
        return False
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return int(number[6:10]) >= 1850


def citizen_id_under_other_type(id_type: str, value: str) -> str:
    """Why `value` cannot be a number of the non-citizen document type `id_type`: it reads as a mainland
    citizen ID number (`reads_as_citizen_id`), in Chinese naming the 18-character number for a 15-digit
    one; ``""`` when it does not (or when `id_type` is citizen_id). Every path that registers or changes a
    document number refuses it: the cases' checks (desk, API, portal) through `id_number_problem`, and
    `registry.services.derive_person_identity` beneath them."""
    if id_type == "citizen_id":
        return ""
    number = normalize_code(value)
    citizen = reads_as_citizen_id(number)
    if citizen is None:
        if _citizen_id_mistyped(number):
            return ("号码形如公民身份号码（第1–6位为行政区划代码，第7–14位为出生日期），但第18位校验码与前17位不符；"
                    "如为居民身份证，证件类型应为居民身份证，并逐位核对号码")
        return ""
    if citizen != number:
        return f"这是第一代居民身份证号码（对应的18位号码为{citizen}），证件类型应为居民身份证"
    return "这是居民身份证号码，证件类型应为居民身份证"


def id_number_problem(id_type: str, value: str) -> str:
    """Why `value` cannot be a number of the document type `id_type` (citizen_id, hmt_permit,
    foreign_permit, passport), in Chinese, or ``""``. A citizen ID is checked in full (GB 11643,
    `parse_citizen_id`); a number that reads as a mainland citizen ID (18 characters, or the 15 digits of a
    first-generation card, or 18 with only the check character wrong) under another type is refused
    (`citizen_id_under_other_type`: it is the person's ID card, the type is wrong); the other types are
    checked against their printed forms (see above; a passport: 5 to 20 letters and digits)."""
    import re

    number = normalize_code(value)
    if id_type == "citizen_id":
        try:
            parse_citizen_id(number)
        except CodeError as e:
            return str(e)
        return ""
    mainland = citizen_id_under_other_type(id_type, number)
    if mainland:
        return mainland
    if id_type == "hmt_permit":
        if _gb11643_form(number) and number[:6] in _HMT_REGIONS:
            return ""
        if re.fullmatch(r"[HM]\d{8}(\d{2})?|\d{8}|\d{10}|[A-Z]\d{9}", number):
            return ""
        return ("港澳台居民证件号码应为居住证号码（18位，81、82或83开头）、港澳居民来往内地通行证号码（H或M加8位或10位数字）"
                "或台湾居民来往大陆通行证号码（8位数字）")
    if id_type == "foreign_permit":
        if re.fullmatch(r"[A-Z]{3}\d{12}", number) or (_gb11643_form(number) and number.startswith("9")):
            return ""
        if re.fullmatch(r"[A-Z0-9]{8,20}", number) and not number.isalpha():  # a work permit's number
            return ""
        return ("外国人永久居留身份证号码应为15位（3位国家代码字母加12位数字）或18位（9开头），"
                "工作许可证号码应为8至20位字母或数字")
    if id_type == "passport":
        if re.fullmatch(r"[A-Z0-9]{5,20}", number):
            return ""
        return "护照号码应为5至20位字母或数字"
    return f"未知的证件类型“{id_type}”"
