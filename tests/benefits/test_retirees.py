"""Retirees and their entitlement (2.1): the declaration makes the record by the national formula or
the amount of record; death, re-employment and verification stops, with their arrears or recoveries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from shebao.benefits import payroll
from shebao.benefits.models import Entitlement, PensionMonth, Recovery, Retiree, Suspension
from shebao.benefits.services import (
    EXPENSE,
    RECEIVABLE,
    Basis,
    retiree_declare,
    retiree_resume,
    retiree_suspend,
)
from shebao.collection.ledger import account_balance, unbalanced_transactions
from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused
from shebao.registry.models import Person
from tests import personas
from tests.benefits.conftest import MONTHLY_2019, declare
from tests.personas import SETUP


def test_the_declaration_makes_the_retiree_and_the_entitlement_by_the_formula(db):
    r = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2020, 2, 20))
    assert (r.retired_on, r.retirement_month, r.age_months) == (dt.date(2019, 10, 15), "2019-10", 720)
    e = r.entitlement
    assert (e.source, e.basic_fen, e.account_fen, e.transitional_fen, e.divisor) == (
        Entitlement.Source.FORMULA, 265410, 100000, 0, 139)
    assert e.monthly_fen == MONTHLY_2019 and e.average_wage_fen == 884700
    assert "国发〔2005〕38号" in e.parameters["pension.account_divisor"]["document"]
    assert Person.objects.get(pk=r.person_id).contributor_category == Person.ContributorCategory.RETIREE
    assert AuditEvent.objects.filter(model="benefits.Retiree", object_pk=str(r.pk)).exists()
    assert AuditEvent.objects.filter(model="benefits.Entitlement", object_pk=str(e.pk)).exists()


def test_a_woman_worker_retires_at_fifty_and_takes_the_divisor_of_fifty(db):
    r = declare("王芳", birth=dt.date(1969, 11, 8), serial=31, male=False, declared_on=dt.date(2019, 11, 20))
    assert (r.retirement_month, r.age_months, r.entitlement.divisor) == ("2019-11", 600, 195)


def test_the_amount_of_record_is_paid_as_recorded(db):
    r = declare("吴六", birth=dt.date(1959, 8, 1), serial=32, declared_on=dt.date(2019, 9, 1),
                basis=Basis(record_monthly_fen=512_345, record_reference="京社保核2019-0001"))
    assert (r.entitlement.source, r.entitlement.monthly_fen) == (Entitlement.Source.RECORD, 512_345)


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"bank_account": "12ab"}, "养老金发放账号须为8至32位数字"),
    ({"retired_on": dt.date(2019, 10, 14)}, "退休日期不能早于该日"),
    ({"basis": Basis(index_x10k=10_000, contribution_months=360)}, "个人账户储存额"),
    ({"basis": Basis(index_x10k=10_000, contribution_months=12, deemed_months=24, account_balance_fen=0)},
     "视同缴费月数不能多于"),
    ({"basis": Basis(record_monthly_fen=0, record_reference="x")}, "正数的月养老金"),
])
def test_a_bad_declaration_is_refused_in_chinese_and_nothing_is_written(db, kwargs, error):
    person = personas.make_person("赵一", birth=dt.date(1959, 10, 15), serial=11)
    args = {"actor": SETUP, "person": person, "bank_account": "6222020000000000011",
            "basis": Basis(index_x10k=10_000, contribution_months=360, account_balance_fen=0), **kwargs}
    with pytest.raises(ValidationError, match=error):
        retiree_declare(**args)
    assert not Retiree.objects.exists() and not Entitlement.objects.exists()
    assert Person.objects.get(pk=person.pk).contributor_category == Person.ContributorCategory.EMPLOYEE


def test_a_person_is_declared_once(db):
    r = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2020, 2, 20))
    with pytest.raises(ValidationError, match="已登记为退休人员"):
        retiree_declare(actor=SETUP, person=r.person, bank_account="6222020000000000011",
                        basis=Basis(record_monthly_fen=1, record_reference="x"))
    assert Retiree.objects.count() == 1


def test_another_districts_clerk_may_not_declare_and_nothing_is_written(db, clerk_haidian):
    person = personas.make_person("赵一", birth=dt.date(1959, 10, 15), serial=11)
    with pytest.raises(ActionRefused):
        retiree_declare(actor=clerk_haidian, person=person, bank_account="6222020000000000011",
                        basis=Basis(record_monthly_fen=1, record_reference="x"))
    assert not Retiree.objects.exists()


def test_a_death_stops_payment_after_the_month_of_death_and_recovers_what_was_paid_beyond(db, clerk_chaoyang):
    r = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 20))
    for m in ("2019-11", "2019-12", "2020-01", "2020-02"):
        payroll.payroll_run_start(actor=SETUP, month=m)
    stop = retiree_suspend(actor=clerk_chaoyang, retiree=r, reason="death", died_on=dt.date(2019, 12, 28))
    assert stop.from_month == "2020-01"
    r.refresh_from_db()
    assert r.status == Retiree.Status.ENDED
    rec = Recovery.objects.get(retiree=r)
    assert rec.months == ["2020-01", "2020-02"]
    assert rec.amount_fen == sum(PensionMonth.objects.filter(retiree=r, month__gte="2020-01")
                                 .values_list("amount_fen", flat=True))
    assert account_balance(account=RECEIVABLE) == rec.amount_fen
    assert unbalanced_transactions() == []
    with pytest.raises(ValidationError, match="没有应发放的待遇"):  # nobody left to pay: no run (D15)
        payroll.payroll_run_start(actor=SETUP, month="2020-03")
    with pytest.raises(ValidationError, match="不在暂停发放状态"):
        retiree_resume(actor=clerk_chaoyang, retiree=r, from_month="2020-04")


def test_re_employment_months_are_never_paid_and_payment_resumes_after(db, clerk_chaoyang):
    r = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 20))
    payroll.payroll_run_start(actor=SETUP, month="2019-11")
    retiree_suspend(actor=clerk_chaoyang, retiree=r, reason="reemployment", from_month="2019-12")
    for month in ("2019-12", "2020-01"):  # nothing owed while re-employed: no run is made (D15)
        with pytest.raises(ValidationError, match="没有应发放的待遇"):
            payroll.payroll_run_start(actor=SETUP, month=month)
    retiree_resume(actor=clerk_chaoyang, retiree=r, from_month="2020-02")
    assert Suspension.objects.get(retiree=r).to_month == "2020-01"
    payroll.payroll_run_start(actor=SETUP, month="2020-02")
    assert sorted(PensionMonth.objects.filter(retiree=r).values_list("month", flat=True)) == ["2019-11", "2020-02"]
    assert not Recovery.objects.exists()


def test_months_stopped_for_verification_are_paid_as_arrears_once_resumed(db, clerk_chaoyang):
    r = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 20))
    payroll.payroll_run_start(actor=SETUP, month="2019-11")
    retiree_suspend(actor=clerk_chaoyang, retiree=r, reason="verification", from_month="2019-12")
    with pytest.raises(ValidationError, match="没有应发放的待遇"):
        payroll.payroll_run_start(actor=SETUP, month="2019-12")
    retiree_resume(actor=clerk_chaoyang, retiree=r, from_month="2020-01")
    run = payroll.payroll_run_start(actor=SETUP, month="2020-01")
    got = dict(PensionMonth.objects.filter(transfer__run=run).values_list("month", "kind"))
    assert got == {"2019-12": "arrears", "2020-01": "regular"}


def test_a_recovery_for_re_employment_books_months_already_paid(db, clerk_chaoyang):
    r = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 20))
    payroll.payroll_run_start(actor=SETUP, month="2020-01")
    retiree_suspend(actor=clerk_chaoyang, retiree=r, reason="reemployment", from_month="2019-12")
    rec = Recovery.objects.get(retiree=r)
    assert rec.months == ["2019-12", "2020-01"]
    assert account_balance(account=EXPENSE) == MONTHLY_2019  # only 2019-11 remains an expense
    with pytest.raises(ValidationError, match="不能再次停发"):
        retiree_suspend(actor=clerk_chaoyang, retiree=r, reason="reemployment", from_month="2020-02")
