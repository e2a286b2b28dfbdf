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
    return fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, applied_on=dt.date(2020, 3, 11))


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
        client, claim, clerk_chaoyang, clerk_haidian):
    pay = reverse("backoffice:work_injury_pay", args=[claim.pk])
    client.force_login(clerk_chaoyang)
    page = client.get(pay).content.decode()
    assert "护士庚" in page and 'id="work-injury-pay"' not in page and "须由本区审核人员办理" in page
    with nothing_written():
        r = client.post(pay, {"wage": "9,800", "bank_account": "6222020000000000841"})
    assert r.status_code == 403 and "即时支付工伤保险待遇" in r.content.decode()
    client.force_login(clerk_haidian)
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
