"""Bulk inserts past the ORM: one helper for every writer of many rows at once.

Model instances and Django's INSERT compiler cost more than the insert itself at a hundred thousand
rows (a roster's staging rows, a batch's dues, a generated city's contributions), so those writers
put plain tuples into the table. They did so each its own way; this module is the one way.

Shapes, for every function here:

* `table`: the table's name as in ``Model._meta.db_table`` (quoted here, never by the caller);
* `columns`: the column names (``Field.column``), in the order of each row's values;
* `rows`: an iterable of tuples (or lists), one value per column, each already a database value:
  ``None`` for NULL, int (money in fen), str, ``datetime.date`` / ``datetime``, bool. Values a field
  prepares (encryption at rest, JSON) are prepared by the caller (`Field.get_db_prep_save`, or
  ``json.dumps`` for a JSON column); this module adapts nothing a driver would not.

Behaviour per backend:

* PostgreSQL (psycopg 3): ``COPY table (columns) FROM STDIN``, text format, each row written with
  ``Copy.write_row`` (psycopg adapts the values: NULL, dates, strings with tabs or newlines). One
  statement whatever the number of rows; constraints and triggers apply as to an INSERT (foreign
  keys deferred to the commit as Django declares them). `copy_binary` sends a payload the caller
  built in PostgreSQL's binary COPY format (``FORMAT BINARY``) as it is.
* SQLite (tests, development): one ``INSERT ... VALUES`` executed per row through the driver's
  ``executemany`` (a single prepared statement); its write transaction is exclusive, so keys drawn by
  `new_ids` above the largest cannot collide. `copy_binary` is PostgreSQL only (ValueError elsewhere).

None of these opens a transaction: the caller's ``transaction.atomic()`` makes the rows all or
nothing. Nothing here writes an audit row; the caller audits what it inserted (`core.audit`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def _names(columns: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` into `table` (see the module: COPY on PostgreSQL, executemany elsewhere).
    Returns the number of rows written. Raises the driver's error (IntegrityError, DataError) as an
    INSERT would; nothing is written by this call then, the caller's transaction decides the rest."""
    quoted = connection.ops.quote_name(table)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quoted} ({_names(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        rows = list(rows)
        if rows:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quoted} ({_names(columns)}) VALUES ({marks})", rows)
        return len(rows)


def copy_binary(table: str, columns: Sequence[str], data: bytes) -> None:
    """Send `data`, rows in PostgreSQL's binary COPY format (signature, header, tuples, trailer) for
    `columns`, into `table`: ``COPY ... FROM STDIN (FORMAT BINARY)``. PostgreSQL only: raises
    ValueError on another backend (the caller writes its rows with `copy_rows` there)."""
    if connection.vendor != "postgresql":
        raise ValueError(f"binary COPY needs PostgreSQL, not {connection.vendor}")
    sql = f"COPY {connection.ops.quote_name(table)} ({_names(columns)}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(data)


def new_ids(table: str, n: int, column: str = "id") -> list[int]:
    """`n` new primary keys for `table` (its serial/identity `column`), ascending, for rows the caller
    writes with `copy_rows`: drawn from the column's sequence on PostgreSQL (so they stay the caller's
    whatever commits meanwhile), above the largest on SQLite (whose write transaction is exclusive,
    so nobody inserts meanwhile; call it inside that transaction)."""
    if n <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence's name first: pg_get_serial_sequence is STABLE, so inside the series it was
            # looked up again for every key (a catalog read per row: 2.8 s of the 10,000-case batch).
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [connection.ops.quote_name(table), column])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, n])
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 0) "
                       f"FROM {connection.ops.quote_name(table)}")
        top = cursor.fetchone()[0]
    return list(range(top + 1, top + n + 1))
