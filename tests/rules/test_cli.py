"""``shebao decide``, ``late_fee`` and ``rules``: JSON lines in, one answer per line out, no tracebacks."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from shebao.rules.cli import main

from .helpers import DATA, jsonl


def run(cmd: list[str], text: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    rc = main(cmd, stdin=io.StringIO(text), stdout=out)
    return rc, out.getvalue().splitlines()


def test_decide_answers_every_example_line_in_order() -> None:
    rc, lines = run(["decide"], (DATA / "decision-examples.jsonl").read_text())
    got = [json.loads(x) for x in lines]
    for g, e in zip(got, jsonl("decision-examples.expected.jsonl"), strict=True):
        assert {k: g[k] for k in e} == e
        assert ("explanation" in g) == ("mode" in g)
    assert rc == 1  # p19 is an error line


def test_late_fee_answers_every_example_line_exactly() -> None:
    rc, lines = run(["late_fee"], (DATA / "late-fee-examples.jsonl").read_text())
    assert [json.loads(x) for x in lines] == jsonl("late-fee-examples.expected.jsonl")
    assert rc == 0


MALFORMED_DECIDE = [
    ("not json", "invalid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"id": 1, "applied_on": "2020-02-10"}', "missing field 'business'"),
    ('{"id": 1, "business": "refund", "refund_kind": "other"}', "missing field 'applied_on'"),
    ('{"id": 1, "business": "nope", "applied_on": "2020-02-10"}', "unknown business 'nope'"),
    ('{"id": 1, "business": "refund", "refund_kind": "other", "applied_on": "2020-02-30"}', "not a date"),
    ('{"id": 1, "business": "refund", "refund_kind": "other", "applied_on": 20200210}', "expected a date"),
    ('{"id": 1, "business": "refund", "applied_on": "2020-02-10"}', "missing field 'refund_kind'"),
    ('{"id": 1, "business": "person_change", "applied_on": "2020-02-10", "fields": "phone"}', "fields"),
    ('{"id": 1, "business": "person_change", "applied_on": "2020-02-10", "fields": ["Ethnicity"]}', "'Ethnicity'"),
    (('{"id": 1, "business": "individual_back_payment", "applied_on": "2020-02-10", "person": {"gender": "male", '
     '"birth_date": "1975-05-01", "account_type": "general", "beijing_pension_months": -3}, '
     '"period": {"from": "2018-01", "to": "2019-06"}}'), "beijing_pension_months"),
    (('{"id": 1, "business": "individual_back_payment", "applied_on": "2020-02-10", "person": {"gender": "male", '
     '"birth_date": "1975-05-01", "account_type": "general", "beijing_pension_months": 3}, '
     '"period": {"from": "2019-06", "to": "2018-01"}}'), "ends (2018-01) before it starts"),
    (('{"id": 1, "business": "individual_back_payment", "applied_on": "2020-02-10", "person": {"gender": "male", '
     '"birth_date": "1975-05-01", "account_type": "general", "beijing_pension_months": 3}, '
     '"period": {"from": "2019-13", "to": "2019-14"}}'), "period.from"),
    ('{"id": 1, "business": "refund", "refund_kind": "other", "applied_on": "2020-02-10", "policy": 5}', "policy"),
    (('{"id": 1, "business": "refund", "refund_kind": "other", "applied_on": "2020-02-10", '
     '"policy": {"epidemic_lifted_on": "soon"}}'), "policy"),
    ('{"id": 1, "business": "refund", "refund_kind": "other", "applied_on": "2020-02-10", "perod": {}}', "perod"),
]


def test_every_kind_of_malformed_application_gets_a_clear_error_line_and_the_others_go_on() -> None:
    good = '{"id": "ok", "business": "refund", "refund_kind": "other", "applied_on": "2020-02-10"}'
    text = "\n".join([good] + [m for m, _ in MALFORMED_DECIDE] + [good]) + "\n"
    rc, lines = run(["decide"], text)
    got = [json.loads(x) for x in lines]
    assert rc == 1 and len(got) == len(MALFORMED_DECIDE) + 2
    assert got[0]["mode"] == got[-1]["mode"] == "commitment"
    for (_, reason), g in zip(MALFORMED_DECIDE, got[1:-1], strict=True):
        assert reason in g["error"], g


MALFORMED_FEES = [
    ('{"id": 1, "month": "2020-13", "amount_fen": 1, "paid_on": "2020-01-01"}', "month"),
    ('{"id": 1, "month": "2020-01", "amount_fen": -1, "paid_on": "2020-01-01"}', "amount_fen"),
    ('{"id": 1, "month": "2020-01", "amount_fen": 1.5, "paid_on": "2020-01-01"}', "amount_fen"),
    ('{"id": 1, "month": "2020-01", "amount_fen": 1}', "exactly one of paid_on"),
    ('{"id": 1, "month": "2020-01", "amount_fen": 1, "paid_on": "2020-01-01", "as_of": "2020-01-01"}', "exactly one"),
    ('{"id": 1, "month": "2020-01", "amount_fen": 1, "paid_on": "2020-02-30"}', "not a date"),
    ('{"id": 1, "amount_fen": 1, "paid_on": "2020-02-03"}', "missing field 'month'"),
    ("{", "invalid JSON"),
]


def test_every_kind_of_malformed_due_gets_a_clear_error_line() -> None:
    rc, lines = run(["late_fee"], "\n".join(m for m, _ in MALFORMED_FEES) + "\n")
    assert rc == 1
    for (_, reason), g in zip(MALFORMED_FEES, [json.loads(x) for x in lines], strict=True):
        assert reason in g["error"], g


def test_explain_prints_facts_rules_tried_and_parameters_with_clauses() -> None:
    rc, lines = run(["decide", "--explain"], (DATA / "decision-examples.jsonl").read_text().splitlines()[3] + "\n")
    text = "\n".join(lines)
    assert rc == 0
    for needle in ("facts:", "derived facts:", "rule 1.2a (clause 1.2a) -> commitment: MATCHED",
                   "rule 1.1b", "handling.max_commitment_months = 36", "[1.2a;", "decision: commitment"):
        assert needle in text, needle


def test_rules_lists_packs_parameters_in_force_and_tables() -> None:
    rc, lines = run(["rules", "--on", "2020-02-10"], "")
    text = "\n".join(lines)
    assert rc == 0
    assert "政策包：base、beijing-2020-epidemic" in text and "2020-02-10施行的参数：" in text
    assert "collection.normal_due_day = 25" in text
    assert "1.2a [1.2a] 若 business == " in text and "section4_transfers" in text


def test_the_command_runs_as_a_subprocess_without_django() -> None:
    proc = subprocess.run([sys.executable, "-m", "shebao", "decide"], check=False, input=(DATA / "decision-examples.jsonl").read_text(),
                          capture_output=True, text=True, cwd=Path(__file__).parent, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert [json.loads(x)["id"] for x in proc.stdout.splitlines()] == [f"p{i:02d}" for i in range(1, 21)]
    proc = subprocess.run([sys.executable, "-m", "shebao", "late_fee"], check=False, input=(DATA / "late-fee-examples.jsonl").read_text(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and [json.loads(x) for x in proc.stdout.splitlines()] == jsonl(
        "late-fee-examples.expected.jsonl")
