"""Properties: one meaning for one row and for a table; fees never negative, never rewarding delay."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.rules import late_fee_for_due, late_fees, load_policy
from shebao.rules.catalog import catalog
from shebao.rules.dates import SCALAR, day_number, month_index
from shebao.rules.decision import _core, decide_row, decide_table
from shebao.rules.facts import INPUT_ORDER, as_mapping, columns_from_rows, encode_application
from shebao.rules.tables import compile_tables

POLICIES = [load_policy(), load_policy(overrides={"epidemic_lifted_on": "2020-04-30"}),
            load_policy(overrides={"epidemic_lifted_on": "2020-11-30"}), load_policy("base")]
BUSINESSES = [b.code for b in catalog().businesses]
FIELDS = list(catalog().enums["person_field"])


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


@st.composite
def applications(draw: Any) -> dict[str, Any]:
    applied = draw(st.dates(date(2019, 10, 1), date(2021, 3, 31)))
    code = draw(st.sampled_from(BUSINESSES))
    gender = draw(st.sampled_from(["male", "female"]))
    app: dict[str, Any] = {
        "business": code, "applied_on": applied.isoformat(),
        "person": {"gender": gender, "birth_date": draw(st.dates(date(1950, 1, 1), date(2000, 12, 31))).isoformat(),
                   "account_type": draw(st.sampled_from(["general", "temporary"])),
                   "beijing_pension_months": draw(st.integers(0, 400)),
                   "category": draw(st.sampled_from(["standard", "hmt", "foreigner", "part_time"])),
                   "cadre": draw(st.booleans())},
        "refund_kind": draw(st.sampled_from(["overpayment", "base_difference", "other"])),
        "fields": draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3)),
        "declared_by": draw(st.sampled_from(["employer", "person"])),
    }
    if draw(st.booleans()) or code == "individual_back_payment":
        end = applied.replace(day=1) - timedelta(days=draw(st.integers(1, 3000)))
        start = end - timedelta(days=draw(st.integers(0, 2000)))
        app["period"] = {"from": _month(start), "to": _month(end)}
    return app


@settings(max_examples=200, deadline=None)
@given(st.lists(applications(), min_size=1, max_size=30), st.sampled_from(POLICIES))
def test_one_application_and_a_table_of_many_get_the_same_decision(apps: list[dict[str, Any]], policy: Any) -> None:
    rows = [encode_application(a) for a in apps]
    table = decide_table(columns_from_rows(rows), policy)
    compiled = compile_tables(policy)
    for i, row in enumerate(rows):
        facts = as_mapping(row)
        scalar = _core(facts, compiled, SCALAR)
        assert tuple(int(x) for x in scalar) == (
            int(table.mode[i]), int(table.rule[i]), int(table.support[i]), int(table.error[i]))


@settings(max_examples=200, deadline=None)
@given(applications())
def test_no_application_gets_a_mode_asking_more_than_another_applicable_clause(app: dict[str, Any]) -> None:
    policy = POLICIES[0]
    compiled = compile_tables(policy)
    trace: list[Any] = []
    facts = as_mapping(encode_application(app))
    mode, _, _, error = _core(facts, compiled, SCALAR, trace)
    if error:
        return
    modes = catalog().enums["mode"]
    matched = [item[2].mode for item in trace if item[0] == "rule" and item[4]]
    order = ["direct", "commitment", "deferred_documents", "remote_documents", "postponed", "regular"]
    if matched:
        assert order.index(modes[mode]) <= min(order.index(m) for m in matched)  # Reading 1.y
    d = decide_row(encode_application(app), policy)
    assert d.mode == modes[mode]


dues = st.tuples(
    st.dates(date(2019, 1, 1), date(2021, 6, 1)).map(_month),
    st.integers(0, 10**10),
    st.dates(date(2019, 1, 1), date(2022, 12, 31)),
    st.integers(0, 400),
    st.sampled_from(POLICIES[:3] + [load_policy(overrides={"epidemic_lifted_on": "2020-04-30",
                                                           "exemption_lost_reading": "only_days_after_makeup_deadline"})]),
)


@settings(max_examples=300, deadline=None)
@given(dues)
def test_late_fees_are_never_negative_never_exceed_the_normal_fee_and_paying_earlier_never_costs_more(due: Any) -> None:
    month, amount, paid, later, policy = due
    a = late_fee_for_due(month, amount, paid_on=paid, policy=policy)
    b = late_fee_for_due(month, amount, paid_on=paid + timedelta(days=later), policy=policy)
    assert a.late_fee_fen >= 0 and a.waived_fen >= 0
    normal = late_fee_for_due(month, amount, paid_on=paid, policy=POLICIES[3])
    assert a.late_fee_fen + a.waived_fen == normal.late_fee_fen  # Reading 0.3c
    assert a.late_fee_fen <= b.late_fee_fen


@settings(max_examples=100, deadline=None)
@given(st.lists(dues, min_size=1, max_size=20))
def test_one_due_and_a_column_of_dues_get_the_same_fee(items: list[Any]) -> None:
    policy = items[0][4]
    months = np.array([month_index(m) for m, *_ in items])
    amounts = np.array([a for _, a, *_ in items])
    days = np.array([day_number(p) for _, _, p, *_ in items])
    cols = late_fees(months, amounts, days, policy)
    for i, (m, a, p, *_) in enumerate(items):
        one = late_fee_for_due(m, a, paid_on=p, policy=policy)
        assert (one.due_on, one.overdue_days, one.late_fee_fen, one.waived_fen, one.clauses) == (
            cols.due_on[i].astype(object), int(cols.overdue_days[i]), int(cols.late_fee_fen[i]),
            int(cols.waived_fen[i]), cols.clauses(i))


def test_decide_table_accepts_strings_and_datetimes_as_columns() -> None:
    cols = {
        "business": np.array(["individual_back_payment"] * 2),
        "applied_on": np.array(["2020-02-10", "2019-12-10"], dtype="M8[D]"),
        "gender": np.array(["male", "male"]), "birth_date": np.array(["1975-05-01"] * 2, dtype="M8[D]"),
        "account_type": np.array(["general"] * 2), "beijing_pension_months": np.array([130, 130]),
        "declared_by": np.array(["employer"] * 2),
        "period_from": np.array(["2018-01"] * 2, dtype="M8[M]"), "period_to": np.array(["2019-06"] * 2, dtype="M8[M]"),
    }
    res = decide_table(cols, load_policy())
    assert [res.modes[m] for m in res.mode] == ["commitment", "regular"]
    assert res.rule_ids[res.rule[0]] == "1.2a"
    assert INPUT_ORDER[0] == "business"
