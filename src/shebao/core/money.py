"""Money is integer fen. These helpers only format it; no arithmetic here ever uses floats."""

from __future__ import annotations


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
