"""The average contribution index (rules.pension.average_index, 2.1; 国发〔2005〕38号, 京政发〔2006〕2号):
Σ(base_m / average wage in force in month m) / n, ×10 000 rounded half up, held to an oracle written
apart on random records (Hypothesis), with its years, its refusals and its incomplete records."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.rules import InputError, load_policy
from shebao.rules.dates import month_index, month_str
from shebao.rules.pension import IndexYear, average_index

POLICY = load_policy("base")
FIRST, LAST = month_index("2017-07"), month_index("2021-12")  # months the pack holds an average for


def wage(month: str) -> int:
    return POLICY.value("wage.average_monthly_fen", f"{month}-01")


def oracle(bases: dict[str, int]) -> int:
    ratio = sum((Fraction(b, wage(m)) for m, b in bases.items()), Fraction(0)) / len(bases)
    scaled = ratio * 10_000
    return int(scaled) + (1 if scaled - int(scaled) >= Fraction(1, 2) else 0)


RECORDS = st.dictionaries(st.integers(FIRST, LAST).map(month_str), st.integers(0, 20_000_000), min_size=1,
                          max_size=40)


@given(RECORDS)
def test_the_index_is_the_mean_of_each_months_ratio_rounded_half_up(bases):
    w = average_index(POLICY, bases)
    assert w.missing == () and w.months == len(bases)
    assert w.index_x10k == oracle(bases)


@given(RECORDS)
def test_the_years_add_up_to_the_record(bases):
    w = average_index(POLICY, bases)
    assert [y.year for y in w.years] == sorted({int(m[:4]) for m in bases})
    assert sum(y.months for y in w.years) == len(bases)
    assert sum(y.bases_fen for y in w.years) == sum(bases.values())
    for y in w.years:
        months = {m: b for m, b in bases.items() if int(m[:4]) == y.year}
        assert y.ratio_sum == sum((Fraction(b, wage(m)) for m, b in months.items()), Fraction(0))
        assert y.index_x10k == oracle(months)
        assert list(y.average_wages_fen) == list(dict.fromkeys(wage(m) for m in sorted(months)))


def test_a_base_equal_to_the_average_is_one_and_twice_is_two():
    assert average_index(POLICY, {"2019-07": wage("2019-07")}).index_x10k == 10_000
    assert average_index(POLICY, {"2019-07": wage("2019-07"), "2019-08": 2 * wage("2019-08")}).index_x10k == 15_000
    # half a ten-thousandth rounds up, less rounds down
    assert IndexYear(2020, 2, 0, (), Fraction(1, 10_000)).index_x10k == 1
    assert IndexYear(2020, 2, 0, (), Fraction(1, 10_000) - Fraction(1, 10**9)).index_x10k == 0


def test_an_empty_record_and_uncovered_months_say_what_is_missing():
    w = average_index(POLICY, {})
    assert (w.index_x10k, w.months, w.years, w.missing) == (None, 0, (), ("登记系统中没有本人的缴费记录（各月缴费基数）",))
    w = average_index(POLICY, {"2016-01": 100, "2016-02": 100, "2016-04": 100, "2019-07": wage("2019-07")})
    assert w.index_x10k is None and w.months == 4
    assert w.missing == ("政策参数中没有2016-01至2016-02、2016-04适用的上年度本市职工月平均工资（共3个月），无法按缴费记录计算",)
    y2016, y2019 = w.years
    assert (y2016.year, y2016.months, y2016.bases_fen, y2016.average_wages_fen, y2016.ratio_sum) == (2016, 3, 300, (), None)
    assert y2016.index_x10k is None and y2019.index_x10k == 10_000 and y2019.ratio_sum == 1


def test_a_negative_base_or_no_month_is_refused_in_chinese():
    with pytest.raises(InputError) as refused:
        average_index(POLICY, {"2019-07": 100, "2019-08": -1})
    assert (refused.value.field, refused.value.zh) == ("bases", "2019-08的缴费基数不能为负数")
    assert "negative base in 2019-08" in str(refused.value)
    average_index(POLICY, {"2019-07": 0})  # zero is a base (a month paid at nothing is still a month)
    with pytest.raises(InputError):
        average_index(POLICY, {"2019-13": 100})


def test_a_year_of_one_month():
    assert IndexYear(2020, 1, 100, (100,), Fraction(1)).index_x10k == 10_000
    assert IndexYear(2020, 2, 100, (100,), Fraction(3, 2)).index_x10k == 7_500
    assert IndexYear(2020, 3, 100, (100,), None).index_x10k is None
