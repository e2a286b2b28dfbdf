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
