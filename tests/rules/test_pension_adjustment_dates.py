"""Yearly pension adjustments are payable from their notice's issue date (review-user4 U4).

A yearly adjustment is in force from 1 January of its year but set by a notice issued months later
(人社部发〔2020〕22号: April 2020). A payroll made before the notice pays without it; once it is out,
the months from the effective month are owed the difference (调整补发). These properties hold for any
pension, retirement month and schedule of payroll dates:

* nothing computed before a notice's issue date includes that adjustment (checked against an oracle
  read straight from the pack's YAML, not through rules.pension);
* after the top-ups, the sum paid over the months equals the sum with every adjustment known from its
  effective month, to the fen, whatever the days the months were paid on.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.rules import InputError, load_policy
from shebao.rules.dates import month_index, month_str
from shebao.rules.pension import adjustments, applied_adjustments, monthly_amount_fen, top_up_fen
from shebao.rules.policy import PACKS_DIR

BASE = load_policy("base")
RAW = yaml.safe_load((PACKS_DIR / "base" / "parameters" / "pension.yaml").read_text(encoding="utf-8"))
# (effective, rate per 100 000, issued) as the pack's file writes them
SCHEDULE = sorted((eff, v["value"], v["reference"]["issued"]) for eff, v in RAW["yearly_adjustment_rate"]["values"].items())


def oracle(initial: int, retired: str, month: str, known_on: str) -> int:
    """The amount of ``month`` computed on ``known_on``, straight from the YAML: each adjustment in
    force by the month's first day, issued by ``known_on``, for those retired before its year."""
    amount = Fraction(initial)
    for eff, rate, issued in SCHEDULE:
        if eff <= f"{month}-01" and issued <= known_on and retired < f"{eff[:4]}-01":
            amount += int((amount * rate / 100_000) * 2 + 1) // 2
    return int(amount)


DAYS = st.integers(dt.date(2018, 1, 1).toordinal(), dt.date(2027, 12, 31).toordinal()).map(
    lambda n: dt.date.fromordinal(n).isoformat())
MONTHS = st.integers(month_index("2017-01"), month_index("2027-12")).map(month_str)


def test_every_adjustment_of_the_pack_names_its_notice_and_its_issue_date_after_it_takes_effect() -> None:
    got = adjustments(BASE)
    assert [(a.effective, a.rate_x100k, a.issued) for a in got] == SCHEDULE
    for a in got:
        assert a.effective <= a.issued, a  # issued later in the year: that is the point
        assert "调整退休人员基本养老金的通知" in a.document


def test_the_2020_rise_is_not_paid_for_january_2020_on_the_reviews_business_date() -> None:
    # U4: 3,992.50 yuan a month, retired 2019-11; the run of 2020-02-20 paid 4,192.13
    assert monthly_amount_fen(BASE, initial_fen=399250, retirement_month="2019-11", month="2020-01",
                              known_on=dt.date(2020, 2, 20)) == 399250
    assert monthly_amount_fen(BASE, initial_fen=399250, retirement_month="2019-11", month="2020-01",
                              known_on="2020-04-16") == 399250
    assert monthly_amount_fen(BASE, initial_fen=399250, retirement_month="2019-11", month="2020-01",
                              known_on="2020-04-17") == 419213
    assert top_up_fen(owed_fen=419213, paid_fen=399250) == 19963


def test_a_pack_whose_adjustment_does_not_say_when_its_notice_was_issued_is_refused() -> None:
    from dataclasses import replace

    p = BASE.parameter("pension.yearly_adjustment_rate")
    values = tuple(replace(v, reference=replace(v.reference, issued=None)) if v.effective == "2020-01-01" else v
                   for v in p.values)
    params = {**BASE.parameters, p.name: replace(p, values=values)}
    broken = replace(BASE, parameters=params, _compiled={})
    with pytest.raises(InputError) as refused:
        adjustments(broken)
    assert refused.value.zh == "2020-01-01起的养老金调整未载明通知印发日期，无法确定何时可以发放"
    assert refused.value.field == "pension.yearly_adjustment_rate"
    assert "2020-01-01" in str(refused.value) and "issue date" in str(refused.value)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**8), MONTHS, MONTHS, DAYS)
def test_nothing_computed_before_a_notice_includes_its_adjustment(initial: int, retired: str, month: str,
                                                                  known_on: str) -> None:
    got = monthly_amount_fen(BASE, initial_fen=initial, retirement_month=retired, month=month, known_on=known_on)
    assert got == oracle(initial, retired, month, known_on)
    for a in applied_adjustments(BASE, retirement_month=retired, month=month, known_on=known_on):
        assert a.issued <= known_on


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**8), st.integers(month_index("2017-06"), month_index("2026-06")),
       st.integers(1, 40), st.lists(st.integers(0, 27), min_size=40, max_size=40),
       st.lists(st.integers(0, 200), min_size=40, max_size=40))
def test_after_the_top_ups_every_month_is_paid_with_every_adjustment_from_its_effective_month(
        initial: int, retired_index: int, n_months: int, day_of_month: list[int], delay_days: list[int]) -> None:
    """Months paid one run at a time on random days (late declarations: a delay), each run paying the
    month and the top-ups of the months before, as benefits.payroll does; then one run after every
    notice: the sum paid equals the sum owed with every adjustment, and no month was ever paid more."""
    retired = month_str(retired_index)
    months = [month_str(retired_index + 1 + k) for k in range(n_months)]
    paid: dict[str, int] = {}
    runs = []
    for k, m in enumerate(months):
        first = dt.date.fromisoformat(f"{m}-01")
        runs.append((first + dt.timedelta(days=day_of_month[k] + delay_days[k]), m))
    runs.sort()
    for day, m in runs:
        for earlier in [x for x in paid]:  # the top-ups this run pays
            owed = monthly_amount_fen(BASE, initial_fen=initial, retirement_month=retired, month=earlier, known_on=day)
            paid[earlier] += top_up_fen(owed_fen=owed, paid_fen=paid[earlier])
        paid[m] = monthly_amount_fen(BASE, initial_fen=initial, retirement_month=retired, month=m, known_on=day)
        # what a run on ``day`` pays for ``m`` holds no adjustment issued after ``day``
        assert paid[m] == oracle(initial, retired, m, day.isoformat())
    last = max(day for day, _ in runs)
    final = max(last, dt.date.fromisoformat(SCHEDULE[-1][2]))
    for m in paid:
        owed = monthly_amount_fen(BASE, initial_fen=initial, retirement_month=retired, month=m, known_on=final)
        paid[m] += top_up_fen(owed_fen=owed, paid_fen=paid[m])
    everything = [monthly_amount_fen(BASE, initial_fen=initial, retirement_month=retired, month=m) for m in months]
    assert sum(paid.values()) == sum(everything)
    assert [paid[m] for m in months] == everything


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**8), MONTHS, MONTHS, DAYS, DAYS)
def test_knowing_more_never_lowers_a_month(initial: int, retired: str, month: str, d1: str, d2: str) -> None:
    early, late = sorted((d1, d2))
    a = monthly_amount_fen(BASE, initial_fen=initial, retirement_month=retired, month=month, known_on=early)
    b = monthly_amount_fen(BASE, initial_fen=initial, retirement_month=retired, month=month, known_on=late)
    assert a <= b <= monthly_amount_fen(BASE, initial_fen=initial, retirement_month=retired, month=month)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_a_top_up_is_the_shortfall_and_never_takes_back(owed: int, paid: int) -> None:
    got = top_up_fen(owed_fen=owed, paid_fen=paid)
    assert got >= 0 and paid + got == max(owed, paid)


def test_a_negative_amount_is_refused_by_the_top_up() -> None:
    with pytest.raises(InputError):
        top_up_fen(owed_fen=-1, paid_fen=0)

