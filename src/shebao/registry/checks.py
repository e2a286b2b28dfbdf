"""Check characters of the codes the registry accepts.

- Citizen ID number, GB 11643-1999: 17 digits and a MOD 11-2 check character (0-9 or X).
- Unified social credit code, GB 32100-2015: 18 characters from a 31-character alphabet
  (no I, O, Z, S, V) with a MOD 31 check character.

Each validator raises `CodeError` whose message names the position of the fault (1-based) in
Chinese; `.position` and `.reason` carry it for the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_AUTHORITY = "123456789ABCDEFGNY"


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


def parse_citizen_id(value: str) -> CitizenId:
    """Validate a GB 11643 citizen ID number and derive birth date and gender from it."""
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise CodeError(f"公民身份号码应为18位，实为{len(number)}位", reason="length")
    for i, c in enumerate(number[:17], start=1):
        if not c.isdigit():
            raise CodeError(f"公民身份号码第{i}位应为数字，实为“{c}”", position=i, reason="not_digit")
    if number[17] not in "0123456789X":
        raise CodeError(f"公民身份号码第18位（校验码）应为数字或X，实为“{number[17]}”", position=18,
                        reason="bad_check_character")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise CodeError(f"公民身份号码第7–14位的出生日期{number[6:14]}不是有效日期", position=7,
                        reason="bad_birth_date") from None
    if birth.year < 1880:
        raise CodeError(f"公民身份号码第7–14位的出生日期{number[6:14]}不合理", position=7, reason="bad_birth_date")
    expected = id_check_character(number[:17])
    if number[17] != expected:
        raise CodeError(
            f"公民身份号码第18位校验码错误：应为“{expected}”，实为“{number[17]}”（号码中有错误的字符）",
            position=18, reason="check_character_mismatch",
        )
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return CitizenId(number=number, birth_date=birth, gender=gender, region=number[:6])


def credit_check_character(first17: str) -> str:
    """>>> credit_check_character("91110000600037341")
    'L'
    """
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Validate a GB 32100 unified social credit code; returns it upper-cased."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise CodeError(f"统一社会信用代码应为18位，实为{len(code)}位", reason="length")
    for i, c in enumerate(code, start=1):
        if c not in CREDIT_ALPHABET:
            raise CodeError(
                f"统一社会信用代码第{i}位“{c}”不是允许的字符（不使用I、O、Z、S、V）", position=i, reason="bad_character"
            )
    if code[0] not in CREDIT_AUTHORITY:
        raise CodeError(f"统一社会信用代码第1位（登记管理部门）“{code[0]}”无效", position=1, reason="bad_authority")
    for i, c in enumerate(code[2:8], start=3):
        if not c.isdigit():
            raise CodeError(f"统一社会信用代码第{i}位（行政区划码）应为数字，实为“{c}”", position=i,
                            reason="bad_region")
    expected = credit_check_character(code[:17])
    if code[17] != expected:
        raise CodeError(
            f"统一社会信用代码第18位校验码错误：应为“{expected}”，实为“{code[17]}”（代码中有错误的字符）",
            position=18, reason="check_character_mismatch",
        )
    return code
