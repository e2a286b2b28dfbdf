"""Thresholds changed by an announcement apply from its date on, to one application and to a table.

A table condition whose parameter has more than one dated value reads it per application day
(a step function, Reading 0.1: an announcement takes effect on its date). Each operator the packs
compare a dated parameter with is crossed here on the day before the change and on the change day
itself, by ``decide`` and by ``decide_table`` alike, and the decision records the value it used.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from shebao.rules import decide, decide_table, load_policy
from shebao.rules.dates import SCALAR, day_number, month_index, numpy_ops
from shebao.rules.facts import FAR_FUTURE_DAY, columns_from_rows, encode_application
from shebao.rules.tables import Resolver, compile_tables, resolver

from .helpers import back_payment

BEFORE, ON, AFTER = "2020-02-29", "2020-03-01", "2020-03-02"


def announced(changes: dict[str, Any]) -> Any:
    return load_policy().with_announcement(changes, effective=ON, id="test-change")


# (parameter change, application, decision before the change day, decision from it on)
CASES = [
    # <= : at most 36 months on commitment (1.2a), from 2020-03-01 at most 24.
    ({"handling.max_commitment_months": 24}, back_payment(frm="2016-01", to="2018-06"),
     ("commitment", ("1.2a",)), ("regular", ())),
    # > : more than 120 Beijing months (1.2a), from 2020-03-01 more than 100.
    ({"handling.commitment_min_beijing_pension_months": 100}, back_payment(months=110),
     ("regular", ()), ("commitment", ("1.2a",))),
    # >= on a month: periods from 2011-07 on (1.2a), from 2020-03-01 from 2012-01 on.
    ({"handling.back_payment_from_month": "2012-01"}, back_payment(frm="2011-09", to="2012-06"),
     ("commitment", ("1.2a",)), ("regular", ())),
    # < : remaining + Beijing months fewer than 120 (1.3b), from 2020-03-01 fewer than 200.
    ({"handling.deferred_max_total_months": 200},
     back_payment(frm="2015-01", to="2015-12", gender="female", birth="1975-06-15", months=60),
     ("regular", ()), ("deferred_documents", ("1.3b",))),
    # <= on months back: the last 3 months (1.1b), from 2020-03-01 the last 6.
    ({"handling.recent_months": 6},
     back_payment(frm="2019-10", to="2020-01", account="temporary"),
     ("commitment", ("1.2b",)), ("direct", ("1.1b",))),
    # > : more than 36 months (1.3c), from 2020-03-01 more than 48.
    ({"handling.long_period_months": 48},
     back_payment(frm="2014-12", to="2017-12", declared_by="employer", months=10),
     ("deferred_documents", ("1.3c",)), ("regular", ())),
]
IDS = ["le", "gt", "ge-month", "lt", "le-months-back", "gt-long"]


def _at(app: dict[str, Any], day: str) -> dict[str, Any]:
    # Keep the period before the month of application whatever the day.
    return {**app, "applied_on": day}


@pytest.mark.parametrize("changes,app,before,after", CASES, ids=IDS)
def test_decide_reads_the_threshold_in_force_on_the_day_of_application(
        changes: dict[str, Any], app: dict[str, Any], before: tuple[str, tuple[str, ...]],
        after: tuple[str, tuple[str, ...]]) -> None:
    policy = announced(changes)
    got = {}
    for day in (BEFORE, ON, AFTER):
        d = decide(_at(app, day), policy)
        got[day] = (d.mode, d.clauses)
    assert got == {BEFORE: before, ON: after, AFTER: after}
    # The notice's own values, without the announcement, on the same days.
    assert {(decide(_at(app, day)).mode) for day in (BEFORE, ON, AFTER)} == {before[0]}


@pytest.mark.parametrize("changes,app,before,after", CASES, ids=IDS)
def test_decide_table_reads_the_threshold_in_force_on_each_rows_day(
        changes: dict[str, Any], app: dict[str, Any], before: tuple[str, tuple[str, ...]],
        after: tuple[str, tuple[str, ...]]) -> None:
    policy = announced(changes)
    days = ["2020-02-01", BEFORE, ON, AFTER, "2020-02-28", "2020-03-31"]
    rows = [encode_application(_at(app, d)) for d in days]
    # Mixed with applications of other tables so the table's rows are a subset of the columns.
    others = [encode_application({"business": "person_change", "applied_on": d, "fields": ["phone"]})
              for d in days]
    table = decide_table(columns_from_rows(rows + others), policy)
    modes = [table.modes[m] for m in table.mode.tolist()]
    expect = [before[0], before[0], after[0], after[0], before[0], after[0]]
    assert modes[: len(days)] == expect
    assert modes[len(days):] == ["deferred_documents"] * len(days)
    assert table.error.tolist() == [0] * (2 * len(days))
    # Each row's primary rule is the one `decide` names.
    rule_ids = [table.rule_ids[r] if r >= 0 else None for r in table.rule.tolist()[: len(days)]]
    assert rule_ids == [(before if m == before[0] else after)[1][0] if m != "regular" else None for m in expect]


@pytest.mark.parametrize("changes,app,before,after", CASES, ids=IDS)
def test_a_decision_records_the_value_in_force_and_its_source(
        changes: dict[str, Any], app: dict[str, Any], before: tuple[str, tuple[str, ...]],
        after: tuple[str, tuple[str, ...]]) -> None:
    policy = announced(changes)
    [(name, value)] = changes.items()
    old = load_policy().value(name)
    old = old if not isinstance(old, date) else old.isoformat()
    d0, d1 = decide(_at(app, BEFORE), policy), decide(_at(app, ON), policy)
    if before[1] == ("1.2b",):
        assert name not in d0.parameters  # 1.2b does not read the number of recent months
    else:
        assert d0.parameters[name]["value"] == old and d0.parameters[name]["document"] == "北京市社会保险基金管理中心2020年1月31日通知"
    assert d1.parameters[name] == {"value": value, "clause": "0.1", "document": "what-if"}


def test_a_dated_parameter_compiles_to_a_step_function_of_the_application_day() -> None:
    policy = announced({"handling.max_commitment_months": 24})
    r = resolver(policy, "handling.max_commitment_months")
    assert r.points == (day_number(date(2020, 1, 31)), day_number(date(2020, 3, 1)))
    assert r.values == (36, 24) and r.constant is None
    days = [day_number(date.fromisoformat(d)) for d in ("2019-01-01", "2020-01-31", BEFORE, ON, AFTER)]
    assert [r({"applied_on": d}, SCALAR) for d in days] == [36, 36, 36, 24, 24]
    assert r({"applied_on": np.asarray(days)}, numpy_ops()).tolist() == [36, 36, 36, 24, 24]
    # A parameter with one value is a constant.
    c = resolver(policy, "handling.long_period_months")
    assert (c.constant, c.points, c.values) == (36, (), ())
    assert c({"applied_on": 0}, SCALAR) == 36


def test_month_and_date_parameters_compile_to_numbers() -> None:
    policy = announced({"handling.back_payment_from_month": "2012-01"})
    r = resolver(policy, "handling.back_payment_from_month")
    assert r.values == (month_index("2011-07"), month_index("2012-01"))
    lifted = resolver(load_policy(), "epidemic.lifted_on")
    assert (lifted.constant, lifted.points) == (FAR_FUTURE_DAY, ())  # not announced: never reached
    lifted = resolver(announced({"epidemic.lifted_on": "2020-04-30"}), "epidemic.lifted_on")
    assert lifted.values == (FAR_FUTURE_DAY, day_number(date(2020, 4, 30)))
    keyed = resolver(load_policy(), "handling.remaining_age_limit", "female")
    assert keyed.constant == 50 and keyed.key == "female"


def test_the_compiled_policy_resolves_derived_facts_parameters_per_day() -> None:
    policy = announced({"epidemic.lifted_on": "2020-04-30"})
    compiled = compile_tables(policy)
    assert isinstance(compiled.resolvers[("epidemic.lifted_on", None)], Resolver)
    get = compiled.param({"applied_on": day_number(date(2020, 3, 1))}, SCALAR)
    assert get("epidemic.lifted_on", None, -1) == day_number(date(2020, 4, 30))
    assert compiled.param({"applied_on": day_number(date(2020, 2, 29))}, SCALAR)(
        "epidemic.lifted_on", None, -1) == FAR_FUTURE_DAY
    assert get("no.such.parameter", None, -7) == -7
    assert get("handling.remaining_age_limit", "male", -1) == 60
    # The lifted date in force on the day of application decides whether the notice is in force.
    assert decide(back_payment(applied_on="2020-05-01"), policy).mode == "regular"
    assert decide(back_payment(applied_on="2020-04-30"), policy).mode == "commitment"
    assert decide(back_payment(applied_on="2020-02-29"), policy).mode == "commitment"
