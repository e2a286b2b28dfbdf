"""Two hot-path helpers below the ORM, for the requests that arrive hundreds a second (case submission).

On this hardware the ORM spends 0.3-3 ms of Python compiling each query, more than PostgreSQL spends
answering it. These helpers build their SQL once per shape from the models' own metadata and reuse
it; the rows they read or write are the ORM's rows, field conversions included
(`get_db_prep_save`, `from_db`). Everything else in the project uses the ORM.

- `fetch_one(Model, related=("user__office",), digest=...)`: one row by equality filters with its
  foreign keys joined, like `select_related(...).filter(...).first()`.
- `insert_together(first, *dependents, conflict=(...))`: the first row (skipped on a conflict with
  the named unique constraint) and the rows that belong to it, all or none. On PostgreSQL that is
  one statement (data-modifying CTEs), hence atomic without BEGIN/COMMIT round trips; on SQLite the
  inserts run in the caller's transaction.
- `allocate_pk(Model)`: a primary key for a row before it is inserted, so dependent rows (and text
  that quotes the id) can be built in Python. PostgreSQL hands out blocks of the table's own
  sequence per process (Hibernate's "pooled" optimizer), in ascending order; ids stay unique but,
  across processes, only roughly follow submission order, as PostgreSQL's own sequences do under
  concurrency. On SQLite, the next id inside the caller's write transaction.

On PostgreSQL these statements run prepared, on a server-side binding cursor (`hot_cursor`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

PK_BLOCK = 32
_pools: dict[str, list[int]] = {}
_lock = threading.Lock()


def forget_allocated_pks() -> None:
    """Drop the unused blocks: in a forked child (it must not hand out its parent's ids), or after
    a sequence is reset (`sqlsequencereset`, a flush with identity restart)."""
    with _lock:
        _pools.clear()


os.register_at_fork(after_in_child=forget_allocated_pks)


@contextmanager
def hot_cursor() -> Iterator[Any]:
    """A cursor for the hot statements. On PostgreSQL a server-side binding cursor on Django's own
    connection (same transaction) that prepares each statement (psycopg keeps the 100 last used per
    connection), so the server stops re-parsing and re-planning it on every request. Only here: the
    rest of Django keeps client-side binding, which has no 65,535-parameter limit for bulk writes
    and long IN lists. These statements bypass Django's query logging (CaptureQueriesContext).
    """
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql":
        with conn.cursor() as cursor:
            yield cursor
        return
    conn.ensure_connection()
    # One cursor per database connection, kept on Django's wrapper (itself one per thread): setting up a
    # psycopg cursor (its adapters and loaders) costs more than the statements it runs here.
    # A use nested in another (reading while the kept cursor's rows are still wanted) gets its own.
    cursor = getattr(conn, "_shebao_hot_cursor", None)
    if cursor is None or cursor.closed or cursor.connection is not conn.connection:
        cursor = conn._shebao_hot_cursor = _hot_cursor_class()(conn.connection)
    elif cursor.in_use:
        cursor = _hot_cursor_class()(conn.connection)
    cursor.in_use = True
    try:
        with conn.wrap_database_errors:
            yield _Prepared(cursor)
    finally:
        cursor.in_use = False


@lru_cache(maxsize=1)
def _hot_cursor_class() -> type:
    """psycopg's cursor with a query class that remembers how each of our statements converts.

    psycopg caches the conversion of a statement (its `%s` to `$n`, split in parts) only up to 4096
    bytes and 50 parameters, so that an ORM's ever-different bulk inserts do not fill the cache; the
    submission's one insert has ~80 parameters and was split anew on every request (0.3-0.5 ms).
    Our statements come in a handful of fixed shapes, so here the conversion is cached whatever its
    size. `PostgresQuery.convert` and `_query2pg_nocache` are psycopg internals (as of 3.3, the
    version pinned in pyproject.toml); tests/core/test_fastsql.py fails if they change. HotQuery
    takes the only form our statements use: a `%s` string and a sequence of parameters.
    """
    import psycopg
    from psycopg._queries import PostgresQuery, _query2pg_nocache

    convert = lru_cache(maxsize=32)(_query2pg_nocache)

    class HotQuery(PostgresQuery):
        __slots__ = ()

        def convert(self, query: Any, vars: Any) -> None:
            self.query, self._want_formats, self._order, self._parts = convert(
                self._ensure_bytes(query), self._tx.encoding)
            self.dump(vars)

    class HotCursor(psycopg.Cursor):
        _query_cls = HotQuery
        in_use = False  # set by hot_cursor() while a caller holds it

    HotCursor.conversions = convert  # type: ignore[attr-defined]  # its cache_info() for the tests
    return HotCursor


class _Prepared:
    """Executes with prepare=True: prepared on the first run, not the fifth. (The connection's
    prepare_threshold, set in settings, must not be None, or psycopg prepares nothing.)"""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(sql, params, prepare=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


# --- Reading ----------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _select_plan(model: type[models.Model], related: tuple[str, ...], filters: tuple[str, ...],
                 null_filters: tuple[str, ...], defer: tuple[str, ...], extra: tuple[str, ...],
                 vendor: str) -> tuple[str, list[tuple[str, type[models.Model], tuple[str, ...]]]]:
    """The SQL and, per joined path, the model and attnames in column order."""
    paths: list[tuple[str, type[models.Model], tuple[str, ...]]] = []
    joins: list[str] = []
    aliases = {"": "t0"}

    def columns(m: type[models.Model], path: str) -> tuple[str, ...]:
        prefix = f"{path}__" if path else ""
        return tuple(f.attname for f in m._meta.concrete_fields
                     if f.primary_key or f"{prefix}{f.attname}" not in defer)

    def qualified(path: str, attname: str) -> str:
        return f"{path}__{attname}" if path else attname

    known = {qualified(p, f.attname) for p in ("", *related) for f in _model_at(model, p)._meta.concrete_fields}
    joined = set()
    for p in related:
        parent, _, name = p.rpartition("__")
        joined.add(qualified(parent, _model_at(model, parent)._meta.get_field(name).attname))
    wrong = (set(defer) - known) | (set(defer) & joined)
    if wrong:
        raise ValueError(f"cannot defer {sorted(wrong)}: not a column of the read, or one a relation is joined on")

    paths.append(("", model, columns(model, "")))
    for path in sorted(related, key=lambda p: p.count("__")):
        parent_path, _, name = path.rpartition("__")
        parent_model = next(m for p, m, _c in paths if p == parent_path)
        field = parent_model._meta.get_field(name)
        target = field.related_model
        alias = f"t{len(aliases)}"
        aliases[path] = alias
        joins.append(f"LEFT JOIN {_q(target._meta.db_table)} {alias} ON {alias}.{_q(target._meta.pk.column)} = "
                     f"{aliases[parent_path]}.{_q(field.column)}")
        paths.append((path, target, columns(target, path)))
    select = ", ".join([*(f"{aliases[p]}.{_q(m._meta.get_field(a).column)}" for p, m, cols in paths for a in cols),
                        *extra])
    where = [f"t0.{_q(model._meta.get_field(f).column)} = %s" for f in filters]
    where += [f"t0.{_q(model._meta.get_field(f).column)} IS NULL" for f in null_filters]
    sql = (f"SELECT {select} FROM {_q(model._meta.db_table)} t0 {' '.join(joins)} "
           f"WHERE {' AND '.join(where) or '1 = 1'} LIMIT 1")
    return sql, paths


def _model_at(model: type[models.Model], path: str) -> type[models.Model]:
    """The model reached from `model` by a `related` path ("" is the model itself)."""
    for name in path.split("__") if path else ():
        model = model._meta.get_field(name).related_model
    return model


def fetch_one(model: type[models.Model], *, related: Sequence[str] = (), defer: Sequence[str] = (),
              extra: tuple[Sequence[str], Sequence[Any]] | None = None, **filters: Any) -> Any:
    """The row matching `field=value` filters (None means IS NULL), its `related` paths attached as
    select_related would attach them; None when no row matches. For unique look-ups: with several
    matches, which one comes back is not defined (no ORDER BY). `defer` names columns not to read
    (`"created_at"`, `"user__last_login"`), as QuerySet.defer: reading one later costs a query.

    `extra=(expressions, params)` reads more scalar expressions in the same round trip (a subquery
    about another table); then the answer is `(row, values of the expressions)`, `(None, None)`
    when no row matches. The expressions are constant SQL of ours (never built from input), their
    values go in `params`."""
    eq = tuple(sorted(k for k, v in filters.items() if v is not None))
    nulls = tuple(sorted(k for k, v in filters.items() if v is None))
    conn = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: each use of the proxy is a context-local look-up
    expressions, extra_params = extra if extra is not None else ((), ())
    sql, paths = _select_plan(model, tuple(sorted(related)), eq, nulls, tuple(sorted(defer)), tuple(expressions),
                              conn.vendor)
    with hot_cursor() as cursor:
        cursor.execute(sql, [*extra_params, *(filters[k] for k in eq)])
        row = cursor.fetchone()
    if row is None:
        return (None, None) if extra is not None else None
    instances: dict[str, Any] = {}
    start = 0
    for path, m, cols in paths:
        values = list(row[start:start + len(cols)])
        start += len(cols)
        obj = None
        if values[0] is not None:  # the primary key comes first in concrete_fields
            # The values as the ORM hands them over: the backend's converters, then the field's own.
            for i, expression, converters in _converters(m, cols, conn.vendor):
                value = values[i]
                if value is not None:
                    for converter in converters:
                        value = converter(value, expression, conn)
                    values[i] = value
            obj = m.from_db(conn.alias, cols, values)
        instances[path] = obj
        if path:
            parent_path, _, name = path.rpartition("__")
            parent = instances[parent_path]
            if parent is not None:
                parent._meta.get_field(name).set_cached_value(parent, obj)
    if extra is not None:
        return instances[""], tuple(row[start:])
    return instances[""]


@lru_cache(maxsize=64)
def _converters(model: type[models.Model], cols: tuple[str, ...], vendor: str) -> list[tuple[int, Any, list[Any]]]:
    """Per column that has any: its position, its column expression and its converters."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    plan = []
    for i, attname in enumerate(cols):
        expression = by_attname[attname].get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if converters:
            plan.append((i, expression, converters))
    return plan


# --- Writing ----------------------------------------------------------------------------------------
def allocate_pk(model: type[models.Model]) -> int:
    """A primary key to insert with. On SQLite the next one after the largest, which is safe only
    inside a write transaction (the project opens them IMMEDIATE: one writer at a time)."""
    if connection.vendor != "postgresql":
        if not connection.in_atomic_block:
            raise RuntimeError("allocate_pk on SQLite needs the caller's write transaction")
        with connection.cursor() as cursor:
            # The larger of the table's largest id and AUTOINCREMENT's high-water mark: never an id
            # that a deleted row once had.
            cursor.execute(f"SELECT MAX(COALESCE((SELECT MAX({_q(model._meta.pk.column)}) "
                           f"FROM {_q(model._meta.db_table)}), 0), COALESCE((SELECT seq FROM sqlite_sequence "
                           "WHERE name = %s), 0)) + 1", [model._meta.db_table])
            return int(cursor.fetchone()[0])
    label = model._meta.label
    with _lock:
        pool = _pools.get(label)
        if pool:
            return pool.pop()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [model._meta.db_table, model._meta.pk.column, PK_BLOCK])
        ids = sorted(r[0] for r in cursor.fetchall())
    with _lock:
        # pop() takes from the end: keep the block descending so ids go out in ascending order.
        _pools[label] = _pools.get(label, []) + ids[:0:-1]
    return ids[0]


# Fields whose get_db_prep_save returns a value of this exact type unchanged (Django's own code:
# to_python of a str, of a bool), so a row's many text columns skip the call chain. Exact classes only,
# never subclasses; tests/core/test_fastsql.py holds the shortcut equal to get_db_prep_save.
_UNCHANGED = {models.CharField: str, models.TextField: str, models.EmailField: str, models.BooleanField: bool}


@lru_cache(maxsize=64)
def _insert_shape(model: type[models.Model], with_pk: bool,
                  vendor: str) -> tuple[str, str, tuple[tuple[Any, type | None], ...]]:
    """The quoted table, the quoted column list and the fields of an insert (each with the value type
    it passes on unchanged, if any), worked out once."""
    fields = tuple(f for f in model._meta.concrete_fields
                   if (with_pk or not f.primary_key) and not getattr(f, "generated", False))
    return (_q(model._meta.db_table), ", ".join(_q(f.column) for f in fields),
            tuple((f, _UNCHANGED.get(type(f))) for f in fields))


def _row(obj: models.Model, conn: Any) -> tuple[tuple[str, str], list[Any]]:
    """The row's shape (table, columns) and its values as the ORM would send them."""
    table, cols, fields = _insert_shape(type(obj), obj.pk is not None, conn.vendor)
    values = []
    for f, unchanged in fields:
        value = getattr(obj, f.attname)
        if value is None:
            value = f.pre_save(obj, True)  # fills auto_now(_add) stamps the caller has not set, as save() would
        values.append(value if type(value) is unchanged else f.get_db_prep_save(value, conn))
    return (table, cols), values


@lru_cache(maxsize=64)
def _insert_sql(shapes: tuple[tuple[str, str, int], ...], on_conflict: str, vendor: str) -> tuple[str, ...]:
    """The statement(s) for a row and its dependents: one CTE statement on PostgreSQL, else one each."""
    def marks(n: int) -> str:
        return ", ".join(["%s"] * n)

    (table, cols, n), *deps = shapes
    if vendor == "postgresql":
        parts = [f"r0 AS (INSERT INTO {table} ({cols}) VALUES ({marks(n)}){on_conflict} RETURNING 1)"]
        parts += [f"r{i} AS (INSERT INTO {t} ({c}) SELECT {marks(k)} FROM r0)" for i, (t, c, k) in enumerate(deps, 1)]
        return (f"WITH {', '.join(parts)} SELECT COUNT(*) FROM r0",)
    return (f"INSERT INTO {table} ({cols}) VALUES ({marks(n)}){on_conflict}",
            *(f"INSERT INTO {t} ({c}) VALUES ({marks(k)})" for t, c, k in deps))


def insert_together(first: models.Model, *dependents: models.Model, conflict: Sequence[str] = ()) -> bool:
    """Insert `first` and then `dependents`; returns False (and inserts nothing) when `first` conflicts
    on the unique `conflict` fields. Call inside a transaction on backends other than PostgreSQL."""
    conn = connections[DEFAULT_DB_ALIAS]
    rows = [_row(obj, conn) for obj in (first, *dependents)]
    on_conflict = ""
    if conflict:
        names = ", ".join(_q(first._meta.get_field(f).column) for f in conflict)
        on_conflict = f" ON CONFLICT ({names}) DO NOTHING"
    sql = _insert_sql(tuple((t, c, len(v)) for (t, c), v in rows), on_conflict, conn.vendor)
    with hot_cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(sql[0], [v for _shape, values in rows for v in values])
            inserted = cursor.fetchone()[0] == 1
        else:
            cursor.execute(sql[0], rows[0][1])
            inserted = cursor.rowcount == 1
            for statement, (_shape, values) in zip(sql[1:], rows[1:], strict=True) if inserted else ():
                cursor.execute(statement, values)
    if inserted:
        first._state.adding = False
        first._state.db = conn.alias
    return inserted
