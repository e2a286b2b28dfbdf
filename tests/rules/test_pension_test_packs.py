"""The pension rule under packs other than today's (the mutation run of rules/pension.py, survivors
that only a different pack tells apart): a basic rate other than 1 %, a rate that changed over time,
an adjustment year with no value between two others, a pack with no transitional rate on the day.
Each pack is today's base pack with one parameter's dated values replaced, as the next pack would."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction

import pytest

from shebao.rules import InputError, load_policy
from shebao.rules.pension import (
    adjustments,
    basic_pension_fen,
    entitlement_for,
    monthly_amount_fen,
    round_half_up,
)
from shebao.rules.policy import DatedValue, Reference

BASE = load_policy("base")
REF = Reference(document="测试用文件", clause="2.1", issued="2019-01-01")
PERSON = {"age_months": 60 * 12, "index_x10k": 12000, "contribution_months": 30 * 12, "deemed_months": 10 * 12,
          "account_balance_fen": 13_900_000}


def with_values(policy, name: str, values: list[tuple[str, object, Reference]]):
    """``policy`` with parameter ``name``'s dated values replaced (a fresh compile cache)."""
    p = policy.parameter(name)
    dated = tuple(DatedValue(effective=e, value=v, reference=r) for e, v, r in values)
    return replace(policy, parameters={**policy.parameters, p.name: replace(p, values=dated)}, _compiled={})


def test_a_basic_rate_other_than_one_percent_is_the_packs():
    pack = with_values(BASE, "pension.basic_rate", [("2006-01-01", 1200, REF)])
    e = entitlement_for(pack, retired_on=date(2020, 3, 1), **PERSON)
    expected = basic_pension_fen(average_wage_fen=e.average_wage_fen, index_x10k=12000, contribution_months=360,
                                 rate_x100k=1200)
    assert e.basic_fen == expected == round_half_up(Fraction(e.average_wage_fen * (1 + Fraction(12000, 10000)), 2)
                                                    * 30 * Fraction(1200, 100_000))
    assert e.parameters["pension.basic_rate"]["value"] == 1200
    # Today's pack (1 %) pays less: the rate was read, not defaulted.
    assert entitlement_for(BASE, retired_on=date(2020, 3, 1), **PERSON).basic_fen < e.basic_fen


def test_the_rate_in_force_on_the_day_of_retirement_counts_not_the_latest():
    later = Reference(document="后来的文件", clause="2.1", issued="2025-01-01")
    pack = with_values(BASE, "pension.basic_rate", [("2006-01-01", 1000, REF), ("2025-01-01", 1500, later)])
    pack = with_values(pack, "pension.transitional_rate", [("2006-01-01", 1000, REF), ("2025-01-01", 1400, later)])
    e2020 = entitlement_for(pack, retired_on=date(2020, 3, 1), **PERSON)
    assert e2020.parameters["pension.basic_rate"] == {"value": 1000, "effective": "2006-01-01", "document": "测试用文件"}
    assert e2020.parameters["pension.transitional_rate"]["value"] == 1000
    today = entitlement_for(BASE, retired_on=date(2020, 3, 1), **PERSON)
    assert (e2020.basic_fen, e2020.transitional_fen) == (today.basic_fen, today.transitional_fen)
    e2025 = entitlement_for(pack, retired_on=date(2025, 3, 1), **PERSON)
    assert e2025.parameters["pension.basic_rate"]["document"] == "后来的文件"
    assert e2025.parameters["pension.transitional_rate"]["value"] == 1400


def test_a_day_without_a_transitional_rate_is_refused_by_its_chinese_name():
    pack = with_values(BASE, "pension.transitional_rate", [("2006-01-01", 1000, REF), ("2019-01-01", None, REF)])
    with pytest.raises(InputError) as refused:
        entitlement_for(pack, retired_on=date(2020, 3, 1), **PERSON)
    assert refused.value.field == "pension.transitional_rate"
    assert refused.value.zh == "2020-03-01没有在用的过渡性养老金计发系数（测试用文件，不予估算），无法计算"


def test_a_year_without_an_adjustment_between_two_others_skips_only_that_year():
    r2019 = Reference(document="2019年调整", clause="2.1", issued="2019-05-01")
    r2021 = Reference(document="2021年调整", clause="2.1", issued="2021-05-01")
    pack = with_values(BASE, "pension.yearly_adjustment_rate",
                       [("2019-01-01", 5000, r2019), ("2020-01-01", None, REF), ("2021-01-01", 4000, r2021)])
    assert [(a.effective, a.rate_x100k) for a in adjustments(pack)] == [("2019-01-01", 5000), ("2021-01-01", 4000)]
    # A pension of 3,000.00 from 2018: +5 % in 2019, nothing in 2020, +4 % in 2021.
    assert monthly_amount_fen(pack, initial_fen=300_000, retirement_month="2018-06", month="2020-06") == 315_000
    assert monthly_amount_fen(pack, initial_fen=300_000, retirement_month="2018-06", month="2021-06") == 327_600


def test_a_negative_pension_at_retirement_is_refused_in_chinese():
    with pytest.raises(InputError) as refused:
        monthly_amount_fen(BASE, initial_fen=-1, retirement_month="2018-06", month="2020-06")
    assert refused.value.field == "initial_fen" and refused.value.zh == "退休时月养老金（分）须为非负整数"


def test_the_divisor_table_in_force_on_the_day_of_retirement_counts():
    """A later table (a reform that changes the months-divisor) applies to retirements from its date only."""
    table = BASE.value("pension.account_divisor", date(2020, 3, 1))
    later = Reference(document="计发月数调整", clause="2.1", issued="2025-01-01")
    pack = with_values(BASE, "pension.account_divisor",
                       [("2006-01-01", table, REF), ("2025-01-01", {**table, "60": 150}, later)])
    e2020 = entitlement_for(pack, retired_on=date(2020, 3, 1), **PERSON)
    assert e2020.divisor == 139
    assert e2020.parameters["pension.account_divisor"] == {"value": 139, "effective": "2006-01-01",
                                                           "document": "测试用文件"}
    e2025 = entitlement_for(pack, retired_on=date(2025, 3, 1), **PERSON)
    assert e2025.parameters["pension.account_divisor"]["document"] == "计发月数调整"
    assert e2025.divisor == 150 and e2025.account_fen == round_half_up(Fraction(13_900_000, 150))
