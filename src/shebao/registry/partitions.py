"""Monthly partitions of the contribution table on PostgreSQL (docs/scale.md, "monthly partitioning").

`registry_contribution` is partitioned by `RANGE (month)` (migration 0019): one partition per month,
named `registry_contribution_pYYYY_MM` and bounded `FROM ('YYYY-MM') TO (the next month)`, plus a
default partition `registry_contribution_default` that takes a row of any month without a partition
of its own, so an insert never fails for want of one. Months are stored as the text 'YYYY-MM', whose
order as text is the order of the calendar (fixed width, the same separator in every row).

`partitions_ensure` creates the missing monthly partitions and is idempotent: run it as often as
wanted (`shebao partitions --ahead 12`, monthly; the generator runs it for the months it writes).
Rows that went to the default partition for a month that now gets its own are moved into it.

SQLite has no partitioning: there every function here does nothing and says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection, transaction

from shebao.core import clock
from shebao.rules.dates import month_add, month_index, month_of_date, month_str

TABLE = "registry_contribution"
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


def partitions_ensure(*, months: Iterable[str] = (), ahead: int = 12, table: str = TABLE) -> list[str]:
    """Create the missing monthly partitions of `table`: for `months`, for every month whose rows sit in
    the default partition (they are moved into it), and from this month through `ahead` months after
    it; plus the default partition if it is missing.

    Idempotent: a month that has its partition is left alone. Each month is created in its own short
    transaction (creating a partition locks the parent table). Returns the names of the partitions
    created, in order (empty when none were needed, on SQLite, or when `table` is not partitioned).
    """
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
