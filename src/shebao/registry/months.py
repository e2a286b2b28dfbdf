"""Months as `YYYY-MM` strings at the boundary and month indexes (year*12 + month-1) inside."""

from __future__ import annotations

import datetime as dt
import re

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(value: str) -> int:
    """>>> parse_month("2020-01")
    24240
    """
    m = _MONTH_RE.match(value or "")
    if not m:
        raise ValueError(f"月份应为“年-月”，如2020-02，实为“{value}”")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def format_month(index: int) -> str:
    """>>> format_month(24240)
    '2020-01'
    """
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_month(month: str, n: int) -> str:
    return format_month(parse_month(month) + n)
