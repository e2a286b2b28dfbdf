"""Back-payments (1.1a, 1.1b/1.2a/1.2b/1.3b/1.3c, 1.1c) from submission to completion: the contribution
rows, the dues by each month's rates, floors and ceilings, the balanced ledger entry, and the refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.effects.back_payment import month_shares
from shebao.cases.models import CaseEffect
from shebao.cases.services import DetailsRefused
from shebao.collection import ledger
from shebao.collection.models import Due, LedgerTransaction
from shebao.registry.models import Contribution, EmploymentSpell
from tests import personas
from tests.businesses.walk import complete, submit
from tests.collection.conftest import contribution
from tests.nothing_written import nothing_written

APPLIED = dt.date(2020, 2, 10)


def _dues(case_effect) -> list[Due]:
    return list(Due.objects.filter(pk__in=case_effect.result["dues"]).order_by("month", "insurance"))


def test_an_individual_back_payment_books_the_dues_of_each_month(clerk_chaoyang, reviewer_chaoyang, employed,
                                                                 employer_chaoyang, person_chaoyang):
    details = {"period": {"from": "2019-11", "to": "2019-12"},
               "bases": [{"month": "2019-11", "base_fen": 800_000}, {"month": "2019-12", "base_fen": 1}]}
    case = submit(clerk_chaoyang, "individual_back_payment", employer=employer_chaoyang, person=person_chaoyang,
                  applicant_kind="employer", applied_on=APPLIED, details=details)
    assert case.facts["period"] == {"from": "2019-11", "to": "2019-12"}  # the rules read the period
    receivable_before = ledger.account_balance(account="receivable", employer_id=employer_chaoyang.pk)

    done = complete(case, clerk_chaoyang, reviewer_chaoyang)

    assert done.status == "completed"
    effect = CaseEffect.objects.get(case=case, effect="back_payment.individual")
    dues = _dues(effect)
    assert {(d.month, d.insurance) for d in dues} == {(m, k) for m in ("2019-11", "2019-12") for k in
                                                    ("pension", "unemployment", "medical", "maternity", "work_injury")}
    # 2019-12's base of 0.01 yuan is raised to the floor: the same fen as the monthly dues build charges.
    floor = month_shares("2019-12", [1], employer_chaoyang.industry_class)
    pension_dec = next(d for d in dues if d.month == "2019-12" and d.insurance == "pension")
    assert (pension_dec.employer_fen, pension_dec.personal_fen) == (floor["pension"][0][0], floor["pension"][1][0])
    assert pension_dec.persons == 1 and pension_dec.paid_on is None  # the bill: open dues of the employer
    rows = Contribution.objects.filter(person=person_chaoyang, employer=employer_chaoyang).order_by("month")
    assert [(r.month, r.pension_base_fen > 1) for r in rows] == [("2019-11", True), ("2019-12", True)]
    total = sum(d.amount_fen for d in dues)
    assert effect.result["amount_fen"] == total > 0
    txn = LedgerTransaction.objects.get(pk=effect.result["ledger"][0])
    assert txn.kind == "dues" and sum(p.amount_fen for p in txn.postings.all()) == 0
    assert ledger.account_balance(account="receivable", employer_id=employer_chaoyang.pk) == receivable_before + total


def test_a_back_payment_for_months_outside_the_employment_is_refused_naming_the_months(
        clerk_chaoyang, employer_chaoyang, person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2019-12")
    details = {"period": {"from": "2019-11", "to": "2019-12"},
               "bases": [{"month": "2019-11", "base_fen": 800_000}, {"month": "2019-12", "base_fen": 800_000}]}
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "individual_back_payment", employer=employer_chaoyang, person=person_chaoyang,
               applicant_kind="employer", applied_on=APPLIED, details=details)
    (error,) = refused.value.errors
    assert error.field == "details.period" and "2019-11" in error.zh and "2019-12" not in error.zh
    assert "不在北京朝阳测试科技有限公司参保" in error.zh


def test_bases_must_match_the_period_month_by_month(clerk_chaoyang, employer_chaoyang, person_chaoyang, employed):
    details = {"period": {"from": "2019-10", "to": "2019-12"}, "bases": [{"month": "2019-11", "base_fen": 800_000}]}
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "individual_back_payment", employer=employer_chaoyang, person=person_chaoyang,
               applicant_kind="employer", applied_on=APPLIED, details=details)
    assert refused.value.errors[0].field == "details.bases" and "缺少2019-10、2019-12" in refused.value.errors[0].zh


def test_a_month_already_paid_is_not_back_paid_twice(clerk_chaoyang, employer_chaoyang, person_chaoyang, employed):
    contribution(person_chaoyang, employer_chaoyang, "2019-12", 800_000)
    details = {"period": {"from": "2019-12", "to": "2019-12"}, "bases": [{"month": "2019-12", "base_fen": 800_000}]}
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "individual_back_payment", employer=employer_chaoyang, person=person_chaoyang,
               applicant_kind="employer", applied_on=APPLIED, details=details)
    assert "已有缴费记录" in refused.value.errors[0].zh and "基数差补缴" in refused.value.errors[0].zh


def test_a_monthly_report_back_payment_books_every_person_and_month(clerk_chaoyang, reviewer_chaoyang,
                                                                    employer_chaoyang, person_chaoyang, employed):
    other = personas.make_person("王五", serial=7)
    EmploymentSpell.objects.create(person=other, employer=employer_chaoyang, from_month="2019-01")
    details = {"months": ["2019-12", "2019-11"],
               "lines": [{"id_number": person_chaoyang.id_number, "base_fen": 600_000},
                         {"id_number": other.id_number.lower(), "base_fen": 900_000}]}
    case = submit(clerk_chaoyang, "monthly_report_back_payment", employer=employer_chaoyang, applied_on=APPLIED,
                  details=details)
    assert case.details["months"] == ["2019-11", "2019-12"]
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    dues = _dues(CaseEffect.objects.get(case=case))
    assert len(dues) == 10 and {d.persons for d in dues} == {2}
    assert Contribution.objects.filter(employer=employer_chaoyang).count() == 4
    pension_nov = next(d for d in dues if d.month == "2019-11" and d.insurance == "pension")
    shares = month_shares("2019-11", [600_000, 900_000], employer_chaoyang.industry_class)["pension"]
    assert pension_nov.amount_fen == sum(shares[0]) + sum(shares[1])
    assert ledger.unbalanced_transactions() == []


def test_a_monthly_report_naming_someone_not_employed_is_refused(clerk_chaoyang, employer_chaoyang, person_chaoyang,
                                                                 employed):
    stranger = personas.make_person("赵六", serial=8)
    details = {"months": ["2019-12"], "lines": [{"id_number": person_chaoyang.id_number, "base_fen": 600_000},
                                                {"id_number": stranger.id_number, "base_fen": 600_000},
                                                {"id_number": "110105199001011234", "base_fen": 600_000}]}
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "monthly_report_back_payment", employer=employer_chaoyang, applied_on=APPLIED,
               details=details)
    fields = [e.field for e in refused.value.errors]
    assert fields == ["details.lines.3.id_number", "details.lines.2.id_number"]
    refusal = refused.value.errors[1].zh
    assert "第2行：证件号码" in refusal and "在2019-12不在" in refusal
    # The row is named by a masked number, never by a name the applicant did not give (district line).
    assert "赵六" not in refusal and stranger.id_number not in refusal


def test_a_monthly_report_line_with_another_districts_number_never_names_that_person(
        clerk_chaoyang, employer_chaoyang, person_chaoyang, person_haidian, employed):
    details = {"months": ["2019-12"], "lines": [{"id_number": person_haidian.id_number, "base_fen": 600_000}]}
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "monthly_report_back_payment", employer=employer_chaoyang, applied_on=APPLIED,
               details=details)
    text = " ".join(e.zh for e in refused.value.errors)
    assert "李四" not in text and person_haidian.id_number not in text


def test_a_base_difference_books_only_the_difference_and_raises_the_base(clerk_chaoyang, reviewer_chaoyang,
                                                                         employer_chaoyang, person_chaoyang, employed):
    row = contribution(person_chaoyang, employer_chaoyang, "2019-12", 600_000)
    old_pension = row.pension_employer_fen + row.pension_personal_fen
    details = {"lines": [{"id_number": person_chaoyang.id_number, "month": "2019-12", "old_base_fen": 600_000,
                          "new_base_fen": 900_000}]}
    case = submit(clerk_chaoyang, "base_difference_back_payment", employer=employer_chaoyang, applied_on=APPLIED,
                  details=details)
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    row.refresh_from_db()
    assert row.pension_base_fen == 900_000
    dues = _dues(CaseEffect.objects.get(case=case))
    pension = next(d for d in dues if d.insurance == "pension")
    assert pension.amount_fen == row.pension_employer_fen + row.pension_personal_fen - old_pension > 0


def test_a_base_difference_with_a_wrong_old_base_is_refused(clerk_chaoyang, employer_chaoyang, person_chaoyang,
                                                            employed):
    contribution(person_chaoyang, employer_chaoyang, "2019-12", 600_000)
    details = {"lines": [{"id_number": person_chaoyang.id_number, "month": "2019-12", "old_base_fen": 500_000,
                          "new_base_fen": 900_000}]}
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "base_difference_back_payment", employer=employer_chaoyang, applied_on=APPLIED,
               details=details)
    assert refused.value.errors[0].field == "details.lines.1.old_base_fen"
    assert "6000.00元" in refused.value.errors[0].zh
