"""A refund (1.2c) from submission to approval and payment: the payable in the ledger, never more than
was paid for the dues named, never before a confirmed phone check, never after 本人否认."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shebao.cases import services
from shebao.cases.effects import EffectRefused
from shebao.cases.models import CaseEffect, PhoneCheck
from shebao.cases.services import DetailsRefused
from shebao.cases.workflows import GuardFailed, IllegalTransition
from shebao.collection import ledger
from shebao.collection.models import LedgerTransaction, Refund
from shebao.core import clock
from tests.businesses.walk import complete, prepare, submit
from tests.nothing_written import nothing_written

APPLIED = dt.date(2020, 3, 2)


def refund_details(due, amount_fen=30_000, **more):
    return {"refund_kind": "overpayment", "amount_fen": amount_fen, "dues": [due.pk], "payee_name": "张三",
            "bank_name": "中国工商银行北京朝阳支行", "bank_account": "6222 0200 0000 1234 567", **more}


def test_an_approved_refund_is_a_payable_in_the_ledger(clerk_chaoyang, reviewer_chaoyang, person_chaoyang,
                                                        employer_chaoyang, paid_due):
    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                  details=refund_details(paid_due))
    assert case.details["bank_account"] == "6222020000001234567"  # normalised once
    assert case.facts["refund_kind"] == "overpayment"  # the fact the rules read comes from the content
    income_before = ledger.account_balance(account="income:pension")

    done = complete(case, clerk_chaoyang, reviewer_chaoyang)

    assert done.status == "completed"
    refund = Refund.objects.get(case=case)
    assert (refund.amount_fen, refund.status, refund.employer) == (30_000, "payable", employer_chaoyang)
    assert [(i.due_id, i.amount_fen) for i in refund.items.all()] == [(paid_due.pk, 30_000)]
    postings = sorted((p.account, p.employer_id, p.amount_fen) for p in refund.approval.postings.all())
    assert postings == [("income:pension", None, 30_000), ("refund_payable", employer_chaoyang.pk, -30_000)]
    assert refund.approval.kind == LedgerTransaction.Kind.REFUND
    assert ledger.account_balance(account="income:pension") == income_before + 30_000
    assert ledger.unbalanced_transactions() == []
    effect = CaseEffect.objects.get(case=case)
    assert effect.effect == "refund.payable" and "300.00元" in effect.summary_zh


def test_a_refund_above_what_was_paid_is_refused_at_submission_and_nothing_is_written(
        clerk_chaoyang, person_chaoyang, paid_due):
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
               details=refund_details(paid_due, amount_fen=100_001))
    assert refused.value.errors[0].field == "details.amount_fen"
    assert "超过" in refused.value.errors[0].zh and "1000.00元" in refused.value.errors[0].zh


def test_a_second_refund_of_a_due_is_refused_at_submission_counting_the_pending_one(
        clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due):
    """Review finding: refunds of one due were totalled only at approval, so the queue filled with
    applications that could not be paid. Pending applications now count at submission."""
    first = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                   details=refund_details(paid_due, amount_fen=70_000))
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
               details=refund_details(paid_due, amount_fen=40_000))  # alone it fits the 1000.00 paid
    error = refused.value.errors[0]
    assert error.field == "details.amount_fen"
    assert f"#{first.pk}" in error.zh and "700.00元" in error.zh and "300.00元" in error.zh
    fits = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                  details=refund_details(paid_due, amount_fen=30_000))  # exactly what is left
    services.case_reject(case=first, actor=clerk_chaoyang, reason="申请人撤回")
    again = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                   details=refund_details(paid_due, amount_fen=70_000))  # the rejected one no longer counts
    complete(fits, clerk_chaoyang, reviewer_chaoyang)
    complete(again, clerk_chaoyang, reviewer_chaoyang)
    assert sorted(Refund.objects.values_list("amount_fen", flat=True)) == [30_000, 70_000]


def test_two_refunds_of_one_due_never_exceed_what_was_paid_at_approval_either(
        clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due):
    """An application registered before submissions counted pending refunds (its amount raised here
    behind the service's back) holds its amount at approval as every application in handling does:
    neither is approved while both together exceed what was paid; the approval's refusal names the
    other application and nothing is written. A correction of the raised one down to what is left
    (补正申请内容, checked by the same rule) lets both through, and the books hold 1000.00 in all."""
    from shebao.cases.models import Case

    first = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                   details=refund_details(paid_due, amount_fen=70_000))
    second = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                    details=refund_details(paid_due, amount_fen=30_000))
    Case.objects.filter(pk=second.pk).update(details={**second.details, "amount_fen": 40_000})
    second.refresh_from_db()
    for case, other in ((first, second), (second, first)):
        prepare(case, clerk_chaoyang)
        services.case_accept(case=case, actor=clerk_chaoyang)
        with nothing_written(), pytest.raises(EffectRefused) as refused:
            services.case_approve(case=case, actor=reviewer_chaoyang)
        assert refused.value.field == "details.amount_fen" and "不能多退" in refused.value.zh
        assert f"#{other.pk}在办理中" in refused.value.zh
        case.refresh_from_db()
        assert case.status == "in_review"
    assert not Refund.objects.exists()
    with nothing_written(), pytest.raises(DetailsRefused):  # the correction is held to the same rule
        services.case_details_correct(case=second, actor=clerk_chaoyang, details={"amount_fen": 30_001},
                                      reason="来电更正退费金额", partial=True)
    services.case_details_correct(case=second, actor=clerk_chaoyang, details={"amount_fen": 30_000},
                                  reason="来电更正退费金额", partial=True)
    services.case_approve(case=first, actor=reviewer_chaoyang)
    second.refresh_from_db()
    services.phone_check_record(case=second, actor=clerk_chaoyang, outcome=PhoneCheck.Outcome.CONFIRMED)
    services.case_approve(case=second, actor=reviewer_chaoyang)
    assert sorted(Refund.objects.values_list("amount_fen", flat=True)) == [30_000, 70_000]


def test_a_refund_is_not_approved_before_a_confirmed_call(clerk_chaoyang, reviewer_chaoyang, person_chaoyang,
                                                           paid_due):
    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                  details=refund_details(paid_due))
    services.commitment_letter_capture(case=case, actor=clerk_chaoyang, text="承诺。", signer="张三")
    services.case_accept(case=case, actor=clerk_chaoyang)
    with nothing_written(), pytest.raises(GuardFailed) as refused:
        services.case_approve(case=case, actor=reviewer_chaoyang)
    assert refused.value.field == "phone_check"
    assert not Refund.objects.exists()


def test_a_refund_the_person_denied_goes_no_further(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due):
    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                  details=refund_details(paid_due))
    services.commitment_letter_capture(case=case, actor=clerk_chaoyang, text="承诺。", signer="张三")
    services.phone_check_record(case=case, actor=clerk_chaoyang, outcome=PhoneCheck.Outcome.DENIED)
    services.phone_check_record(case=case, actor=clerk_chaoyang, outcome=PhoneCheck.Outcome.CONFIRMED)
    with nothing_written(), pytest.raises(GuardFailed) as refused:
        services.case_accept(case=case, actor=clerk_chaoyang)
    assert "本人否认" in refused.value.zh
    assert not Refund.objects.exists()


def test_completing_twice_posts_once(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due):
    from shebao.cases.effects import effect_run

    case = complete(submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                           details=refund_details(paid_due)), clerk_chaoyang, reviewer_chaoyang)
    with nothing_written():
        with pytest.raises(IllegalTransition):
            services.case_approve(case=case, actor=reviewer_chaoyang)
        again = effect_run(case=case, actor=reviewer_chaoyang)  # a retry of the effect itself
    assert again == CaseEffect.objects.get(case=case)
    assert Refund.objects.count() == 1


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("bank_account", "62-22", "收款银行账号应为8至30位数字"),
    ("amount_fen", 0, "退费金额不能小于0.01元"),
    ("refund_kind", "gift", "退费类型应为以下之一"),
    ("payee_name", "", "请填写收款人户名"),
    ("color", "red", "没有“color”这一项"),
])
def test_each_refused_field_is_named_in_chinese(clerk_chaoyang, person_chaoyang, paid_due, field, value, reason):
    details = refund_details(paid_due)
    details[field] = value
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED, details=details)
    assert refused.value.errors[0].field == f"details.{field}"
    assert reason in refused.value.errors[0].zh


# --- Paid through a bank payment file; cancelled only by a reversing entry --------------------------
def _approved(clerk, reviewer, person, due, amount_fen=30_000) -> Refund:
    case = complete(submit(clerk, "refund", person=person, applied_on=APPLIED,
                           details=refund_details(due, amount_fen=amount_fen)), clerk, reviewer)
    return Refund.objects.get(case=case)


def test_the_bank_file_pays_the_refund_and_its_result_settles_it(clerk_chaoyang, reviewer_chaoyang, collection_clerk,
                                                                 person_chaoyang, employer_chaoyang, paid_due,
                                                                 municipal_admin):
    from shebao.collection import refunds, releases
    from shebao.collection.reconcile import books_reconcile

    refund = _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due)
    books = books_reconcile()  # approved: income taken back into refund_payable, nothing paid yet
    assert books.ok and (books.figures["refunds_approved_fen"], books.figures["refunds_paid_fen"]) == (30_000, 0), \
        books.problems
    file = refunds.refund_payment_file_create(actor=collection_clerk)
    releases.refund_payment_file_release(file=file, actor=municipal_admin)  # a second person (issue 16 §3)
    refund.refresh_from_db()
    assert (refund.status, refund.payment_file, file.lines, file.amount_fen) == ("in_file", file, 1, 30_000)
    data = refunds.refund_payment_file_bytes([refund])
    assert b"6222020000001234567" in data and b"300.00" in data  # the full account: the bank pays it
    import hashlib
    assert hashlib.sha256(data).hexdigest() == file.sha256

    refunds.refund_payment_file_read(file=file, actor=collection_clerk)  # sent to the bank
    result = f"refund_id,status,paid_on,reason\n{refund.pk},成功,{clock.today()},\n".encode("gb18030")
    report = refunds.refund_result_import(data=result, filename="退费结果.csv", actor=collection_clerk)
    assert (report.paid, report.failed) == (1, 0)
    refund.refresh_from_db()
    assert refund.status == "paid"
    assert sorted((p.account, p.amount_fen) for p in refund.settlement.postings.all()) == [
        ("bank", -30_000), ("refund_payable", 30_000)]
    assert ledger.account_balance(account="refund_payable", employer_id=employer_chaoyang.pk) == 0
    books = books_reconcile()  # paid: the bank is what was received less the refund
    assert books.ok and (books.figures["refunds_paid_fen"], books.figures["refunds_outstanding_fen"]) == (30_000, 0), \
        books.problems
    with nothing_written():  # the same result file again changes nothing
        assert refunds.refund_result_import(data=result, filename="again.csv", actor=collection_clerk).already_imported
    with pytest.raises(Exception):  # noqa: B017 - a paid refund cannot be cancelled
        refunds.refund_cancel(refund=refund, actor=reviewer_chaoyang, reason="误核准")


def test_a_failed_payment_stays_payable_and_goes_into_the_next_file(clerk_chaoyang, reviewer_chaoyang,
                                                                    collection_clerk, person_chaoyang, paid_due,
                                                                    municipal_admin):
    from shebao.collection import refunds, releases

    refund = _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due)
    made = refunds.refund_payment_file_create(actor=collection_clerk)
    releases.refund_payment_file_release(file=made, actor=municipal_admin)
    refunds.refund_payment_file_read(file=made, actor=collection_clerk)
    refunds.refund_result_import(data=f"refund_id,status,paid_on,reason\n{refund.pk},失败,,户名不符\n".encode(),
                                 filename="r.csv", actor=collection_clerk)
    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason, refund.settlement) == ("failed", "户名不符", None)
    second = refunds.refund_payment_file_create(actor=collection_clerk)
    assert second.lines == 1


def test_a_result_file_naming_an_unknown_refund_is_refused_whole(collection_clerk, db):
    from django.core.exceptions import ValidationError

    from shebao.collection import refunds

    with nothing_written(), pytest.raises(ValidationError) as refused:
        refunds.refund_result_import(data="refund_id,status,paid_on,reason\n999999,成功,2020-03-20,\n".encode(),
                                     filename="r.csv", actor=collection_clerk)
    assert "第2行" in refused.value.messages[0] and "不存在" in refused.value.messages[0]


def test_an_unpaid_refund_is_cancelled_only_by_a_reversing_entry_with_a_reason(
        clerk_chaoyang, reviewer_chaoyang, person_chaoyang, employer_chaoyang, paid_due):
    from django.core.exceptions import ValidationError

    from shebao.collection import refunds
    from shebao.collection.reconcile import books_reconcile

    refund = _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due)
    with nothing_written(), pytest.raises(ValidationError):
        refunds.refund_cancel(refund=refund, actor=reviewer_chaoyang, reason="")
    refunds.refund_cancel(refund=refund, actor=reviewer_chaoyang, reason="核准有误")
    refund.refresh_from_db()
    assert refund.status == "cancelled"
    reversal = LedgerTransaction.objects.get(reverses=refund.approval)
    assert reversal.author == reviewer_chaoyang and "核准有误" in reversal.reason
    assert ledger.account_balance(account="refund_payable", employer_id=employer_chaoyang.pk) == 0
    books = books_reconcile()  # cancelled: the reversal gave the income back, nothing approved or paid
    assert books.ok and (books.figures["refunds_approved_fen"], books.figures["refunds_paid_fen"]) == (0, 0), \
        books.problems
    # What it took from the due is free again: a new refund of the whole due is accepted.
    again = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                   details=refund_details(paid_due, amount_fen=100_000))
    assert again.details["amount_fen"] == 100_000


def test_the_payment_of_a_refunded_due_is_not_reversed_before_the_refund_is_cancelled(
        clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due):
    from django.core.exceptions import ValidationError

    from shebao.collection import refunds
    from shebao.collection.services import payment_reverse

    refund = _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due)
    payment = paid_due.allocations.get().payment
    with nothing_written(), pytest.raises(ValidationError) as refused:
        payment_reverse(payment=payment, actor=reviewer_chaoyang, reason="误入")
    assert "已退费" in refused.value.messages[0] and f"#{refund.pk}" in refused.value.messages[0]
    refunds.refund_cancel(refund=refund, actor=reviewer_chaoyang, reason="先撤销退费")
    payment_reverse(payment=payment, actor=reviewer_chaoyang, reason="误入")
    assert ledger.unbalanced_transactions() == []


def test_an_approved_refund_shows_on_the_employers_account(client, clerk_chaoyang, reviewer_chaoyang,
                                                           person_chaoyang, employer_chaoyang, paid_due):
    """Review finding: after approval a refund left no trace on any screen (the money path stopped)."""
    client.force_login(clerk_chaoyang)
    url = f"/collection/employers/{employer_chaoyang.pk}/"
    before = client.get(url).content.decode()
    assert "暂无退费" in before
    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                  details=refund_details(paid_due))
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    refund = Refund.objects.get(case=case)
    html = client.get(url).content.decode()
    assert f"#{refund.pk}" in html and f"#{case.pk}" in html and "已核准，待退款" in html
    assert f"2019-12 养老保险（编号{paid_due.pk}）：300.00元" in re.sub(r"<[^>]+>", "", html)  # an amount is kept whole in a span
    assert "应付退费（已核准尚未退款）300.00 元" in re.sub(r"<[^>]+>", "", html)
    assert "6222020000001234567" not in html and refund.bank_account_masked in html


def test_the_status_and_the_refunded_column_follow_the_money(client, clerk_chaoyang, reviewer_chaoyang,
                                                             collection_clerk, person_chaoyang, employer_chaoyang,
                                                             paid_due, municipal_admin):
    """review-user12 F14: an approved refund read 已办结 while nothing was paid, and the employer's 已退费
    column counted it. The case's status follows the refund's money on every page (the case page, the
    list, the API), and 已退费 is what the bank paid back; approved and unpaid is 待退款."""
    from shebao.collection import refunds, releases

    refund = _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due)
    case = refund.case
    client.force_login(clerk_chaoyang)
    account_url = f"/collection/employers/{employer_chaoyang.pk}/"

    def due_row() -> str:
        html = client.get(account_url).content.decode()
        return html.split(f"<td>{paid_due.pk}</td>", 1)[1].split("</tr>", 1)[0] if f"<td>{paid_due.pk}</td>" in html \
            else html.split(f">{paid_due.pk}<", 1)[1].split("</tr>", 1)[0]

    def shown() -> str:
        case.refresh_from_db()
        page = client.get(f"/office/cases/{case.pk}/").content.decode()
        assert case.get_status_display() in page, case.get_status_display()
        return case.get_status_display()

    assert shown() == "已核准，待退款"
    # review-user13 F1: the history's step says the approval, not 已办结, while the header says 待退款
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert "→ 已核准，待退款）" in page and "→ 已办结）" not in page
    row = due_row()
    assert "已核准尚未退款300.00" in re.sub(r"<[^>]+>", "", row) and "<td>300.00<br>" not in row
    file = refunds.refund_payment_file_create(actor=collection_clerk)
    releases.refund_payment_file_release(file=file, actor=municipal_admin)
    assert shown() == "已核准，银行支付中"
    refunds.refund_payment_file_read(file=file, actor=collection_clerk)
    result = f"refund_id,status,paid_on,reason\n{refund.pk},成功,{clock.today()},\n".encode("gb18030")
    refunds.refund_result_import(data=result, filename="退费结果.csv", actor=collection_clerk)
    assert shown() == "已退款"
    row = due_row()
    assert "300.00" in row and "尚未退款" not in row
    # the API says it too, beside the workflow's own code
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(clerk_chaoyang)
    body = api.get(f"/api/v1/cases/{case.pk}/").json()
    assert (body["status"], body["status_zh"]) == ("completed", "已退款"), body


def test_a_list_says_each_refunds_money_without_a_read_per_row(clerk_chaoyang, reviewer_chaoyang, person_chaoyang,
                                                               paid_due):
    """The case list (API and queue) selects each case's refund with it: the status that follows the money
    costs no query per completed refund, and a case with no refund row says the workflow's status."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(clerk_chaoyang)

    def listed() -> tuple[list[str], int]:
        with CaptureQueriesContext(connection) as q:
            body = api.get("/api/v1/cases/?business=refund").json()
        return sorted(c["status_zh"] for c in body["results"]), len(q.captured_queries)

    _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due, amount_fen=10_000)
    one, reads = listed()
    _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due, amount_fen=20_000)
    pending = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                     details=refund_details(paid_due, amount_fen=5_000))
    three, reads_three = listed()
    assert one == ["已核准，待退款"]
    assert three == sorted(["已核准，待退款", "已核准，待退款", pending.get_status_display()])
    assert pending.get_status_display() != "已核准，待退款"
    assert reads_three == reads


def test_the_person_portal_list_says_each_refunds_money_without_a_read_per_row(clerk_chaoyang, reviewer_chaoyang,
                                                                               person_chaoyang, paid_due):
    """The portal's list rows (cases.selectors.LIST_FIELDS) carry the refund's money status: the status
    the list shows is 已核准，待退款 and reading it costs no query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shebao.portal.person import _person_case_rows

    _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due, amount_fen=10_000)
    _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due, amount_fen=20_000)
    rows = list(_person_case_rows(person_chaoyang).filter(business="refund"))
    with CaptureQueriesContext(connection) as q:
        shown = [c.get_status_display() for c in rows]
    assert shown == ["已核准，待退款", "已核准，待退款"] and len(q.captured_queries) == 0


def test_one_name_for_the_approved_unpaid_refund_on_every_surface(client, settings, clerk_chaoyang,
                                                                   reviewer_chaoyang, person_chaoyang, paid_due):
    """review-user14 (4): the staff badge said 已核准，待退款, its history 审核中 → 已核准, its outcome box
    已核准退费…待银行支付, and the person's portal 办理结果 已按申请办理 (the clerk's record) while nothing
    was paid. Every surface says the refund's own words (collection.refund_words)."""
    from tests.portal.conftest import sign_in_person

    refund = _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due)
    case = refund.case
    client.force_login(reviewer_chaoyang)
    staff = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert "→ 已核准，待退款）" in staff and "→ 已核准）" not in staff
    assert "已核准，待退款：退费300.00元记入应付退费" in staff and "待银行支付" not in staff
    assert "<dt>办理结果</dt><dd>退费300.00元已核准，待退款</dd>" in staff
    client.logout()
    sign_in_person(client, settings, person_chaoyang)
    portal = client.get(f"/portal/person/cases/{case.pk}/").content.decode()
    assert "退费300.00元已核准，待退款" in portal and "已按申请办理" not in portal
    assert "已核准，待退款" in portal.split("办理过程", 1)[1]


def test_the_reviewers_queue_picks_out_the_refund_waiting_for_their_approval(client, clerk_chaoyang,
                                                                             reviewer_chaoyang, person_chaoyang,
                                                                             paid_due):
    """review-user14 (10): the reviewer landed on the same 未办结 queue as the clerk (26 已提交待受理) and
    the refund waiting for their approval (审核中) was not picked out. The clerk who accepted it is not
    asked to approve it (the second person)."""
    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED, details=refund_details(paid_due))
    other = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                   details=refund_details(paid_due, amount_fen=100))  # submitted, not yet accepted
    case = services.case_accept(case=prepare(case, clerk_chaoyang), actor=clerk_chaoyang, outcome="已受理")
    assert case.status == "in_review"
    client.force_login(reviewer_chaoyang)
    page = client.get("/office/queue/").content.decode()
    box = page.split('id="awaiting-me"', 1)[1].split("</section>", 1)[0]
    assert "等待您审批的申请（1件）" in box and f'href="/office/cases/{case.pk}/"' in box
    assert f'href="/office/cases/{other.pk}/"' not in box
    client.force_login(clerk_chaoyang)
    assert 'id="awaiting-me"' not in client.get("/office/queue/").content.decode()
