"""Every named rule scenario of tests/rules/scenarios.yaml gets the answer it names (issue 14 §4).

A scenario holds its input and its expected answer together, so a reader sees a rule's boundary in one
place; the file's header says its shape. This module only reads and compares: it holds no expectation
of its own, and it refuses a scenario file that would let an entry pass unread (an unknown key, an
expectation naming nothing, two entries of one name).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shebao.rules import DecisionError, InputError, decide, late_fee_for_due, load_policy

SCENARIOS = yaml.safe_load((Path(__file__).resolve().parent / "scenarios.yaml").read_text(encoding="utf-8"))
DECISION_KEYS = {"name", "reading", "why", "policy", "application", "expect"}
DECISION_EXPECT = {"mode", "clauses", "requires", "explanation_contains", "error", "match"}
FEE_KEYS = {"name", "reading", "why", "policy", "due", "expect"}
FEE_EXPECT = {"due_on", "overdue_days", "late_fee_fen", "waived_fen", "clauses"}
ERRORS = {"DecisionError": DecisionError, "InputError": InputError}


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["name"] for e in entries]


def test_the_scenario_file_is_well_formed() -> None:
    """Each entry has a name of its own, a reading, and only keys the runner reads: a misspelt key would
    otherwise be a scenario that checks less than it says."""
    names = _ids(SCENARIOS["decisions"]) + _ids(SCENARIOS["late_fees"])
    assert len(names) == len(set(names)), "two scenarios share a name"
    for entry in SCENARIOS["decisions"]:
        assert set(entry) <= DECISION_KEYS and {"name", "reading", "application", "expect"} <= set(entry), entry
        expect = entry["expect"]
        assert set(expect) <= DECISION_EXPECT, entry["name"]
        if "error" in expect:
            assert set(expect) == {"error", "match"} and expect["error"] in ERRORS, entry["name"]
        else:
            assert {"mode", "clauses"} <= set(expect), entry["name"]
    for entry in SCENARIOS["late_fees"]:
        assert set(entry) <= FEE_KEYS and {"name", "reading", "due", "expect"} <= set(entry), entry
        assert entry["expect"] and set(entry["expect"]) <= FEE_EXPECT, entry["name"]


@pytest.mark.parametrize("scenario", SCENARIOS["decisions"], ids=_ids(SCENARIOS["decisions"]))
def test_each_decision_scenario(scenario: dict[str, Any]) -> None:
    policy = load_policy(overrides=scenario.get("policy"))
    expect = scenario["expect"]
    if "error" in expect:
        with pytest.raises(ERRORS[expect["error"]], match=expect["match"]):
            decide(scenario["application"], policy)
        return
    decision = decide(scenario["application"], policy)
    assert (decision.mode, list(decision.clauses)) == (expect["mode"], expect["clauses"])
    if "requires" in expect:
        assert list(decision.requires) == expect["requires"]
    if "explanation_contains" in expect:
        assert expect["explanation_contains"] in decision.explanation_zh


@pytest.mark.parametrize("scenario", SCENARIOS["late_fees"], ids=_ids(SCENARIOS["late_fees"]))
def test_each_late_fee_scenario(scenario: dict[str, Any]) -> None:
    policy = load_policy(overrides=scenario.get("policy"))
    due = scenario["due"]
    fee = late_fee_for_due(due["month"], due["amount_fen"], paid_on=due.get("paid_on"), as_of=due.get("as_of"),
                           policy=policy).as_json()
    assert {key: fee[key] for key in scenario["expect"]} == scenario["expect"]

