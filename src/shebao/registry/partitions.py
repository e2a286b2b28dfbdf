"""Monthly partitions of the large tables on PostgreSQL (docs/scale.md, "monthly partitioning").

Two tables are partitioned by `RANGE (month)`, both on a column `month` holding 'YYYY-MM' text:
`registry_contribution` (migration registry 0019; the contribution's month) and `collection_posting`
(migration collection 0020; the month of the ledger transaction's booking date, `occurred_on`). Each
has one partition per month, named `<table>_pYYYY_MM` and bounded `FROM ('YYYY-MM') TO (the next
month)`, plus a default partition `<table>_default` that takes a row of any month without a partition
of its own, so an insert never fails for want of one. Months as 'YYYY-MM' text sort as the calendar
does (fixed width, the same separator in every row).

`partitions_ensure` creates the missing monthly partitions of every partitioned table and is
idempotent: run it as often as wanted (`shebao partitions --ahead 12`, monthly; the generator runs it
for the months it writes). Rows that went to a default partition for a month that now gets its own
are moved into it. `table_partition` / `table_unpartition` are the migrations' steps.

SQLite has no partitioning: there every function here does nothing and says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection, transaction

from shebao.core import clock
from shebao.rules.dates import month_add, month_index, month_of_date, month_str

TABLE = "registry_contribution"
POSTING_TABLE = "collection_posting"
TABLES = (TABLE, POSTING_TABLE)  # every table partitioned by month, in the order they are kept
DEFAULT_PARTITION = f"{TABLE}_default"
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_BOUND_RE = re.compile(r"FOR VALUES FROM \('(\d{4}-\d{2})'\) TO \('(\d{4}-\d{2})'\)")


def partition_name(month: str, table: str = TABLE) -> str:
    """The partition of `month` ('YYYY-MM'): `<table>_pYYYY_MM`."""
    return f"{table}_p{month[:4]}_{month[5:]}"


def is_partitioned(table: str = TABLE) -> bool:
    """True when `table` is a partitioned table (PostgreSQL, after migration 0019); False on SQLite."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                       "WHERE c.relname = %s AND pg_table_is_visible(c.oid)", [table])
        return cursor.fetchone() is not None


def partitions(table: str = TABLE) -> dict[str, str]:
    """The partitions of `table`: {partition name: its bound as PostgreSQL prints it}
    ('FOR VALUES FROM (…) TO (…)' or 'DEFAULT'). Empty on SQLite or for a table not partitioned."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = %s AND pg_table_is_visible(p.oid) ORDER BY c.relname", [table])
        return dict(cursor.fetchall())


def covered_months(table: str = TABLE) -> set[str]:
    """Every month ('YYYY-MM') that has a partition of its own (a range of several months counts each)."""
    months: set[str] = set()
    for bound in partitions(table).values():
        found = _BOUND_RE.search(bound or "")
        if found:
            lo, hi = month_index(found.group(1)), month_index(found.group(2))
            months.update(month_str(i) for i in range(lo, hi))
    return months


def create_month_partition(cursor, month: str, table: str = TABLE) -> str:
    """Create `month`'s partition of `table` (which must not exist yet), moving the month's rows out of
    the default partition first if it holds any (PostgreSQL refuses a partition whose rows sit in the
    default one). Runs in the caller's transaction; returns the partition's name."""
    name, upper = partition_name(month, table), month_add(month, 1)
    default = f"{table}_default"
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [default])
    has_default = cursor.fetchone()[0]
    moved = False
    if has_default:
        cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{default}" WHERE month >= %s AND month < %s)', [month, upper])
        moved = cursor.fetchone()[0]
    if not moved:
        cursor.execute(f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM (%s) TO (%s)', [month, upper])
        return name
    # A plain table with the parent's columns in the parent's order, filled with the default partition's
    # rows of the month, then attached: attaching gives it the parent's indexes and constraints.
    cursor.execute(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS)')
    cursor.execute(f'WITH moved AS (DELETE FROM "{default}" WHERE month >= %s AND month < %s RETURNING *) '
                   f'INSERT INTO "{name}" SELECT * FROM moved', [month, upper])
    cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES FROM (%s) TO (%s)', [month, upper])
    return name


def create_default_partition(cursor, table: str = TABLE) -> str | None:
    """Create `table`'s default partition unless it has one; returns its name when created."""
    name = f"{table}_default"
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    if cursor.fetchone()[0]:
        return None
    cursor.execute(f'CREATE TABLE "{name}" PARTITION OF "{table}" DEFAULT')
    return name


def months_wanted(extra: Iterable[str], ahead: int) -> list[str]:
    """The months that should have a partition, in order: each month of `extra` of the form 'YYYY-MM'
    (others are ignored: their rows stay in the default partition), and this month (clock.today())
    through `ahead` months after it. A month between them without rows gets none: its rows, if any
    come, go to the default partition until the next `partitions_ensure` moves them."""
    this_month = month_index(month_of_date(clock.today()))
    wanted = {month_str(this_month + k) for k in range(max(ahead, 0) + 1)}
    wanted.update(m for m in extra if isinstance(m, str) and MONTH_RE.match(m))
    return sorted(wanted)


def partitions_ensure(*, months: Iterable[str] = (), ahead: int = 12, table: str | None = None) -> list[str]:
    """Create the missing monthly partitions of `table`, or of every partitioned table of `TABLES` when
    `table` is None: for `months`, for every month whose rows sit in the default partition (they are
    moved into it), and from this month through `ahead` months after it; plus the default partition if
    it is missing.

    Idempotent: a month that has its partition is left alone. Each month is created in its own short
    transaction (creating a partition locks the parent table). Returns the names of the partitions
    created, table by table in `TABLES` order and month by month (empty when none were needed, on
    SQLite, or for a table not partitioned: before its migration).
    """
    months = list(months)
    created: list[str] = []
    for name in (table,) if table is not None else TABLES:
        created += _ensure_table(name, months, ahead)
    return created


def _ensure_table(table: str, months: list[str], ahead: int) -> list[str]:
    if not is_partitioned(table):
        return []
    created: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        made = create_default_partition(cursor, table)
        if made:
            created.append(made)
        cursor.execute(f'SELECT DISTINCT month FROM "{table}_default"')
        stray = [row[0] for row in cursor.fetchall()]
    have = covered_months(table)
    for month in months_wanted([*months, *stray], ahead):
        if month in have:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            created.append(create_month_partition(cursor, month, table))
    return created


# --- The migrations' steps (registry 0019, collection 0020): a plain table to a partitioned one and back.
def _definitions(cursor, table: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """The constraints (name, kind, definition) and the indexes not backing a constraint (name, definition)
    of `table`, as PostgreSQL prints them."""
    cursor.execute("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'c') ORDER BY contype, conname",
                   [table])
    constraints = cursor.fetchall()
    cursor.execute("SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                   "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass AND NOT EXISTS "
                   "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid) "
                   "ORDER BY c.relname", [table])
    return constraints, cursor.fetchall()


def _set_aside(cursor, table: str, aside: str):
    """Rename `table` and its identity sequence aside and drop its constraints and indexes, so that the
    new table takes their names; returns the definitions dropped."""
    constraints, indexes = _definitions(cursor, table)
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    for name, _kind, _definition in sorted(constraints, key=lambda c: c[1] != "f"):  # foreign keys first
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{aside}"')
    if sequence:
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO \"{aside}_id_seq\"")
    return constraints, indexes


def _recreate(cursor, table: str, constraints, indexes, primary_key: str) -> None:
    for name, kind, definition in sorted(constraints, key=lambda c: c[1] == "f"):  # foreign keys last
        if kind == "p":
            definition = primary_key
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in indexes:
        # 'CREATE INDEX name ON public.<table> USING …'; a partitioned table's reads 'ON ONLY'
        # (the parent alone), which would leave the index invalid on a plain table.
        cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))


def _copy_and_drop_aside(cursor, table: str, aside: str) -> None:
    cursor.execute("SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
                   "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", [aside])
    columns = cursor.fetchone()[0]
    cursor.execute(f'INSERT INTO "{table}" ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM "{aside}"')
    cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                   f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)', [table])
    cursor.execute(f'DROP TABLE "{aside}"')


def _partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [table])
    return cursor.fetchone() is not None


def table_partition(cursor, table: str, *, ahead: int) -> None:
    """Make the plain PostgreSQL table `table` (an identity `id`, a text column `month` 'YYYY-MM')
    partitioned by RANGE (month), in the caller's transaction, keeping every row, id and name.

    The old table is renamed aside and stripped of its constraints and indexes; the partitioned table
    is created beside it with the same columns and identity; a partition is made for every month
    present and for this month through `ahead` months after it, plus the default; the rows are copied
    (PostgreSQL routes each to its month) and the sequence continued; then the constraints and indexes
    are created under their old names, the primary key as (id, month) (a partitioned table's unique
    keys must include the partition key); the old table is dropped. No foreign key may point to
    `table` (its callers check: the key (id) alone no longer exists). Nothing when already partitioned.
    """
    if _partitioned(cursor, table):
        return  # already partitioned (a database built by hand ahead of the migration)
    aside = f"{table}_before_partitioning"
    constraints, indexes = _set_aside(cursor, table, aside)
    cursor.execute(f'CREATE TABLE "{table}" (LIKE "{aside}" INCLUDING DEFAULTS INCLUDING IDENTITY) '
                   "PARTITION BY RANGE (month)")
    cursor.execute(f'SELECT DISTINCT month FROM "{aside}"')
    present = [row[0] for row in cursor.fetchall()]
    create_default_partition(cursor, table)
    for month in months_wanted(present, ahead):
        create_month_partition(cursor, month, table)
    _copy_and_drop_aside(cursor, table, aside)
    _recreate(cursor, table, constraints, indexes, "PRIMARY KEY (id, month)")


def table_unpartition(cursor, table: str) -> None:
    """The reverse of `table_partition`: a plain table with the same rows, ids, names, keys and indexes,
    the primary key (id) again; its partitions go with the partitioned table. Nothing when not
    partitioned."""
    if not _partitioned(cursor, table):
        return
    aside = f"{table}_before_partitioning"
    constraints, indexes = _set_aside(cursor, table, aside)
    cursor.execute(f'CREATE TABLE "{table}" (LIKE "{aside}" INCLUDING DEFAULTS INCLUDING IDENTITY)')
    _copy_and_drop_aside(cursor, table, aside)
    _recreate(cursor, table, constraints, indexes, "PRIMARY KEY (id)")
