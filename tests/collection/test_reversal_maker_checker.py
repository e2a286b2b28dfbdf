"""A payment reversal is money corrected out of the books: asked for by one person, approved by another,
whatever their roles (issue 16 §3). Nothing is booked until the second person approves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shebao.collection import ledger
from shebao.collection.models import Due, LedgerTransaction, PaymentReversal
from shebao.collection.reconcile import books_reconcile
from shebao.collection.services import (
    SecondPersonRequired,
    payment_receive,
    payment_reverse,
    payment_reverse_approve,
)
from shebao.core.models import AuditEvent
from tests import personas
from tests.collection.conftest import book_due
from tests.nothing_written import nothing_written
from tests.personas import SETUP

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(employer_chaoyang):
    book_due(employer_chaoyang, "2019-12", 10_000)
    return payment_receive(actor=SETUP, employer=employer_chaoyang, amount_fen=10_000, received_on=dt.date(2020, 1, 5),
                           source="remittance")


def test_the_maker_cannot_approve_their_own_reversal_even_as_admin(paid, municipal_admin):
    request = payment_reverse(payment=paid, actor=municipal_admin, reason="汇款误入本单位")
    assert AuditEvent.objects.filter(model="collection.PaymentReversal", object_pk=str(request.pk),
                                     actor=municipal_admin, action="create").exists()
    with nothing_written(), pytest.raises(SecondPersonRequired, match="另一名工作人员"):
        payment_reverse_approve(reversal=request, actor=municipal_admin)
    assert not LedgerTransaction.objects.filter(reverses=paid.transaction).exists()
    assert Due.objects.get().paid_on is not None


def test_a_system_job_neither_asks_nor_decides(paid, clerk_chaoyang):
    with nothing_written(), pytest.raises(PermissionDenied):
        payment_reverse(payment=paid, actor=SETUP, reason="误入")
    request = payment_reverse(payment=paid, actor=clerk_chaoyang, reason="误入")
    with nothing_written(), pytest.raises(PermissionDenied):
        payment_reverse_approve(reversal=request, actor=SETUP)


def test_a_second_person_books_the_reversal(paid, clerk_chaoyang, municipal_admin):
    request = payment_reverse(payment=paid, actor=clerk_chaoyang, reason="汇款误入本单位")
    decided = payment_reverse_approve(reversal=request, actor=municipal_admin, note="核对银行回单无误")
    assert (decided.outcome, decided.decided_by, decided.requested_by) == ("approved", municipal_admin, clerk_chaoyang)
    assert decided.reversal.reverses_id == paid.transaction_id and decided.reversal.author == municipal_admin
    assert Due.objects.get().paid_on is None
    assert ledger.account_balance(account=ledger.BANK) == 0
    event = AuditEvent.objects.get(model="collection.PaymentReversal", object_pk=str(request.pk), action="update")
    assert event.actor == municipal_admin and event.changes["outcome"] == ["pending", "approved"]
    assert books_reconcile().ok
    with nothing_written(), pytest.raises(ValidationError, match="已冲正"):
        payment_reverse(payment=paid, actor=clerk_chaoyang, reason="再次")


def test_a_declined_reversal_books_nothing(paid, clerk_chaoyang, reviewer_chaoyang):
    request = payment_reverse(payment=paid, actor=clerk_chaoyang, reason="疑似误入")
    with nothing_written(), pytest.raises(ValidationError, match="待复核"):
        payment_reverse(payment=paid, actor=clerk_chaoyang, reason="再申请一次")
    decided = payment_reverse_approve(reversal=request, actor=reviewer_chaoyang, approve=False, note="款项无误")
    assert decided.outcome == "declined" and decided.reversal is None
    assert not LedgerTransaction.objects.filter(reverses=paid.transaction).exists()
    assert Due.objects.get().paid_on is not None
    assert PaymentReversal.objects.filter(payment=paid).count() == 1


def test_another_districts_staff_cannot_decide(paid, clerk_chaoyang):
    other = personas.make_staff("reviewer_hd", role=personas.Role.DISTRICT_REVIEWER, office_code="110108")
    request = payment_reverse(payment=paid, actor=clerk_chaoyang, reason="误入")
    with nothing_written(), pytest.raises(PermissionDenied):  # the district line
        payment_reverse_approve(reversal=request, actor=other)


def test_a_reason_or_note_longer_than_its_column_is_refused_not_cut(paid, clerk_chaoyang, reviewer_chaoyang):
    """Bad-input review A16 3: the reason and the checker's note were cut to 200 characters silently."""
    with nothing_written(), pytest.raises(ValidationError, match=r"冲正原因不能超过200个字符（现为201个）"):
        payment_reverse(payment=paid, actor=clerk_chaoyang, reason="误" * 201)
    request = payment_reverse(payment=paid, actor=clerk_chaoyang, reason="误" * 200)
    assert request.reason == "误" * 200
    with pytest.raises(ValidationError, match=r"复核意见不能超过200个字符（现为250个）"):
        payment_reverse_approve(reversal=request, actor=reviewer_chaoyang, approve=False, note="无误" * 125)
    request.refresh_from_db()
    assert request.outcome == "pending" and request.note == ""
