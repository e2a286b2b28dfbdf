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
from functools import lru_cache
from typing import Any

from shebao.core.masking import echo

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def fact_zh(field: str) -> str:
    """The Chinese name of an input field (catalog.yaml's fact_names), e.g. period.from -> 补缴起始月."""
    from .catalog import fact_name

    return fact_name(field)


class InputError(ValueError):
    """A value at the boundary (a date, a month, a period) is malformed.

    ``str(e)`` is the English message (the CLI's and the API's ``en``); ``e.zh`` says the same in
    Chinese for a clerk or an applicant, and ``e.field`` names the input (``period.from``), when known.
    """

    def __init__(self, message: str, *, zh: str = "", field: str = "") -> None:
        super().__init__(message)
        self.zh = zh or "输入有误"
        self.field = field


def add_months(day: date, n: int) -> date:
    """The same day ``n`` calendar months later, the Civil Code way (clamped to the month's end).

    >>> add_months(date(2020, 4, 30), 3)
    datetime.date(2020, 7, 30)
    """
    total = day.year * 12 + (day.month - 1) + n
    year, month0 = divmod(total, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def parse_date(value: Any, field: str, *, label: str = "") -> date:
    """A strict ``YYYY-MM-DD`` string; impossible dates such as 2020-02-30 are refused (in Chinese
    naming ``label``, or the field's `fact_zh` name)."""
    label = label or fact_zh(field)
    if not isinstance(value, str) or len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise InputError(f"{field}: expected a date YYYY-MM-DD, got {value!r}", field=field,
                         zh=f"{label}应为“年-月-日”，如2020-02-20，填写的是“{echo(value)}”")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{field}: {value!r} is not a date of the calendar", field=field,
                         zh=f"{label}“{echo(value)}”不是日历上存在的日期") from None


# The birth dates the rules take: a person alive and insured is born after 1900, and one born after
# 2100 is a typing error. A birth date of 9999-12-31 answered a retirement month of 10062-12
# (review-input12 F12).
BIRTH_DATE_FROM = date(1900, 1, 1)
BIRTH_DATE_TO = date(2100, 12, 31)


def birth_date_check(day: date, field: str = "birth_date") -> date:
    """``day`` if it is a plausible birth date (`BIRTH_DATE_FROM` .. `BIRTH_DATE_TO`), else InputError."""
    return _date_within(day, field, BIRTH_DATE_FROM, BIRTH_DATE_TO, "a plausible birth date", fact_zh(field))


def _date_within(day: date, field: str, first: date, last: date, what: str, label: str) -> date:
    """``day`` if ``first`` <= day <= ``last``, else InputError naming ``field`` (English: ``what``;
    Chinese: ``label`` and the range)."""
    if not first <= day <= last:
        raise InputError(f"{field}: {day.isoformat()} is not {what} ({first.isoformat()} to {last.isoformat()})",
                         field=field,
                         zh=f"{label}“{day.isoformat()}”不在{first.isoformat()}至{last.isoformat()}之间，请核对")
    return day


# The business dates the rules take (the day of an application, a payment, an assessment, an audit
# opened, the day parameters are listed for): none before Beijing's social insurance for enterprise
# workers of the 1990s (`core.inputs.BUSINESS_DATE_FROM` is this date), none past this century. An
# application of 0001-01-01 was decided and a late fee counted to 9999-12-31, 1.46e15 fen
# (review-input13 F8). The API and the pages bound them closer, by the business day (`core.inputs`).
BUSINESS_DATE_FROM = date(1990, 1, 1)
BUSINESS_DATE_TO = date(2099, 12, 31)


def business_date_check(day: date, field: str, *, label: str = "") -> date:
    """``day`` if it is a business date the rules take (`BUSINESS_DATE_FROM` .. `BUSINESS_DATE_TO`),
    else InputError naming the field (``label``, or its `fact_zh` name) in Chinese.

    >>> business_date_check(date(1, 1, 1), "applied_on").zh
    Traceback (most recent call last):
    ...
    shebao.rules.dates.InputError: applied_on: 0001-01-01 is not a business date (1990-01-01 to 2099-12-31)
    """
    return _date_within(day, field, BUSINESS_DATE_FROM, BUSINESS_DATE_TO, "a business date", label or fact_zh(field))


def business_month_check(index: int, field: str, *, label: str = "") -> int:
    """``index`` (months since 1970-01) if its month is one of the business dates' (`BUSINESS_DATE_FROM`
    .. `BUSINESS_DATE_TO`: 1990-01 .. 2099-12), else InputError naming the field in Chinese."""
    first = (BUSINESS_DATE_FROM.year - 1970) * 12 + BUSINESS_DATE_FROM.month - 1
    last = (BUSINESS_DATE_TO.year - 1970) * 12 + BUSINESS_DATE_TO.month - 1
    if not first <= index <= last:
        shown, lo, hi = month_str(index), month_str(first), month_str(last)
        raise InputError(f"{field}: {shown} is not a business month ({lo} to {hi})", field=field,
                         zh=f"{label or fact_zh(field)}“{shown}”不在{lo}至{hi}之间，请核对")
    return index


def month_index(value: Any, field: str = "month") -> int:
    """``"YYYY-MM"`` -> months since 1970-01 (``datetime64[M]`` view)."""
    if (
        not isinstance(value, str)
        or len(value) != 7
        or not value.isascii()  # str.isdigit() and int() also take full-width and other digits
        or value[4] != "-"
        or not value[:4].isdigit()
        or not value[5:].isdigit()
    ):
        raise InputError(f"{field}: expected a month YYYY-MM, got {value!r}", field=field,
                         zh=f"{fact_zh(field)}应为“年-月”，如2020-02，填写的是“{echo(value)}”")
    year, month = int(value[:4]), int(value[5:])
    if not 1 <= month <= 12 or year < 1900:
        raise InputError(f"{field}: {value!r} is not a month of the calendar", field=field,
                         zh=f"{fact_zh(field)}“{value}”不是日历上的月份（月份为01至12，年份不早于1900）")
    return (year - 1970) * 12 + month - 1


def month_str(index: int) -> str:
    year, month0 = divmod(int(index), 12)
    return f"{year + 1970:04d}-{month0 + 1:02d}"


def month_of_date(day: date) -> str:
    """The month ``YYYY-MM`` that the date `day` falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def month_add(month: str, n: int, field: str = "month") -> str:
    """The month ``YYYY-MM`` `n` months after `month` (before it when `n` < 0).

    InputError (a ValueError) for a `month` that `month_index` refuses.
    """
    return month_str(month_index(month, field) + n)


def day_number(day: date) -> int:
    return day.toordinal() - EPOCH_ORDINAL


def day_date(number: int) -> date:
    return date.fromordinal(int(number) + EPOCH_ORDINAL)


def month_of_day(number: int) -> int:
    d = day_date(number)
    return (d.year - 1970) * 12 + d.month - 1


# Civil-calendar arithmetic in integers only (H. Hinnant's algorithms, proleptic Gregorian), written
# with operators alone so that one formula serves a Python int and a NumPy integer column.
_DAYS_0000_03_01 = 719468  # days from 0000-03-01 to 1970-01-01
_MARCH_1970 = 1970 * 12 - 2  # month index shift: months counted from 0000-03
_ERA = 146097  # days in 400 years
_CENTURY = _ERA // 4  # days in 100 years (the last century of an era has one more)
_FOUR_YEARS = 1460  # days in 4 common years
_YEAR = _FOUR_YEARS // 4  # days in a common year


def _march_parts(days: Any) -> tuple[Any, Any, Any]:
    """(March-based year, month 0 = March, day of year from March 1st) of day numbers."""
    z = days + _DAYS_0000_03_01
    era = z // _ERA
    doe = z - era * _ERA
    yoe = (doe - doe // _FOUR_YEARS + doe // _CENTURY - doe // (_ERA - 1)) // _YEAR
    doy = doe - (_YEAR * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    return yoe + era * 400, mp, doy


def month_of_days(days: Any) -> Any:
    """Month index (since 1970-01) of day numbers (since 1970-01-01)."""
    year, mp, _ = _march_parts(days)
    return year * 12 + mp - _MARCH_1970


def first_day_of_month(month: Any) -> Any:
    """Day number of the first day of month indexes (since 1970-01)."""
    t = month + _MARCH_1970
    year = t // 12
    mp = t - year * 12
    era = year // 400
    yoe = year - era * 400
    doe = yoe * _YEAR + yoe // 4 - yoe // 100 + (153 * mp + 2) // 5
    return era * _ERA + doe - _DAYS_0000_03_01


def add_months_days(days: Any, n: Any, minimum: Any) -> Any:
    """Day numbers ``n`` calendar months later, the Civil Code way (clamped to the month's end)."""
    year, mp, doy = _march_parts(days)
    dom = doy - (153 * mp + 2) // 5  # 0-based day of month
    target = year * 12 + mp - _MARCH_1970 + n
    first = first_day_of_month(target)
    last = first_day_of_month(target + 1) - first - 1  # 0-based last day of the target month
    return first + minimum(dom, last)


def day_in_month_days(month: Any, dom: Any, minimum: Any) -> Any:
    """Day ``dom`` (1-based) of month indexes, clamped to the month's last day."""
    first = first_day_of_month(month)
    return first + minimum(dom, first_day_of_month(month + 1) - first) - 1


class ScalarOps:
    """Arithmetic on Python ints; the twin of :class:`NumpyOps` so one formula serves both."""

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        return a if cond else b

    @staticmethod
    def maximum(a: Any, b: Any) -> Any:
        return max(a, b)

    @staticmethod
    def minimum(a: Any, b: Any) -> Any:
        return min(a, b)

    @staticmethod
    @lru_cache(maxsize=1 << 16)
    def month_of(days: int) -> int:
        return month_of_days(days)  # type: ignore[no-any-return]

    @staticmethod
    @lru_cache(maxsize=1 << 16)
    def add_months(days: int, n: Any) -> int:
        return add_months_days(days, n, min)  # type: ignore[no-any-return]

    @staticmethod
    def isin(x: Any, codes: tuple[int, ...]) -> bool:
        return x in codes

    @staticmethod
    def any(x: Any) -> bool:
        return bool(x)

    @staticmethod
    def take(seq: tuple[Any, ...], i: int) -> Any:
        return seq[i]

    # Grouping of rows by table (see ``decision._core``): a scalar row is its own group.
    @staticmethod
    def groups(codes: int, n: int) -> list[tuple[int, None]]:
        return [(codes, None)] if codes >= 0 else []

    @staticmethod
    def subset(facts: dict[str, Any], idx: None, names: Any) -> dict[str, Any]:
        return facts

    @staticmethod
    def full(n: Any, value: int, dtype: str) -> int:
        return value

    @staticmethod
    def scatter(base: Any, idx: None, values: Any) -> Any:
        return values

    @staticmethod
    def pack(bits: list[Any]) -> int:
        """The bit set of true values (bit ``j`` for ``bits[j]``)."""
        out = 0
        for j, b in enumerate(bits):
            if b:
                out |= 1 << j
        return out

    @staticmethod
    def lookup(keys: int, width: int, fn: Any) -> Any:
        """``fn(keys)``: columns of ``fn`` over the distinct keys, for NumPy."""
        return fn(keys)

    @staticmethod
    def step(points: tuple[int, ...], values: tuple[int, ...], days: int) -> int:
        """The value of a step function (effective days ``points``) on ``days``; before: the first."""
        import bisect

        i = bisect.bisect_right(points, days) - 1
        return values[max(i, 0)]

    @staticmethod
    def day_in_month(month: int, dom: int) -> int:
        """Day ``dom`` of ``month``, clamped to the month's last day."""
        return day_in_month_days(month, dom, min)  # type: ignore[no-any-return]


class NumpyOps:
    """Arithmetic on NumPy int64 columns (days since 1970-01-01, months since 1970-01)."""

    def __init__(self) -> None:
        import numpy as np

        self.np = np
        self.maximum = np.maximum
        self.minimum = np.minimum

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        """``np.where``; on integers as ``b + cond * (a - b)``, which is several times faster than
        ``np.where`` on an unpredictable mask and gives the same numbers."""
        np = self.np
        if (type(cond) is np.ndarray and cond.dtype == np.bool_ and _is_int(a, np) and _is_int(b, np)):
            return b + cond * (a - b)
        return np.where(cond, a, b)

    def isin(self, x: Any, codes: tuple[int, ...]) -> Any:
        if len(codes) <= 8:  # a few comparisons beat np.isin's sort on large columns
            out = x == codes[0]
            for c in codes[1:]:
                out = out | (x == c)
            return out
        return self.np.isin(x, codes)

    def any(self, x: Any) -> bool:
        return bool(self.np.any(x))

    def take(self, seq: tuple[Any, ...], i: Any) -> Any:
        return self.np.asarray(seq)[i]

    def groups(self, codes: Any, n: int) -> list[tuple[int, Any]]:
        """(group, rows) per group present in ``codes`` (-1: none). Rows are ``None`` (every row),
        a boolean mask (a large group: evaluated on whole columns, kept where the mask holds) or
        row indexes (a small group: evaluated on its own rows)."""
        np = self.np
        total = len(codes)
        counts = np.bincount(codes + 1, minlength=n + 1).tolist()
        out: list[tuple[int, Any]] = []
        for g in range(n):
            c = counts[g + 1]
            if not c:
                continue
            if c == total:
                out.append((g, None))
            elif 2 * c >= total:
                out.append((g, codes == g))
            else:
                out.append((g, np.flatnonzero(codes == g)))
        return out

    def subset(self, facts: dict[str, Any], rows: Any, names: Any) -> dict[str, Any]:
        if rows is None or rows.dtype == bool:
            return {k: facts[k] for k in names if k in facts}
        return {k: facts[k][rows] for k in names if k in facts}

    def full(self, n: Any, value: int, dtype: str) -> Any:
        return self.np.full(n, value, dtype=dtype)

    def scatter(self, base: Any, rows: Any, values: Any) -> Any:
        if rows is None:
            base[...] = values
        elif rows.dtype == bool:
            base = self.where(rows, self.np.asarray(values, dtype=base.dtype), base)
        else:
            base[rows] = values
        return base

    def pack(self, bits: list[Any]) -> Any:
        np = self.np
        width = len(bits)
        dtype = np.uint8 if width <= 8 else np.uint16 if width <= 16 else np.uint32 if width <= 32 else np.uint64
        n = max((np.shape(b) for b in bits), default=())
        out = np.zeros(n, dtype=dtype)
        for j, b in enumerate(bits):
            out |= np.asarray(b, dtype=bool) * dtype(1 << j)
        return out

    def lookup(self, keys: Any, width: int, fn: Any) -> tuple[Any, ...]:
        """Columns of ``fn`` (a tuple of ints: mode, rule, support, error) over ``keys``: ``fn`` runs
        once per distinct key, a table look-up does the rest."""
        np = self.np
        dtypes = ("int8", "int16", "int64", "int8")
        if width <= 16:
            present = np.flatnonzero(np.bincount(keys.reshape(-1), minlength=1)).tolist()
            size = 1 << width
            index = keys
        else:
            uniq, index = np.unique(keys, return_inverse=True)
            present = uniq.tolist()
            size = len(present)
        luts = [np.zeros(size, dtype=dt) for dt in dtypes]
        for pos, key in enumerate(present):
            for lut, v in zip(luts, fn(key)):
                lut[key if width <= 16 else pos] = v
        return tuple(lut[index] for lut in luts)

    def step(self, points: tuple[int, ...], values: tuple[int, ...], days: Any) -> Any:
        np = self.np
        i = np.searchsorted(np.asarray(points, dtype="int64"), days, side="right") - 1
        return np.asarray(values, dtype="int64")[np.maximum(i, 0)]

    # The same integer formulas as ScalarOps (only ``minimum`` differs): one meaning for both.
    def month_of(self, days: Any) -> Any:
        np = self.np
        d = np.asarray(days)
        if d.size > 4096:
            lo, hi = int(d.min()), int(d.max())
            if hi - lo < d.size // 2:  # the formula once per distinct day, then a look-up
                return month_of_days(np.arange(lo, hi + 1, dtype=d.dtype))[d - lo]
        return month_of_days(d)

    def add_months(self, days: Any, n: Any) -> Any:
        return add_months_days(self.np.asarray(days), n, self.np.minimum)

    def day_in_month(self, month: Any, dom: Any) -> Any:
        return day_in_month_days(self.np.asarray(month), dom, self.np.minimum)


def _is_int(v: Any, np: Any) -> bool:
    if isinstance(v, np.ndarray):
        return v.dtype.kind in "iu"
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


SCALAR = ScalarOps()
_NUMPY: NumpyOps | None = None


def numpy_ops() -> NumpyOps:
    global _NUMPY
    if _NUMPY is None:
        _NUMPY = NumpyOps()
    return _NUMPY
