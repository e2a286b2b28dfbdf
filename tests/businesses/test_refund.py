"""A refund (1.2c) from submission to approval and payment: the payable in the ledger, never more than
was paid for the dues named, never before a confirmed phone check, never after 本人否认."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases import services
from shebao.cases.effects import EffectRefused
from shebao.cases.models import CaseEffect, PhoneCheck
from shebao.cases.services import DetailsRefused
from shebao.cases.workflows import GuardFailed, IllegalTransition
from shebao.collection import ledger
from shebao.collection.models import LedgerTransaction, Refund
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


def test_two_refunds_of_one_due_never_exceed_what_was_paid(clerk_chaoyang, reviewer_chaoyang, person_chaoyang,
                                                            paid_due):
    first = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                   details=refund_details(paid_due, amount_fen=70_000))
    second = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                    details=refund_details(paid_due, amount_fen=40_000))  # each alone fits
    complete(first, clerk_chaoyang, reviewer_chaoyang)
    prepare(second, clerk_chaoyang)
    services.case_accept(case=second, actor=clerk_chaoyang)
    with nothing_written(), pytest.raises(EffectRefused) as refused:
        services.case_approve(case=second, actor=reviewer_chaoyang)
    assert refused.value.field == "details.amount_fen" and "不能多退" in refused.value.zh
    second.refresh_from_db()
    assert second.status == "in_review"
    assert Refund.objects.count() == 1


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
