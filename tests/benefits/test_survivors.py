"""Survivors' pensions (供养亲属抚恤金, 工伤保险条例 第三十九条第一款第（二）项) and the disability allowance
once retired (第三十五条第二款): the rules' money as properties, the grant, the monthly payroll, the end."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shebao.benefits import payroll
from shebao.benefits.models import AllowanceMonth, SurvivorMonth, SurvivorPension, Transfer
from shebao.benefits.survivors import DependantInput, survivor_pension_end, survivor_pensions_grant
from shebao.benefits.work_injury import exchange_file_import, fast_track_award_pay, fast_track_claim_submit
from shebao.collection.ledger import account_balance, unbalanced_transactions
from shebao.core import clock
from shebao.core.masking import mask_id_number
from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused
from shebao.rules import load_policy
from shebao.rules.work_injury import (
    Dependant,
    allowance_top_up_fen,
    survivor_last_month,
    survivor_pensions_fen,
)
from tests import personas
from tests.benefits.conftest import claim_details, declare, send_to_bank
from tests.nothing_written import nothing_written
from tests.personas import SETUP

POLICY = load_policy("base")
ON = dt.date(2020, 4, 1)
RATE = {"spouse": 40_000, "other": 30_000, "lone": 10_000}  # 第三十九条, per 100000

dependants_st = st.lists(st.builds(Dependant, relation=st.sampled_from(["child", "parent", "other"]),
                                   lone=st.booleans()), max_size=7).flatmap(
    lambda rest: st.booleans().map(lambda spouse: ([Dependant("spouse")] if spouse else []) + rest))


def uncapped(wage: int, d: Dependant) -> int:
    rate = (RATE["spouse"] if d.relation == "spouse" else RATE["other"]) + (RATE["lone"] if d.lone else 0)
    return (wage * rate * 2 + 100_000) // 200_000  # half up


# --- The rules' money, as properties -------------------------------------------------------------------
@hsettings(max_examples=300, deadline=None)
@given(wage=st.integers(0, 10_000_000), deps=dependants_st)
def test_each_share_is_the_articles_rate_and_the_sum_never_exceeds_the_wage(wage, deps):
    fen, params = survivor_pensions_fen(POLICY, wage_fen=wage, dependants=deps, on=ON)
    assert len(fen) == len(deps) and all(x >= 0 for x in fen)
    assert sum(fen) <= wage
    shares = [uncapped(wage, d) for d in deps]
    if sum(shares) <= wage:
        assert fen == shares  # 40 % / 30 % / +10 %, half up to the fen
    else:
        assert sum(fen) == wage  # reduced to the cap exactly
        assert all(x <= s for x, s in zip(fen, shares, strict=True))
        # in proportion: each within one fen of its exact proportional share
        assert all(abs(x * sum(shares) - s * wage) < sum(shares) for x, s in zip(fen, shares, strict=True))
    assert "第三十九条" in params["work_injury.survivor_pension_rate"]["document"]


@hsettings(max_examples=200, deadline=None)
@given(wage=st.integers(1, 10_000_000), deps=dependants_st.filter(lambda d: len(d) >= 2))
def test_when_a_dependant_ends_no_other_share_falls(wage, deps):
    before, _ = survivor_pensions_fen(POLICY, wage_fen=wage, dependants=deps, on=ON)
    after, _ = survivor_pensions_fen(POLICY, wage_fen=wage, dependants=deps[:-1], on=ON)
    assert all(a + 1 >= b for a, b in zip(after, before[:-1], strict=True))  # rounding may move one fen


@given(allowance=st.integers(0, 5_000_000), pension=st.integers(0, 5_000_000))
def test_the_top_up_and_the_pension_together_are_at_least_the_allowance(allowance, pension):
    top = allowance_top_up_fen(allowance_fen=allowance, pension_fen=pension)
    assert top >= 0 and pension + top == max(pension, allowance)


def test_the_rules_refuse_a_second_spouse_and_a_child_ends_at_18():
    from shebao.rules import InputError

    with pytest.raises(InputError) as e:
        survivor_pensions_fen(POLICY, wage_fen=100, dependants=[Dependant("spouse"), Dependant("spouse")], on=ON)
    assert e.value.zh == "配偶只能有一人"
    assert survivor_last_month(relation="child", birth_date=dt.date(2008, 2, 29), unable_to_work=False) == "2026-02"
    assert survivor_last_month(relation="child", birth_date=dt.date(2008, 2, 29), unable_to_work=True) == ""
    assert survivor_last_month(relation="parent", birth_date=dt.date(1950, 1, 1), unable_to_work=False) == ""


# --- Granting and paying ------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 7, 15)


@pytest.fixture
def death_award(db, clerk_chaoyang, reviewer_chaoyang):
    """A doctor infected on duty who died on 2020-03-02 (survivors paid from 2020-04)."""
    doctor = personas.make_person("医生乙", birth=dt.date(1978, 6, 1), serial=51)
    exchange_file_import(data=("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"kind": "recognition", "reference": "京人社工伤认〔2020〕0051号", "id_number": doctor.id_number,
         "decided_on": "2020-02-08", "injured_on": "2020-01-27", "medical_staff": True},
        {"kind": "assessment", "reference": "京劳鉴〔2020〕0051号", "id_number": doctor.id_number,
         "decided_on": "2020-03-05", "died_on": "2020-03-02"}]) + "\n").encode(), filename="d.jsonl", actor=SETUP)
    case = fast_track_claim_submit(actor=clerk_chaoyang, person=doctor, details=claim_details(), applied_on=dt.date(2020, 3, 6))
    return fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000000051",
                               # a sister received the immediate payment: the dependants' spouse is another
                               # person, who may not be a second spouse (review-input8 F4)
                               payee=personas.relative(relation="sibling"))


def family(*, child_birth: dt.date = dt.date(2010, 5, 20), lone_parent: bool = False) -> list[DependantInput]:
    cid = personas.citizen_id
    return [DependantInput("配偶丙", cid("110105", dt.date(1979, 8, 8), 61, male=False), "spouse", "6222020000000000061"),
            DependantInput("子女丁", cid("110105", child_birth, 62, male=True), "child", "6222020000000000062"),
            DependantInput("父亲戊", cid("110105", dt.date(1950, 1, 9), 63, male=True), "parent",
                           "6222020000000000063", lone=lone_parent)]


def test_the_pensions_are_granted_and_paid_monthly_from_the_month_after_the_death(death_award, reviewer_chaoyang):
    spouse, child, parent = survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000,
                                                    dependants=family(child_birth=dt.date(2002, 5, 20)))
    assert (spouse.from_month, spouse.last_month, child.last_month, parent.last_month) == ("2020-04", "", "2020-05", "")
    assert spouse.wage_fen == 1_000_000 and spouse.bank_account == "6222020000000000061"
    assert AuditEvent.objects.filter(model="benefits.SurvivorPension").count() == 3
    # May's run: April and May; 40 + 30 + 30 = 100 %, at the cap exactly
    may = payroll.payroll_run_start(actor=SETUP, month="2020-05")
    by_payee = {t.bank_account: t for t in may.transfers.all()}
    assert {a: t.amount_fen for a, t in by_payee.items()} == {
        "6222020000000000061": 800_000, "6222020000000000062": 600_000, "6222020000000000063": 600_000}
    assert all(t.kind == Transfer.Kind.WORK_INJURY for t in by_payee.values())
    # June: the child turned 18 in May and is no longer paid; nobody else's share changes (under the cap)
    june = payroll.payroll_run_start(actor=SETUP, month="2020-06")
    assert sorted(june.transfers.values_list("amount_fen", flat=True)) == [300_000, 400_000]
    assert not SurvivorMonth.objects.filter(pension=child, month="2020-06").exists()
    # each month once; the accrual is work-injury expense, balanced
    assert SurvivorMonth.objects.count() == 2 * 3 + 2
    assert account_balance(account=payroll.WORK_INJURY_EXPENSE) == (
        death_award.amount_fen + 2_000_000 + 700_000)
    assert unbalanced_transactions() == []
    # the bank file pays the dependant, by name and masked ID number, not the deceased
    data = payroll.payment_file_bytes(june)[0].decode()
    assert "配偶丙" in data and mask_id_number(spouse.id_number) in data and death_award.person.name not in data
    assert spouse.id_number not in data


def test_over_the_cap_the_shares_are_reduced_in_proportion_and_rise_again_when_one_ends(death_award,
                                                                                       reviewer_chaoyang,
                                                                                       clerk_chaoyang):
    # 40 % + 30 % + (30 + 10) % = 110 % of the wage: reduced to 100 %
    spouse, child, parent = survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000,
                                                    dependants=family(lone_parent=True))
    april = payroll.payroll_run_start(actor=SETUP, month="2020-04")
    amounts = dict(SurvivorMonth.objects.filter(transfer__run=april).values_list("pension_id", "amount_fen"))
    assert sum(amounts.values()) == 1_000_000
    assert (amounts[spouse.pk], amounts[child.pk], amounts[parent.pk]) == (363_637, 272_727, 363_636)  # the tie's fen to the first listed
    # the spouse remarries: paid through April, the others back to their full shares from May
    survivor_pension_end(actor=clerk_chaoyang, pension=spouse, last_month="2020-04", reason="remarriage")
    spouse.refresh_from_db()
    assert spouse.status == SurvivorPension.Status.ENDED and spouse.end_reason == "配偶再婚"
    may = payroll.payroll_run_start(actor=SETUP, month="2020-05")
    assert dict(SurvivorMonth.objects.filter(transfer__run=may).values_list("pension_id", "amount_fen")) == {
        child.pk: 300_000, parent.pk: 400_000}


def test_an_end_before_a_month_already_paid_is_refused_and_nothing_written(death_award, reviewer_chaoyang,
                                                                           clerk_chaoyang):
    spouse = survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000,
                                     dependants=family()[:1])[0]
    payroll.payroll_run_start(actor=SETUP, month="2020-05")
    for month, says in [("2020-04", "2020-05至2020-05已发放"), ("9999-12", "发放至“9999-12”晚于2020-07"),
                        ("2020-13", "发放至“2020-13”不存在：没有13月")]:
        with nothing_written(), pytest.raises(ValidationError) as refused:
            survivor_pension_end(actor=clerk_chaoyang, pension=spouse, last_month=month, reason="remarriage")
        assert says in refused.value.message_dict["last_month"][0]
    spouse.refresh_from_db()
    assert spouse.status == SurvivorPension.Status.ACTIVE and spouse.last_month == ""


@pytest.mark.parametrize(("change", "key", "says"), [
    ({"id_number": "110105197908080611"}, "id_number_1", "第1位供养亲属的"),
    ({"bank_account": "12ab"}, "bank_account_1", "发放账号须为8至32位数字"),
    ({"relation": "cousin"}, "relation_1", "关系无效"),
    ({"lone": True}, "lone_1", "不属孤儿或孤寡老人"),
    ({"name": " "}, "name_1", "请填写第1位供养亲属的姓名"),
])
def test_a_bad_dependant_is_refused_naming_the_field_and_nothing_written(death_award, reviewer_chaoyang, change, key,
                                                                        says):
    first, *rest = family()
    bad = DependantInput(**{**first.__dict__, **change})
    with nothing_written(), pytest.raises(ValidationError) as refused:
        survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000, dependants=[bad, *rest])
    assert says in refused.value.message_dict[key][0]


def test_a_second_spouse_an_adult_child_and_a_second_grant_are_refused(death_award, reviewer_chaoyang):
    spouse = family()[0]
    with nothing_written(), pytest.raises(ValidationError, match="配偶只能有一人"):
        survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000,
                                dependants=[spouse, spouse])
    with nothing_written(), pytest.raises(ValidationError, match="已满18周岁"):
        survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000,
                                dependants=family(child_birth=dt.date(2000, 1, 1)))
    survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000, dependants=[spouse])
    with nothing_written(), pytest.raises(ValidationError, match="已核定"):
        survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000, dependants=[spouse])


def test_another_districts_staff_may_not_grant(death_award, clerk_haidian):
    with nothing_written(), pytest.raises(ActionRefused):
        survivor_pensions_grant(actor=clerk_haidian, award=death_award, wage_fen=1_000_000, dependants=family())


def test_a_failed_survivor_transfer_is_retried_with_its_months(death_award, reviewer_chaoyang):
    spouse = survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000,
                                     dependants=family()[:1])[0]
    run = payroll.payroll_run_start(actor=SETUP, month="2020-05")
    t = run.transfers.get()
    send_to_bank(run)
    payroll.payroll_result_import(data=("transfer_id,amount,result,reason,bank_reference,date\n"
                                        f"{t.pk},8000.00,failed,账户冻结,,{clock.today()}\n").encode(),
                                  filename="s.csv", actor=SETUP)
    retry = payroll.payroll_retry_start(run=run, actor=SETUP)
    assert SurvivorMonth.objects.filter(pension=spouse, transfer__run=retry).count() == 2
    assert SurvivorMonth.objects.filter(pension=spouse).count() == 2


# --- The disability allowance once retired (第三十五条第二款) ------------------------------------------------
def test_the_allowance_stops_at_retirement_and_tops_a_lower_pension_up(db, clerk_chaoyang, reviewer_chaoyang):
    # a grade 1 worker (90 % of 10,000 yuan = 9,000 a month) retiring in 2020-04 at 60 on a pension of
    # 3,654.10 yuan: from 2020-05 the fund pays the difference only
    worker = declare("伤残己", birth=dt.date(1960, 4, 10), serial=71, declared_on=dt.date(2020, 4, 10))
    person = worker.person
    exchange_file_import(data=("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"kind": "recognition", "reference": "R71", "id_number": person.id_number, "decided_on": "2020-02-08",
         "medical_staff": True},
        {"kind": "assessment", "reference": "A71", "id_number": person.id_number, "decided_on": "2020-02-20",
         "grade": 1}]) + "\n").encode(), filename="a.jsonl", actor=SETUP)
    case = fast_track_claim_submit(actor=clerk_chaoyang, person=person, details=claim_details(), applied_on=dt.date(2020, 2, 21))
    fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=1_000_000, bank_account="6222020000000000071")
    run = payroll.payroll_run_start(actor=SETUP, month="2020-06")
    months = list(AllowanceMonth.objects.order_by("month").values_list("month", "amount_fen", "pension_fen"))
    pension = worker.entitlement.monthly_fen  # retired in 2020: no 2020 adjustment
    assert months == [("2020-03", 900_000, 0), ("2020-04", 900_000, 0),
                      ("2020-05", 900_000 - pension, pension), ("2020-06", 900_000 - pension, pension)]
    assert sorted(run.transfers.values_list("kind", "amount_fen")) == [
        ("pension", 2 * pension), ("work_injury", 2 * 900_000 + 2 * (900_000 - pension))]


def test_a_pension_above_the_allowance_leaves_nothing_to_top_up(db, clerk_chaoyang, reviewer_chaoyang):
    from shebao.benefits.services import Basis

    worker = declare("伤残庚", birth=dt.date(1960, 4, 10), serial=72, declared_on=dt.date(2020, 4, 10),
                     basis=Basis(record_monthly_fen=2_000_000, record_reference="高1"))
    person = worker.person
    exchange_file_import(data=("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"kind": "recognition", "reference": "R72", "id_number": person.id_number, "decided_on": "2020-02-08",
         "medical_staff": True},
        {"kind": "assessment", "reference": "A72", "id_number": person.id_number, "decided_on": "2020-02-20",
         "grade": 4}]) + "\n").encode(), filename="b.jsonl", actor=SETUP)
    case = fast_track_claim_submit(actor=clerk_chaoyang, person=person, details=claim_details(), applied_on=dt.date(2020, 2, 21))
    fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=1_000_000, bank_account="6222020000000000072")
    payroll.payroll_run_start(actor=SETUP, month="2020-06")
    assert list(AllowanceMonth.objects.order_by("month").values_list("month", flat=True)) == ["2020-03", "2020-04"]
    july = payroll.payroll_run_start(actor=SETUP, month="2020-07")  # the pension only
    assert list(july.transfers.values_list("kind", "amount_fen")) == [("pension", 2_000_000)]


def test_a_dependant_is_a_person_not_the_deceased_nor_a_registered_stranger(death_award, reviewer_chaoyang):
    """review-input6 F5: a "spouse" was granted a pension under the dead worker's own number, under another
    name. A dependant's number is never the deceased's, and a number in the registry carries its name."""
    first, *rest = family()
    as_deceased = DependantInput(**{**first.__dict__, "id_number": death_award.person.id_number})
    with nothing_written(), pytest.raises(ValidationError) as refused:
        survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000,
                                dependants=[as_deceased, *rest])
    assert "是死者本人的号码" in refused.value.message_dict["id_number_1"][0]
    registered = personas.make_person("配偶丙", birth=dt.date(1979, 8, 8), serial=61, male=False)
    assert registered.id_number == first.id_number
    renamed = DependantInput(**{**first.__dict__, "name": "王某"})
    with nothing_written(), pytest.raises(ValidationError) as refused:
        survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000,
                                dependants=[renamed, *rest])
    assert "与该证件号码登记的姓名不一致" in refused.value.message_dict["name_1"][0]
    spouse, *_ = survivor_pensions_grant(actor=reviewer_chaoyang, award=death_award, wage_fen=1_000_000,
                                         dependants=[first, *rest])  # the registered name: granted
    assert spouse.name == "配偶丙"
