"""The employers' running balances (`AccountBalance`, collection 0021) equal the sums of their postings
whatever road wrote them (the ORM, bulk_create, the set-based inserts of `dues_build`, a reversal, the
batch completion's COPY),
are filled from the postings already there when the migration runs, and are what the employer's
account statement shows, read without touching the monthly partitions of the ledger.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum

from shebao.collection import ledger
from shebao.collection.models import AccountBalance, LedgerTransaction, Posting
from shebao.collection.selectors import employer_account
from shebao.collection.services import dues_build, payment_receive
from shebao.core import clock
from shebao.core.policy import current_policy
from tests.collection.conftest import book_due, contribution
from tests.personas import SETUP

ACCOUNTS = [ledger.EMPLOYER_CREDIT, ledger.RECEIVABLE, "refund_payable", ledger.income_account("pension")]


def _sums() -> dict[tuple[int, str], int]:
    return {(r["employer_id"], r["account"]): int(r["s"]) for r in Posting.objects.exclude(employer_id=None)
            .values("employer_id", "account").annotate(s=Sum("amount_fen"))}


def _balances() -> dict[tuple[int, str], int]:
    return {(b.employer_id, b.account): b.balance_fen for b in AccountBalance.objects.all()}


def _write_every_road(employer, person) -> None:
    contribution(person, employer, "2019-11", 800_000, paid_on=dt.date(2019, 12, 14))
    contribution(person, employer, "2019-12", 800_000)
    dues_build(actor=SETUP, months=["2019-11", "2019-12"])  # set-based: the entry and a history payment
    book_due(employer, "2020-01", 10_000)  # ledger_post
    payment = payment_receive(actor=SETUP, employer=employer, amount_fen=50_000,
                              received_on=dt.date(2020, 2, 3), source="remittance")
    ledger.ledger_reverse(txn=payment.transaction, actor=SETUP, reason="测试冲正", occurred_on=dt.date(2020, 3, 31))
    payment_receive(actor=SETUP, employer=employer, amount_fen=1_234, received_on=dt.date(2020, 4, 1),
                    source="remittance")
    txn = LedgerTransaction.objects.create(kind=LedgerTransaction.Kind.PAYMENT, occurred_on="2020-04-30")
    Posting.objects.create(transaction=txn, account=ledger.EMPLOYER_CREDIT, employer=employer, amount_fen=-7)
    Posting.objects.bulk_create([Posting(transaction_id=txn.pk, account=ledger.EMPLOYER_CREDIT,
                                         employer_id=employer.pk, amount_fen=-5),
                                 Posting(transaction_id=txn.pk, account=ledger.BANK, amount_fen=12)])
    from shebao.cases.batch import _insert  # the batch completion's road: COPY on PostgreSQL

    _insert(Posting, [{"transaction_id": txn.pk, "account": ledger.RECEIVABLE, "employer_id": employer.pk,
                       "amount_fen": 40, "month": "2020-04"},
                      {"transaction_id": txn.pk, "account": ledger.income_account("pension"), "employer_id": None,
                       "amount_fen": -40, "month": "2020-04"}])


def test_every_road_keeps_the_running_balance_equal_to_the_postings(employer_chaoyang, person_chaoyang,
                                                                     employer_haidian):
    _write_every_road(employer_chaoyang, person_chaoyang)
    book_due(employer_haidian, "2020-01", 3_000)

    sums = _sums()
    assert _balances() == sums
    assert sums[(employer_chaoyang.pk, ledger.EMPLOYER_CREDIT)] != 0 and sums[(employer_haidian.pk, ledger.RECEIVABLE)]
    for employer in (employer_chaoyang, employer_haidian):
        got = ledger.employer_balances(employer_id=employer.pk, accounts=ACCOUNTS)
        assert got == {a: ledger.account_balance(account=a, employer_id=employer.pk) for a in ACCOUNTS}
    assert ledger.employer_balances(employer_id=employer_haidian.pk, accounts=["refund_payable"]) == {
        "refund_payable": 0}  # never posted: 0, no row


def test_the_account_statement_shows_the_running_balances(employer_chaoyang, person_chaoyang):
    _write_every_road(employer_chaoyang, person_chaoyang)
    book = employer_account(employer=employer_chaoyang, as_of=clock.today(), policy=current_policy())
    assert book.credit_fen == -ledger.account_balance(account=ledger.EMPLOYER_CREDIT, employer_id=employer_chaoyang.pk)
    assert book.receivable_fen == ledger.account_balance(account=ledger.RECEIVABLE, employer_id=employer_chaoyang.pk)
    assert book.credit_fen == 12  # the two hand-made credits (the payments went to the open dues)
    if connection.vendor != "postgresql":
        return  # SQLite: no partitions to avoid
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN SELECT account, balance_fen FROM collection_accountbalance "
                       "WHERE employer_id = %s AND account IN ('receivable', 'employer_credit')", [employer_chaoyang.pk])
        plan = "\n".join(r[0] for r in cursor.fetchall())
    assert "collection_posting" not in plan


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_balances_from_the_postings_there_and_goes_back(employer_chaoyang, person_chaoyang):
    _write_every_road(employer_chaoyang, person_chaoyang)
    before = _sums()
    executor = MigrationExecutor(connection)
    executor.migrate([("collection", "0020_posting_partitioned")])
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    assert "collection_accountbalance" not in names
    txn = LedgerTransaction.objects.create(kind=LedgerTransaction.Kind.PAYMENT, occurred_on="2020-05-02")
    Posting.objects.create(transaction=txn, account=ledger.EMPLOYER_CREDIT, employer=employer_chaoyang, amount_fen=-9)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    before[(employer_chaoyang.pk, ledger.EMPLOYER_CREDIT)] -= 9
    assert _balances() == before == _sums()
    Posting.objects.create(transaction=txn, account=ledger.EMPLOYER_CREDIT, employer=employer_chaoyang, amount_fen=9)
    assert _balances() == _sums()  # the trigger is back
