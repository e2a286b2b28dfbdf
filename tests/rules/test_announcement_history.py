"""An announcement never erases a parameter's dated history (0.1, 0.2; issue 11 fault 2).

Every kind of announcement (each parameter type, with or without an effective date, in any order)
changes only the parameter it names, only from its effective date, and for a month map only the
months it names.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.rules import due_date, load_policy
from shebao.rules.policy import Parameter, Policy

BASE = load_policy()
NAMES = sorted(BASE.parameters)
MONTHS = [f"{y}-{m:02d}" for y in (2019, 2020, 2021) for m in range(1, 13)]


def _iso(d: date) -> str:
    return d.isoformat()


DAYS = st.dates(date(2010, 1, 1), date(2022, 12, 31))


def _raw_value(p: Parameter) -> st.SearchStrategy[Any]:
    """A valid raw (YAML-like) value for parameter ``p``, of every type the packs know."""
    if p.type == "int":
        return st.integers(0, 10**6)
    if p.type == "rational":
        return st.builds(lambda n, d: {"numerator": n, "denominator": d}, st.integers(0, 100), st.integers(1, 10**5))
    if p.type == "date":
        return st.one_of(st.none(), DAYS.map(_iso))
    if p.type == "month":
        return st.sampled_from(MONTHS)
    if p.type == "choice":
        return st.sampled_from(p.choices)
    if p.type == "month_dates":
        return st.dictionaries(st.sampled_from(MONTHS), DAYS.map(_iso), min_size=1, max_size=4)
    if p.type == "int_map":
        return st.fixed_dictionaries({k: st.integers(0, 5000) for k in p.keys})
    if p.type == "month_map":
        return st.fixed_dictionaries({k: st.sampled_from(MONTHS) for k in p.keys})
    if p.type == "string_list":
        return st.lists(st.text("abc", min_size=1, max_size=3), max_size=3)
    raise AssertionError(f"no strategy for parameter type {p.type}")


@st.composite
def announcements(draw: Any) -> tuple[str, Any, str | None]:
    name = draw(st.sampled_from(NAMES))
    value = draw(_raw_value(BASE.parameters[name]))
    effective = draw(st.one_of(st.none(), DAYS.map(_iso)))
    return name, value, effective


def _probe_days(*policies: Policy, extra: list[str]) -> list[str]:
    """Every date on which some value changes, the day before it, and a few drawn ones."""
    days = set(extra)
    for policy in policies:
        for p in policy.parameters.values():
            for v in p.values:
                d = date.fromisoformat(v.effective)
                days |= {v.effective, _iso(d - timedelta(days=1)), _iso(d + timedelta(days=1))}
    return sorted(days)


@settings(max_examples=150, deadline=None)
@given(st.lists(announcements(), min_size=1, max_size=6), st.lists(DAYS.map(_iso), max_size=5))
def test_an_announcement_changes_only_what_it_names_from_its_date(
    sequence: list[tuple[str, Any, str | None]], drawn: list[str]
) -> None:
    policy = BASE
    for name, raw, effective in sequence:
        after = policy.with_announcement({name: raw}, effective=effective)
        p_before, p_after = policy.parameters[name], after.parameters[name]
        since = effective or p_before.values[-1].effective
        for day in _probe_days(policy, after, extra=[*drawn, since]):
            # Every other parameter: the same value on every date.
            for other in NAMES:
                if other != name:
                    assert after.value(other, day) == policy.value(other, day), (other, day)
            old, new = p_before.value(day), p_after.value(day)
            if day < since:
                assert new == old, (name, day)  # nothing before the announcement moves
            elif p_before.type == "month_dates":
                # Only the months it names move; each of the others keeps its date.
                for month in set(old or {}) | set(new or {}):
                    if month not in raw:
                        assert (new or {}).get(month) == (old or {}).get(month), (name, day, month)
        announced = p_after.value(since)
        if p_before.type == "month_dates":
            assert {m: announced[m].isoformat() for m in raw} == raw
        else:
            assert p_after.entry(since).effective == since and p_after.entry(since).reference.document == "what-if"
        # The announcement is kept in the policy's record, after the earlier ones.
        assert after.announcements[:-1] == policy.announcements and after.announcements[-1].changes == {name: raw}
        policy = after


def test_moving_march_keeps_january_and_february_at_the_end_of_march() -> None:
    # The deadline form publishes without an effective date: the history of 0.2 stays.
    moved = BASE.with_announcement({"collection.period_overrides": {"2020-03": "2020-04-30"}})
    assert [due_date(m, moved) for m in ("2020-01", "2020-02", "2020-03", "2020-04")] == [
        date(2020, 3, 31), date(2020, 3, 31), date(2020, 4, 30), date(2020, 4, 25)]
    assert moved.value("collection.period_overrides", on="2020-01-30") == {}


@pytest.mark.parametrize("effective", [None, "2020-02-20"])
def test_a_rate_with_two_dated_values_keeps_the_older_one(effective: str | None) -> None:
    name = "contribution.pension_employer_rate"
    changed = BASE.with_announcement({name: 15000}, effective=effective)
    assert changed.value(name, on="2018-01-01") == 19000
    assert changed.value(name) == 15000
    assert changed.value(name, on="2019-06-01") == (16000 if effective else 15000)


def test_a_month_named_by_an_earlier_dated_announcement_carries_through_later_values() -> None:
    first = BASE.with_announcement({"collection.period_overrides": {"2020-04": "2020-05-31"}},
                                   effective="2020-04-10")
    back = first.with_announcement({"collection.period_overrides": {"2020-03": "2020-04-30"}},
                                   effective="2020-03-20")
    assert due_date("2020-03", back) == date(2020, 4, 30) and due_date("2020-04", back) == date(2020, 5, 31)
    assert back.value("collection.period_overrides", on="2020-03-19") == {
        "2020-01": date(2020, 3, 31), "2020-02": date(2020, 3, 31)}
    # A later-dated value that names the month itself keeps its own date.
    again = back.with_announcement({"collection.period_overrides": {"2020-04": "2020-06-30"}},
                                   effective="2020-02-01")
    assert due_date("2020-04", again) == date(2020, 5, 31)
    assert again.value("collection.period_overrides", on="2020-03-01")["2020-04"] == date(2020, 6, 30)


def test_a_correction_of_the_lifted_date_replaces_the_value_and_keeps_both_announcements() -> None:
    lifted = BASE.with_announcement({"epidemic.lifted_on": "2020-04-30"}, id="a1")
    corrected = lifted.with_announcement({"epidemic.lifted_on": "2020-05-15"}, id="a2")
    assert corrected.value("epidemic.lifted_on") == date(2020, 5, 15)
    assert [a.id for a in corrected.announcements] == ["a1", "a2"]
