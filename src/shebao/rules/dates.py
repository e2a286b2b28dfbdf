"""Dates and months for the rules: parsing at the boundary and Civil Code month arithmetic.

Internally a day is an ``int`` counted from 1970-01-01 (the integer view of NumPy's
``datetime64[D]``) and a month is an ``int`` counted from 1970-01 (the view of ``datetime64[M]``),
so that one formula serves a Python scalar and a NumPy column alike.

>>> add_months(date(2020, 11, 30), 3)
datetime.date(2021, 2, 28)
>>> month_str(month_index("2020-02"))
'2020-02'
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class InputError(ValueError):
    """A value at the boundary (a date, a month, a period) is malformed."""


def add_months(day: date, n: int) -> date:
    """The same day ``n`` calendar months later, the Civil Code way (clamped to the month's end).

    >>> add_months(date(2020, 4, 30), 3)
    datetime.date(2020, 7, 30)
    """
    total = day.year * 12 + (day.month - 1) + n
    year, month0 = divmod(total, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def parse_date(value: Any, field: str) -> date:
    """A strict ``YYYY-MM-DD`` string; impossible dates such as 2020-02-30 are refused."""
    if not isinstance(value, str) or len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise InputError(f"{field}: expected a date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{field}: {value!r} is not a date of the calendar") from None


def month_index(value: Any, field: str = "month") -> int:
    """``"YYYY-MM"`` -> months since 1970-01 (``datetime64[M]`` view)."""
    if (
        not isinstance(value, str)
        or len(value) != 7
        or value[4] != "-"
        or not value[:4].isdigit()
        or not value[5:].isdigit()
    ):
        raise InputError(f"{field}: expected a month YYYY-MM, got {value!r}")
    year, month = int(value[:4]), int(value[5:])
    if not 1 <= month <= 12 or year < 1900:
        raise InputError(f"{field}: {value!r} is not a month of the calendar")
    return (year - 1970) * 12 + month - 1


def month_str(index: int) -> str:
    year, month0 = divmod(int(index), 12)
    return f"{year + 1970:04d}-{month0 + 1:02d}"


def day_number(day: date) -> int:
    return day.toordinal() - EPOCH_ORDINAL


def day_date(number: int) -> date:
    return date.fromordinal(int(number) + EPOCH_ORDINAL)


def month_of_day(number: int) -> int:
    d = day_date(number)
    return (d.year - 1970) * 12 + d.month - 1


class ScalarOps:
    """Arithmetic on Python ints; the twin of :class:`NumpyOps` so one formula serves both."""

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        return a if cond else b

    @staticmethod
    def maximum(a: Any, b: Any) -> Any:
        return a if a >= b else b

    @staticmethod
    def minimum(a: Any, b: Any) -> Any:
        return a if a <= b else b

    @staticmethod
    def month_of(days: int) -> int:
        return month_of_day(days)

    @staticmethod
    def add_months(days: int, n: Any) -> int:
        return day_number(add_months(day_date(days), int(n)))

    @staticmethod
    def isin(x: Any, codes: tuple[int, ...]) -> bool:
        return x in codes

    @staticmethod
    def any(x: Any) -> bool:
        return bool(x)

    @staticmethod
    def take(seq: tuple[Any, ...], i: int) -> Any:
        return seq[i]

    @staticmethod
    def step(points: tuple[int, ...], values: tuple[int, ...], days: int) -> int:
        """The value of a step function (effective days ``points``) on ``days``; before: the first."""
        import bisect

        i = bisect.bisect_right(points, days) - 1
        return values[i if i >= 0 else 0]

    @staticmethod
    def day_in_month(month: int, dom: int) -> int:
        """Day ``dom`` of ``month``, clamped to the month's last day."""
        year, month0 = divmod(int(month), 12)
        last = calendar.monthrange(year + 1970, month0 + 1)[1]
        return day_number(date(year + 1970, month0 + 1, min(int(dom), last)))


class NumpyOps:
    """Arithmetic on NumPy int64 columns (days since 1970-01-01, months since 1970-01)."""

    def __init__(self) -> None:
        import numpy as np

        self.np = np
        self.where = np.where
        self.maximum = np.maximum
        self.minimum = np.minimum

    def isin(self, x: Any, codes: tuple[int, ...]) -> Any:
        if len(codes) == 1:
            return x == codes[0]
        return self.np.isin(x, codes)

    def any(self, x: Any) -> bool:
        return bool(self.np.any(x))

    def take(self, seq: tuple[Any, ...], i: Any) -> Any:
        return self.np.asarray(seq)[i]

    def step(self, points: tuple[int, ...], values: tuple[int, ...], days: Any) -> Any:
        np = self.np
        i = np.searchsorted(np.asarray(points, dtype="int64"), days, side="right") - 1
        return np.asarray(values, dtype="int64")[np.maximum(i, 0)]

    def month_of(self, days: Any) -> Any:
        np = self.np
        return np.asarray(days, dtype="int64").view("M8[D]").astype("M8[M]").view("int64")

    def add_months(self, days: Any, n: Any) -> Any:
        np = self.np
        d = np.asarray(days, dtype="int64").view("M8[D]")
        m = d.astype("M8[M]")
        dom = (d - m.astype("M8[D]")).view("int64")
        target = m + np.asarray(n, dtype="int64")
        last = ((target + 1).astype("M8[D]") - target.astype("M8[D]")).view("int64") - 1
        return target.astype("M8[D]").view("int64") + np.minimum(dom, last)

    def day_in_month(self, month: Any, dom: Any) -> Any:
        np = self.np
        m = np.asarray(month, dtype="int64").view("M8[M]")
        last = ((m + 1).astype("M8[D]") - m.astype("M8[D]")).view("int64")
        return m.astype("M8[D]").view("int64") + np.minimum(np.asarray(dom, dtype="int64"), last) - 1


SCALAR = ScalarOps()
_NUMPY: NumpyOps | None = None


def numpy_ops() -> NumpyOps:
    global _NUMPY
    if _NUMPY is None:
        _NUMPY = NumpyOps()
    return _NUMPY
