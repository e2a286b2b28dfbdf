"""An explained decision is the same decision, and its trace shows what the tables evaluated (issue 22, 5).

``decide(app, explain=True)`` evaluates every condition of the applicable table (to show it), where
``decide(app)`` stops at the first false one; both must give the same mode, clauses, requirements,
parameters and texts, whichever runs first on a policy.
"""

from __future__ import annotations

from typing import Any

import pytest

from shebao.rules import Decision, DecisionError, decide, load_policy

from .helpers import back_payment, jsonl

EXAMPLES = [dict(a) for a in jsonl("decision-examples.jsonl")]
APPS: list[dict[str, Any]] = [
    back_payment(), back_payment(months=120), back_payment(frm="2014-12", to="2017-12"),
    back_payment(frm="2019-11", to="2020-01", account="temporary"),
    back_payment(frm="2012-01", to="2016-12", gender="female", birth="1972-03-15", months=10),
    back_payment(applied_on="2020-01-30"), back_payment(applied_on="2020-05-01"),
    back_payment(frm="2019-06", to="2020-02"),  # refused: the period ends in the month of application
    {"business": "person_change", "applied_on": "2020-03-02", "fields": ["phone", "name"]},
    {"business": "person_change", "applied_on": "2020-03-02", "fields": ["bank_account"]},
    {"business": "account_backfill", "applied_on": "2020-02-06",
     "person": {"gender": "male", "birth_date": "1960-05-05"}},
    {"business": "account_backfill", "applied_on": "2020-02-05",
     "person": {"gender": "male", "birth_date": "1960-05-05"}},
    {"business": "refund", "applied_on": "2020-02-10", "refund_kind": "overpayment"},
    {"business": "insured_registration", "applied_on": "2020-02-10", "person": {"category": "hmt"}},
    {"business": "insured_registration", "applied_on": "2020-02-10", "person": {"category": "standard"}},
    *[{k: v for k, v in a.items() if k not in ("id", "policy")} for a in EXAMPLES],
]
POLICY_CHANGES = [{}, {"epidemic.lifted_on": "2020-04-30"}]


def _fresh(changes: dict[str, Any], name: str = "beijing-2020-epidemic") -> Any:
    """A policy whose caches (prepared decisions, compiled tables) are empty."""
    return load_policy(name).with_announcement(changes, effective="2020-01-31")


def _outcome(app: dict[str, Any], policy: Any, explain: bool) -> Decision | str:
    try:
        return decide(app, policy, explain=explain)
    except DecisionError as exc:
        return f"refused: {exc}"


@pytest.mark.parametrize("changes", POLICY_CHANGES, ids=["in-force", "lifted"])
@pytest.mark.parametrize("explain_first", [True, False], ids=["explain-first", "plain-first"])
def test_an_explained_decision_is_the_same_decision(changes: dict[str, Any], explain_first: bool) -> None:
    policy = _fresh(changes)
    for app in APPS:
        order = (True, False) if explain_first else (False, True)
        got = {flag: _outcome(app, policy, flag) for flag in order}
        assert got[True] == got[False], app
        if isinstance(got[True], Decision):
            assert isinstance(got[False], Decision) and got[False].trace == ()
            assert (got[True].mode, got[True].clauses, got[True].requires, got[True].parameters,
                    got[True].explanation_zh, got[True].rule_id) == (
                got[False].mode, got[False].clauses, got[False].requires, got[False].parameters,
                got[False].explanation_zh, got[False].rule_id)
            assert got[True].trace[-3] == (f"decision: {got[True].mode}, clauses {list(got[True].clauses)}, "
                                           f"requires {list(got[True].requires)}")
            assert got[True].trace[-2:] == (f"  {got[True].explanation_zh}", f"  {got[True].explanation_en}")


def test_the_base_pack_explains_the_same_decisions() -> None:
    policy = _fresh({}, "base")
    for app in APPS[:6]:
        assert _outcome(app, policy, True) == _outcome(app, policy, False)


def test_the_explained_decisions_agree_with_the_examples() -> None:
    expected = {e["id"]: e for e in jsonl("decision-examples.expected.jsonl")}
    for app in EXAMPLES:
        app = dict(app)
        policy = load_policy(overrides=app.pop("policy", None))
        want = expected[app.pop("id")]
        try:
            d = decide(app, policy, explain=True)
        except DecisionError as exc:
            assert want == {"id": want["id"], "error": str(exc)}
            continue
        assert (d.mode, list(d.clauses), list(d.requires)) == (want["mode"], want["clauses"], want["requires"])


TRACE_1_2A = [
    "table section1_registration (section1_registration.yaml), hit policy PRIORITY:",
    "  guard notice_in_force == True (true vs true) -> true    [Reading 0.4]",
    "  rule 1.1a (clause 1.1a) -> direct: no match",
    "    business == 'monthly_report_back_payment': individual_back_payment == monthly_report_back_payment -> false",
    "  rule 1.1b (clause 1.1b) -> direct: no match",
    "    business == 'individual_back_payment': individual_back_payment == individual_back_payment -> true",
    "    declared_by == 'employer': employer == employer -> true",
    "    months_back <= handling.recent_months: 25 <= 3 -> false",
    "  rule 1.1c (clause 1.1c) -> direct: no match",
    "    business == 'base_difference_back_payment': individual_back_payment == base_difference_back_payment -> false",
    "  rule 1.2a (clause 1.2a) -> commitment: MATCHED",
    "    business == 'individual_back_payment': individual_back_payment == individual_back_payment -> true",
    "    account_type == 'general': general == general -> true",
    "    beijing_pension_months > handling.commitment_min_beijing_pension_months: 130 > 120 -> true",
    "    period_from >= handling.back_payment_from_month: 2018-01 >= 2011-07 -> true",
    "    period_months <= handling.max_commitment_months: 18 <= 36 -> true",
    "  rule 1.2b (clause 1.2b) -> commitment: no match",
    "    business == 'individual_back_payment': individual_back_payment == individual_back_payment -> true",
    "    account_type == 'temporary': general == temporary -> false",
    "    (remaining 2 condition(s) not evaluated)",
    "  rule 1.2c (clause 1.2c) -> commitment: no match",
    "    business == 'refund': individual_back_payment == refund -> false",
    "  rule 1.3a (clause 1.3a) -> deferred_documents: no match",
    "    business == 'person_change': individual_back_payment == person_change -> false",
    "    (remaining 1 condition(s) not evaluated)",
    "  rule 1.3b (clause 1.3b) -> deferred_documents: no match",
    "    business == 'individual_back_payment': individual_back_payment == individual_back_payment -> true",
    "    account_type == 'general': general == general -> true",
    "    remaining_plus_pension_months < handling.deferred_max_total_months: 313 < 120 -> false",
    "    (remaining 2 condition(s) not evaluated)",
    "  rule 1.3c (clause 1.3c) -> deferred_documents: no match",
    "    business == 'individual_back_payment': individual_back_payment == individual_back_payment -> true",
    "    declared_by == 'employer': employer == employer -> true",
    "    period_from >= handling.back_payment_from_month: 2018-01 >= 2011-07 -> true",
    "    period_months > handling.long_period_months: 18 > 36 -> false",
    "  rule 1.4 (clause 1.4) -> remote_documents: no match",
    "    business == 'insured_registration': individual_back_payment == insured_registration -> false",
    "    (remaining 1 condition(s) not evaluated)",
    "parameters:",
    "  handling.recent_months = 3 since 2020-01-31    [1.1b; 北京市社会保险基金管理中心2020年1月31日通知]",
    "  handling.commitment_min_beijing_pension_months = 120 since 2020-01-31    [1.2a; 北京市社会保险基金管理中心2020年1月31日通知]",
    "  handling.back_payment_from_month = 2011-07 since 2020-01-31    [1.2a; 北京市社会保险基金管理中心2020年1月31日通知]",
    "  handling.max_commitment_months = 36 since 2020-01-31    [1.2a; 北京市社会保险基金管理中心2020年1月31日通知]",
    "  handling.deferred_max_total_months = 120 since 2020-01-31    [1.3b; 北京市社会保险基金管理中心2020年1月31日通知]",
    "  handling.long_period_months = 36 since 2020-01-31    [1.3c; 北京市社会保险基金管理中心2020年1月31日通知]",
    "decision: commitment, clauses ['1.2a'], requires ['commitment_letter']",
]


def test_the_trace_shows_each_condition_with_its_values_and_the_parameters_read() -> None:
    d = decide(back_payment(), load_policy(), explain=True)
    trace = list(d.trace)
    assert trace[0] == "pack beijing-2020-epidemic 2020.01.31"
    start = trace.index(TRACE_1_2A[0])
    assert trace[start:-2] == TRACE_1_2A
    assert "  beijing_pension_months = 130" in trace and "  period_months = 18    [Reading 1.x: to - from + 1]" in trace
    assert "  notice_in_force = true    [Reading 0.4: in_force_from <= applied_on <= lifted_on]" in trace


def test_a_trace_names_the_announcements_and_shows_a_false_guard() -> None:
    policy = load_policy(overrides={"epidemic_lifted_on": "2020-04-30"})
    d = decide(back_payment(applied_on="2020-05-01"), policy, explain=True)
    assert d.trace[0] == "pack beijing-2020-epidemic 2020.01.31 + 1 announcement(s)"
    assert "  guard notice_in_force == True (false vs true) -> false    [Reading 0.4]" in d.trace
    assert "  rule 1.2a (clause 1.2a) -> commitment: no match" in d.trace
    # Outside the notice's force a rule's conditions are not evaluated.
    i = d.trace.index("  rule 1.2a (clause 1.2a) -> commitment: no match")
    assert d.trace[i + 1] == "    (remaining 5 condition(s) not evaluated)"
    assert d.mode == "regular"


def test_a_decision_lists_every_parameter_it_used_with_its_source() -> None:
    d = decide(back_payment())
    notice = "北京市社会保险基金管理中心2020年1月31日通知"
    assert d.parameters == {
        "epidemic.in_force_from": {"value": "2020-01-31", "clause": "Reading 0.4", "document": notice},
        "epidemic.lifted_on": {"value": None, "clause": "0.3", "document": notice},
        "handling.commitment_min_beijing_pension_months": {"value": 120, "clause": "1.2a", "document": notice},
        "handling.max_commitment_months": {"value": 36, "clause": "1.2a", "document": notice},
        "handling.back_payment_from_month": {"value": "2011-07", "clause": "1.2a", "document": notice},
    }
    both = decide(back_payment(frm="2012-01", to="2016-12", gender="female", birth="1972-03-15", months=10))
    assert both.clauses == ("1.3b", "1.3c")
    assert set(both.parameters) >= {"handling.deferred_max_total_months", "handling.deferred_min_period_months",
                                    "handling.long_period_months", "handling.back_payment_from_month",
                                    "handling.remaining_age_limit"}
    assert both.parameters["handling.long_period_months"] == {"value": 36, "clause": "1.3c", "document": notice}


def test_a_refused_application_is_refused_alike_with_and_without_explanation() -> None:
    app = back_payment(frm="2019-06", to="2020-02")
    for explain in (False, True):
        with pytest.raises(DecisionError) as exc:
            decide(app, explain=explain)
        assert str(exc.value) == "period ends in or after the month of application"
