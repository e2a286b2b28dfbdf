"""The pension rule refuses what it cannot compute, in Chinese, naming the input (2.1).

The mutation run of ``rules/pension.py`` found its input checks untested: a negative index, month
count or balance, a divisor of zero, and a negative amount to round all went through unchecked in
the mutants. Each is a wrong pension, so each is refused here by name.
"""

from fractions import Fraction

import pytest

from shebao.rules import load_policy
from shebao.rules.dates import InputError
from shebao.rules.pension import (
    account_pension_fen,
    basic_pension_fen,
    monthly_amount_fen,
    round_half_up,
    top_up_fen,
    transitional_pension_fen,
)

GOOD = {
    basic_pension_fen: {"average_wage_fen": 884700, "index_x10k": 10_000, "contribution_months": 360},
    transitional_pension_fen: {"average_wage_fen": 884700, "index_x10k": 12_000, "deemed_months": 120,
                               "rate_x100k": 1000},
    account_pension_fen: {"account_balance_fen": 13_927_800, "divisor": 139},
    top_up_fen: {"owed_fen": 419213, "paid_fen": 399250},
}
CHECKED = [(f, name) for f, kw in GOOD.items() for name in kw if name not in ("rate_x100k", "divisor")]


@pytest.mark.parametrize(("func", "name"), CHECKED, ids=[f"{f.__name__}.{n}" for f, n in CHECKED])
@pytest.mark.parametrize("bad", [-1, True, 1.5, "10"])
def test_every_amount_and_count_must_be_a_non_negative_integer(func, name, bad):
    with pytest.raises(InputError) as e:
        func(**{**GOOD[func], name: bad})
    assert e.value.field == name
    assert e.value.zh.endswith("须为非负整数")
    assert not any("a" <= c.lower() <= "z" for c in e.value.zh), e.value.zh  # said in Chinese, not the identifier


@pytest.mark.parametrize(("func", "name"), CHECKED, ids=[f"{f.__name__}.{n}" for f, n in CHECKED])
def test_zero_is_allowed_where_negative_is_not(func, name):
    assert func(**{**GOOD[func], name: 0}) >= 0


@pytest.mark.parametrize("divisor", [0, -1, -139])
def test_a_months_divisor_must_be_positive(divisor):
    with pytest.raises(InputError) as e:
        account_pension_fen(account_balance_fen=13_927_800, divisor=divisor)
    assert (e.value.field, e.value.zh) == ("divisor", "计发月数须为正数")


def test_a_divisor_of_one_pays_the_whole_balance_a_month():
    assert account_pension_fen(account_balance_fen=13_927_800, divisor=1) == 13_927_800


def test_the_initial_pension_must_be_non_negative():
    with pytest.raises(InputError) as e:
        monthly_amount_fen(load_policy("base"), initial_fen=-1, retirement_month="2018-06", month="2020-03")
    assert e.value.field == "initial_fen"


def test_rounding_refuses_a_negative_amount():
    with pytest.raises(ValueError, match="non-negative"):
        round_half_up(Fraction(-1, 2))
    assert round_half_up(Fraction(0)) == 0
    assert [round_half_up(Fraction(n, 2)) for n in range(6)] == [0, 1, 1, 2, 2, 3]


def test_errors_name_their_input_in_both_languages():
    """What a refusal says is part of the rule's answer: the API shows the English, a clerk the Chinese,
    and the form marks ``field`` (the mutation run's surviving message mutants)."""
    with pytest.raises(ValueError) as e:
        round_half_up(Fraction(-1, 2))
    assert str(e.value) == "round_half_up takes a non-negative amount"
    with pytest.raises(InputError) as e:
        account_pension_fen(account_balance_fen=1, divisor=0)
    assert str(e.value) == "the months-divisor must be positive"
    with pytest.raises(InputError) as e:
        top_up_fen(owed_fen=-5, paid_fen=0)
    assert str(e.value) == "owed_fen must be a non-negative integer, got -5"
    assert e.value.zh == "应发金额（分）须为非负整数"


@pytest.mark.parametrize("age_months", [39 * 12 + 11, 71 * 12])
def test_an_age_outside_the_divisor_table_is_refused_naming_the_age(age_months):
    from datetime import date

    from shebao.rules.pension import account_divisor

    with pytest.raises(InputError) as e:
        account_divisor(load_policy("base"), age_months=age_months, on=date(2020, 3, 1))
    years = age_months // 12
    assert e.value.field == "age_months"
    assert str(e.value) == f"no months-divisor for age {years} (the table covers 40-70)"
    assert e.value.zh == f"退休年龄{years}岁不在个人账户养老金计发月数表内（40至70岁）"


def test_an_entitlement_states_every_parameter_it_used_with_value_date_and_source():
    """The statement a retiree reads lists each pack value used: its value, since when, and its source."""
    from datetime import date

    from shebao.rules.pension import entitlement_for

    policy = load_policy("base")
    ent = entitlement_for(policy, retired_on=date(2020, 3, 1), age_months=60 * 12, index_x10k=10_000,
                          contribution_months=360, deemed_months=60, account_balance_fen=13_900_000)
    assert set(ent.parameters) == {"wage.average_monthly_fen", "pension.basic_rate", "pension.transitional_rate",
                                   "pension.account_divisor"}
    for name, p in ent.parameters.items():
        entry = policy.parameter(name).entry(date(2020, 3, 1))
        assert p["effective"] == entry.effective and p["document"] == entry.reference.document, name
        assert p["value"] == (ent.divisor if name == "pension.account_divisor" else entry.value), name
    assert ent.divisor == 139 and ent.average_wage_fen == ent.parameters["wage.average_monthly_fen"]["value"]
    assert ent.monthly_fen == ent.basic_fen + ent.account_fen + ent.transitional_fen
