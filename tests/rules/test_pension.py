"""The pension formula of 国发〔2005〕38号, its yearly adjustments and arrears months (2.1), and the
work-injury benefits of the 工伤保险条例 (9): worked examples by hand and properties."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.rules import InputError, load_policy
from shebao.rules.dates import month_index, month_str
from shebao.rules.pension import (
    account_divisor,
    account_pension_fen,
    arrears_months,
    basic_pension_fen,
    entitlement_for,
    monthly_amount_fen,
    payable_months,
    round_half_up,
    transitional_pension_fen,
)
from shebao.rules.work_injury import death_benefits, disability_benefits, person_wage_fen

BASE = load_policy("base")


# --- Worked examples -----------------------------------------------------------------------------
def test_a_man_retiring_in_march_2020_gets_the_three_parts_by_hand() -> None:
    # C = 8847 yuan (in force from 2019-07-01), index 1.2, 35 years of which 10 deemed, balance 139,000 yuan
    e = entitlement_for(BASE, retired_on=date(2020, 3, 10), age_months=720, index_x10k=12000,
                        contribution_months=420, deemed_months=120, account_balance_fen=13_900_000)
    # basic: (8847 + 8847 × 1.2) / 2 × 35 × 1 % = 9731.7 × 0.35 = 3406.095 yuan -> 340610 fen (half up)
    assert e.basic_fen == 340610
    # account: 139000 / 139 = 1000 yuan
    assert (e.divisor, e.account_fen) == (139, 100000)
    # transitional: 8847 × 1.2 × 10 × 1 % = 1061.64 yuan
    assert e.transitional_fen == 106164
    assert e.monthly_fen == 340610 + 100000 + 106164
    assert e.parameters["pension.account_divisor"]["value"] == 139
    assert "国发〔2005〕38号" in e.parameters["pension.account_divisor"]["document"]
    assert e.parameters["wage.average_monthly_fen"]["effective"] == "2019-07-01"


@pytest.mark.parametrize(("age_months", "divisor"), [(600, 195), (660, 170), (720, 139), (723, 139),
                                                     (743, 132), (744, 125), (480, 233), (840, 56)])
def test_the_divisor_is_the_table_of_the_completed_years_of_age(age_months: int, divisor: int) -> None:
    assert account_divisor(BASE, age_months=age_months, on=date(2025, 6, 1)) == divisor


@pytest.mark.parametrize("age_months", [479, 852])
def test_an_age_outside_the_divisor_table_is_refused_in_chinese(age_months: int) -> None:
    with pytest.raises(InputError) as e:
        account_divisor(BASE, age_months=age_months, on=date(2025, 6, 1))
    assert "计发月数表" in e.value.zh


def test_a_day_before_the_first_average_wage_is_refused() -> None:
    with pytest.raises(InputError) as e:
        entitlement_for(BASE, retired_on=date(2017, 6, 30), age_months=720, index_x10k=10000,
                        contribution_months=360, deemed_months=0, account_balance_fen=0)
    # The clerk reads the figure's name, not the pack's code for it; the field names the parameter.
    assert e.value.zh == ("2017-06-30没有在用的上年度本市职工月平均工资（北京市2013年度至2015年度职工月平均工资"
                          "未取得可核对的公开来源，不予估算），无法计算")
    assert e.value.field == "wage.average_monthly_fen" and "wage.average_monthly_fen" in str(e.value)


def test_half_a_fen_rounds_up_and_less_rounds_down() -> None:
    assert account_pension_fen(account_balance_fen=139 * 100 + 70, divisor=139) == 101  # 100.503…
    assert account_pension_fen(account_balance_fen=139 * 100 + 69, divisor=139) == 100  # 100.496…
    assert round_half_up(Fraction(1, 2)) == 1 and round_half_up(Fraction(49, 100)) == 0


def test_adjustments_reach_those_retired_before_the_year_only() -> None:
    # retired 2019-12: the 2019 rise missed them (retired after 2018 ended), the 2020 rise reaches them
    assert monthly_amount_fen(BASE, initial_fen=500000, retirement_month="2019-12", month="2020-03") == 525000
    # retired 2020-01: no rise in 2020
    assert monthly_amount_fen(BASE, initial_fen=500000, retirement_month="2020-01", month="2020-03") == 500000
    # retired 2018-12: 2019 and 2020 (5 % each, compounded on the amount then in force)
    assert monthly_amount_fen(BASE, initial_fen=500000, retirement_month="2018-12", month="2020-01") == 551250
    # before the year's adjustment takes effect: nothing
    assert monthly_amount_fen(BASE, initial_fen=500000, retirement_month="2018-12", month="2018-12") == 500000


def test_arrears_run_from_the_month_after_retirement_to_the_month_before_the_first_regular_payment() -> None:
    assert arrears_months(retirement_month="2019-10", first_regular_month="2020-03") == [
        "2019-11", "2019-12", "2020-01", "2020-02"]
    assert arrears_months(retirement_month="2020-02", first_regular_month="2020-03") == []
    assert payable_months(retirement_month="2020-03", through="2020-03") == []


@pytest.mark.parametrize(("grade", "months", "rate"), [
    (1, 27, 90), (2, 25, 85), (3, 23, 80), (4, 21, 75), (5, 18, 0), (6, 16, 0), (7, 13, 0), (8, 11, 0),
    (9, 9, 0), (10, 7, 0)])
def test_each_disability_grade_gets_the_months_and_monthly_share_of_the_regulation(
        grade: int, months: int, rate: int) -> None:
    b = disability_benefits(BASE, grade=grade, wage_fen=1_000_000, on=date(2020, 2, 10))
    assert b.lump_sum_fen == months * 1_000_000
    assert b.monthly_fen == rate * 10_000


def test_the_persons_wage_is_held_between_60_and_300_percent_of_the_average() -> None:
    on = date(2020, 2, 10)  # average 8847 yuan
    assert person_wage_fen(BASE, wage_fen=100_000, on=on) == 530820  # 60 %
    assert person_wage_fen(BASE, wage_fen=10_000_000, on=on) == 2654100  # 300 %
    assert disability_benefits(BASE, grade=10, wage_fen=100_000, on=on).lump_sum_fen == 7 * 530820


def test_death_benefits_in_february_2020() -> None:
    d = death_benefits(BASE, died_on=date(2020, 2, 10))
    # 6 × 8847 yuan; 20 × 39251 yuan (the 2018 income, published 2019-02-28: 2019's is not out yet)
    assert d.funeral_grant_fen == 6 * 884700
    assert d.death_lump_sum_fen == 20 * 3925100
    d = death_benefits(BASE, died_on=date(2020, 3, 1))
    assert d.death_lump_sum_fen == 20 * 4235900
    assert d.total_fen == 6 * 884700 + 20 * 4235900


def test_a_grade_outside_one_to_ten_is_refused() -> None:
    with pytest.raises(InputError) as e:
        disability_benefits(BASE, grade=11, wage_fen=1, on=date(2020, 2, 10))
    assert e.value.zh == "伤残等级须为一级至十级"


# --- Properties ---------------------------------------------------------------------------------
WAGES = st.integers(0, 5_000_000)
INDEX = st.integers(0, 30_000)
MONTHS = st.integers(0, 600)


@settings(max_examples=300, deadline=None)
@given(WAGES, INDEX, MONTHS)
def test_the_basic_pension_is_the_exact_formula_within_half_a_fen(wage: int, index: int, months: int) -> None:
    got = basic_pension_fen(average_wage_fen=wage, index_x10k=index, contribution_months=months)
    exact = (Fraction(wage) + Fraction(wage * index, 10000)) / 2 * Fraction(months, 12) / 100
    assert isinstance(got, int)
    assert -Fraction(1, 2) < got - exact <= Fraction(1, 2)


@settings(max_examples=200, deadline=None)
@given(WAGES, INDEX, st.integers(0, 599))
def test_a_month_more_never_lowers_the_basic_pension(wage: int, index: int, months: int) -> None:
    a = basic_pension_fen(average_wage_fen=wage, index_x10k=index, contribution_months=months)
    assert basic_pension_fen(average_wage_fen=wage, index_x10k=index, contribution_months=months + 1) >= a


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**10), st.integers(56, 233))
def test_the_account_pension_paid_over_the_divisor_returns_the_balance_within_half_a_fen_a_month(
        balance: int, divisor: int) -> None:
    got = account_pension_fen(account_balance_fen=balance, divisor=divisor)
    assert abs(got * divisor - balance) * 2 <= divisor


@settings(max_examples=200, deadline=None)
@given(WAGES, INDEX, MONTHS)
def test_the_transitional_pension_is_the_exact_formula_within_half_a_fen(wage: int, index: int, months: int) -> None:
    got = transitional_pension_fen(average_wage_fen=wage, index_x10k=index, deemed_months=months,
                                   rate_x100k=1000)
    exact = Fraction(wage * index, 10000) * Fraction(months, 12) / 100
    assert -Fraction(1, 2) < got - exact <= Fraction(1, 2)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**8), st.integers(month_index("2015-01"), month_index("2026-12")),
       st.integers(0, 96))
def test_an_adjusted_pension_never_falls_from_month_to_month(initial: int, retired: int, later: int) -> None:
    r = month_str(retired)
    amounts = [monthly_amount_fen(BASE, initial_fen=initial, retirement_month=r, month=month_str(retired + k))
               for k in range(1, later + 2, 6)]
    assert amounts == sorted(amounts) and amounts[0] >= initial


@settings(max_examples=200, deadline=None)
@given(st.integers(month_index("2000-01"), month_index("2040-01")), st.integers(-3, 60))
def test_arrears_and_the_first_regular_month_cover_each_month_after_retirement_once(r: int, gap: int) -> None:
    first = r + 1 + max(gap, 0)
    months = arrears_months(retirement_month=month_str(r), first_regular_month=month_str(first)) + [month_str(first)]
    assert months == [month_str(m) for m in range(r + 1, first + 1)]


@pytest.mark.parametrize("bad", [-1, True, 1.5])
def test_a_negative_or_non_integer_amount_is_refused(bad: object) -> None:
    with pytest.raises(InputError):
        basic_pension_fen(average_wage_fen=bad, index_x10k=10000, contribution_months=12)  # type: ignore[arg-type]
