"""`core.bulk`: the one bulk writer (COPY on PostgreSQL, executemany on SQLite) writes exactly the rows
given, with the keys `new_ids` draws, on either database."""

from __future__ import annotations

import datetime as dt
import struct

import pytest
from django.db import connection

from shebao.collection.models import LedgerTransaction, Posting
from shebao.core.bulk import copy_binary, copy_rows, new_ids

pytestmark = pytest.mark.django_db

TXN = LedgerTransaction._meta
COLUMNS = ["id", "kind", "occurred_on", "memo", "author_id", "author_label", "reason", "reverses_id", "created_at"]


def _txn_rows(ids, memos):
    at = TXN.get_field("created_at").get_db_prep_save(dt.datetime(2020, 2, 20, 9, 30, tzinfo=dt.UTC), connection)
    return [(pk, "dues", dt.date(2020, 2, 20), memo, None, "经办人\t甲", "", None, at)
            for pk, memo in zip(ids, memos, strict=True)]


def test_rows_are_written_as_given_with_the_keys_drawn():
    before = LedgerTransaction.objects.create(kind="dues", occurred_on=dt.date(2020, 1, 2), memo="已有")
    ids = new_ids(TXN.db_table, 3)
    assert ids == sorted(ids) and len(set(ids)) == 3 and ids[0] > before.pk
    # a tab, a newline, a backslash and Chinese survive COPY's text format; None is NULL
    memos = ["申请#1个人补缴", "两行\n第二行", "C:\\路径\\N"]
    assert copy_rows(TXN.db_table, COLUMNS, iter(_txn_rows(ids, memos))) == 3
    got = {t.pk: t for t in LedgerTransaction.objects.filter(pk__in=ids)}
    assert [got[pk].memo for pk in ids] == memos
    t = got[ids[0]]
    assert (t.kind, t.occurred_on, t.author_id, t.author_label, t.reverses_id) == (
        "dues", dt.date(2020, 2, 20), None, "经办人\t甲", None)
    assert t.created_at == dt.datetime(2020, 2, 20, 9, 30, tzinfo=dt.UTC)
    # keys drawn later are new, whatever was written meanwhile; the ORM's next key is above them too
    more = new_ids(TXN.db_table, 2)
    assert min(more) > max(ids)
    assert LedgerTransaction.objects.create(kind="dues", occurred_on=dt.date(2020, 2, 20)).pk > max(ids)
    assert new_ids(TXN.db_table, 0) == [] and copy_rows(TXN.db_table, COLUMNS, []) == 0


def test_binary_copy_is_postgresql_only():
    txn = LedgerTransaction.objects.create(kind="dues", occurred_on=dt.date(2020, 2, 20))
    columns = ["transaction_id", "account", "employer_id", "amount_fen", "month"]

    def text(s):
        b = s.encode()
        return struct.pack(">i", len(b)) + b

    rows = b"".join(struct.pack(">h", 5) + struct.pack(">iq", 8, txn.pk) + text(account) + struct.pack(">i", -1)
                    + struct.pack(">iq", 8, amount) + text("2020-02")
                    for account, amount in (("应收", 100), ("收入", -100)))
    data = b"PGCOPY\n\xff\r\n\x00" + bytes(8) + rows + struct.pack(">h", -1)
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError, match="PostgreSQL"):
            copy_binary(Posting._meta.db_table, columns, data)
        assert not Posting.objects.filter(transaction=txn).exists()
        return
    copy_binary(Posting._meta.db_table, columns, data)
    got = Posting.objects.filter(transaction=txn).values_list("account", "employer_id", "amount_fen", "month")
    assert sorted(got) == sorted([("应收", None, 100, "2020-02"), ("收入", None, -100, "2020-02")])
