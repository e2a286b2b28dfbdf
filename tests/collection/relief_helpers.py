"""Test helpers of relief (免、减、缓): an employer's open dues, so that a deferral has something to defer.

A deferral of a month with no open employer share is refused at registration (collection.relief,
review-input3 E9), so every test world that registers one first gives the employer an unpaid due.
"""

from __future__ import annotations

from typing import Any

from shebao.collection.models import Due
from tests.collection.conftest import book_due

# A 10,000-yuan base: pension 16 % employer share (1,600 yuan).
EMPLOYER_FEN = 160_000


def open_dues(employer: Any, months: list[str], *, insurance: str = "pension") -> list[Due]:
    """One unpaid, undeferred due of ``insurance`` per month for ``employer`` with its ledger entry
    (`book_due`); an open one already there is reused."""
    out = []
    for m in months:
        due = Due.objects.filter(employer=employer, month=m, insurance=insurance, paid_on__isnull=True,
                                 deferred_to__isnull=True, employer_fen__gt=0).first()
        if due is None:
            due = book_due(employer, m, EMPLOYER_FEN, insurance=insurance)
        out.append(due)
    return out
