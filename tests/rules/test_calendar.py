"""The rules' calendar, pinned to Python's ``datetime`` for every day from 1900 to 2100.

The integer formulas of :mod:`shebao.rules.dates` (Hinnant's civil-calendar arithmetic) serve one
application (Python ints) and a table of many (NumPy columns). A consistently wrong calendar still
satisfies round trips and monotonicity, so every function here is compared, value by value, with
what ``datetime.date`` says: first and last days of months, leap days (2000-02-29 yes,
1900-02-29 and 2100-02-29 no) and month-end clamps (Civil Code art. 202) included.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from shebao.rules import InputError, add_months
from shebao.rules.dates import (
    SCALAR,
    NumpyOps,
    ScalarOps,
    add_months_days,
    day_date,
    day_in_month_days,
    day_number,
    first_day_of_month,
    month_index,
    month_of_day,
    month_of_days,
    month_str,
    numpy_ops,
    parse_date,
)

FIRST, LAST = date(1900, 1, 1), date(2100, 12, 31)
DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
DAY_NOS = np.arange(day_number(FIRST), day_number(LAST) + 1, dtype=np.int64)
MONTHS = [(y, m) for y in range(1900, 2101) for m in range(1, 13)]
SHIFTS = (-25, -13, -12, -1, 1, 2, 3, 11, 12, 13, 36)


def _mi(y: int, m: int) -> int:
    """The month index the rules use: months since 1970-01 (computed here without the module)."""
    return (y - 1970) * 12 + m - 1


def _days_in_month(y: int, m: int) -> int:
    nxt = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    return (nxt - date(y, m, 1)).days


def _civil_add(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months, clamped to the target month's last day, by datetime alone."""
    total = d.year * 12 + d.month - 1 + n
    y, m = total // 12, total % 12 + 1
    return date(y, m, min(d.day, _days_in_month(y, m)))


def _epoch_days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def test_the_range_holds_every_day_of_two_centuries() -> None:
    assert len(DAYS) == len(DAY_NOS) == 73_414
    assert DAY_NOS[0] == -25_567 and DAY_NOS[-1] == 47_846


def test_day_numbers_are_datetimes_days_since_1970_for_every_day() -> None:
    assert [day_number(d) for d in DAYS] == [_epoch_days(d) for d in DAYS]
    assert [day_date(int(n)) for n in DAY_NOS] == DAYS
    assert day_date(np.int64(0)) == date(1970, 1, 1)


def test_the_month_of_every_day_is_datetimes_month() -> None:
    expected = [_mi(d.year, d.month) for d in DAYS]
    assert month_of_days(DAY_NOS).tolist() == expected  # NumPy column
    assert [month_of_days(int(n)) for n in DAY_NOS] == expected  # Python ints
    assert [month_of_day(int(n)) for n in DAY_NOS] == expected
    assert [SCALAR.month_of(int(n)) for n in DAY_NOS] == expected


def test_the_month_of_a_column_is_the_same_on_each_path_of_numpy_ops() -> None:
    ops = numpy_ops()
    expected = np.asarray([_mi(d.year, d.month) for d in DAYS])
    # More than 4,096 dense days: the formula once per distinct day, then a look-up.
    assert ops.month_of(DAY_NOS).tolist() == expected.tolist()
    # More than 4,096 days spread wider than half their count: the formula on every row.
    sparse = np.concatenate([DAY_NOS[:2500], DAY_NOS[-2500:]])
    assert ops.month_of(sparse).tolist() == np.concatenate([expected[:2500], expected[-2500:]]).tolist()
    # A dense column in reverse order with repeats (the look-up is indexed by day - min).
    shuffled = np.concatenate([DAY_NOS[::-1][:5000], DAY_NOS[100:200]])
    exp = np.concatenate([expected[::-1][:5000], expected[100:200]])
    assert ops.month_of(shuffled).tolist() == exp.tolist()
    # Many rows over few days (a table of applications): the formula once per day, then a look-up.
    rng = np.random.default_rng(7)
    for lo, width in ((0, 3000), (int(DAY_NOS[0]), 2000), (int(DAY_NOS[-1]) - 1500, 1501)):
        days = lo + rng.integers(0, width, 10_000)
        want = [_mi(d.year, d.month) for d in (date(1970, 1, 1) + timedelta(days=int(x)) for x in days)]
        assert ops.month_of(days).tolist() == want
        assert ops.month_of(days.astype(np.int32)).tolist() == want
    # Exactly 4,096 rows and fewer take the formula; a list is accepted too.
    assert ops.month_of(DAY_NOS[:4096]).tolist() == expected[:4096].tolist()
    assert ops.month_of(DAY_NOS[:4097]).tolist() == expected[:4097].tolist()
    assert ops.month_of([int(DAY_NOS[59])]).tolist() == [expected[59]]


def test_the_first_day_of_every_month_is_datetimes_first_day() -> None:
    idx = [_mi(y, m) for y, m in MONTHS]
    expected = [_epoch_days(date(y, m, 1)) for y, m in MONTHS]
    assert first_day_of_month(np.asarray(idx, dtype=np.int64)).tolist() == expected
    assert [first_day_of_month(i) for i in idx] == expected


# Per day of the range: year, month and day of month as datetime says; per month index (from 1897-01
# to 2104-12, room for the shifts): its first day and its length, as datetime says.
_Y = np.asarray([d.year for d in DAYS])
_M = np.asarray([d.month for d in DAYS])
_D = np.asarray([d.day for d in DAYS])
_TABLE_FROM = _mi(1897, 1)
_TABLE = [(y, m) for y in range(1897, 2105) for m in range(1, 13)]
_FIRST = np.asarray([_epoch_days(date(y, m, 1)) for y, m in _TABLE])
_LENGTH = np.asarray([_days_in_month(y, m) for y, m in _TABLE])


def _civil_add_column(n: int) -> np.ndarray:
    target = (_Y - 1970) * 12 + _M - 1 + n - _TABLE_FROM
    return _FIRST[target] + np.minimum(_D, _LENGTH[target]) - 1


@pytest.mark.parametrize("n", SHIFTS)
def test_adding_months_to_every_day_is_the_civil_code_way(n: int) -> None:
    expected = _civil_add_column(n).tolist()
    assert add_months_days(DAY_NOS, n, np.minimum).tolist() == expected
    assert numpy_ops().add_months(DAY_NOS, n).tolist() == expected


def test_the_column_reference_is_datetimes_own_arithmetic() -> None:
    for n in (1, -1, 13):
        sample = range(0, len(DAYS), 97)
        column = _civil_add_column(n)
        assert [int(column[i]) for i in sample] == [_epoch_days(_civil_add(DAYS[i], n)) for i in sample]


def test_adding_months_to_a_date_is_the_civil_code_way_for_every_day() -> None:
    for n in (1, 3):
        assert [day_number(add_months(d, n)) for d in DAYS] == _civil_add_column(n).tolist()


def test_adding_months_on_python_ints_is_the_same_on_month_ends_and_leap_days() -> None:
    ends = [date(y, m, _days_in_month(y, m)) for y, m in MONTHS] + [date(y, m, 1) for y, m in MONTHS[::7]]
    nums = [_epoch_days(d) for d in ends]
    for n in SHIFTS + (0, 24, 48, -48):
        expected = [_epoch_days(_civil_add(d, n)) for d in ends]
        assert [SCALAR.add_months(x, n) for x in nums] == expected
        assert [add_months_days(x, n, min) for x in nums] == expected


def test_a_column_of_month_counts_is_added_row_by_row() -> None:
    days = np.asarray([_epoch_days(date(2019, 1, 31)), _epoch_days(date(2000, 2, 29)), _epoch_days(date(1960, 5, 5))])
    n = np.asarray([1, 12, 720])
    got = [day_date(x) for x in numpy_ops().add_months(days, n).tolist()]
    assert got == [date(2019, 2, 28), date(2001, 2, 28), date(2020, 5, 5)]


@pytest.mark.parametrize("dom", [1, 2, 15, 25, 28, 29, 30, 31])
def test_a_day_of_every_month_is_clamped_to_its_last_day(dom: int) -> None:
    idx = np.asarray([_mi(y, m) for y, m in MONTHS], dtype=np.int64)
    expected = [_epoch_days(date(y, m, min(dom, _days_in_month(y, m)))) for y, m in MONTHS]
    assert day_in_month_days(idx, dom, np.minimum).tolist() == expected
    assert numpy_ops().day_in_month(idx, dom).tolist() == expected
    assert [SCALAR.day_in_month(int(i), dom) for i in idx] == expected


def test_the_integer_formulas_give_integers() -> None:
    # Python ints for one day, int64 columns for many: never floats that merely compare equal.
    one = int(DAY_NOS[1000])
    assert type(month_of_days(one)) is int and type(first_day_of_month(month_of_days(one))) is int
    assert type(add_months_days(one, 1, min)) is int and type(day_in_month_days(600, 31, min)) is int
    assert type(SCALAR.month_of(one)) is int and type(SCALAR.add_months(one, 3)) is int
    ops = numpy_ops()
    for column in (month_of_days(DAY_NOS), first_day_of_month(DAY_NOS[:100]), ops.month_of(DAY_NOS),
                   ops.add_months(DAY_NOS, 1), ops.day_in_month(DAY_NOS[:100], 31)):
        assert column.dtype == np.int64


def test_the_issues_examples_of_a_wrong_calendar() -> None:
    assert month_str(month_of_days(_epoch_days(date(2019, 1, 31)))) == "2019-01"
    assert month_str(month_of_days(_epoch_days(date(2019, 2, 1)))) == "2019-02"
    assert month_str(month_of_days(_epoch_days(date(2000, 2, 29)))) == "2000-02"
    assert month_str(month_of_days(_epoch_days(date(2000, 3, 1)))) == "2000-03"
    assert add_months(date(2019, 1, 31), 3) == date(2019, 4, 30)
    assert add_months(date(2019, 1, 31), 1) == date(2019, 2, 28)
    assert add_months(date(2020, 1, 31), 1) == date(2020, 2, 29)
    assert add_months(date(1900, 1, 31), 1) == date(1900, 2, 28)
    assert add_months(date(2100, 3, 31), -1) == date(2100, 2, 28)
    assert add_months(date(2000, 2, 29), 12) == date(2001, 2, 28)
    assert add_months(date(2000, 2, 29), 48) == date(2004, 2, 29)
    assert add_months(date(2019, 12, 31), 2) == date(2020, 2, 29)
    assert add_months(date(2020, 12, 15), 1) == date(2021, 1, 15)
    assert add_months(date(2021, 1, 15), -1) == date(2020, 12, 15)
    assert day_date(SCALAR.day_in_month(month_index("2020-02"), 31)) == date(2020, 2, 29)
    assert day_date(SCALAR.day_in_month(month_index("2100-02"), 29)) == date(2100, 2, 28)


def test_every_month_string_of_two_centuries_maps_to_its_index_and_back() -> None:
    for y, m in MONTHS:
        text = f"{y:04d}-{m:02d}"
        assert month_index(text) == _mi(y, m)
        assert month_str(_mi(y, m)) == text
    assert month_str(np.int64(601)) == "2020-02"
    assert month_index("1970-01") == 0 and month_index("1900-01") == -840 and month_index("9999-12") == 96359


@pytest.mark.parametrize("text", ["2020-1", "2020/01", "2020-+1", "2020-00", "2020-13", "1899-12", "20-01-01",
                                  " 2020-01", "2020-01 ", "2020_01", "２０２０-01", "2020-0١", "2020-0a", "abcd-01", ""])
def test_a_month_not_in_the_form_yyyy_mm_of_the_calendar_is_refused(text: str) -> None:
    with pytest.raises(InputError) as exc:
        month_index(text, "period.from")
    assert type(exc.value) is InputError
    assert "period.from" in str(exc.value) and repr(text) in str(exc.value)
    # The clerk's message names the field in Chinese and quotes what was typed.
    assert exc.value.field == "period.from"
    assert exc.value.zh.startswith("补缴起始月") and f"“{text}”" in exc.value.zh


@pytest.mark.parametrize("value", [None, 202001, date(2020, 1, 1), b"2020-01", ["2020-01"]])
def test_a_month_that_is_not_a_string_is_refused(value: object) -> None:
    with pytest.raises(InputError, match="month"):
        month_index(value)


def test_the_year_1900_is_the_first_accepted() -> None:
    assert month_index("1900-01") == _mi(1900, 1)
    assert month_index("1900-12") == _mi(1900, 12)
    with pytest.raises(InputError):
        month_index("1899-12")
    assert month_index("2020-12") == _mi(2020, 12)
    assert month_index("2020-01") == _mi(2020, 1)


@pytest.mark.parametrize("text", ["2020-02-30", "2019-02-29", "1900-02-29", "2020-13-01", "2020-00-10",
                                  "2020-1-01", "2020/01/01", "20200101", "2020-01-1 ", "2020-01-01T00", ""])
def test_a_date_not_of_the_calendar_or_not_yyyy_mm_dd_is_refused(text: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_date(text, "applied_on")
    assert "applied_on" in str(exc.value) and repr(text) in str(exc.value)
    assert exc.value.field == "applied_on" and f"“{text}”" in exc.value.zh and "日" in exc.value.zh


@pytest.mark.parametrize("value", [None, 20200101, date(2020, 1, 1)])
def test_a_date_that_is_not_a_string_is_refused(value: object) -> None:
    with pytest.raises(InputError, match="applied_on"):
        parse_date(value, "applied_on")


def test_leap_days_parse_only_in_leap_years() -> None:
    assert parse_date("2000-02-29", "d") == date(2000, 2, 29)
    assert parse_date("2020-02-29", "d") == date(2020, 2, 29)
    assert parse_date("2100-12-31", "d") == date(2100, 12, 31)


# The small operations the one formula runs on: a scalar and a NumPy twin with one meaning.


def test_a_step_function_takes_the_value_in_force_on_each_day() -> None:
    points, values = (10, 20, 30), (1, 2, 3)
    days = [0, 9, 10, 11, 19, 20, 21, 29, 30, 31, 10**6]
    expected = [1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert [ScalarOps.step(points, values, d) for d in days] == expected
    assert numpy_ops().step(points, values, np.asarray(days)).tolist() == expected


def test_where_minimum_maximum_on_scalars_and_columns() -> None:
    ops = numpy_ops()
    assert SCALAR.where(True, 1, 2) == 1 and SCALAR.where(False, 1, 2) == 2
    assert SCALAR.maximum(3, 5) == 5 and SCALAR.minimum(3, 5) == 3
    cond = np.asarray([True, False, True])
    assert ops.where(cond, np.asarray([1, 2, 3]), np.asarray([10, 20, 30])).tolist() == [1, 20, 3]
    assert ops.where(cond, 7, np.asarray([10, 20, 30])).tolist() == [7, 20, 7]
    assert ops.where(cond, np.int64(7), 0).tolist() == [7, 0, 7]
    # Not integers: np.where itself (booleans and floats keep their type).
    assert ops.where(cond, np.asarray([True, True, True]), False).tolist() == [True, False, True]
    assert ops.where(cond, 1.5, 0).tolist() == [1.5, 0.0, 1.5]
    assert ops.where([True, False], 1, 2).tolist() == [1, 2]


def test_isin_with_few_and_many_codes() -> None:
    ops = numpy_ops()
    x = np.arange(12)
    assert ops.isin(x, (3,)).tolist() == [i == 3 for i in range(12)]
    assert ops.isin(x, (1, 4, 9)).tolist() == [i in (1, 4, 9) for i in range(12)]
    eight = (0, 1, 2, 3, 4, 5, 6, 11)
    assert ops.isin(x, eight).tolist() == [i in eight for i in range(12)]
    nine = (0, 1, 2, 3, 4, 5, 6, 7, 11)
    assert ops.isin(x, nine).tolist() == [i in nine for i in range(12)]
    assert SCALAR.isin(4, (1, 4)) is True and SCALAR.isin(5, (1, 4)) is False
    assert ops.any(np.asarray([False, True])) is True and ops.any(np.asarray([False])) is False
    assert SCALAR.any(0) is False and SCALAR.any(2) is True
    assert ops.take((5, 6, 7), np.asarray([2, 0])).tolist() == [7, 5] and SCALAR.take((5, 6, 7), 1) == 6


@pytest.mark.parametrize("width,dtype", [(1, np.uint8), (8, np.uint8), (9, np.uint16), (16, np.uint16),
                                         (17, np.uint32), (32, np.uint32), (33, np.uint64), (62, np.uint64)])
def test_packing_match_bits(width: int, dtype: type) -> None:
    rng = np.random.default_rng(width)
    bits = [rng.integers(0, 2, 5).astype(bool) for _ in range(width)]
    packed = numpy_ops().pack(bits)
    assert packed.dtype == dtype
    expected = [sum(1 << j for j in range(width) if bits[j][i]) for i in range(5)]
    assert [int(v) for v in packed.tolist()] == expected
    assert SCALAR.pack([bool(b[0]) for b in bits]) == expected[0]
    # A scalar bit (a rule true on every row) broadcasts.
    assert [int(v) for v in numpy_ops().pack([True, bits[0]]).tolist()] == [1 | (2 if b else 0) for b in bits[0]]


@pytest.mark.parametrize("width", [3, 16, 17, 20])
def test_lookup_gives_fn_of_each_key_per_row(width: int) -> None:
    keys = np.asarray([5, 1, 5, 0, 2, 1, 7], dtype=np.uint32)

    def fn(k: int) -> tuple[int, int, int, int]:
        return (k % 3, k * 2, k * 1000, k % 2)

    cols = numpy_ops().lookup(keys, width, fn)
    assert [c.tolist() for c in cols] == [[fn(int(k))[i] for k in keys] for i in range(4)]
    assert [str(c.dtype) for c in cols] == ["int8", "int16", "int64", "int8"]
    assert SCALAR.lookup(5, width, fn) == fn(5)


def test_grouping_rows_by_table() -> None:
    ops = numpy_ops()
    codes = np.asarray([0, 2, 2, -1, 2, 2, 0])
    groups = ops.groups(codes, 3)
    assert [g for g, _ in groups] == [0, 2]
    assert groups[0][1].tolist() == [0, 6]  # a small group: its row indexes
    assert groups[1][1].dtype == bool and groups[1][1].tolist() == [False, True, True, False, True, True, False]
    whole = ops.groups(np.asarray([1, 1, 1]), 3)
    assert len(whole) == 1 and whole[0][0] == 1 and whole[0][1] is None
    half = ops.groups(np.asarray([1, 1, 0, 0]), 2)  # exactly half the rows: a mask
    assert [(g, r.tolist()) for g, r in half] == [(0, [False, False, True, True]), (1, [True, True, False, False])]
    assert ops.groups(np.asarray([-1, -1]), 2) == []
    assert SCALAR.groups(2, 3) == [(2, None)] and SCALAR.groups(0, 3) == [(0, None)] and SCALAR.groups(-1, 3) == []


def test_subset_full_and_scatter() -> None:
    ops = numpy_ops()
    facts = {"a": np.asarray([1, 2, 3, 4]), "b": np.asarray([5, 6, 7, 8])}
    assert ops.subset(facts, None, {"a", "c"}).keys() == {"a"}
    assert ops.subset(facts, np.asarray([True, False, True, False]), {"a"})["a"].tolist() == [1, 2, 3, 4]
    assert ops.subset(facts, np.asarray([1, 3]), {"a", "b"})["b"].tolist() == [6, 8]
    assert SCALAR.subset(facts, None, {"a"}) is facts
    base = ops.full(4, -1, "int16")
    assert base.dtype == np.int16 and base.tolist() == [-1] * 4
    assert SCALAR.full(None, 3, "int8") == 3
    assert ops.scatter(ops.full(4, 0, "int64"), None, 9).tolist() == [9, 9, 9, 9]
    mask = np.asarray([True, False, False, True])
    assert ops.scatter(ops.full(4, 0, "int64"), mask, np.asarray([1, 2, 3, 4])).tolist() == [1, 0, 0, 4]
    assert ops.scatter(ops.full(4, 0, "int64"), np.asarray([2, 0]), np.asarray([7, 8])).tolist() == [8, 0, 7, 0]
    assert SCALAR.scatter(0, None, 5) == 5


def test_numpy_ops_is_made_once() -> None:
    assert numpy_ops() is numpy_ops()
    assert isinstance(numpy_ops(), NumpyOps)
