"""Boundaries of the rules' date arithmetic: months added the Civil Code way and the extended due dates.

The boundaries of the decision and late-fee rules (Readings 0.2-0.4, 1.x, 4.2), both sides of each, are
named scenarios in scenarios.yaml (test_scenarios.py), each with its input and its answer together.
"""

from __future__ import annotations

from datetime import date

from shebao.rules import add_months, load_policy


def test_months_are_added_the_civil_code_way() -> None:
    assert add_months(date(2020, 4, 30), 3) == date(2020, 7, 30)
    assert add_months(date(2020, 11, 30), 3) == date(2021, 2, 28)
    assert add_months(date(2019, 11, 30), 3) == date(2020, 2, 29)
    assert add_months(date(2020, 1, 31), -2) == date(2019, 11, 30)


def test_a_later_announcement_moves_the_extended_due_date_again() -> None:
    from shebao.rules import due_date

    again = load_policy().with_announcement({"collection.period_overrides": {"2020-02": "2020-04-30"}},
                                            effective="2020-03-20")
    assert due_date("2020-02", again) == date(2020, 4, 30)
    assert due_date("2020-01", again) == date(2020, 3, 31)
    assert due_date("2020-02", load_policy()) == date(2020, 3, 31)


def test_the_extended_due_date_of_january_is_the_end_of_march() -> None:
    from shebao.rules import due_date

    assert due_date("2020-01") == date(2020, 3, 31)
    assert due_date("2020-03") == date(2020, 3, 25)
    assert due_date("2020-01", load_policy("base")) == date(2020, 1, 25)
