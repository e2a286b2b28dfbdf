"""Money received is allocated to the oldest dues first; every fen is allocated or held as credit;
the ledger is append-only and balances; mistakes are corrected by a reversing entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from shebao.collection import ledger
from shebao.collection.ledger import LedgerError, Line
from shebao.collection.models import Allocation, Due, LedgerTransaction, PaymentReversal, Posting
from shebao.collection.reconcile import books_reconcile
from shebao.collection.services import credit_apply, payment_receive, payment_reverse, payment_reverse_approve
from shebao.core.models import AppendOnlyError, AuditEvent
from tests.collection.conftest import book_due
from tests.nothing_written import nothing_written
from tests.personas import SETUP


def test_a_payment_goes_to_the_oldest_month_first(employer_chaoyang):
    older = book_due(employer_chaoyang, "2019-11", 10_000)
    newer = book_due(employer_chaoyang, "2019-12", 10_000)
    payment_receive(actor=SETUP, employer=employer_chaoyang, amount_fen=10_000, received_on=dt.date(2020, 1, 5), source="remittance")
    older.refresh_from_db(), newer.refresh_from_db()
    assert (older.paid_on, newer.paid_on) == (dt.date(2020, 1, 5), None)
    assert books_reconcile().ok


def test_a_partial_payment_splits_the_due_into_a_paid_part_and_an_open_remainder(employer_chaoyang):
    due = book_due(employer_chaoyang, "2019-12", 10_000)
    payment_receive(actor=SETUP, employer=employer_chaoyang, amount_fen=3_000, received_on=dt.date(2020, 1, 5), source="remittance")
    due.refresh_from_db()
    rest = Due.objects.get(split_from=due)
    assert (due.amount_fen, due.paid_on, rest.amount_fen, rest.paid_on) == (3_000, dt.date(2020, 1, 5), 7_000, None)
    assert due.employer_fen + due.personal_fen == 3_000
    assert AuditEvent.objects.filter(model="collection.Due", object_pk=str(due.pk), action="update").exists()
    assert books_reconcile().ok


def test_money_beyond_the_dues_is_held_as_credit_and_pays_the_next_dues(employer_chaoyang):
    book_due(employer_chaoyang, "2019-11", 10_000)
    payment_receive(actor=SETUP, employer=employer_chaoyang, amount_fen=25_000, received_on=dt.date(2019, 12, 1), source="remittance")
    assert ledger.account_balance(account=ledger.EMPLOYER_CREDIT, employer_id=employer_chaoyang.pk) == -15_000
    later = book_due(employer_chaoyang, "2019-12", 12_000)
    credit_apply(actor=SETUP, employer=employer_chaoyang, on=dt.date(2019, 12, 10))
    later.refresh_from_db()
    assert later.paid_on == dt.date(2019, 12, 10)
    assert ledger.account_balance(account=ledger.EMPLOYER_CREDIT, employer_id=employer_chaoyang.pk) == -3_000
    r = books_reconcile()
    assert r.ok, r.problems
    assert r.figures["received_fen"] == r.figures["allocated_fen"] + r.figures["employer_credit_fen"] == 25_000


def test_an_unbalanced_transaction_is_refused_before_anything_is_written(employer_chaoyang):
    with nothing_written(), pytest.raises(LedgerError):
        ledger.ledger_post(actor=SETUP, kind="payment", occurred_on=dt.date(2020, 1, 1),
                           lines=[Line(ledger.BANK, employer_chaoyang.pk, 100), Line(ledger.RECEIVABLE, None, -99)])
    assert LedgerTransaction.objects.count() == 0 and Posting.objects.count() == 0


def test_postings_and_allocations_can_never_be_changed_or_deleted(employer_chaoyang):
    book_due(employer_chaoyang, "2019-12", 10_000, paid_on=dt.date(2020, 1, 5))
    posting = Posting.objects.first()
    posting.amount_fen = 1
    with nothing_written(), pytest.raises(AppendOnlyError):
        posting.save()
    with nothing_written(), pytest.raises(AppendOnlyError):
        Allocation.objects.first().delete()


def test_a_wrong_payment_is_reversed_with_author_and_reason_and_the_dues_reopen(employer_chaoyang, clerk_chaoyang,
                                                                                  reviewer_chaoyang):
    due = book_due(employer_chaoyang, "2019-12", 10_000)
    payment = payment_receive(actor=SETUP, employer=employer_chaoyang, amount_fen=12_000, received_on=dt.date(2020, 1, 5),
                              source="remittance")
    with nothing_written(), pytest.raises(ValidationError):
        payment_reverse(payment=payment, actor=clerk_chaoyang, reason=" ")
    request = payment_reverse(payment=payment, actor=clerk_chaoyang, reason="汇款误入本单位")
    assert request.outcome == "pending" and not LedgerTransaction.objects.filter(reverses=payment.transaction).exists()
    reversal = payment_reverse_approve(reversal=request, actor=reviewer_chaoyang).reversal
    due.refresh_from_db()
    assert due.paid_on is None
    assert (reversal.author, reversal.reason, reversal.reverses_id) == (reviewer_chaoyang, "汇款误入本单位",
                                                                          payment.transaction_id)
    assert ledger.account_balance(account=ledger.BANK) == 0
    assert ledger.account_balance(account=ledger.EMPLOYER_CREDIT, employer_id=employer_chaoyang.pk) == 0
    assert Posting.objects.filter(transaction=payment.transaction).count() == 3  # the original stays as written
    with nothing_written(), pytest.raises(LedgerError):
        ledger.ledger_reverse(txn=payment.transaction, actor=clerk_chaoyang, reason="再次冲正")
    r = books_reconcile()
    assert r.ok, r.problems


def test_reconcile_command_reports_balanced_books(employer_chaoyang, capsys):
    from django.core.management import call_command

    book_due(employer_chaoyang, "2019-12", 10_000, paid_on=dt.date(2020, 1, 5))
    call_command("reconcile")
    assert "账务平衡" in capsys.readouterr().out


def test_reconcile_command_fails_when_the_books_do_not_balance(employer_chaoyang, capsys):
    from django.core.management import call_command

    book_due(employer_chaoyang, "2019-12", 10_000)
    Due.objects.update(amount_fen=9_999)  # a row changed behind the services' back
    with pytest.raises(SystemExit) as exc:
        call_command("reconcile")
    assert exc.value.code == 1
    assert "不一致" in capsys.readouterr().err


def test_the_reverse_payment_command_needs_a_user_and_a_reason_and_a_second_person(
        employer_chaoyang, clerk_chaoyang, reviewer_chaoyang, capsys):
    from django.core.management import CommandError, call_command

    book_due(employer_chaoyang, "2019-12", 10_000)
    payment = payment_receive(actor=SETUP, employer=employer_chaoyang, amount_fen=10_000, received_on=dt.date(2020, 1, 5),
                              source="remittance")
    with nothing_written(), pytest.raises(CommandError, match="用户“nobody”不存在"):
        call_command("reverse_payment", "--payment", str(payment.pk), "--user", "nobody", "--reason", "错账")
    call_command("reverse_payment", "--payment", str(payment.pk), "--user", clerk_chaoyang.username, "--reason", "错账")
    assert "另一名工作人员复核" in capsys.readouterr().out
    request = PaymentReversal.objects.get(payment=payment)
    with nothing_written(), pytest.raises(CommandError, match="另一名工作人员复核"):
        call_command("reverse_payment", "--approve", str(request.pk), "--user", clerk_chaoyang.username)
    call_command("reverse_payment", "--approve", str(request.pk), "--user", reviewer_chaoyang.username)
    assert "已冲正收款" in capsys.readouterr().out
    assert LedgerTransaction.objects.get(reverses=payment.transaction).author == reviewer_chaoyang
    assert books_reconcile().ok
