"""The new-retiree declaration (新增退休人员申报, 2.1) completed makes the retiree, once, and the next run
pays the arrears from the month after retirement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from shebao.benefits import payroll, selectors
from shebao.benefits.effects import retirement_declaration_complete
from shebao.benefits.models import Retiree
from shebao.cases import services as cases
from shebao.cases.models import Case
from tests import personas
from tests.personas import SETUP

FACTS = {"bank_account": "6222 0200 0000 0000 011", "index_x10k": 10_000, "contribution_months": 360,
         "deemed_months": 0, "account_balance_fen": 13_900_000}


def declaration(*, facts: dict | None, applied_on: dt.date = dt.date(2020, 2, 20)) -> Case:
    clerk = personas.make_staff("clerk_cy", role=personas.Role.DISTRICT_CLERK, office_code="110105")
    employer = personas.make_employer()
    person = personas.make_person("赵一", birth=dt.date(1959, 10, 15), serial=11)
    case, _ = cases.case_submit(actor=clerk, business="retirement_declaration", channel="counter", employer=employer,
                                person=person, applicant_kind="employer", applied_on=applied_on)
    if facts is not None:
        Case.objects.filter(pk=case.pk).update(facts={**case.facts, "retirement": facts})
    return Case.objects.get(pk=case.pk)


def test_a_completed_declaration_makes_the_retiree_once_and_the_next_run_pays_the_arrears(db):
    case = declaration(facts=FACTS)
    retiree = retirement_declaration_complete(case=case, actor=SETUP)
    assert retiree.case == case and retiree.declared_on == dt.date(2020, 2, 20)
    assert retiree.bank_account == "6222020000000000011" and retiree.entitlement.monthly_fen == 365410
    assert retirement_declaration_complete(case=case, actor=SETUP).pk == retiree.pk  # idempotent
    assert Retiree.objects.count() == 1
    payroll.payroll_run_start(actor=SETUP, month="2020-03")
    assert [s.month for s in selectors.arrears_statement(retiree)] == ["2019-11", "2019-12", "2020-01", "2020-02"]


@pytest.mark.parametrize(("facts", "error"), [
    (None, "缺少待遇核定信息"),
    ({**FACTS, "contribution_months": -1}, "缴费月数须为非负整数"),
    ({**FACTS, "retired_on": "2019-13-01"}, "退休日期须为"),
])
def test_a_declaration_without_its_facts_is_refused_and_makes_nothing(db, facts, error):
    case = declaration(facts=facts)
    with pytest.raises(ValidationError, match=error):
        retirement_declaration_complete(case=case, actor=SETUP)
    assert not Retiree.objects.exists()
