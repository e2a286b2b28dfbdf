"""Money out and doubtful money in are decided by two different people (issue 16 §3): the payroll's
payment file and the refund payment file are released for the bank by someone other than who made
them; a remittance whose payer the statement names as another employer (another district's, or the
payer's own registered account) is matched only after a second person approves. Each refusal is in
Chinese and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shebao.benefits import payroll
from shebao.benefits.services import Basis, retiree_declare
from shebao.collection import ledger, refunds, releases
from shebao.collection.importers import import_remittances
from shebao.collection.models import (
    PaymentFileRelease,
    Refund,
    RefundFileDownload,
    RemittanceLine,
    RemittanceMatchRequest,
)
from shebao.collection.services import SecondPersonRequired, remittance_match
from shebao.core import clock
from shebao.core.models import AuditEvent
from shebao.staff.models import Role
from tests import personas
from tests.nothing_written import nothing_written
from tests.personas import SETUP

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_clerk(db):
    return personas.make_staff("collection_city2", role=Role.COLLECTION_CLERK, office_code="110000",
                               display_name="市中心征缴经办员乙")


# --- The pension payroll's payment file ---------------------------------------------------------
@pytest.fixture
def run_by_clerk(collection_clerk):
    person = personas.make_person("退休甲", birth=dt.date(1959, 10, 15), serial=81)
    retiree_declare(actor=SETUP, person=person, bank_account="6222020000000000881",
                    basis=Basis(record_monthly_fen=300_000, record_reference="核定-MC"))
    return payroll.payroll_run_start(actor=collection_clerk, month="2020-02")


def test_who_started_the_payroll_run_cannot_release_its_file(run_by_clerk, collection_clerk):
    with nothing_written(), pytest.raises(SecondPersonRequired, match="另一名工作人员"):
        releases.payroll_file_release(run=run_by_clerk, actor=collection_clerk)


def test_the_payroll_file_is_not_handed_out_before_a_second_person_releases_it(run_by_clerk, collection_clerk,
                                                                             second_clerk, municipal_admin):
    with nothing_written(), pytest.raises(ValidationError, match="尚未由第二人复核放行"):
        payroll.payroll_file_read(run=run_by_clerk, actor=collection_clerk)
    release = releases.payroll_file_release(run=run_by_clerk, actor=municipal_admin)
    assert (release.released_by, release.made_by_label) == (municipal_admin, "市中心征缴经办员")
    assert AuditEvent.objects.filter(model="collection.PaymentFileRelease", object_pk=str(release.pk),
                                     actor=municipal_admin).exists()
    got = payroll.payroll_file_read(run=run_by_clerk, actor=second_clerk)
    assert b"6222020000000000881" in got.data
    with nothing_written(), pytest.raises(ValidationError, match="已复核放行"):
        releases.payroll_file_release(run=run_by_clerk, actor=second_clerk)


def test_the_run_page_releases_by_a_second_person_and_refuses_the_maker(client, run_by_clerk, collection_clerk,
                                                                        second_clerk):
    url = reverse("backoffice:payroll_file_release", args=[run_by_clerk.pk])
    client.force_login(collection_clerk)
    with nothing_written():
        r = client.post(url, follow=True)
    assert "须由生成它以外的另一名工作人员复核放行" in r.content.decode()
    client.force_login(second_clerk)
    r = client.post(url, follow=True)
    assert "已复核放行" in r.content.decode()
    assert PaymentFileRelease.objects.get().released_by == second_clerk


# --- The refund payment file ----------------------------------------------------------------------
@pytest.fixture
def refund_file(employer_chaoyang, person_chaoyang, collection_clerk, municipal_admin):
    from shebao.cases import services as cases
    from tests.cases.conftest import employ, valid_details

    employ(person_chaoyang, employer_chaoyang)  # the case's content names its employee

    txn = ledger.ledger_post(kind="refund", occurred_on=dt.date(2020, 3, 2), actor=SETUP, lines=[
        ledger.Line("income:pension", None, 100), ledger.Line("refund_payable", employer_chaoyang.pk, -100)])
    case, _ = cases.case_submit(actor=municipal_admin, business="monthly_report_back_payment", channel="counter",
                                employer=employer_chaoyang, applicant_kind="employer", applied_on=dt.date(2020, 2, 10),
                                idempotency_key="mc-refund", details=valid_details(
                                    "monthly_report_back_payment", employer=employer_chaoyang,
                                    applied_on=dt.date(2020, 2, 10)))
    Refund.objects.create(case=case, employer=employer_chaoyang, kind="overpayment", amount_fen=100,
                          payee_name="张三", bank_name="工行", bank_account="6222020000001234567", approval=txn)
    return refunds.refund_payment_file_create(actor=collection_clerk)


def test_who_made_the_refund_file_cannot_release_it_or_send_it_unreleased(refund_file, collection_clerk):
    with nothing_written(), pytest.raises(SecondPersonRequired, match="另一名工作人员"):
        releases.refund_payment_file_release(file=refund_file, actor=collection_clerk)
    with nothing_written(), pytest.raises(ValidationError, match="尚未由第二人复核放行"):
        refunds.refund_payment_file_read(file=refund_file, actor=collection_clerk)
    # And no bank result is taken for a file that was never released.
    refund = refund_file.refunds.get()
    with nothing_written(), pytest.raises(ValidationError, match="未经第二人复核放行"):
        refunds.refund_result_import(data=f"refund_id,status,paid_on,reason\n{refund.pk},成功,2020-03-20,\n".encode(),
                                     filename="rr.csv", actor=collection_clerk)


def test_a_second_person_releases_the_refund_file_then_it_is_downloaded_and_paid(refund_file, collection_clerk,
                                                                               municipal_admin):
    releases.refund_payment_file_release(file=refund_file, actor=municipal_admin)
    data = refunds.refund_payment_file_read(file=refund_file, actor=collection_clerk)
    assert b"6222020000001234567" in data
    assert RefundFileDownload.objects.get(file=refund_file).actor == collection_clerk
    refund = refund_file.refunds.get()
    report = refunds.refund_result_import(data=f"refund_id,status,paid_on,reason\n{refund.pk},成功,{clock.today()},\n"
                                          .encode(), filename="rr.csv", actor=collection_clerk)
    assert report.paid == 1 and Refund.objects.get(pk=refund.pk).status == "paid"


# --- Remittances whose payer is known as another employer --------------------------------------
@pytest.fixture
def chaoyang_payer_line(employer_chaoyang):
    """The issue's case: a remittance from a 朝阳 employer's registered account."""
    from shebao.registry.services import employer_update

    employer_update(actor=SETUP, employer=employer_chaoyang, bank_account="6222020000009999001")
    import_remittances(actor=SETUP, filename="s.csv", data=(
        "bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"
        "X1,2020-01-06,3.21,某公司,6222020000009999001,,\n").encode())
    return RemittanceLine.objects.get(bank_reference="X1")


def test_a_haidian_clerk_cannot_match_a_chaoyang_payers_remittance_alone(chaoyang_payer_line, employer_haidian,
                                                                        clerk_haidian):
    assert chaoyang_payer_line.status == "unmatched"  # the import did not guess either
    with nothing_written(), pytest.raises(SecondPersonRequired, match="另一区（朝阳区）已登记的单位"):
        remittance_match(line=chaoyang_payer_line, employer=employer_haidian, actor=clerk_haidian)


def test_the_asker_cannot_approve_and_a_second_person_books_the_match(chaoyang_payer_line, employer_haidian,
                                                                     clerk_haidian):
    asked = releases.remittance_match_request(line=chaoyang_payer_line, employer=employer_haidian,
                                              actor=clerk_haidian, reason="单位来函：代海淀单位缴费")
    assert RemittanceLine.objects.get(pk=chaoyang_payer_line.pk).status == "unmatched"  # nothing booked
    with nothing_written(), pytest.raises(SecondPersonRequired, match="另一名工作人员"):
        releases.remittance_match_decide(request=asked, actor=clerk_haidian, approve=True)
    checker = personas.make_staff("reviewer_hd", role=Role.DISTRICT_REVIEWER, office_code="110108")
    done = releases.remittance_match_decide(request=asked, actor=checker, approve=True, note="核对来函")
    line = RemittanceLine.objects.get(pk=chaoyang_payer_line.pk)
    assert (done.outcome, line.status, line.employer) == ("approved", "matched", employer_haidian)
    assert done.payment.amount_fen == 321 and done.payment.employer == employer_haidian
    assert AuditEvent.objects.filter(model="collection.RemittanceMatchRequest", object_pk=str(done.pk),
                                     actor=checker).exists()


def test_a_declined_match_books_nothing_and_the_line_waits(chaoyang_payer_line, employer_haidian, clerk_haidian):
    asked = releases.remittance_match_request(line=chaoyang_payer_line, employer=employer_haidian,
                                              actor=clerk_haidian, reason="单位来函")
    checker = personas.make_staff("reviewer_hd", role=Role.DISTRICT_REVIEWER, office_code="110108")
    with pytest.raises(ValidationError, match="复核意见"):
        releases.remittance_match_decide(request=asked, actor=checker, approve=False)
    releases.remittance_match_decide(request=asked, actor=checker, approve=False, note="付款账号不符")
    assert RemittanceMatchRequest.objects.get().outcome == "declined"
    assert RemittanceLine.objects.get(pk=chaoyang_payer_line.pk).status == "unmatched"
    assert not RemittanceLine.objects.filter(payment__isnull=False).exists()


def test_the_payers_own_employer_is_matched_by_one_person(chaoyang_payer_line, employer_chaoyang, clerk_chaoyang):
    payment = remittance_match(line=chaoyang_payer_line, employer=employer_chaoyang, actor=clerk_chaoyang)
    assert payment.employer == employer_chaoyang


def test_the_line_page_offers_the_request_and_the_second_person_decides(client, chaoyang_payer_line,
                                                                        employer_haidian, clerk_haidian):
    client.force_login(clerk_haidian)
    page = client.get(reverse("collection:remittance_line", args=[chaoyang_payer_line.pk]),
                      {"q": employer_haidian.name}).content.decode()
    assert "提交复核申请" in page and "另一区（朝阳区）" in page
    with nothing_written():
        refused = client.post(reverse("collection:remittance_line_match", args=[chaoyang_payer_line.pk]),
                              {"employer": employer_haidian.pk}, follow=True)
    assert "须由另一名工作人员复核" in refused.content.decode()
    client.post(reverse("collection:remittance_line_request", args=[chaoyang_payer_line.pk]),
                {"employer": employer_haidian.pk, "reason": "单位来函"})
    asked = RemittanceMatchRequest.objects.get()
    own = client.get(reverse("collection:remittance_line", args=[chaoyang_payer_line.pk])).content.decode()
    assert "待复核的匹配申请" in own and "复核同意并入账" not in own  # not offered to the asker
    checker = personas.make_staff("reviewer_hd", role=Role.DISTRICT_REVIEWER, office_code="110108")
    client.force_login(checker)
    r = client.post(reverse("collection:remittance_match_decision", args=[asked.pk]), {"decision": "approve"},
                    follow=True)
    assert "已复核同意" in r.content.decode()
    assert RemittanceLine.objects.get(pk=chaoyang_payer_line.pk).status == "matched"
