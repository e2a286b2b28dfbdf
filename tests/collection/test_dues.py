"""Dues are built from contribution rows with the rates, floors and ceilings of the `base` pack."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.collection.models import Allocation, Due, Payment
from shebao.collection.reconcile import books_reconcile
from shebao.collection.services import dues_build
from shebao.core.models import AuditEvent
from shebao.registry.models import Contribution
from shebao.rules import due_date, load_policy
from tests import personas
from tests.collection.conftest import contribution
from tests.nothing_written import nothing_written
from tests.personas import SETUP


def _dues(employer, month):
    return {d.insurance: d for d in Due.objects.filter(employer=employer, month=month)}


def test_shares_follow_the_rates_with_the_three_yuan_medical_fixed_part(employer_chaoyang, person_chaoyang):
    contribution(person_chaoyang, employer_chaoyang, "2019-12", 1_000_000)  # 10,000 yuan
    dues_build(actor=SETUP, months=["2019-12"])
    d = _dues(employer_chaoyang, "2019-12")
    assert (d["pension"].employer_fen, d["pension"].personal_fen) == (160_000, 80_000)
    assert (d["unemployment"].employer_fen, d["unemployment"].personal_fen) == (8_000, 2_000)
    assert (d["medical"].employer_fen, d["medical"].personal_fen) == (100_000, 20_000 + 300)
    assert (d["maternity"].employer_fen, d["maternity"].personal_fen) == (8_000, 0)
    assert (d["work_injury"].employer_fen, d["work_injury"].personal_fen) == (2_000, 0)  # class 1: 0.2 %
    assert all(x.amount_fen == x.employer_fen + x.personal_fen and x.persons == 1 for x in d.values())


def test_a_base_below_the_floor_is_raised_and_one_above_the_ceiling_is_capped(employer_chaoyang, person_chaoyang,
                                                                            person_haidian):
    contribution(person_chaoyang, employer_chaoyang, "2020-01", 100_000)
    dues_build(actor=SETUP, months=["2020-01"])
    d = _dues(employer_chaoyang, "2020-01")
    assert d["pension"].employer_fen == 361_300 * 16 // 100  # the pension floor, 3613 yuan
    assert d["medical"].employer_fen == 53_600  # the medical floor, 5360 yuan, at 10 %
    contribution(person_haidian, employer_chaoyang, "2020-02", 9_000_000)
    dues_build(actor=SETUP, months=["2020-02"])
    assert _dues(employer_chaoyang, "2020-02")["pension"].employer_fen == 2_654_100 * 16 // 100


def test_work_injury_is_charged_by_the_employers_industry_class(person_chaoyang):
    employer = personas.make_employer("北京高危作业有限公司", serial=5, industry_class=8)
    contribution(person_chaoyang, employer, "2019-12", 1_000_000)
    dues_build(actor=SETUP, months=["2019-12"])
    assert _dues(employer, "2019-12")["work_injury"].employer_fen == 16_000  # class 8: 1.6 %


def test_dues_equal_the_amounts_declared_on_the_contribution_rows(employer_chaoyang, person_chaoyang,
                                                                   person_haidian):
    rows = [contribution(person_chaoyang, employer_chaoyang, "2019-12", 1_234_567),
            contribution(person_haidian, employer_chaoyang, "2019-12", 777_777)]
    dues_build(actor=SETUP, months=["2019-12"])
    d = _dues(employer_chaoyang, "2019-12")
    assert d["pension"].amount_fen == sum(r.pension_employer_fen + r.pension_personal_fen for r in rows)
    assert d["medical"].amount_fen == sum(r.medical_employer_fen + r.medical_personal_fen for r in rows)
    assert d["pension"].persons == 2


def test_building_twice_changes_nothing_and_leaves_a_trail(employer_chaoyang, person_chaoyang):
    contribution(person_chaoyang, employer_chaoyang, "2019-12", 1_000_000)
    first = dues_build(actor=SETUP, months=["2019-12"])
    second = dues_build(actor=SETUP, months=["2019-12"])
    assert (first.dues, second.dues, second.skipped_pairs) == (5, 0, 1)
    assert Due.objects.count() == 5
    assert AuditEvent.objects.filter(model="collection.Due", action="bulk_create", count=5).exists()
    assert books_reconcile().ok


def test_contributions_already_paid_become_settled_dues_with_a_history_payment(employer_chaoyang, person_chaoyang):
    contribution(person_chaoyang, employer_chaoyang, "2019-11", 1_000_000, paid_on=dt.date(2019, 11, 20))
    contribution(person_chaoyang, employer_chaoyang, "2019-12", 1_000_000)
    result = dues_build(actor=SETUP, months=["2019-11", "2019-12"])
    assert result.history_payments == 1
    assert set(Due.objects.filter(month="2019-11").values_list("paid_on", flat=True)) == {dt.date(2019, 11, 20)}
    assert set(Due.objects.filter(month="2019-12").values_list("paid_on", flat=True)) == {None}
    payment = Payment.objects.get(source="history")
    assert payment.amount_fen == sum(a.amount_fen for a in Allocation.objects.filter(payment=payment))
    r = books_reconcile()
    assert r.ok, r.problems
    assert r.figures["receivable_fen"] == sum(Due.objects.filter(month="2019-12").values_list("amount_fen", flat=True))


def test_the_due_date_comes_from_the_policy_the_25th_or_the_extension_of_0_2():
    policy = load_policy()
    assert due_date("2019-12", policy) == dt.date(2019, 12, 25)
    assert due_date("2020-02", policy) == dt.date(2020, 3, 31)
    moved = policy.with_announcement({"collection.period_overrides": {"2020-03": "2020-04-30"}}, effective="2020-03-20")
    assert due_date("2020-03", moved) == dt.date(2020, 4, 30)


def test_the_build_dues_command_builds_a_range_of_months_once(employer_chaoyang, person_chaoyang, capsys):
    from django.core.management import CommandError, call_command

    contribution(person_chaoyang, employer_chaoyang, "2019-11", 1_000_000)
    contribution(person_chaoyang, employer_chaoyang, "2019-12", 1_000_000)
    call_command("build_dues", "--from", "2019-11", "--to", "2019-12")
    assert "生成应缴10笔" in capsys.readouterr().out
    call_command("build_dues", "--months", "2019-12")
    assert "生成应缴0笔" in capsys.readouterr().out
    with nothing_written(), pytest.raises(CommandError, match="费款所属期“2019-13”不是日历上的月份"):
        call_command("build_dues", "--months", "2019-13")


def test_months_without_rates_in_the_pack_are_refused_in_chinese(employer_chaoyang, person_chaoyang):
    from django.core.exceptions import ValidationError

    contribution_row = contribution(person_chaoyang, employer_chaoyang, "2020-06", 1_000_000)
    Contribution.objects.filter(pk=contribution_row.pk).update(month="1990-01")
    with nothing_written(), pytest.raises(ValidationError, match="1990-01"):
        dues_build(actor=SETUP, months=["1990-01"])
    assert not Due.objects.exists()
