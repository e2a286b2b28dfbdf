"""The ledger's postings carry their month and are partitioned by it on PostgreSQL (migrations collection
0019 and 0020, registry.partitions, docs/scale.md): every road that writes postings dates them by their
transaction's booking date; the migrations keep every row of a populated ledger, partition it and can
be undone; a query naming the month (a reversal reads its transaction's postings so) reads that month's
partition alone; a month detaches and attaches back; `shebao partitions` keeps the posting partitions
beside the contribution ones, idempotently, moving stray rows out of the default partition.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io

import pytest
from django.apps import apps as current_apps
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from shebao.collection import ledger
from shebao.collection.ledger import Line
from shebao.collection.models import LedgerTransaction, Posting, booking_month
from shebao.collection.services import dues_build, payment_receive
from shebao.core import clock
from shebao.registry import partitions
from shebao.rules.dates import month_add, month_of_date
from tests import personas
from tests.collection.conftest import book_due, contribution
from tests.personas import SETUP

TABLE = "collection_posting"
BEFORE = ("collection", "0018_relief_known_on_the_day")  # before the month column (0019) and partitioning (0020)
MIGRATION = "shebao.collection.migrations.0020_posting_partitioned"


def _rows(model) -> list[tuple]:
    return [tuple(row) for row in model.objects.order_by("id").values_list(
        "id", "transaction_id", "account", "employer_id", "amount_fen")]


def _partition_of(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _is_partitioned() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM pg_partitioned_table WHERE partrelid = '{TABLE}'::regclass")
        return cursor.fetchone()[0] == 1


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _undated() -> list[tuple]:
    """Postings whose month is not their transaction's booking month (should be none)."""
    return [(p.pk, p.month, p.transaction.occurred_on) for p in Posting.objects.select_related("transaction")
            if p.month != booking_month(p.transaction.occurred_on)]


def test_no_foreign_key_points_to_postings():
    """A partitioned table's primary key includes its partition key, (id, month): a foreign key to a
    posting by id alone would be impossible. None exists (migration 0020 relies on it)."""
    pointing = [f"{model._meta.label}.{field.name}" for model in current_apps.get_models()
                for field in model._meta.get_fields()
                if getattr(field, "concrete", False) and field.is_relation and field.related_model is Posting]
    assert pointing == []


def test_every_road_that_writes_postings_dates_them_by_the_booking_date(employer_chaoyang, person_chaoyang):
    """The ORM roads (`ledger_post`, a payment's `_post_lines`, `Posting.objects.create`, a reversal) and
    the two set-based inserts of `dues_build` (the month's entry, history payments): each posting's
    month is its transaction's booking month, whatever month the dues are for."""
    contribution(person_chaoyang, employer_chaoyang, "2019-11", 800_000, paid_on=dt.date(2019, 12, 14))
    contribution(person_chaoyang, employer_chaoyang, "2019-12", 800_000)
    dues_build(actor=SETUP, months=["2019-11", "2019-12"])  # a history payment (booked 2019-12-14), an open due
    book_due(employer_chaoyang, "2020-01", 10_000)  # ledger_post, booked 2020-01-01
    payment = payment_receive(actor=SETUP, employer=employer_chaoyang, amount_fen=50_000,
                              received_on=dt.date(2020, 2, 3), source="remittance")
    reversal = ledger.ledger_reverse(txn=payment.transaction, actor=SETUP, reason="测试冲正",
                                     occurred_on=dt.date(2020, 3, 31))
    txn = LedgerTransaction.objects.create(kind=LedgerTransaction.Kind.PAYMENT, occurred_on="2020-04-30")
    made = Posting.objects.create(transaction=txn, account=ledger.BANK, amount_fen=0)
    made_by_id = Posting.objects.bulk_create([Posting(transaction_id=txn.pk, account=ledger.BANK, amount_fen=0)])

    assert _undated() == []
    by_kind = {(t.kind, t.occurred_on): sorted(set(t.postings.values_list("month", flat=True)))
               for t in LedgerTransaction.objects.all()}
    assert by_kind[(LedgerTransaction.Kind.PAYMENT, dt.date(2019, 12, 14))] == ["2019-12"]  # history payment
    assert by_kind[(LedgerTransaction.Kind.DUES, clock.today())] == [month_of_date(clock.today())]  # build's entry
    assert by_kind[(LedgerTransaction.Kind.PAYMENT, dt.date(2020, 2, 3))] == ["2020-02"]
    assert sorted(set(reversal.postings.values_list("month", flat=True))) == ["2020-03"]
    assert {made.month, Posting.objects.get(pk=made_by_id[0].pk).month} == {"2020-04"}
    assert reversal.postings.count() == payment.transaction.postings.count() >= 2


def test_a_posting_without_its_month_is_refused_by_the_database(employer_chaoyang):
    """The column has no default: a raw insert that forgets the month fails instead of landing nowhere."""
    txn = LedgerTransaction.objects.create(kind=LedgerTransaction.Kind.PAYMENT, occurred_on=dt.date(2020, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (transaction_id, account, employer_id, amount_fen) VALUES (%s, %s, %s, 0)",
                       [txn.pk, ledger.BANK, employer_chaoyang.pk])


def _sqlite_schema() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name")
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_migrations_date_and_partition_a_populated_ledger_keeping_every_row_and_back():
    migration = importlib.import_module(MIGRATION)
    employer = personas.make_employer()
    other = personas.make_employer("北京海淀测试软件有限公司", district_code="110108", serial=2)
    _migrate([BEFORE])  # the ledger as it was: postings without a month
    state = MigrationExecutor(connection).loader.project_state([BEFORE]).apps
    old_txn, old_posting = state.get_model("collection", "LedgerTransaction"), state.get_model("collection", "Posting")
    days = [dt.date(2019, 12, 31), dt.date(2020, 1, 1), dt.date(2020, 1, 31), dt.date(2020, 2, 29), dt.date(2023, 7, 15)]
    for n, day in enumerate(days):
        txn = old_txn.objects.create(kind="payment", occurred_on=day, memo=f"第{n}笔")
        for k, who in enumerate((employer, other)):
            amount = 10_000 * (n + 1) + k
            old_posting.objects.create(transaction=txn, account="bank", employer_id=who.pk, amount_fen=amount)
            old_posting.objects.create(transaction=txn, account="receivable", employer_id=who.pk, amount_fen=-amount)
        old_posting.objects.create(transaction=txn, account="income:pension", employer_id=None, amount_fen=0)
    before = _rows(old_posting)
    assert len(before) == 25
    booked = {pk: booking_month(day) for pk, day in old_txn.objects.values_list("pk", "occurred_on")}

    if connection.vendor == "sqlite":
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        assert _rows(Posting) == before
        assert [p.month for p in Posting.objects.order_by("id")] == [booked[row[1]] for row in before]
        schema = _sqlite_schema()
        with connection.schema_editor() as editor:  # partitioning is nothing on SQLite (asserted)
            migration.partition(current_apps, editor)
            migration.unpartition(current_apps, editor)
        assert _sqlite_schema() == schema
        _migrate([BEFORE])
        assert _rows(old_posting) == before
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        return

    assert not _is_partitioned()
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert _is_partitioned()
    assert _rows(Posting) == before  # every row, unchanged, ids kept
    months = dict(Posting.objects.values_list("id", "month"))
    for pk, txn_id, *_ in before:
        assert months[pk] == booked[txn_id]  # filled from the transaction's booking date (0019)
        assert _partition_of(pk) == partitions.partition_name(booked[txn_id], TABLE)
    this_month = month_of_date(clock.today())
    assert set(booked.values()) | {month_add(this_month, k) for k in range(13)} <= partitions.covered_months(TABLE)
    assert f"{TABLE}_default" in partitions.partitions(TABLE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       f"WHERE conrelid = '{TABLE}'::regclass ORDER BY conname")
        constraints = dict(cursor.fetchall())
        cursor.execute(f"SELECT indexdef FROM pg_indexes WHERE tablename = '{TABLE}'")
        indexes = [row[0] for row in cursor.fetchall()]
    assert constraints[f"{TABLE}_pkey"] == "PRIMARY KEY (id, month)"
    assert sum("FOREIGN KEY" in d and "DEFERRABLE INITIALLY DEFERRED" in d for d in constraints.values()) == 2
    assert sum("(account, employer_id)" in d for d in indexes) == 1
    assert sum("(transaction_id)" in d for d in indexes) == 1

    # New rows: this month's posting goes to its partition with the next id; a posting booked years
    # ahead waits in the default partition and moves when `partitions_ensure` makes its month.
    txn = ledger.ledger_post(kind="payment", occurred_on=clock.today(), actor=SETUP, lines=[
        Line(ledger.BANK, employer.pk, 500), Line(ledger.RECEIVABLE, employer.pk, -500)])
    now_rows = list(txn.postings.values_list("pk", flat=True))
    assert min(now_rows) > before[-1][0]
    assert {_partition_of(pk) for pk in now_rows} == {partitions.partition_name(this_month, TABLE)}
    far_day = clock.today() + dt.timedelta(days=31 * 30)
    far = ledger.ledger_post(kind="payment", occurred_on=far_day, actor=SETUP, lines=[
        Line(ledger.BANK, other.pk, 700), Line(ledger.RECEIVABLE, other.pk, -700)])
    far_rows = list(far.postings.values_list("pk", flat=True))
    assert {_partition_of(pk) for pk in far_rows} == {f"{TABLE}_default"}
    assert partitions.partitions_ensure(ahead=12) == [partitions.partition_name(booking_month(far_day), TABLE)]
    assert {_partition_of(pk) for pk in far_rows} == {partitions.partition_name(booking_month(far_day), TABLE)}
    assert partitions.partitions_ensure(ahead=12) == []  # idempotent
    after = _rows(Posting)
    months_after = list(Posting.objects.order_by("id").values_list("month", flat=True))

    _migrate([BEFORE])  # and back: a plain table without the month, the same rows
    assert not _is_partitioned()
    assert partitions.partitions(TABLE) == {}
    old_posting = MigrationExecutor(connection).loader.project_state([BEFORE]).apps.get_model("collection", "Posting")
    assert _rows(old_posting) == after
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert _is_partitioned() and _rows(Posting) == after
    assert list(Posting.objects.order_by("id").values_list("month", flat=True)) == months_after
    assert ledger.unbalanced_transactions() == []


def _plan(cursor, queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    cursor.execute(f"EXPLAIN {sql}", params)
    return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_a_query_by_month_reads_that_months_partition_alone(employer_chaoyang):
    """A month's postings, and a transaction's postings read with its month (as `ledger_reverse` reads
    them), come from one partition; without the month every partition is read."""
    txns = {}
    for day in (dt.date(2024, 1, 10), dt.date(2024, 2, 10)):
        txns[day.month] = ledger.ledger_post(kind="payment", occurred_on=day, actor=SETUP, lines=[
            Line(ledger.BANK, employer_chaoyang.pk, 900), Line(ledger.RECEIVABLE, employer_chaoyang.pk, -900)])
    if connection.vendor != "postgresql":  # SQLite: one table; the same query gives the month's rows
        assert Posting.objects.filter(month="2024-02").count() == 2
        return
    partitions.partitions_ensure(months=["2024-01", "2024-02"], ahead=0)
    txn = txns[2]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
        month_plan = _plan(cursor, Posting.objects.filter(month="2024-02"))
        reverse_plan = _plan(cursor, txn.postings.filter(month=booking_month(txn.occurred_on)))
        all_plan = _plan(cursor, txn.postings.all())
    for plan in (month_plan, reverse_plan):
        assert "collection_posting_p2024_02" in plan, plan
        assert "collection_posting_p2024_01" not in plan and "collection_posting_default" not in plan, plan
    assert "collection_posting_p2024_01" in all_plan  # no month: every partition
    reversal = ledger.ledger_reverse(txn=txn, actor=SETUP, reason="测试冲正", occurred_on=dt.date(2024, 2, 11))
    assert sorted(reversal.postings.values_list("account", "amount_fen")) == [
        (ledger.BANK, -900), (ledger.RECEIVABLE, 900)]


@pytest.mark.django_db
def test_a_closed_month_of_postings_detaches_with_its_rows_and_attaches_back(employer_chaoyang):
    """docs/scale.md's archiving steps, on the ledger: a detached month is a plain table holding its
    postings, gone from the live table (and from the balances); attached back, they are read again."""
    for day in (dt.date(2019, 1, 15), dt.date(2019, 2, 15)):
        ledger.ledger_post(kind="payment", occurred_on=day, actor=SETUP, lines=[
            Line(ledger.BANK, employer_chaoyang.pk, 100), Line(ledger.EMPLOYER_CREDIT, employer_chaoyang.pk, -100)])
    if connection.vendor != "postgresql":
        assert partitions.partitions_ensure(months=["2019-01"], ahead=0) == []  # nothing to detach on SQLite
        return
    assert partitions.partitions_ensure(months=["2019-01", "2019-02"], ahead=0, table=TABLE)[:2] == [
        "collection_posting_p2019_01", "collection_posting_p2019_02"]
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION collection_posting_p2019_01")
        assert sorted(set(Posting.objects.values_list("month", flat=True))) == ["2019-02"]
        assert ledger.account_balance(account=ledger.BANK, employer_id=employer_chaoyang.pk) == 100
        cursor.execute("SELECT month, account, amount_fen FROM collection_posting_p2019_01 ORDER BY account")
        assert cursor.fetchall() == [("2019-01", ledger.BANK, 100), ("2019-01", ledger.EMPLOYER_CREDIT, -100)]
        cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION collection_posting_p2019_01 "
                       "FOR VALUES FROM ('2019-01') TO ('2019-02')")
    assert ledger.account_balance(account=ledger.BANK, employer_id=employer_chaoyang.pk) == 200


@pytest.mark.django_db
def test_the_partitions_command_keeps_the_posting_partitions_too(employer_chaoyang):
    """One command for every partitioned table: months ahead for contributions and postings alike,
    once; a stray month's postings are moved out of the default partition."""
    out = io.StringIO()
    if connection.vendor != "postgresql":
        call_command("partitions", "--ahead", "3", stdout=out)
        assert out.getvalue().strip() == "本数据库（SQLite）不分区，无需建分区。"
        return
    this_month = month_of_date(clock.today())
    call_command("partitions", "--ahead", "12", stdout=io.StringIO())  # the migrations made these already
    stray_day = dt.date(2015, 6, 1)
    txn = ledger.ledger_post(kind="payment", occurred_on=stray_day, actor=SETUP, lines=[
        Line(ledger.BANK, employer_chaoyang.pk, 300), Line(ledger.RECEIVABLE, employer_chaoyang.pk, -300)])
    stray = list(txn.postings.values_list("pk", flat=True))
    assert {_partition_of(pk) for pk in stray} == {f"{TABLE}_default"}
    far = [month_add(this_month, k) for k in (13, 14)]
    call_command("partitions", "--ahead", "14", stdout=out)
    made = [partitions.partition_name(m) for m in far] + [
        partitions.partition_name(m, TABLE) for m in ["2015-06", *far]]
    assert out.getvalue().strip() == f"已建分区{len(made)}个：{'、'.join(made)}"
    assert {_partition_of(pk) for pk in stray} == {"collection_posting_p2015_06"}
    assert set(far) <= partitions.covered_months(TABLE) and set(far) <= partitions.covered_months()
    out = io.StringIO()
    call_command("partitions", "--ahead", "14", stdout=out)
    assert out.getvalue().strip() == "分区已齐备，未新建。"
