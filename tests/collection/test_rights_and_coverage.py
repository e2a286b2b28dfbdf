"""The rights record counts months made up in the window as on time (0.3); the coverage check
keeps benefits during the extended deadline (0.2)."""

from __future__ import annotations

import datetime as dt

from shebao.collection.selectors import medical_coverage, rights_record
from shebao.collection.services import dues_build, payment_receive
from shebao.rules import load_policy
from tests.collection.conftest import contribution
from tests.personas import SETUP

LIFTED = load_policy(overrides={"epidemic_lifted_on": "2020-04-30"})


def _record(person, as_of, policy):
    return {m.month: m for m in rights_record(person=person, as_of=as_of, policy=policy)}


def test_a_month_made_up_within_three_months_of_the_lifted_date_counts_as_on_time(employer_chaoyang, person_chaoyang):
    contribution(person_chaoyang, employer_chaoyang, "2019-12", 1_000_000, paid_on=dt.date(2019, 12, 20))
    contribution(person_chaoyang, employer_chaoyang, "2020-02", 1_000_000)
    contribution(person_chaoyang, employer_chaoyang, "2020-03", 1_000_000)
    dues_build(actor=SETUP, months=["2019-12", "2020-02", "2020-03"])
    total = sum(d.amount_fen for d in employer_chaoyang.dues.filter(paid_on__isnull=True))
    payment_receive(actor=SETUP, employer=employer_chaoyang, amount_fen=total, received_on=dt.date(2020, 7, 1), source="remittance")
    record = _record(person_chaoyang, dt.date(2020, 12, 31), LIFTED)
    assert record["2019-12"].status == "on_time"
    assert record["2020-02"].status == "made_up" and record["2020-02"].counts_as_on_time
    assert record["2020-03"].status == "made_up"
    assert any(c.startswith("第0.3条") for c in record["2020-03"].clauses)


def test_a_month_made_up_after_the_deadline_is_late(employer_chaoyang, person_chaoyang):
    contribution(person_chaoyang, employer_chaoyang, "2020-03", 1_000_000, paid_on=dt.date(2020, 8, 3))
    dues_build(actor=SETUP, months=["2020-03"])
    month = _record(person_chaoyang, dt.date(2020, 12, 31), LIFTED)["2020-03"]
    assert (month.status, month.counts_as_on_time) == ("late", False)


def test_an_unpaid_month_is_in_arrears_once_its_due_date_has_passed(employer_chaoyang, person_chaoyang):
    contribution(person_chaoyang, employer_chaoyang, "2019-11", 1_000_000)
    dues_build(actor=SETUP, months=["2019-11"])
    assert _record(person_chaoyang, dt.date(2019, 11, 25), LIFTED)["2019-11"].status == "not_yet_due"
    assert _record(person_chaoyang, dt.date(2019, 11, 26), LIFTED)["2019-11"].status == "unpaid"


def test_medical_cover_continues_until_the_extended_due_date_of_0_2(employer_chaoyang, person_chaoyang):
    contribution(person_chaoyang, employer_chaoyang, "2020-02", 1_000_000)
    dues_build(actor=SETUP, months=["2020-02"])
    policy = load_policy()
    inside = medical_coverage(person=person_chaoyang, on=dt.date(2020, 2, 28), policy=policy)
    assert (inside.covered, inside.clause) == (True, "0.2")
    # 2020-03-31 is the extended due date; the normal one (the 25th) would already have ended cover.
    assert medical_coverage(person=person_chaoyang, on=dt.date(2020, 2, 29), policy=policy).covered


def test_medical_cover_ends_when_a_normal_month_is_unpaid_after_the_25th(employer_chaoyang, person_chaoyang):
    contribution(person_chaoyang, employer_chaoyang, "2019-12", 1_000_000)
    dues_build(actor=SETUP, months=["2019-12"])
    policy = load_policy()
    assert medical_coverage(person=person_chaoyang, on=dt.date(2019, 12, 25), policy=policy).covered
    late = medical_coverage(person=person_chaoyang, on=dt.date(2019, 12, 26), policy=policy)
    assert not late.covered and "欠缴" in late.reason


def test_medical_cover_is_restored_once_the_month_is_paid(employer_chaoyang, person_chaoyang):
    contribution(person_chaoyang, employer_chaoyang, "2019-12", 1_000_000)
    dues_build(actor=SETUP, months=["2019-12"])
    total = sum(d.amount_fen for d in employer_chaoyang.dues.all())
    payment_receive(actor=SETUP, employer=employer_chaoyang, amount_fen=total, received_on=dt.date(2020, 1, 3), source="remittance")
    assert medical_coverage(person=person_chaoyang, on=dt.date(2019, 12, 28), policy=load_policy()).covered


def test_no_contribution_means_no_medical_cover(person_chaoyang):
    cover = medical_coverage(person=person_chaoyang, on=dt.date(2020, 1, 10), policy=load_policy())
    assert not cover.covered and "无医疗保险参保缴费记录" in cover.reason
