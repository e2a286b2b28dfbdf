"""Money is integer fen. These helpers only format it; no arithmetic here ever uses floats."""

from __future__ import annotations

from shebao.rules.late_fee import AMOUNT_FEN_MAX

__all__ = ["AMOUNT_FEN_MAX", "amount_cap_problem", "format_yuan"]


def format_yuan(fen: int | None) -> str:
    """>>> format_yuan(123456789)
    '1,234,567.89'
    >>> format_yuan(-5)
    '-0.05'
    """
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def amount_cap_problem(fen: int, *, label: str = "金额") -> str:
    """Why ``fen``, an amount read from a file, form or API, is more than any one amount of the project
    can be (`AMOUNT_FEN_MAX`, 10,000,000,000.00 yuan: the late-fee rules' cap), in Chinese, or "".
    An amount beyond it is a typing or file error; booked, it shows as a balance of trillions
    (review-input14 1: a remittance of 9,999,999,999,999.99 yuan was matched and credited).

    >>> amount_cap_problem(AMOUNT_FEN_MAX), amount_cap_problem(AMOUNT_FEN_MAX + 1)
    ('', '金额超过上限（10,000,000,000.00元），请核对')
    """
    if fen > AMOUNT_FEN_MAX:
        return f"{label}超过上限（{format_yuan(AMOUNT_FEN_MAX)}元），请核对"
    return ""
