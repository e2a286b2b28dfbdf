"""A paid due that relief credited to the employer's prepaid balance (publication or 补减免, issue 19)
refunds only what is left: paid less the relief credited for it less earlier refunds (1.2c; review
input8 F1). The portal's form, the front desk, the API, submission and approval agree on that limit,
and a refund above it is refused in Chinese naming the amount, nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.cases import services
from shebao.cases.effects import EffectRefused
from shebao.cases.models import Case
from shebao.cases.services import DetailsRefused
from shebao.collection import ledger
from shebao.collection.models import Due, Refund
from shebao.collection.refundable import refundable_each
from shebao.collection.relief import _relieve_dues
from tests.businesses.desk import refund_fields
from tests.businesses.test_refund import APPLIED, refund_details
from tests.businesses.walk import complete, prepare, submit
from tests.cases.conftest import client_for
from tests.cases.conftest import submit as api_submit
from tests.nothing_written import nothing_written
from tests.personas import SETUP

RELIEF = 40_000  # of the 1,000.00-yuan paid due: 400.00 yuan credited, 600.00 left to refund


def _credit(due: Due, fen: int = RELIEF) -> Due:
    """Relieve the paid due as a publication or 补减免 does: the relief credited to the prepaid balance."""
    relieved, txn, employers = _relieve_dues([(due, fen, "relief-2020-covid/sme-exempt")], on=dt.date(2020, 3, 8),
                                             actor=SETUP, memo="补减免社会保险费：测试", reason="测试补减免")
    assert txn is not None and relieved[0].relief_credited
    due.refresh_from_db()
    return due


@pytest.fixture
def relieved_due(paid_due):
    return _credit(paid_due)


def test_relief_credited_counts_as_returned_for_the_due(relieved_due, employer_chaoyang):
    assert refundable_each([relieved_due.pk]) == {relieved_due.pk: 100_000 - RELIEF}
    assert -ledger.account_balance(account=ledger.EMPLOYER_CREDIT, employer_id=employer_chaoyang.pk) == RELIEF


def test_a_refund_of_the_full_paid_amount_is_refused_at_submission_naming_the_limit(
        clerk_chaoyang, person_chaoyang, relieved_due):
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
               details=refund_details(relieved_due, amount_fen=100_000))
    error = refused.value.errors[0]
    assert error.field == "details.amount_fen"
    assert "600.00元" in error.zh and "减免已退至预缴余额的400.00元" in error.zh and "不能多退" in error.zh
    assert not Case.objects.filter(business="refund").exists()


def test_the_limit_is_refunded_and_then_nothing_more(clerk_chaoyang, reviewer_chaoyang, person_chaoyang,
                                                     relieved_due, employer_chaoyang):
    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                  details=refund_details(relieved_due, amount_fen=60_000))
    done = complete(case, clerk_chaoyang, reviewer_chaoyang)
    assert done.status == "completed"
    refund = Refund.objects.get(case=case)
    assert [(i.due_id, i.amount_fen) for i in refund.items.all()] == [(relieved_due.pk, 60_000)]
    assert refundable_each([relieved_due.pk]) == {relieved_due.pk: 0}
    # Paid 1,000.00 = refunded 600.00 + relief credited 400.00: the fund returns it once.
    assert -ledger.account_balance(account=ledger.EMPLOYER_CREDIT, employer_id=employer_chaoyang.pk) == RELIEF
    assert ledger.unbalanced_transactions() == []
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
               details=refund_details(relieved_due, amount_fen=1))
    assert "0.00元" in refused.value.errors[0].zh


def test_approval_refuses_a_refund_the_relief_made_too_large_after_submission(
        clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due):
    """Submitted before the relief came (补减免 on a later day): the books decide at approval."""
    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                  details=refund_details(paid_due, amount_fen=100_000))
    prepare(case, clerk_chaoyang)
    services.case_accept(case=case, actor=clerk_chaoyang)
    _credit(paid_due)
    with nothing_written(), pytest.raises((EffectRefused, DetailsRefused)) as refused:
        services.case_approve(case=case, actor=reviewer_chaoyang)
    text = getattr(refused.value, "zh", "") or " ".join(e.zh for e in refused.value.errors)
    assert "不能多退" in text
    case.refresh_from_db()
    assert case.status == "in_review" and not Refund.objects.exists()


def test_a_due_whose_whole_payment_relief_credited_is_refused_at_the_dues(clerk_chaoyang, person_chaoyang,
                                                                          paid_due):
    _credit(paid_due, 100_000)
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
               details=refund_details(paid_due, amount_fen=100))
    fields = {e.field: e.zh for e in refused.value.errors}
    assert "已全部由减免退至预缴余额" in fields["details.dues"]


def test_the_api_refuses_the_full_amount_with_the_limit(clerk_chaoyang, person_chaoyang, relieved_due):
    api = client_for(clerk_chaoyang)
    with nothing_written():
        r = api_submit(api, business="refund", channel="online", person=person_chaoyang.pk, applied_on="2020-03-02",
                       details=refund_details(relieved_due, amount_fen=100_000))
    assert r.status_code == 400
    errors = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert "600.00元" in errors["details.amount_fen"]
    r = api_submit(api, business="refund", channel="online", person=person_chaoyang.pk, applied_on="2020-03-02",
                   details=refund_details(relieved_due, amount_fen=60_000))
    assert r.status_code == 201, r.json()
    assert Case.objects.get(pk=r.json()["id"]).details["amount_fen"] == 60_000


def test_the_front_desk_refuses_the_full_amount_at_the_amount(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    fields = refund_fields(person_chaoyang, amount="1000.00")
    _credit(Due.objects.get(pk=int(fields["dues"])))
    with nothing_written(shown=person_chaoyang):
        r = client.post(reverse("backoffice:front_desk"), {
            "business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
            "refund_kind": "overpayment", **fields, "token": "t-relief", "do": "save"})
    html = r.content.decode()
    assert r.status_code == 400 and "不能多退" in html and "600.00元" in html
