"""Every example line of the specification gets exactly the expected answer."""

from __future__ import annotations

from typing import Any

import pytest

from shebao.rules import DecisionError, decide, late_fee_for_due, load_policy

from .helpers import jsonl

DECISIONS = list(zip(jsonl("decision-examples.jsonl"), jsonl("decision-examples.expected.jsonl"), strict=True))
FEES = list(zip(jsonl("late-fee-examples.jsonl"), jsonl("late-fee-examples.expected.jsonl"), strict=True))


def _decide(app: dict[str, Any]) -> dict[str, Any]:
    app = dict(app)
    policy = load_policy(overrides=app.pop("policy", None))
    try:
        d = decide(app, policy)
    except DecisionError as exc:
        return {"id": app["id"], "error": str(exc)}
    return {"id": app["id"], "mode": d.mode, "clauses": list(d.clauses), "requires": list(d.requires)}


@pytest.mark.parametrize(("app", "expected"), DECISIONS, ids=[a["id"] for a, _ in DECISIONS])
def test_each_decision_example_gets_the_expected_mode_clauses_and_requirements(app: Any, expected: Any) -> None:
    assert _decide(app) == expected


@pytest.mark.parametrize(("due", "expected"), FEES, ids=[d["id"] for d, _ in FEES])
def test_each_late_fee_example_gets_the_expected_fee_relief_and_clauses(due: Any, expected: Any) -> None:
    policy = load_policy(overrides=due.get("policy"))
    fee = late_fee_for_due(due["month"], due["amount_fen"], paid_on=due.get("paid_on"), as_of=due.get("as_of"),
                           policy=policy)
    assert {"id": due["id"], **fee.as_json()} == expected


def test_a_commitment_decision_explains_facts_and_thresholds_in_chinese_and_english() -> None:
    d = decide(DECISIONS[3][0])
    assert d.explanation_zh == ("一般账户，在京缴费130个月（超过120个月），补缴2018-01至2019-06共18个月"
                                "（不超过36个月），依第1.2a条承诺制办理。")
    assert "1.2a" in d.explanation_en and "130" in d.explanation_en
    assert d.pack == "beijing-2020-epidemic" and d.pack_version
    assert d.parameters["handling.max_commitment_months"]["value"] == 36
    assert d.parameters["handling.max_commitment_months"]["clause"] == "1.2a"
    assert d.parameters["epidemic.in_force_from"]["clause"] == "Reading 0.4"
