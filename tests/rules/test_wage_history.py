"""The city's average monthly wage before 2017-07 (issue 13): the published yearly figures 2009-2012 are
in force from July of the following year, each with its source; the three years no checkable source
gives (the averages of 2013-2015, in force 2014-07..2017-06) have no value, and every decision that
needs one is refused naming the parameter and the month, never computed from a neighbouring year."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shebao.rules import InputError, load_policy
from shebao.rules.pension import average_index, entitlement_for

BASE = load_policy("base")
NAME = "wage.average_monthly_fen"

# (first day in force, monthly average in fen): what the pack must say on that day and the day before.
PUBLISHED = [(date(2010, 7, 1), 403_700), (date(2011, 7, 1), 420_100), (date(2012, 7, 1), 467_200),
             (date(2013, 7, 1), 522_300), (date(2017, 7, 1), 770_600)]


@pytest.mark.parametrize(("first", "fen"), PUBLISHED)
def test_each_published_figure_starts_on_its_day_and_names_its_source(first: date, fen: int) -> None:
    entry = BASE.parameter(NAME).entry(first)
    assert entry.value == fen and entry.effective == first.isoformat()
    yuan = f"{fen // 100}元"
    assert yuan in entry.reference.document  # the figure as the source prints it
    assert BASE.value(NAME, first - timedelta(days=1)) != fen


@pytest.mark.parametrize("day", [date(2010, 6, 30), date(2014, 7, 1), date(2016, 1, 1), date(2017, 6, 30)])
def test_a_day_without_a_sourced_figure_is_refused_naming_the_parameter(day: date) -> None:
    with pytest.raises(InputError) as e:
        BASE.stated_value(NAME, day)
    assert e.value.field == NAME
    assert e.value.zh.startswith(f"{day.isoformat()}没有在用的上年度本市职工月平均工资") and "无法计算" in e.value.zh
    if day.year >= 2014:  # the gap left on purpose says why
        assert "未取得可核对的公开来源，不予估算" in e.value.zh


def test_the_last_day_of_a_sourced_year_keeps_its_figure() -> None:
    assert BASE.value(NAME, date(2014, 6, 30)) == 522_300
    assert BASE.stated_value(NAME, date(2014, 6, 30))[1]["effective"] == "2013-07-01"


def test_a_pension_retiring_in_the_gap_is_refused_and_one_before_it_is_computed() -> None:
    with pytest.raises(InputError) as e:
        entitlement_for(BASE, retired_on=date(2015, 3, 1), age_months=720, index_x10k=10_000,
                        contribution_months=360, deemed_months=0, account_balance_fen=0)
    assert "2015-03-01没有在用的上年度本市职工月平均工资" in e.value.zh
    before = entitlement_for(BASE, retired_on=date(2013, 8, 1), age_months=720, index_x10k=10_000,
                             contribution_months=360, deemed_months=0, account_balance_fen=0)
    assert before.average_wage_fen == 522_300


def test_an_index_over_old_months_names_the_months_without_a_figure() -> None:
    """A record reaching back (a transfer of an old account, a retiree's history): months with a
    sourced figure count, the months of the gap and before 2010-07 are named, no index is made."""
    bases = {m: 500_000 for m in ("2010-06", "2010-07", "2013-07", "2014-06", "2014-07", "2017-06", "2017-07")}
    working = average_index(BASE, bases)
    assert working.index_x10k is None
    (why,) = working.missing
    assert why == "政策参数中没有2010-06、2014-07、2017-06适用的上年度本市职工月平均工资（共3个月），无法按缴费记录计算"
    covered = average_index(BASE, {"2013-07": 522_300, "2014-06": 1_044_600})
    assert covered.index_x10k == 15_000
