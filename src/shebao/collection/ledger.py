"""The append-only double-entry ledger, in integer fen.

Every transaction balances (its postings sum to zero); postings are never updated or deleted;
a mistake is corrected by a reversing transaction that names its author and its reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum

from shebao.collection.models import LedgerTransaction, Posting, booking_month
from shebao.core import clock
from shebao.core.permissions import actor_label, actor_user

BANK = "bank"
RECEIVABLE = "receivable"
EMPLOYER_CREDIT = "employer_credit"


def income_account(insurance: str) -> str:
    return f"income:{insurance}"


class LedgerError(Exception):
    pass


def booking_month_sql(column: str) -> str:
    """SQL for the month 'YYYY-MM' of the date `column`, on this database: what `booking_month` gives in
    Python, for the set-based inserts that write postings without the ORM (`Posting.month`)."""
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"substr({column}, 1, 7)"  # SQLite keeps a date as its ISO text 'YYYY-MM-DD'


@dataclass(frozen=True)
class Line:
    account: str
    employer_id: int | None
    amount_fen: int  # debit positive, credit negative


def _actor_fields(actor: Any) -> dict[str, Any]:
    """The entry's author: a staff account, or a named system job (`core.permissions.SystemActor`)."""
    return {"author": actor_user(actor), "author_label": actor_label(actor)}


def ledger_post(
    *, kind: str, occurred_on: dt.date, lines: Sequence[Line], actor: Any, memo: str = "", reason: str = "",
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction; an unbalanced one is refused before anything is written."""
    kept = [ln for ln in lines if ln.amount_fen != 0]
    if any(not isinstance(ln.amount_fen, int) for ln in kept):
        raise LedgerError("金额必须是整数分")
    if sum(ln.amount_fen for ln in kept) != 0:
        raise LedgerError(f"分录借贷不平：合计 {sum(ln.amount_fen for ln in kept)} 分")
    with transaction.atomic():
        txn = LedgerTransaction.objects.create(kind=kind, occurred_on=occurred_on, memo=memo[:200],
                                               reason=reason[:200], reverses=reverses, **_actor_fields(actor))
        Posting.objects.bulk_create(
            [Posting(transaction=txn, account=ln.account, employer_id=ln.employer_id, amount_fen=ln.amount_fen)
             for ln in kept], batch_size=2000)
    return txn


def ledger_reverse(*, txn: LedgerTransaction, actor: Any, reason: str, occurred_on: dt.date | None = None
                   ) -> LedgerTransaction:
    """The correcting entry: the same postings with opposite signs, with who and why."""
    if not reason.strip():
        raise LedgerError("冲正必须填写原因")
    if actor is None:
        raise LedgerError("冲正必须记录操作人")
    if LedgerTransaction.objects.filter(reverses=txn).exists():
        raise LedgerError(f"凭证#{txn.pk}已冲正，不能重复冲正")
    # By the transaction's month too: on PostgreSQL the read is one partition's (docs/scale.md).
    lines = [Line(p.account, p.employer_id, -p.amount_fen)
             for p in txn.postings.filter(month=booking_month(txn.occurred_on)).order_by("pk")]
    return ledger_post(kind=LedgerTransaction.Kind.REVERSAL, occurred_on=occurred_on or clock.today(),
                       lines=lines, actor=actor, memo=f"冲正凭证#{txn.pk}", reason=reason, reverses=txn)


def account_balances(*, account: str, employer_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Balance per employer of one account (debit positive)."""
    qs = Posting.objects.filter(account=account)
    if employer_ids is not None:
        qs = qs.filter(employer_id__in=list(employer_ids))
    return {row["employer_id"]: int(row["total"] or 0)
            for row in qs.values("employer_id").annotate(total=Sum("amount_fen"))}


def account_balance(*, account: str, employer_id: int | None = None) -> int:
    qs = Posting.objects.filter(account=account)
    if employer_id is not None:
        qs = qs.filter(employer_id=employer_id)
    return int(qs.aggregate(total=Sum("amount_fen"))["total"] or 0)


def employer_balances(*, employer_id: int, accounts: Iterable[str]) -> dict[str, int]:
    """The balance (debit positive, integer fen) of each of ``accounts`` for one employer: {account: fen},
    0 for an account it never had a posting on. Read from the running balances the database keeps
    (`AccountBalance`, collection 0021), one row per account: equal to `account_balance(account=a,
    employer_id=employer_id)` for each, without summing postings over every monthly partition."""
    from shebao.collection.models import AccountBalance

    accounts = list(accounts)
    found = dict(AccountBalance.objects.filter(employer_id=employer_id, account__in=accounts)
                 .values_list("account", "balance_fen"))
    return {a: int(found.get(a, 0)) for a in accounts}


def unbalanced_transactions(limit: int = 20) -> list[tuple[int, int]]:
    """Transactions whose postings do not sum to zero (should never exist)."""
    table = Posting._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT transaction_id, SUM(amount_fen) FROM {table} GROUP BY transaction_id "
            f"HAVING SUM(amount_fen) <> 0 ORDER BY transaction_id",
        )
        rows = cursor.fetchmany(limit)
    return [(int(a), int(b)) for a, b in rows]
