"""Late fees come from the rules core (Readings 0.3a-0.3c); the assessment computes every
employer's arrears, fees and relief set-based with the same rule code, and stores a run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from shebao.collection.assessment import assessment_compute, assessment_run, assessment_what_if
from shebao.collection.models import AssessmentDistrict, AssessmentRun
from shebao.collection.selectors import employer_account
from shebao.core.policy import announcement_publish, current_policy, policy_what_if
from shebao.rules import load_policy
from tests import personas
from tests.collection.conftest import book_due, jsonl
from tests.nothing_written import nothing_written
from tests.personas import SETUP

EXAMPLES = jsonl("late-fee-examples.jsonl")
EXPECTED = {e["id"]: e for e in jsonl("late-fee-examples.expected.jsonl")}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_the_agencys_late_fee_examples_hold_on_the_account_page_and_in_the_assessment(db, example):
    expected = EXPECTED[example["id"]]
    policy = load_policy(overrides=example.get("policy"))
    employer = personas.make_employer("北京示例单位", serial=7)
    paid_on = dt.date.fromisoformat(example["paid_on"]) if "paid_on" in example else None
    book_due(employer, example["month"], example["amount_fen"], paid_on=paid_on)
    as_of = paid_on or dt.date.fromisoformat(example["as_of"])
    row = employer_account(employer=employer, as_of=as_of, policy=policy).dues[0]
    assert (row.due_on.isoformat(), row.overdue_days, row.late_fee_fen, row.waived_fen) == (
        expected["due_on"], expected["overdue_days"], expected["late_fee_fen"], expected["waived_fen"])
    assert [c.split(" ")[0] for c in row.clauses] == [f"第{c}条" for c in expected["clauses"]]
    result = assessment_compute(as_of=as_of, policy=policy)
    assert (result.totals["late_fee_fen"], result.totals["waived_fen"]) == (expected["late_fee_fen"],
                                                                           expected["waived_fen"])


def _city(db):
    cy = personas.make_employer("北京朝阳欠费单位", serial=21)
    hd = personas.make_employer("北京海淀欠费单位", district_code="110108", serial=22)
    ok = personas.make_employer("北京朝阳按时单位", serial=23)
    book_due(cy, "2019-11", 100_000)  # unpaid, before the window: a normal late fee
    book_due(cy, "2020-02", 200_000)  # unpaid, in the window: no fee while the lifted date is unknown
    book_due(hd, "2020-03", 300_000, paid_on=dt.date(2020, 6, 1))  # made up late, in the window
    book_due(ok, "2019-12", 50_000, paid_on=dt.date(2019, 12, 20))
    return cy, hd, ok


def test_a_run_stores_each_employers_arrears_fees_and_relief_with_the_policy_version(db):
    cy, hd, _ok = _city(db)
    run, result = assessment_run(actor=SETUP, as_of=dt.date(2020, 6, 30), policy=current_policy())
    run.refresh_from_db()  # the stored figures, read back
    lines = {row[0]: dict(zip(AssessmentRun.FIGURE_COLUMNS, row, strict=True))
             for row in run.employer_figures().tolist()}
    assert set(lines) == {cy.pk, hd.pk}
    assert lines[cy.pk]["arrears_fen"] == 300_000 and lines[cy.pk]["overdue_dues"] == 2
    assert lines[cy.pk]["late_fee_fen"] == (2 * 100_000 * 5 * 218 + 10_000) // 20_000  # 2019-11-26 .. 2020-06-30
    assert lines[hd.pk]["late_fee_fen"] == 0 and lines[hd.pk]["waived_fen"] == 300_000 * 5 * 68 // 10_000
    assert AssessmentDistrict.objects.get(run=run, district=cy.district).arrears_fen == 300_000
    assert (run.policy_name, run.policy_version, run.lifted_on) == ("beijing-2020-epidemic", "2020.01.31", None)
    assert run.dues == 4 and run.late_fee_fen == lines[cy.pk]["late_fee_fen"]
    assert result.by_district[cy.district_id]["arrears_fen"] == 300_000


def test_a_what_if_reports_the_change_and_stores_nothing(db):
    cy, _hd, _ok = _city(db)
    policy = current_policy()
    w = assessment_what_if(as_of=dt.date(2020, 12, 31), policy=policy,
                           hypothetical=policy_what_if(lifted_on=dt.date(2020, 4, 30)), lifted_on=dt.date(2020, 4, 30))
    assert AssessmentRun.objects.count() == 0
    # 2020-02 unpaid past the make-up deadline (2020-07-30) loses its exemption; 2020-03 was made up in time.
    assert w.employers_affected == 1
    assert w.fees_added_fen == (2 * 200_000 * 5 * 275 + 10_000) // 20_000  # from 2020-04-01 to 2020-12-31
    assert w.fees_removed_fen == 0
    assert w.by_district == {cy.district_id: {"employers_affected": 1, "fees_added_fen": w.fees_added_fen,
                                              "fees_removed_fen": 0}}


def test_a_published_lifted_date_changes_the_next_run(db, municipal_admin):
    _city(db)
    before, _ = assessment_run(actor=SETUP, as_of=dt.date(2020, 12, 31), policy=current_policy())
    announcement_publish(actor=municipal_admin, parameter="epidemic_lifted_on", value="2020-04-30",
                         title="疫情解除公告", clause="0.3")
    after, _ = assessment_run(actor=SETUP, as_of=dt.date(2020, 12, 31), policy=current_policy())
    assert after.lifted_on == dt.date(2020, 4, 30) and after.announcements
    assert after.late_fee_fen > before.late_fee_fen


def test_the_batch_assessment_agrees_with_the_single_due_function_without_pruning(db):
    _city(db)
    policy = load_policy(overrides={"epidemic_lifted_on": "2020-04-30"})
    pruned = assessment_compute(as_of=dt.date(2020, 12, 31), policy=policy)
    full = assessment_compute(as_of=dt.date(2020, 12, 31), policy=policy, prune=False)
    assert pruned.totals == full.totals
    assert pruned.rows_read < full.rows_read


def test_the_assess_command_prints_a_summary_and_stores_a_run(db, capsys):
    _city(db)
    call_command("assess", "--as-of", "2020-06-30")
    out = capsys.readouterr().out
    assert "核定批次#" in out and "欠费单位1家" in out and "朝阳区" in out
    assert AssessmentRun.objects.count() == 1


def test_the_assess_command_what_if_prints_the_change_and_stores_nothing(db, capsys):
    _city(db)
    call_command("assess", "--as-of", "2020-12-31", "--lifted-on", "2020-04-30", "--what-if")
    out = capsys.readouterr().out
    assert "试算（不保存）" in out and "受影响单位1家" in out
    assert AssessmentRun.objects.count() == 0


def test_the_assess_command_refuses_a_bad_date(db):
    with nothing_written(), pytest.raises(CommandError, match="不存在：没有13月"):  # review-input12 F16
        call_command("assess", "--as-of", "2020-13-01")
    with nothing_written(), pytest.raises(CommandError, match="格式错误"):
        call_command("assess", "--as-of", "2020/12/01")
