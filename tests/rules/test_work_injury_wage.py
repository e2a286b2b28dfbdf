"""The person's wage (本人工资) of the work-injury benefits held to 60 %..300 % of the regional average
monthly wage (工伤保险条例 第六十四条第二款), at each bound and one fen either side, and as a property."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.rules import InputError, load_policy
from shebao.rules.work_injury import disability_benefits, person_wage, person_wage_fen

BASE = load_policy("base")
ON = date(2020, 2, 10)  # average 8847 yuan (in force from 2019-07-01): 60 % = 5308.20, 300 % = 26541.00 yuan
FLOOR, CEILING = 530820, 2654100


@pytest.mark.parametrize(("typed", "counted"), [
    (0, FLOOR), (FLOOR - 1, FLOOR), (FLOOR, FLOOR), (FLOOR + 1, FLOOR + 1),
    (CEILING - 1, CEILING - 1), (CEILING, CEILING), (CEILING + 1, CEILING), (10**12, CEILING)])
def test_the_wage_is_counted_at_60_percent_below_and_at_300_percent_above(typed: int, counted: int) -> None:
    assert person_wage_fen(BASE, wage_fen=typed, on=ON) == counted
    # the benefits are months of the wage so counted (grade 10: 7 months, 第三十七条)
    assert disability_benefits(BASE, grade=10, wage_fen=typed, on=ON).lump_sum_fen == 7 * counted


def test_the_bounds_follow_the_average_in_force_on_the_day() -> None:
    # 2021-01-01: 9456 yuan, 60 % = 5673.60, 300 % = 28368.00 yuan; the day before, 8847 yuan
    assert person_wage_fen(BASE, wage_fen=0, on=date(2021, 1, 1)) == 567360
    assert person_wage_fen(BASE, wage_fen=10**9, on=date(2021, 1, 1)) == 2836800
    assert person_wage_fen(BASE, wage_fen=0, on=date(2020, 12, 31)) == FLOOR


def test_the_decision_keeps_the_average_and_the_article_that_bounded_the_wage() -> None:
    wage, params = person_wage(BASE, wage_fen=1, on=ON)
    assert wage == FLOOR
    assert params["wage.average_monthly_fen"]["value"] == 884700
    assert "第六十四条第二款" in params["work_injury.wage_floor_rate"]["document"]
    assert "第六十四条第二款" in params["work_injury.wage_ceiling_rate"]["document"]
    decided = disability_benefits(BASE, grade=7, wage_fen=1, on=ON).parameters
    assert {"wage.average_monthly_fen", "work_injury.wage_floor_rate", "work_injury.wage_ceiling_rate",
            "work_injury.disability_lump_sum_months"} <= set(decided)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "100"])
def test_a_wage_that_is_not_a_non_negative_integer_is_refused(bad) -> None:
    with pytest.raises(InputError) as e:
        person_wage(BASE, wage_fen=bad, on=ON)
    assert (e.value.field, e.value.zh) == ("wage_fen", "本人工资须为非负整数（分）")
    assert str(e.value) == "wage_fen must be a non-negative integer"  # the CLI's and the API's English


def test_no_average_in_force_no_wage() -> None:
    with pytest.raises(InputError) as e:
        person_wage(BASE, wage_fen=600_000, on=date(2016, 1, 1))
    assert e.value.field == "wage.average_monthly_fen" and "上年度本市职工月平均工资" in e.value.zh


@settings(max_examples=300, deadline=None)
@given(wage=st.integers(min_value=0, max_value=10**10),
       on=st.dates(min_value=date(2017, 7, 1), max_value=date(2026, 12, 31)))
def test_the_counted_wage_is_the_typed_wage_clamped_to_the_days_bounds(wage: int, on: date) -> None:
    average = BASE.stated_value("wage.average_monthly_fen", on)[0]
    # exact bounds: 60 % and 300 % of an average in whole fen, half up (all the pack's averages give whole fen)
    floor, ceiling = (average * 60 + 50) // 100, average * 3
    counted, params = person_wage(BASE, wage_fen=wage, on=on)
    assert floor <= counted <= ceiling
    assert counted == (wage if floor <= wage <= ceiling else floor if wage < floor else ceiling)
    assert person_wage_fen(BASE, wage_fen=counted, on=on) == counted  # counting again changes nothing
    assert person_wage_fen(BASE, wage_fen=wage + 1, on=on) >= counted  # never less for more pay
    assert params["wage.average_monthly_fen"]["value"] == average


def test_each_bound_and_each_table_is_read_as_in_force_on_the_day() -> None:
    """A later change of the rates or the months (a what-if announcement from 2021-01-01) leaves a
    decision of 2020 as it was, and applies from its day."""
    changed = BASE.with_announcement({
        "work_injury.wage_floor_rate": 50000, "work_injury.wage_ceiling_rate": 200000,
        "work_injury.disability_lump_sum_months": {f"grade_{g}": 1 for g in range(1, 11)},
        "work_injury.disability_monthly_rate": {"grade_1": 10000, "grade_2": 10000, "grade_3": 10000,
                                                "grade_4": 10000}}, effective="2021-01-01")
    assert person_wage_fen(changed, wage_fen=0, on=ON) == FLOOR
    assert person_wage_fen(changed, wage_fen=10**9, on=ON) == CEILING
    before = disability_benefits(changed, grade=1, wage_fen=1_000_000, on=ON)
    assert (before.lump_sum_fen, before.monthly_fen) == (27 * 1_000_000, 900_000)
    later = date(2021, 1, 1)  # average 9456 yuan: 50 % = 4728.00, 200 % = 18912.00 yuan
    assert person_wage_fen(changed, wage_fen=0, on=later) == 472800
    assert person_wage_fen(changed, wage_fen=10**9, on=later) == 1891200
    after = disability_benefits(changed, grade=1, wage_fen=1_000_000, on=later)
    assert (after.lump_sum_fen, after.monthly_fen) == (1_000_000, 100_000)


def test_the_benefits_name_the_grade_and_the_wage_counted_and_keep_every_parameter() -> None:
    b = disability_benefits(BASE, grade=3, wage_fen=1, on=ON)
    assert (b.grade, b.wage_fen, b.lump_sum_fen, b.monthly_fen) == (3, FLOOR, 23 * FLOOR, FLOOR * 8 // 10)
    assert set(b.parameters) == {"wage.average_monthly_fen", "work_injury.wage_floor_rate",
                                 "work_injury.wage_ceiling_rate", "work_injury.disability_lump_sum_months",
                                 "work_injury.disability_monthly_rate"}
    assert "第三十五条" in b.parameters["work_injury.disability_monthly_rate"]["document"]


@pytest.mark.parametrize("grade", [0, 11])
def test_a_grade_outside_one_to_ten_is_refused_at_the_grade(grade: int) -> None:
    with pytest.raises(InputError) as e:
        disability_benefits(BASE, grade=grade, wage_fen=1_000_000, on=ON)
    assert (e.value.field, e.value.zh) == ("grade", "伤残等级须为一级至十级")
    assert str(e.value) == f"disability grade must be 1-10, got {grade}"
