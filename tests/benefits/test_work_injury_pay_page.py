"""The immediate payment of a fast-track work-injury claim has a page (review-input5 F11: only the demo
could call `fast_track_award_pay`): the list shows the claims waiting for it, the district's reviewer
computes and pays the award from the claim's page, anyone else is refused, and a refusal keeps what
was typed and writes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from shebao.benefits.models import PayrollRun, Transfer, WorkInjuryAward
from shebao.benefits.work_injury import exchange_file_import, fast_track_claim_submit
from shebao.core.models import AuditEvent
from tests import personas
from tests.benefits.conftest import claim_details
from tests.nothing_written import nothing_written
from tests.personas import SETUP


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 20)


@pytest.fixture
def claim(db, clerk_chaoyang):
    """A nurse infected on duty, assessed grade 2 on 2020-03-10: her claim waits for the payment."""
    nurse = personas.make_person("护士庚", birth=dt.date(1985, 4, 2), serial=84, male=False)
    exchange_file_import(data=("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"kind": "recognition", "reference": "京人社工伤认〔2020〕0084号", "id_number": nurse.id_number,
         "decided_on": "2020-02-20", "injured_on": "2020-01-30", "medical_staff": True},
        {"kind": "assessment", "reference": "京劳鉴〔2020〕0084号", "id_number": nurse.id_number,
         "decided_on": "2020-03-10", "grade": 2}]) + "\n").encode(), filename="n.jsonl", actor=SETUP)
    return fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 3, 11))


def test_the_reviewer_pays_the_claim_from_its_page(client, claim, reviewer_chaoyang):
    client.force_login(reviewer_chaoyang)
    listing = client.get(reverse("backoffice:work_injury_benefits")).content.decode()
    pay = reverse("backoffice:work_injury_pay", args=[claim.pk])
    assert 'id="work-injury-unpaid"' in listing and pay in listing and "护士庚" in listing
    page = client.get(pay).content.decode()
    assert "京人社工伤认〔2020〕0084号" in page and "2级伤残（2020-03-10）" in page
    assert 'id="work-injury-pay"' in page and "一次性伤残补助金" in page
    # a wage that is no amount: refused at once, the typed account kept, nothing written
    with nothing_written():
        r = client.post(pay, {"wage": "九千八", "bank_account": "6222020000000000841", "medical_costs": ""})
    assert r.status_code == 400
    text = r.content.decode()
    assert "本人工资应为金额（元）" in text and 'value="6222020000000000841"' in text
    # paid: the award, its immediate run with one transfer to the account typed, audited
    r = client.post(pay, {"wage": "9,800", "bank_account": "6222 0200 0000 0000 841", "medical_costs": "1,200.50"})
    award = WorkInjuryAward.objects.get(case=claim)
    assert r.status_code == 302 and r["Location"] == reverse("backoffice:work_injury_award", args=[award.pk])
    assert award.medical_costs_fen == 120_050 and award.disability_lump_sum_fen > 0
    assert award.amount_fen == award.disability_lump_sum_fen + 120_050
    t = Transfer.objects.get(run=award.run)
    assert (t.bank_account, t.amount_fen, t.person_id) == ("6222020000000000841", award.amount_fen, claim.person_id)
    assert award.run.kind == PayrollRun.Kind.IMMEDIATE
    assert AuditEvent.objects.filter(model="benefits.WorkInjuryAward", object_pk=str(award.pk)).exists()
    # paid once: the page now opens the award, and the list no longer offers the claim
    again = client.get(pay)
    assert again.status_code == 302 and again["Location"] == reverse("backoffice:work_injury_award", args=[award.pk])
    with nothing_written():
        client.post(pay, {"wage": "9,800", "bank_account": "6222020000000000841"})
    assert WorkInjuryAward.objects.count() == 1
    assert 'id="work-injury-unpaid"' not in client.get(reverse("backoffice:work_injury_benefits")).content.decode()


def test_a_clerk_sees_the_claim_but_may_not_pay_and_another_district_sees_nothing(
        client, claim, clerk_chaoyang, clerk_haidian, reviewer_haidian):
    pay = reverse("backoffice:work_injury_pay", args=[claim.pk])
    client.force_login(clerk_chaoyang)
    page = client.get(pay).content.decode()
    assert "护士庚" in page and 'id="work-injury-pay"' not in page and "须由本区审核人员办理" in page
    with nothing_written():
        r = client.post(pay, {"wage": "9,800", "bank_account": "6222020000000000841"})
    assert r.status_code == 403 and "即时支付工伤保险待遇" in r.content.decode()
    client.force_login(clerk_haidian)
    assert client.get(pay).status_code == 404
    with nothing_written():  # a clerk pays nowhere: refused before the id is read (core.route_actions)
        assert client.post(pay, {"wage": "9,800", "bank_account": "6222020000000000841"}).status_code == 403
    client.force_login(reviewer_haidian)  # another district's payer: the claim is not there for them
    assert client.get(pay).status_code == 404
    with nothing_written():
        assert client.post(pay, {"wage": "9,800", "bank_account": "6222020000000000841"}).status_code == 404


def test_a_rejected_claim_is_not_paid(claim, reviewer_chaoyang):
    from django.core.exceptions import ValidationError

    from shebao.benefits.work_injury import fast_track_award_pay
    from shebao.cases.models import Status

    claim.status = Status.REJECTED
    claim.save(update_fields=["status"])
    with nothing_written(), pytest.raises(ValidationError, match="不予受理/驳回"):
        fast_track_award_pay(actor=reviewer_chaoyang, case=claim, wage_fen=980_000, bank_account="6222020000000000841")


def _claim_of(clerk, serial: int, *, grade: int | None):
    """A nurse recognised on 2020-02-20; assessed at ``grade`` on 2020-03-10, or not yet (None)."""
    nurse = personas.make_person(personas.numbered("护士", serial), birth=dt.date(1986, 5, 3), serial=serial, male=False)
    rows = [{"kind": "recognition", "reference": f"京人社工伤认〔2020〕{serial:04d}号", "id_number": nurse.id_number,
             "decided_on": "2020-02-20", "injured_on": "2020-01-30", "medical_staff": True}]
    if grade is not None:
        rows.append({"kind": "assessment", "reference": f"京劳鉴〔2020〕{serial:04d}号", "id_number": nurse.id_number,
                     "decided_on": "2020-03-10", "grade": grade})
    exchange_file_import(data=("\n".join(json.dumps(x, ensure_ascii=False) for x in rows) + "\n").encode(),
                         filename=f"n{serial}.jsonl", actor=SETUP)
    return fast_track_claim_submit(actor=clerk, person=nurse, details=claim_details(), applied_on=dt.date(2020, 3, 11))


def test_medical_costs_beyond_the_immediate_payment_ceiling_are_refused(client, claim, reviewer_chaoyang):
    """review-input6 F1: 99,999,999,999,999 yuan of medical costs went into a payment file. Above the
    ceiling the page refuses with the amount and the road to take; at the ceiling it pays."""
    from shebao.benefits.work_injury import MEDICAL_COSTS_MAX_FEN

    client.force_login(reviewer_chaoyang)
    pay = reverse("backoffice:work_injury_pay", args=[claim.pk])
    for typed in ("99999999999999", "5,000,000.01"):
        with nothing_written():
            r = client.post(pay, {"wage": "9,800", "bank_account": "6222020000000000841", "medical_costs": typed})
        assert r.status_code == 400 and "超过即时支付的上限5,000,000.00元" in r.content.decode()
    r = client.post(pay, {"wage": "9,800", "bank_account": "6222020000000000841", "medical_costs": "5,000,000.00"})
    assert r.status_code == 302
    assert WorkInjuryAward.objects.get(case=claim).medical_costs_fen == MEDICAL_COSTS_MAX_FEN


def test_an_assessed_grade_is_not_paid_without_the_workers_wage(client, claim, reviewer_chaoyang):
    """review-input6 F3: an empty wage paid a grade at the 60 % floor, for good (one award per case)."""
    client.force_login(reviewer_chaoyang)
    pay = reverse("backoffice:work_injury_pay", args=[claim.pk])
    assert "本人工资（元/月，必填）" in client.get(pay).content.decode()
    for wage in ("", "0", " "):
        with nothing_written():
            r = client.post(pay, {"wage": wage, "bank_account": "6222020000000000841", "medical_costs": "100"})
        assert r.status_code == 400 and "请填写本人工资" in r.content.decode()


def test_a_claim_waits_for_its_assessment_before_anything_is_paid(client, clerk_chaoyang, reviewer_chaoyang):
    """review-input6 F4: medical costs paid before the assessment closed the claim, and the disability
    benefits of the grade that arrived later could never be paid. The claim now waits, and is paid once
    the assessment is in, disability benefits and medical costs together."""
    case = _claim_of(clerk_chaoyang, 86, grade=None)
    client.force_login(reviewer_chaoyang)
    pay = reverse("backoffice:work_injury_pay", args=[case.pk])
    page = client.get(pay).content.decode()
    assert 'id="work-injury-pay"' not in page and "待鉴定结论到达后一次核定" in page
    with nothing_written():
        r = client.post(pay, {"wage": "", "bank_account": "6222020000000000861", "medical_costs": "1,000"})
    assert r.status_code == 400 and "尚无劳动能力鉴定结论" in r.content.decode()
    exchange_file_import(data=(json.dumps({"kind": "assessment", "reference": "京劳鉴〔2020〕0086号",
                                           "id_number": case.person.id_number, "decided_on": "2020-03-12",
                                           "grade": 3}, ensure_ascii=False) + "\n").encode(),
                         filename="a86.jsonl", actor=SETUP)
    r = client.post(pay, {"wage": "9,800", "bank_account": "6222020000000000861", "medical_costs": "1,000"})
    award = WorkInjuryAward.objects.get(case=case)
    assert r.status_code == 302 and award.disability_lump_sum_fen == 23 * 980_000 and award.medical_costs_fen == 100_000


def test_a_second_submission_says_it_paid_nothing(client, claim, reviewer_chaoyang):
    """review-input6 F11: a second POST on a paid claim was ignored without a word."""
    client.force_login(reviewer_chaoyang)
    pay = reverse("backoffice:work_injury_pay", args=[claim.pk])
    assert "已核定并即时支付" in client.post(pay, {"wage": "9,800", "bank_account": "6222020000000000841",
                                                 "medical_costs": ""}, follow=True).content.decode()
    award = WorkInjuryAward.objects.get(case=claim)
    # the award page it lands on records the read of the person's data (review-user14 (3)); nothing else
    with nothing_written(shown=claim.person):
        r = client.post(pay, {"wage": "9,800", "bank_account": "6222020000000000999", "medical_costs": "5,000"},
                        follow=True)
    text = r.content.decode()
    # another account and medical costs: said to differ from what was paid (review-input7 F13)
    assert f"申请#{claim.pk}已核定并支付工伤保险待遇" in text and "本次提交的收款账号、医疗费用与已支付的不同" in text
    assert "未重复支付" in text and "已核定并即时支付" not in text
    with nothing_written(shown=claim.person):  # the same submission again: said to have paid nothing
        text = client.post(pay, {"wage": "9,800", "bank_account": "6222020000000000841", "medical_costs": ""},
                           follow=True).content.decode()
    assert "本次提交未重复支付" in text and "与已支付的不同" not in text
    assert WorkInjuryAward.objects.count() == 1 and Transfer.objects.filter(run=award.run).count() == 1


def test_a_twin_submission_gets_the_award_already_made_not_a_500(claim, reviewer_chaoyang, monkeypatch):
    """review-input6 F2: of four simultaneous POSTs three were 500 (the award's one-per-case constraint).
    A twin that loses the race at the insert gets the award its sibling made, flagged as not paid now."""
    from django.db import IntegrityError

    from shebao.benefits import work_injury

    first = work_injury.fast_track_award_pay(actor=reviewer_chaoyang, case=claim, wage_fen=980_000,
                                             bank_account="6222020000000000841")
    assert first.paid_now

    def insert_breaks(**kwargs):
        raise IntegrityError("UNIQUE constraint failed: benefits_workinjuryaward.case_id")

    monkeypatch.setattr(work_injury, "_award_pay", insert_breaks)
    with nothing_written():
        twin = work_injury.fast_track_award_pay(actor=reviewer_chaoyang, case=claim, wage_fen=980_000,
                                                bank_account="6222020000000000841")
    assert twin.pk == first.pk and not getattr(twin, "paid_now", False)


@pytest.mark.parametrize("typed", ["110105198504020021", "11010519850402003x", "110105 19850402 0021",
                                   "１１０１０５１９８５０４０２００２１"])
def test_a_citizen_id_number_is_no_bank_account(typed):
    """review-input6 F10: every account field of a payment took an 18-character citizen ID number (the
    check characters of 11010519850402002/3 are 1 and X, GB 11643-1999)."""
    from shebao.core.inputs import bank_account_text

    with pytest.raises(ValueError, match="填写的是居民身份证号码，请填写银行账号"):
        bank_account_text(typed, label="收款账号")
    assert bank_account_text("6222 0200 0000 0000 841", label="收款账号") == "6222020000000000841"
    assert bank_account_text("110105198504020022", label="收款账号") == "110105198504020022"  # check fails: no ID
    with pytest.raises(ValueError, match="收款账号须为8至32位数字"):
        bank_account_text("1234567", label="收款账号")


def test_the_pay_page_refuses_a_citizen_id_as_the_account(client, claim, reviewer_chaoyang):
    from shebao.registry.checks import id_check_character

    client.force_login(reviewer_chaoyang)
    number = "11010519850402002" + id_check_character("11010519850402002")
    with nothing_written():
        r = client.post(reverse("backoffice:work_injury_pay", args=[claim.pk]),
                        {"wage": "9,800", "bank_account": number, "medical_costs": ""})
    assert r.status_code == 400 and "请填写银行账号" in r.content.decode()
