"""Random sequences of back-payments, payments, refunds (approved, cancelled, paid) and payment
reversals keep the ledger balanced and never refund more than was paid for a due; completing a case
twice (running its effect again) changes nothing (hypothesis)."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.cases.effects import effect_run
from shebao.cases.effects.back_payment import dues_post
from shebao.cases.services import DetailsRefused, case_submit
from shebao.collection import ledger, refunds, releases
from shebao.collection.models import Allocation, Due, Payment, Posting, Refund, RefundItem
from shebao.collection.services import payment_receive, payment_reverse
from shebao.core import clock
from shebao.registry.models import EmploymentSpell
from shebao.staff.models import User
from tests import personas
from tests.personas import SETUP

MONTHS = ["2019-09", "2019-10", "2019-11", "2019-12"]
OP = st.one_of(
    st.tuples(st.just("dues"), st.sampled_from(MONTHS), st.integers(1, 500_000)),
    st.tuples(st.just("pay"), st.integers(1, 800_000)),
    st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 600_000)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("settle"), st.booleans()),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def world(db, clerk_chaoyang, reviewer_chaoyang, collection_clerk):
    employer = personas.make_employer("北京随机退费单位", serial=401)
    person = personas.make_person("随机", serial=402)
    EmploymentSpell.objects.create(person=person, employer=employer, from_month="2015-01")
    return employer, person, clerk_chaoyang, reviewer_chaoyang, collection_clerk


def _invariants(employer) -> None:
    assert ledger.unbalanced_transactions() == []
    assert (Posting.objects.aggregate(s=Sum("amount_fen"))["s"] or 0) == 0
    for due in Due.objects.filter(employer=employer):
        paid = Allocation.objects.filter(due=due).aggregate(s=Sum("amount_fen"))["s"] or 0
        refunded = (RefundItem.objects.filter(due=due).exclude(refund__status=Refund.Status.CANCELLED)
                    .aggregate(s=Sum("amount_fen"))["s"] or 0)
        assert 0 <= refunded <= paid, (due.pk, paid, refunded)
    owed = Refund.objects.filter(employer=employer, status__in=["payable", "in_file", "failed"]).aggregate(
        s=Sum("amount_fen"))["s"] or 0
    assert ledger.account_balance(account="refund_payable", employer_id=employer.pk) == -owed


@SETTINGS
@given(ops=st.lists(OP, min_size=1, max_size=8))
def test_the_books_stay_whole_whatever_the_order(world, ops):
    employer, person, clerk, reviewer, desk = world
    checker = User.objects.get_or_create(username="money_checker", defaults={
        "role": "municipal_admin", "office": personas.office("110000")})[0]
    with transaction.atomic():
        for n, op in enumerate(ops):
            kind = op[0]
            if kind == "dues":
                dues_post(employer=employer, amounts={(op[1], "pension"): (op[2], 0, 1)}, actor=SETUP, memo="随机补缴")
            elif kind == "pay":
                payment_receive(employer=employer, amount_fen=op[1], received_on=dt.date(2020, 1, 10),
                                source="remittance", actor=SETUP)
            elif kind == "refund":
                dues = list(Due.objects.filter(employer=employer).order_by("pk"))
                if not dues:
                    continue
                due = dues[op[1] % len(dues)]
                details = {"refund_kind": "overpayment", "amount_fen": op[2], "dues": [due.pk], "payee_name": "随机",
                           "bank_name": "工行", "bank_account": "6222020000001234567"}
                try:
                    case, _ = case_submit(actor=clerk, business="refund", channel="counter", person=person,
                                          applied_on=dt.date(2020, 3, 2), details=details, idempotency_key=f"p{n}")
                except DetailsRefused as refused:
                    # More than was paid (the amount), or a due with nothing paid at all (the dues).
                    assert refused.errors[0].field in ("details.amount_fen", "details.dues")
                    continue
                first = effect_run(case=case, actor=reviewer)  # the completion's effect ...
                postings = Posting.objects.count()
                assert effect_run(case=case, actor=reviewer) == first  # ... run again: nothing more
                assert Posting.objects.count() == postings
            elif kind == "cancel":
                payable = list(Refund.objects.filter(status__in=["payable", "failed"]).order_by("pk"))
                if payable:
                    refunds.refund_cancel(refund=payable[op[1] % len(payable)], actor=reviewer, reason="随机撤销")
            elif kind == "settle":
                if Refund.objects.filter(status__in=["payable", "failed"]).exists():
                    made = refunds.refund_payment_file_create(actor=desk)
                    releases.refund_payment_file_release(file=made, actor=checker)  # a second person
                    refunds.refund_payment_file_read(file=made, actor=desk)  # sent to the bank
                lines = "".join(f"{r.pk},{'成功' if op[1] else '失败'},{clock.today()},随机\n"
                                for r in Refund.objects.filter(status="in_file"))
                if lines:
                    refunds.refund_result_import(data=f"refund_id,status,paid_on,reason\n{lines}".encode(),
                                                 filename=f"r{n}.csv", actor=desk)
            elif kind == "reverse":
                payments = list(Payment.objects.filter(employer=employer, source="remittance").order_by("pk"))
                if payments:
                    # refused when its credit was used, it was reversed already, or its dues were refunded
                    with contextlib.suppress(ValidationError, ledger.LedgerError):
                        payment_reverse(payment=payments[op[1] % len(payments)], actor=reviewer, reason="随机冲正")
            _invariants(employer)
        transaction.set_rollback(True)
