"""The new-retiree declaration (新增退休人员申报, 2.1) from submission to completion makes the retiree,
once, through the effect registry, and the next run pays the arrears from the month after retirement."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.benefits import payroll, selectors
from shebao.benefits.models import Entitlement, Retiree
from shebao.cases.effects import EffectRefused
from shebao.cases.models import CaseEffect
from shebao.cases.services import DetailsRefused
from tests import personas
from tests.businesses.walk import complete, submit
from tests.personas import SETUP

DETAILS = {"bank_account": "6222 0200 0000 0000 011", "index_x10k": 10_000, "contribution_months": 360,
           "deemed_months": 0, "account_balance_fen": 13_900_000}


@pytest.fixture
def retiring(db):
    return personas.make_person("赵一", birth=dt.date(1959, 10, 15), serial=11)


def test_a_completed_declaration_makes_the_retiree_once_and_the_next_run_pays_the_arrears(
        retiring, employer_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    case = submit(clerk_chaoyang, "retirement_declaration", details=DETAILS, employer=employer_chaoyang,
                  person=retiring, applicant_kind="employer", applied_on=dt.date(2020, 2, 20))
    assert not Retiree.objects.exists()  # nothing before completion
    done = complete(case, clerk_chaoyang, reviewer_chaoyang)
    assert done.status == "completed"
    retiree = Retiree.objects.get(person=retiring)
    assert retiree.case_id == case.pk and retiree.declared_on == dt.date(2020, 2, 20)
    assert retiree.bank_account == "6222020000000000011" and retiree.entitlement.monthly_fen == 365410
    effect = CaseEffect.objects.get(case=case)
    assert effect.effect == "benefits.retirement_declaration" and "3,654.10元" in effect.summary_zh
    assert effect.result["retiree"] == retiree.pk
    payroll.payroll_run_start(actor=SETUP, month="2020-03")
    assert [s.month for s in selectors.arrears_statement(retiree)] == ["2019-11", "2019-12", "2020-01", "2020-02"]


def test_an_amount_of_record_is_declared_as_recorded(retiring, employer_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    case = submit(clerk_chaoyang, "retirement_declaration", employer=employer_chaoyang, person=retiring,
                  applicant_kind="employer", applied_on=dt.date(2020, 2, 20),
                  details={"bank_account": "6222020000000000011", "record_monthly_fen": 456_700,
                           "record_reference": "京社保核2020-0002"})
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    ent = Retiree.objects.get(person=retiring).entitlement
    assert (ent.source, ent.monthly_fen, ent.record_reference) == (Entitlement.Source.RECORD, 456_700, "京社保核2020-0002")


def test_a_person_already_retired_is_refused_at_submission(retiring, employer_chaoyang, clerk_chaoyang,
                                                           reviewer_chaoyang):
    case = submit(clerk_chaoyang, "retirement_declaration", details=DETAILS, employer=employer_chaoyang,
                  person=retiring, applicant_kind="employer", applied_on=dt.date(2020, 2, 20))
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    with pytest.raises(DetailsRefused) as e:
        submit(clerk_chaoyang, "retirement_declaration", details=DETAILS, employer=employer_chaoyang,
               person=retiring, applicant_kind="employer", applied_on=dt.date(2020, 2, 21))
    assert "已登记为退休人员" in str(e.value.errors)


def test_a_declaration_without_a_basis_is_refused_on_completion_and_makes_nothing(
        retiring, employer_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    case = submit(clerk_chaoyang, "retirement_declaration", details={"bank_account": "6222020000000000011"},
                  employer=employer_chaoyang, person=retiring, applicant_kind="employer",
                  applied_on=dt.date(2020, 2, 20))
    with pytest.raises(EffectRefused) as e:
        complete(case, clerk_chaoyang, reviewer_chaoyang)
    assert "按公式计发须填写" in e.value.zh
    assert not Retiree.objects.exists() and not CaseEffect.objects.exists()
