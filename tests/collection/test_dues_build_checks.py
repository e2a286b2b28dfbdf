"""The set-based build writes its rows with PostgreSQL's row-by-row key checks off, in its own
transaction only (issue 21: about ten million queued checks at 2 M people); every row it wrote still
satisfies every key, and the checks are back on once the build's statements are done."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from shebao.collection.models import Allocation, Due, LedgerTransaction, Payment, Posting
from shebao.collection.services import dues_build
from shebao.registry.generator import GenerateOptions, generate
from tests.personas import SETUP

MONTHS = ["2019-12", "2020-01", "2020-02"]
WRITTEN = (Due, Allocation, Payment, Posting, LedgerTransaction)


def _keys(cursor) -> list[tuple[str, str, str]]:
    cursor.execute("SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                   "WHERE c.contype = 'f' AND c.conparentid = 0 AND c.conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
                   [[m._meta.db_table for m in WRITTEN]])
    return cursor.fetchall()


@pytest.mark.django_db
def test_every_row_the_build_wrote_passes_every_key_checked_again_from_scratch():
    generate(GenerateOptions(employers=8, persons=120, from_month="2019-12", months=3, seed=5, batch_employers=3,
                             arrears_share=0.4))
    result = dues_build(months=MONTHS, actor=SETUP)
    assert result.dues == Due.objects.count() > 0 and result.history_payments == Payment.objects.count() > 0
    assert Allocation.objects.exists() and Posting.objects.exists()
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # SQLite: its keys are checked at commit; none is broken
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []
            return
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
        keys = _keys(cursor)
        assert {t for t, _, _ in keys} == {m._meta.db_table for m in WRITTEN} and len(keys) >= 10
        for table, name, definition in keys:  # each key validated over every row, as a restore would
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_after_the_build_a_row_pointing_nowhere_is_refused_again():
    generate(GenerateOptions(employers=4, persons=40, from_month="2019-12", months=3, seed=6, batch_employers=2))
    dues_build(months=MONTHS, actor=SETUP)
    payment = Payment.objects.first()
    if connection.vendor != "postgresql":  # SQLite never turns them off: the broken row is found, then undone
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO collection_allocation (payment_id, due_id, amount_fen, created_at) "
                           "VALUES (%s, 987654321, 1, CURRENT_TIMESTAMP)", [payment.pk])
            cursor.execute("PRAGMA foreign_key_check(collection_allocation)")
            assert [row[0] for row in cursor.fetchall()] == ["collection_allocation"]
            transaction.set_rollback(True)
        return
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO collection_allocation (payment_id, due_id, amount_fen, created_at) "
                       "VALUES (%s, 987654321, 1, now())", [payment.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_a_table_with_a_trigger_of_its_own_keeps_it_firing_through_the_build():
    """session_replication_role = replica would silence every trigger, not only the key checks: a table
    with one of its own (here a counter of the postings inserted) is written with its checks on."""
    from shebao.collection import services

    generate(GenerateOptions(employers=4, persons=40, from_month="2019-12", months=3, seed=7, batch_employers=2))
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # SQLite has no such switch: the helper never turns anything off
            with services._row_checks_off(cursor, Posting) as off:
                assert off is False
            return
        cursor.execute("CREATE TABLE scale21_fired (n bigint)")
        cursor.execute("INSERT INTO scale21_fired VALUES (0)")
        cursor.execute("CREATE FUNCTION scale21_count() RETURNS trigger LANGUAGE plpgsql AS "
                       "$$ BEGIN UPDATE scale21_fired SET n = n + 1; RETURN NEW; END $$")
        cursor.execute("CREATE TRIGGER scale21_count AFTER INSERT ON collection_posting FOR EACH ROW "
                       "EXECUTE FUNCTION scale21_count()")
        with services._row_checks_off(cursor, Due) as off:
            assert off is True
        with services._row_checks_off(cursor, Posting) as off:
            assert off is False
        dues_build(months=MONTHS, actor=SETUP)
        cursor.execute("SELECT n FROM scale21_fired")
        assert cursor.fetchone()[0] == Posting.objects.count() > 0
