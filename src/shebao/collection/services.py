"""Writes of the collection app: dues, payments and their allocation, deduction runs, matching.

Every function runs in one transaction and writes its audit trail and its ledger entry with the
change, so the books and the trail are committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from shebao.collection import ledger
from shebao.collection.ledger import Line
from shebao.collection.models import (
    INSURANCE_CHOICES,
    INSURANCE_ORDER,
    Allocation,
    DeductionItem,
    DeductionRun,
    Due,
    LedgerTransaction,
    Payment,
    PaymentReversal,
    Posting,
    RemittanceLine,
    booking_month,
)
from shebao.core import clock
from shebao.core.audit import audit_bulk_range, audit_create, audit_update, audited_bulk_update, snapshot
from shebao.core.inputs import clean_text
from shebao.core.permissions import require
from shebao.registry.models import Contribution, Employer
from shebao.registry.rates import RATE_UNIT, contribution_rates, share_fen
from shebao.rules.dates import month_index

INSURANCES = tuple(code for code, _ in INSURANCE_CHOICES)


# --- Dues ---------------------------------------------------------------------------------------
@dataclass
class DuesBuildResult:
    dues: int = 0
    amount_fen: int = 0
    history_payments: int = 0
    skipped_pairs: int = 0


# Temporary tables of one build (dropped at its end): the keys of the dues it wrote, and its history groups.
_NEW_DUES = "shebao_build_new_dues"
_HISTORY = "shebao_build_history"
# Relief is decided by the rules core, so the new dues it may cover are read and relieved in batches of
# this many: memory stays bounded whatever the size of the city.
RELIEF_BATCH = 50_000
# PostgreSQL memory for grouping one month's contribution rows (server side, this transaction only). A
# month groups into one row per employer and payment day (about 50,000 at 2 M people: some 20 MB), and a
# hash aggregate may take hash_mem_multiplier (2) times this: the build's server memory stays bounded
# (issue 21: under 500 MB), and a grouping that outgrows it spills to disk rather than failing.
DUES_WORK_MEM = "64MB"


def _shares(month: str, bases: dict[str, np.ndarray], industry: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Employer and personal shares of each insurance for one month, from the `base` pack's rates.

    Bases are clipped to the floor and ceiling in force (pension, unemployment and work injury on
    the pension floor; medical and maternity on the medical floor). The back-payments' effects
    (cases.effects.back_payment) compute their dues with it; the set-based build's SQL must agree
    (tests/collection/test_dues_set_based.py holds it to the reference builder, which used this).
    """
    try:
        r = contribution_rates(month=month)
    except LookupError as e:
        raise ValidationError(f"{month}：{e}") from None
    pension = np.clip(bases["pension"], r.pension_floor_fen, r.ceiling_fen)
    unemployment = np.clip(bases["unemployment"], r.pension_floor_fen, r.ceiling_fen)
    medical = np.clip(bases["medical"], r.medical_floor_fen, r.ceiling_fen)
    maternity = np.clip(bases["maternity"], r.medical_floor_fen, r.ceiling_fen)
    injury = np.clip(bases["work_injury"], r.pension_floor_fen, r.ceiling_fen)
    zero = np.zeros_like(pension)
    injury_rates = np.asarray(r.work_injury_by_class, dtype=np.int64)[np.clip(industry, 1, 8) - 1]
    return {
        "pension": (share_fen(pension, r.pension_employer), share_fen(pension, r.pension_personal)),
        "unemployment": (share_fen(unemployment, r.unemployment_employer),
                         share_fen(unemployment, r.unemployment_personal)),
        "medical": (share_fen(medical, r.medical_employer),
                    share_fen(medical, r.medical_personal) + r.medical_personal_fixed_fen),
        "maternity": (share_fen(maternity, r.maternity_employer), zero),
        "work_injury": (share_fen(injury, injury_rates), zero),
    }


def _clip(column: str, floor: str) -> str:
    return f"(CASE WHEN {column} < r.{floor} THEN r.{floor} WHEN {column} > r.ceil THEN r.ceil ELSE {column} END)"


def _share_sql(base: str, rate: str) -> str:
    """`registry.rates.share_fen` in SQL: half-up rounding of base × rate / 100000 (bases are never negative
    after the floor, so SQL's truncating division is the floor division of the Python rule)."""
    return f"(({base} * {rate} * 2 + {RATE_UNIT}) / {2 * RATE_UNIT})"


def _rates_rows(months: Sequence[str]) -> str:
    """The months' rates, floors and ceilings (`base` pack, via `registry.rates.contribution_rates`) as
    the rows of a VALUES table: the one meaning of the parameters, joined into the set-based build."""
    rows = []
    for month in months:
        try:
            r = contribution_rates(month=month)
        except LookupError as e:
            raise ValidationError(f"{month}：{e}") from None
        values = [month_index(month), r.pension_floor_fen, r.medical_floor_fen, r.ceiling_fen, r.pension_employer,
                  r.pension_personal, r.unemployment_employer, r.unemployment_personal, r.medical_employer,
                  r.medical_personal, r.medical_personal_fixed_fen, r.maternity_employer, *r.work_injury_by_class]
        rows.append("(%s, " + ", ".join(str(int(v)) for v in values) + ")")
    return ", ".join(rows)


_RATE_COLUMNS = ("month, month_no, pfloor, mfloor, ceil, pe, pp, ue, up, me, mp, mfix, mat, "
                 "w1, w2, w3, w4, w5, w6, w7, w8")


def _dues_insert_sql(months: Sequence[str], employer_ids: list[int] | None, *, returning_into: str = ""
                     ) -> tuple[str, list[Any]]:
    """INSERT … SELECT of every due of the months, from the contribution rows, in one statement.

    Per contribution row the shares are computed exactly as `registry.rates.share_fen` does (bases
    clipped to the floor and ceiling of the month, work injury at the rate of the employer's industry
    class 1..8), then summed per employer, month and payment day; one row per insurance type.
    Employer-months that already have a due are left out. With `returning_into` (PostgreSQL) the keys
    of the rows written go into that table in the same statement.
    """
    c, e, d = Contribution._meta.db_table, Employer._meta.db_table, Due._meta.db_table
    pension = _clip("c.pension_base_fen", "pfloor")
    unemployment = _clip("c.unemployment_base_fen", "pfloor")
    medical = _clip("c.medical_base_fen", "mfloor")
    maternity = _clip("c.maternity_base_fen", "mfloor")
    injury = _clip("c.work_injury_base_fen", "pfloor")
    injury_rate = ("(CASE WHEN e.industry_class <= 1 THEN r.w1 WHEN e.industry_class = 2 THEN r.w2 "
                   "WHEN e.industry_class = 3 THEN r.w3 WHEN e.industry_class = 4 THEN r.w4 "
                   "WHEN e.industry_class = 5 THEN r.w5 WHEN e.industry_class = 6 THEN r.w6 "
                   "WHEN e.industry_class = 7 THEN r.w7 ELSE r.w8 END)")
    sums = {
        "pension_e": _share_sql(pension, "r.pe"), "pension_p": _share_sql(pension, "r.pp"),
        "unemployment_e": _share_sql(unemployment, "r.ue"), "unemployment_p": _share_sql(unemployment, "r.up"),
        "medical_e": _share_sql(medical, "r.me"), "medical_p": f"({_share_sql(medical, 'r.mp')} + r.mfix)",
        "maternity_e": _share_sql(maternity, "r.mat"), "work_injury_e": _share_sql(injury, injury_rate),
    }
    sum_sql = ", ".join(f"SUM({expr}) AS {name}" for name, expr in sums.items())
    employer_fen = "CASE ins.code " + " ".join(f"WHEN '{k}' THEN g.{k}_e" for k in INSURANCES) + " END"
    personal_fen = ("CASE ins.code WHEN 'pension' THEN g.pension_p WHEN 'unemployment' THEN g.unemployment_p "
                    "WHEN 'medical' THEN g.medical_p ELSE 0 END")
    only = "" if employer_ids is None else f" AND c.employer_id IN ({', '.join(str(int(i)) for i in employer_ids)})"
    placeholders = ", ".join(["%s"] * len(months))
    ins_rows = ", ".join(f"('{k}', {i})" for i, k in enumerate(INSURANCES))
    sql = (
        f"WITH r({_RATE_COLUMNS}) AS (VALUES {_rates_rows(months)}), "
        f"ins(code, ord) AS (VALUES {ins_rows}), "
        f"g AS (SELECT c.employer_id, c.month, r.month_no, c.paid_on, COUNT(*) AS persons, {sum_sql} "
        f"FROM {c} c JOIN r ON r.month = c.month JOIN {e} e ON e.id = c.employer_id "
        f"WHERE c.month IN ({placeholders}){only} GROUP BY c.employer_id, c.month, r.month_no, c.paid_on) "
        "{insert} "
        f"SELECT g.employer_id, g.month, g.month_no, ins.code, ({employer_fen}), ({personal_fen}), "
        f"({employer_fen}) + ({personal_fen}), g.persons, g.paid_on, 0, '', FALSE, {_now_sql()} "
        f"FROM g CROSS JOIN ins "
        f"WHERE NOT EXISTS (SELECT 1 FROM {d} x WHERE x.employer_id = g.employer_id AND x.month_no = g.month_no) "
        "ORDER BY g.month_no, g.employer_id, g.paid_on IS NOT NULL, g.paid_on, ins.ord"
    )
    insert = (f"INSERT INTO {d} (employer_id, month, month_no, insurance, employer_fen, personal_fen, amount_fen, "
              "persons, paid_on, relief_fen, relief_rule, relief_credited, created_at)")
    if returning_into:
        sql = sql.replace("{insert}", f", new AS ({insert}") + f" RETURNING id) INSERT INTO {returning_into} SELECT id FROM new"
    else:
        sql = sql.replace("{insert}", insert)
    return sql, [*months, *months]


def _now_sql() -> str:
    """The business clock's now (core.clock) as an SQL literal of this database, for set-based inserts
    of created_at: the database's own CURRENT_TIMESTAMP is the machine's clock, not the business's."""
    now = clock.now()
    if connection.vendor == "postgresql":
        return f"'{now.isoformat()}'::timestamptz"
    return f"'{connection.ops.adapt_datetimefield_value(now)}'"


def _last_id(cursor: Any, table: str) -> int:
    """The highest key SQLite has handed out for a table (AUTOINCREMENT keeps it in sqlite_sequence)."""
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    last = int(cursor.fetchone()[0])
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
    row = cursor.fetchone()
    return max(last, int(row[0]) if row else 0)


@transaction.atomic
def dues_build(*, months: Sequence[str], actor: Any, employer_ids: Iterable[int] | None = None
               ) -> DuesBuildResult:
    """Build the dues of the given months from the contribution rows, as set-based SQL in the database.

    One due per employer, month, insurance type and payment day: contributions already paid
    (`paid_on`) become settled dues with a "history" payment, so the ledger holds every fen.
    Employer-months that already have dues are skipped: building twice changes nothing.

    The rows never pass through Python: one INSERT … SELECT writes every due of the months (their
    rates, floors and ceilings from the `base` pack joined in as a VALUES table), relief packs in force
    are applied in bounded batches through the rules core (`collection.relief.relief_compute`), and
    the ledger entries, history payments and their allocations are INSERT … SELECT too. Memory does
    not grow with the city. The result equals the row-by-row builder to the fen
    (tests/collection/test_dues_set_based.py). Raises ValidationError (Chinese) for a month the pack
    has no rates for; nothing is written then.
    """
    require(actor, "dues.build")
    result = DuesBuildResult()
    months = sorted(set(months))
    ids = None if employer_ids is None else sorted({int(i) for i in employer_ids})
    if not months or ids == []:
        return result
    postgres = connection.vendor == "postgresql"
    # One statement per month (each reads its month's partition of contributions alone, and groups one
    # month at a time: bounded memory); all built first, so a month without rates is refused before
    # anything is written.
    inserts = [_dues_insert_sql([month], ids, returning_into=_NEW_DUES if postgres else "") for month in months]
    d = Due._meta.db_table
    month_nos = [month_index(m) for m in months]
    with connection.cursor() as cursor:
        only = "" if ids is None else f" AND employer_id IN ({', '.join(map(str, ids))})"
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT DISTINCT employer_id, month_no FROM {d} "
                       f"WHERE month_no IN ({', '.join(map(str, month_nos))}){only}) x")
        result.skipped_pairs = int(cursor.fetchone()[0])
        cursor.execute(f"DROP TABLE IF EXISTS {_NEW_DUES}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_NEW_DUES} (id BIGINT PRIMARY KEY)")
        if postgres:  # RETURNING: exactly the rows this statement wrote, whatever else commits meanwhile
            # The planner cannot know how few groups there are (one per employer, month and payment day) and
            # would sort every contribution row on disk to group them: hash them instead, in this transaction
            # only (a hash aggregate that outgrows work_mem spills to disk rather than failing).
            cursor.execute(f"SET LOCAL work_mem = '{DUES_WORK_MEM}'")
            # (Sorting off makes every plan look costly, which would start JIT compilation for seconds.)
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL jit = off")
            with _row_checks_off(cursor, Due):
                for insert_sql, params in inserts:
                    cursor.execute(insert_sql, params)
            cursor.execute("RESET enable_sort")
            cursor.execute("RESET jit")
            cursor.execute(f"ANALYZE {_NEW_DUES}")
        else:  # SQLite: the writing transaction holds the database's one write lock
            before = _last_id(cursor, d)
            for insert_sql, params in inserts:
                cursor.execute(insert_sql, params)
            cursor.execute(f"INSERT INTO {_NEW_DUES} SELECT id FROM {d} WHERE id > %s", [before])
        cursor.execute(f"SELECT COUNT(*) FROM {_NEW_DUES}")
        if not int(cursor.fetchone()[0]):
            cursor.execute(f"DROP TABLE {_NEW_DUES}")
            return result
        _relieve_new_dues(cursor, month_nos)
        cursor.execute(f"SELECT d.month_no, d.month, COUNT(*), SUM(d.amount_fen), MIN(d.id), MAX(d.id) "
                       f"FROM {d} d JOIN {_NEW_DUES} n ON n.id = d.id GROUP BY d.month_no, d.month ORDER BY d.month_no")
        for month_no, month, count, amount, first, last in cursor.fetchall():
            audit_bulk_range(actor=actor, model=Due, first_pk=first, last_pk=last, count=int(count),
                             reason=f"核定应缴（{month}）")
            _post_dues(cursor, month_no=int(month_no), month=month, actor=actor)
            result.dues += int(count)
            result.amount_fen += int(amount or 0)
        result.history_payments = _history_payments(cursor, actor=actor)
        # Money an employer already holds as credit pays the new dues at once (oldest first).
        cursor.execute(f"SELECT p.employer_id FROM {Posting._meta.db_table} p WHERE p.account = %s "
                       f"AND p.employer_id IN (SELECT d.employer_id FROM {d} d JOIN {_NEW_DUES} n ON n.id = d.id) "
                       "GROUP BY p.employer_id HAVING SUM(p.amount_fen) < 0 ORDER BY p.employer_id",
                       [ledger.EMPLOYER_CREDIT])  # the credit account is a liability: money held is negative
        in_credit = [int(row[0]) for row in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {_NEW_DUES}")
    for employer in Employer.objects.filter(pk__in=in_credit).order_by("pk"):
        credit_apply(employer=employer, actor=actor, on=clock.today())
    return result


@contextmanager
def _row_checks_off(cursor: Any, *models: Any) -> Iterator[bool]:
    """PostgreSQL's row-by-row foreign-key checks off for the build's set-based inserts into `models`'
    tables, in the build's transaction only (``SET LOCAL session_replication_role = replica``, back to
    ``origin`` after the body). Yields whether they were off: a role not allowed to set it keeps them
    (the build is slower), and so does a table with a trigger of its own (replica would silence that
    trigger too), unless it is enabled ALWAYS (it fires as a replica too: the running balances kept on
    collection_posting, collection 0021): only tables whose other triggers are all key checks.

    Why it is safe here: every reference these statements write is read, by the same statement, from
    the row referenced or from rows the build has just written in its own transaction: a due's employer
    from the employer row joined to its contributions (an employer with contributions cannot be deleted:
    the contributions' own key, checked as ever, refuses it), a history payment's transaction and an
    allocation's payment and due from the rows just inserted, a posting's employer from its dues. What
    the checks added was one queued trigger per row and key, fired at commit: at 2 M people some ten
    million look-ups and row locks, and their queue held in the server's memory until then (issue 21).
    The ORM writes of the build (the month's ledger entry, credit applied) keep their checks. As in
    `benefits.payroll` (docs/scale.md)."""
    if connection.vendor != "postgresql":
        yield False
        return
    # A trigger enabled ALWAYS fires as a replica too (collection_posting's running balances, collection
    # 0021): it does not keep the checks on.
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'A' "
                   "AND tgrelid::regclass::text = ANY(%s))", [[m._meta.db_table for m in models]])
    if cursor.fetchone()[0]:
        yield False
        return
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves the build's transaction usable
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        yield False
        return
    try:
        yield True
    finally:
        cursor.execute("SET LOCAL session_replication_role = origin")


def _relieve_new_dues(cursor: Any, month_nos: Sequence[int]) -> None:
    """Relief packs in force (免、减): the employer share of covered new dues is reduced before it is owed.

    The rules core decides (`relief_compute`, the same call `relief.dues_relieve` makes), in batches of
    `RELIEF_BATCH` dues read by key, so memory is bounded; months no pack covers are not read at all.
    """
    from shebao.collection.relief import relief_compute, relief_packs_in_force

    packs = relief_packs_in_force()
    spans = [s for s in (p.months() for p in packs) if s is not None]
    d = Due._meta.db_table
    for month_no in month_nos:
        if not any(a <= month_no <= b for a, b in spans):
            continue
        last = 0
        while True:
            cursor.execute(f"SELECT d.id, d.employer_id, d.insurance, d.employer_fen FROM {d} d "
                           f"JOIN {_NEW_DUES} n ON n.id = d.id WHERE d.month_no = %s AND d.id > %s "
                           "AND d.employer_fen > 0 AND d.relief_rule = '' ORDER BY d.id LIMIT %s",
                           [month_no, last, RELIEF_BATCH])
            rows = cursor.fetchall()
            if not rows:
                break
            last = int(rows[-1][0])
            pks, emp, ins, efen = zip(*rows, strict=True)
            relief, keys = relief_compute(employer_id=emp, month_no=[month_no] * len(rows), insurance=ins,
                                          employer_fen=efen, packs=packs)
            changes = [(int(r), k, int(r), int(r), int(pk))
                       for pk, r, k in zip(pks, relief.tolist(), keys, strict=True) if k]
            if changes:
                cursor.executemany(f"UPDATE {d} SET relief_fen = %s, relief_rule = %s, "
                                   "employer_fen = employer_fen - %s, amount_fen = amount_fen - %s WHERE id = %s",
                                   changes)


def _post_dues(cursor: Any, *, month_no: int, month: str, actor: Any) -> None:
    """The month's ledger entry: what each employer owes, against income by insurance type, and the
    relief against income (income stays the full contribution). One balanced transaction, as before."""
    d, p = Due._meta.db_table, Posting._meta.db_table
    txn = LedgerTransaction.objects.create(kind=LedgerTransaction.Kind.DUES, occurred_on=clock.today(),
                                           memo=f"核定应缴：{month}"[:200], **ledger._actor_fields(actor))
    booked = booking_month(txn.occurred_on)  # Posting.month, as Posting.bulk_create sets it
    with _row_checks_off(cursor, Posting):  # the transaction just created; employers of the new dues
        cursor.execute(f"INSERT INTO {p} (transaction_id, account, employer_id, amount_fen, month) "
                       f"SELECT %s, %s, d.employer_id, SUM(d.amount_fen), %s FROM {d} d JOIN {_NEW_DUES} n "
                       "ON n.id = d.id WHERE d.month_no = %s GROUP BY d.employer_id HAVING SUM(d.amount_fen) <> 0 "
                       "ORDER BY d.employer_id", [txn.pk, ledger.RECEIVABLE, booked, month_no])
    cursor.execute(f"SELECT d.insurance, SUM(d.amount_fen), SUM(CASE WHEN d.relief_credited THEN 0 ELSE d.relief_fen END) "
                   f"FROM {d} d JOIN {_NEW_DUES} n ON n.id = d.id WHERE d.month_no = %s GROUP BY d.insurance",
                   [month_no])
    by_insurance = {k: (int(a or 0), int(r or 0)) for k, a, r in cursor.fetchall()}
    lines = [Line(ledger.income_account(k), None, -a) for k, (a, _) in sorted(by_insurance.items())]
    from shebao.collection.relief import relief_account

    for k, (_, r) in sorted(by_insurance.items()):
        if r:
            lines += [Line(relief_account(k), None, r), Line(ledger.income_account(k), None, -r)]
    Posting.objects.bulk_create([Posting(transaction=txn, account=ln.account, employer_id=ln.employer_id,
                                         amount_fen=ln.amount_fen) for ln in lines if ln.amount_fen])
    cursor.execute(f"SELECT COALESCE(SUM(amount_fen), 0) FROM {p} WHERE transaction_id = %s AND month = %s",
                   [txn.pk, booked])
    total = int(cursor.fetchone()[0])
    if total:
        raise ledger.LedgerError(f"分录借贷不平：合计 {total} 分")


def _history_payments(cursor: Any, *, actor: Any) -> int:
    """Contributions already paid: one "history" payment per employer, month and day, allocated in full,
    each with its balanced ledger transaction (bank against receivable). Keys are drawn first (the
    sequences on PostgreSQL, the next free keys on SQLite) so the rows link without a read-back."""
    d, t, pay = Due._meta.db_table, LedgerTransaction._meta.db_table, Payment._meta.db_table
    groups = (f"SELECT d.month_no, d.employer_id, d.paid_on, SUM(d.amount_fen) AS total FROM {d} d "
              f"JOIN {_NEW_DUES} n ON n.id = d.id WHERE d.paid_on IS NOT NULL "
              "GROUP BY d.month_no, d.employer_id, d.paid_on ORDER BY d.month_no, d.employer_id, d.paid_on")
    cursor.execute(f"DROP TABLE IF EXISTS {_HISTORY}")
    if connection.vendor == "postgresql":
        cursor.execute(f"CREATE TEMPORARY TABLE {_HISTORY} AS SELECT q.*, "
                       f"nextval(pg_get_serial_sequence('{t}', 'id')) AS txn_id, "
                       f"nextval(pg_get_serial_sequence('{pay}', 'id')) AS pay_id FROM ({groups}) q")
    else:
        txn0, pay0 = _last_id(cursor, t), _last_id(cursor, pay)
        cursor.execute(f"CREATE TEMPORARY TABLE {_HISTORY} AS SELECT q.*, "
                       f"{txn0} + ROW_NUMBER() OVER (ORDER BY month_no, employer_id, paid_on) AS txn_id, "
                       f"{pay0} + ROW_NUMBER() OVER (ORDER BY month_no, employer_id, paid_on) AS pay_id "
                       f"FROM ({groups}) q")
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {_HISTORY}")  # its size, for the plan of the allocations' join
    author = ledger._actor_fields(actor)
    # The rows reference each other (keys drawn above) and the new dues' employers: checks off (`_row_checks_off`).
    with _row_checks_off(cursor, LedgerTransaction, Payment, Posting, Allocation):
        cursor.execute(f"INSERT INTO {t} (id, kind, occurred_on, memo, author_id, author_label, reason, created_at) "
                       f"SELECT txn_id, %s, paid_on, %s, %s, %s, '', {_now_sql()} FROM {_HISTORY} ORDER BY txn_id",
                       [LedgerTransaction.Kind.PAYMENT.value, "历史已缴费款",
                        author["author"].pk if author["author"] is not None else None, author["author_label"]])
        cursor.execute(f"INSERT INTO {pay} (id, employer_id, source, amount_fen, received_on, reference, transaction_id, "
                       f"created_at) SELECT pay_id, employer_id, %s, total, paid_on, '', txn_id, {_now_sql()} "
                       f"FROM {_HISTORY} ORDER BY pay_id", [Payment.Source.HISTORY.value])
        # Posting.month: the month of the transaction's booking date, here the day paid.
        cursor.execute(f"INSERT INTO {Posting._meta.db_table} (transaction_id, account, employer_id, amount_fen, month) "
                       f"SELECT txn_id, account, employer_id, amount, {ledger.booking_month_sql('paid_on')} FROM "
                       f"(SELECT txn_id, 0 AS k, %s AS account, employer_id, total AS amount, paid_on FROM {_HISTORY} "
                       f"UNION ALL SELECT txn_id, 1, %s, employer_id, -total, paid_on FROM {_HISTORY}) x "
                       "ORDER BY txn_id, k", [ledger.BANK, ledger.RECEIVABLE])
        cursor.execute(f"INSERT INTO {Allocation._meta.db_table} (payment_id, due_id, amount_fen, created_at) "
                       f"SELECT h.pay_id, d.id, d.amount_fen, {_now_sql()} FROM {d} d "
                       f"JOIN {_NEW_DUES} n ON n.id = d.id JOIN {_HISTORY} h ON h.month_no = d.month_no "
                       "AND h.employer_id = d.employer_id AND h.paid_on = d.paid_on ORDER BY h.pay_id, d.id")
    cursor.execute(f"SELECT month_no, MIN(pay_id), MAX(pay_id), COUNT(*) FROM {_HISTORY} GROUP BY month_no "
                   "ORDER BY month_no")
    count = 0
    for _, first, last, n in cursor.fetchall():
        audit_bulk_range(actor=actor, model=Payment, first_pk=first, last_pk=last, count=int(n), reason="历史已缴费款")
        count += int(n)
    cursor.execute(f"DROP TABLE {_HISTORY}")
    return count


# --- Payments and allocation ------------------------------------------------------------------
def _open_dues(employer: Employer) -> list[Due]:
    dues = list(Due.objects.select_for_update().filter(employer=employer, paid_on__isnull=True, amount_fen__gt=0))
    # Oldest dues first (3.1, 3.2): by month, then insurance type, then creation.
    dues.sort(key=lambda d: (d.month_no, INSURANCE_ORDER[d.insurance], d.pk))
    return dues


def _split(due: Due, part_fen: int, *, actor: Any) -> Due:
    """Split `due` into a part of `part_fen` (kept in `due`) and the open remainder (returned)."""
    before = snapshot(due)
    rest = due.amount_fen - part_fen
    personal_part = due.personal_fen * part_fen // due.amount_fen
    remainder = Due(employer_id=due.employer_id, month=due.month, month_no=due.month_no, insurance=due.insurance,
                    employer_fen=due.employer_fen - (part_fen - personal_part),
                    personal_fen=due.personal_fen - personal_part, amount_fen=rest, persons=due.persons,
                    split_from=due)
    due.amount_fen, due.personal_fen, due.employer_fen = part_fen, personal_part, part_fen - personal_part
    due.save(update_fields=["amount_fen", "personal_fen", "employer_fen"])
    audit_update(actor=actor, instance=due, before=before, reason="部分缴费拆分应缴")
    remainder.save()
    audit_create(actor=actor, instance=remainder, reason="部分缴费拆分应缴（未缴部分）")
    return remainder


def _allocate(*, payment: Payment, employer: Employer, amount_fen: int, actor: Any) -> tuple[int, list[Allocation]]:
    """Apply up to `amount_fen` to the employer's open dues, oldest first; returns (applied, allocations)."""
    remaining = amount_fen
    allocations: list[Allocation] = []
    settled: list[Due] = []
    for due in _open_dues(employer):
        if remaining <= 0:
            break
        if remaining < due.amount_fen:
            _split(due, remaining, actor=actor)
        due.paid_on = payment.received_on
        settled.append(due)
        allocations.append(Allocation(payment=payment, due=due, amount_fen=due.amount_fen))
        remaining -= due.amount_fen
    audited_bulk_update(actor=actor, objs=settled, fields=["paid_on"], reason=f"收款#{payment.pk}分配")
    Allocation.objects.bulk_create(allocations)
    return amount_fen - remaining, allocations


@transaction.atomic
def payment_receive(
    *, employer: Employer, amount_fen: int, received_on: dt.date, source: str, actor: Any,
    reference: str = "", memo: str = "",
) -> Payment:
    """Record money received and allocate it to the oldest dues; the rest is held as credit.

    Every fen received is either allocated or credited: the ledger entry is
    bank = receivable (allocated) + employer_credit (the rest), and must balance.
    """
    require(actor, "payment.receive", district_id=employer.district_id)
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationError("收款金额必须是正整数分")
    txn = LedgerTransaction.objects.create(kind=LedgerTransaction.Kind.PAYMENT, occurred_on=received_on,
                                           memo=memo or f"收款：{employer.name}", **ledger._actor_fields(actor))
    payment = Payment.objects.create(employer=employer, source=source, amount_fen=amount_fen,
                                     received_on=received_on, reference=reference, transaction=txn)
    applied, _ = _allocate(payment=payment, employer=employer, amount_fen=amount_fen, actor=actor)
    postings = [Line(ledger.BANK, employer.pk, amount_fen), Line(ledger.RECEIVABLE, employer.pk, -applied),
                Line(ledger.EMPLOYER_CREDIT, employer.pk, -(amount_fen - applied))]
    _post_lines(txn, postings)
    audit_create(actor=actor, instance=payment, reason=memo or "收款")
    return payment


def _post_lines(txn: LedgerTransaction, lines: Sequence[Line]) -> None:
    kept = [ln for ln in lines if ln.amount_fen]
    if sum(ln.amount_fen for ln in kept) != 0:
        raise ledger.LedgerError("分录借贷不平")
    Posting.objects.bulk_create([Posting(transaction=txn, account=ln.account, employer_id=ln.employer_id,
                                         amount_fen=ln.amount_fen) for ln in kept])


@transaction.atomic
def credit_apply(*, employer: Employer, actor: Any, on: dt.date) -> Payment | None:
    """Use the employer's credit (money received, not yet allocated) for its open dues."""
    require(actor, "credit.apply", district_id=employer.district_id)
    credit = -ledger.account_balance(account=ledger.EMPLOYER_CREDIT, employer_id=employer.pk)
    open_total = sum(d.amount_fen for d in _open_dues(employer))
    amount = min(credit, open_total)
    if amount <= 0:
        return None
    txn = LedgerTransaction.objects.create(kind=LedgerTransaction.Kind.CREDIT_APPLIED, occurred_on=on,
                                           memo=f"预缴余额冲抵：{employer.name}", **ledger._actor_fields(actor))
    payment = Payment.objects.create(employer=employer, source=Payment.Source.CREDIT, amount_fen=amount,
                                     received_on=on, transaction=txn)
    applied, _ = _allocate(payment=payment, employer=employer, amount_fen=amount, actor=actor)
    _post_lines(txn, [Line(ledger.EMPLOYER_CREDIT, employer.pk, applied), Line(ledger.RECEIVABLE, employer.pk, -applied)])
    audit_create(actor=actor, instance=payment, reason="预缴余额冲抵")
    return payment


class SecondPersonRequired(PermissionDenied):
    """Money out is decided by a second person: the one who asked for it may not approve it."""


def _reversal_checks(payment: Payment) -> None:
    """Refuse (ValidationError) a reversal that could not be booked: already reversed, or its credit spent."""
    if LedgerTransaction.objects.filter(reverses=payment.transaction).exists():
        raise ValidationError(f"收款#{payment.pk}已冲正，不能重复冲正")
    allocated = sum(a.amount_fen for a in payment.allocations.all())
    credited = payment.amount_fen - allocated
    if payment.source != Payment.Source.CREDIT and credited > 0:
        available = -ledger.account_balance(account=ledger.EMPLOYER_CREDIT, employer_id=payment.employer_id)
        if available < credited:
            raise ValidationError("该笔收款转入的预缴余额已被使用，请先冲正后续冲抵")
    _refuse_if_refunded(payment)


@transaction.atomic
def payment_reverse(*, payment: Payment, actor: Any, reason: str) -> PaymentReversal:
    """Ask for a payment booked in error to be reversed (the maker). Nothing is booked yet: a second
    person approves it (`payment_reverse_approve`), whatever the roles (issue 16 §3, maker and checker).

    Returns the pending `PaymentReversal`. Raises ValidationError (no reason, already reversed or
    asked for, its credit spent) or PermissionDenied (the table's payment.reverse, the district line).
    """
    require(actor, "payment.reverse", district_id=payment.employer.district_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("冲正必须填写原因")
    clean_text(reason, label="冲正原因", max_length=200, field="reason")  # refused, not cut (review A16 3)
    if not getattr(actor, "is_authenticated", False):
        raise SecondPersonRequired("冲正须由一名工作人员申请、另一名工作人员复核，系统作业不能申请")
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    _reversal_checks(payment)
    if PaymentReversal.objects.filter(payment=payment, outcome=PaymentReversal.Outcome.PENDING).exists():
        raise ValidationError(f"收款#{payment.pk}已有待复核的冲正申请")
    request = PaymentReversal.objects.create(payment=payment, reason=reason, requested_by=actor)
    audit_create(actor=actor, instance=request, reason=f"申请冲正收款#{payment.pk}：{reason}"[:200])
    return request


@transaction.atomic
def payment_reverse_approve(*, reversal: PaymentReversal, actor: Any, approve: bool = True, note: str = ""
                            ) -> PaymentReversal:
    """The checker's decision on a reversal asked for by someone else. Approved: the reversing entry,
    negative allocations, dues reopened, the remittance back in the matching queue, all booked now and
    attributed to the checker, with the maker's reason. Declined: nothing booked, the note kept.

    Raises SecondPersonRequired (the maker, or a system job, deciding), PermissionDenied (the table's
    payment.reverse_approve, the district line) or ValidationError (already decided; no longer possible).
    """
    payment = reversal.payment
    require(actor, "payment.reverse_approve", district_id=payment.employer.district_id)
    reversal = PaymentReversal.objects.select_for_update().get(pk=reversal.pk)
    if not getattr(actor, "is_authenticated", False) or actor.pk == reversal.requested_by_id:
        raise SecondPersonRequired("冲正属于资金更正，须由申请人以外的另一名工作人员复核（经办与复核分离）")
    if reversal.outcome != PaymentReversal.Outcome.PENDING:
        raise ValidationError("该冲正申请已复核")
    note = clean_text((note or "").strip(), label="复核意见", max_length=200, field="note")
    before = snapshot(reversal)
    reversal.decided_by, reversal.decided_at, reversal.note = actor, clock.now(), note
    if approve:
        reversal.reversal = _payment_reverse_book(payment=payment, actor=actor, reason=reversal.reason)
        reversal.outcome = PaymentReversal.Outcome.APPROVED
    else:
        reversal.outcome = PaymentReversal.Outcome.DECLINED
    reversal.save()
    audit_update(actor=actor, instance=reversal, before=before,
                 reason=("复核同意冲正" if approve else "复核不同意冲正") + (f"：{reversal.note}" if reversal.note else ""))
    return reversal


def _payment_reverse_book(*, payment: Payment, actor: Any, reason: str) -> LedgerTransaction:
    """Book the reversal of a payment (the approved request's effect)."""
    _reversal_checks(payment)
    reversal = ledger.ledger_reverse(txn=payment.transaction, actor=actor, reason=reason)
    dues = []
    negatives = []
    for alloc in payment.allocations.select_related("due"):
        if alloc.amount_fen > 0:
            due = alloc.due
            due.paid_on = None
            dues.append(due)
            negatives.append(Allocation(payment=payment, due=due, amount_fen=-alloc.amount_fen))
    Allocation.objects.bulk_create(negatives)
    audited_bulk_update(actor=actor, objs=dues, fields=["paid_on"], reason=f"冲正收款#{payment.pk}：{reason}")
    line = RemittanceLine.objects.filter(payment=payment).first()
    if line is not None:  # the remittance goes back to the queue, to be matched again
        before = snapshot(line)
        line.status, line.employer, line.payment, line.matched_by = RemittanceLine.Status.UNMATCHED, None, None, ""
        line.save()
        audit_update(actor=actor, instance=line, before=before, reason=reason)
    return reversal


def _refuse_if_refunded(payment: Payment) -> None:
    """1.2c: a refund never exceeds what was paid for its dues. Reversing the payment of a due that
    was refunded would leave the refund above what was paid: the refund is cancelled first."""
    from django.db.models import Sum

    from shebao.collection.models import Refund, RefundItem

    for alloc in payment.allocations.filter(amount_fen__gt=0):
        paid = alloc.due.allocations.aggregate(s=Sum("amount_fen"))["s"] or 0
        items = RefundItem.objects.filter(due=alloc.due).exclude(refund__status=Refund.Status.CANCELLED)
        refunded = items.aggregate(s=Sum("amount_fen"))["s"] or 0
        if refunded > paid - alloc.amount_fen:
            numbers = "、".join(f"#{n}" for n in sorted(set(items.values_list("refund_id", flat=True))))
            raise ValidationError(f"该笔收款所缴的{alloc.due.month}费款已退费（退费{numbers}），须先撤销退费才能冲正收款")


# --- Bank deduction (3.1) -----------------------------------------------------------------------
def employer_open_total(*, employer_id: int) -> int:
    from django.db.models import Sum

    return int(Due.objects.filter(employer_id=employer_id, paid_on__isnull=True).aggregate(s=Sum("amount_fen"))["s"]
               or 0)


@transaction.atomic
def deduction_run_create(*, actor: Any, employer_ids: Iterable[int] | None = None,
                         retry_of: DeductionRun | None = None) -> DeductionRun:
    """A run with one item per employer with a deduction agreement and open dues (3.1)."""
    from django.db.models import Sum

    require(actor, "deduction_run.create")
    qs = Due.objects.filter(paid_on__isnull=True, amount_fen__gt=0,
                            employer__payment_method=Employer.PaymentMethod.BANK_DEDUCTION).exclude(
        employer__bank_account="")
    if employer_ids is not None:
        qs = qs.filter(employer_id__in=list(employer_ids))
    totals = list(qs.values("employer_id").annotate(total=Sum("amount_fen")).order_by("employer_id"))
    run = DeductionRun.objects.create(created_by_label=ledger._actor_fields(actor)["author_label"], retry_of=retry_of)
    items = [DeductionItem(run=run, employer_id=row["employer_id"], amount_fen=int(row["total"])) for row in totals]
    DeductionItem.objects.bulk_create(items)
    audit_create(actor=actor, instance=run, reason=f"生成扣款批次，{len(items)}家单位")
    return run


@transaction.atomic
def deduction_retry(*, run: DeductionRun, actor: Any) -> DeductionRun:
    """Retry the failed items of a run: a new run for those employers, amounts as owed now.

    A retry covers the whole run's failures, across districts: the center sends it (3.1)."""
    require(actor, "deduction_run.retry")
    failed = list(run.items.filter(status=DeductionItem.Status.FAILED))
    if not failed:
        raise ValidationError("该批次没有扣款失败的单位")
    for item in failed:
        item.status = DeductionItem.Status.RETRIED
    audited_bulk_update(actor=actor, objs=failed, fields=["status"], reason="扣款失败重试")
    return deduction_run_create(actor=actor, employer_ids=[i.employer_id for i in failed], retry_of=run)


# --- Remittance matching (3.2) ------------------------------------------------------------------
def payment_reference(employer: Employer) -> str:
    """The reference an employer writes in a remittance's memo (shown on its account page)."""
    return f"SB{employer.pk:08d}"


@transaction.atomic
def remittance_match(*, line: RemittanceLine, employer: Employer, actor: Any, matched_by: str = "人工匹配"
                     ) -> Payment:
    """Staff (or the import's automatic match) match a queued remittance to an employer: the money
    is received and allocated.

    A match against what the statement says of the payer (its account or credit code is another
    registered employer's, or one of another district) is refused with SecondPersonRequired: it
    goes through `releases.remittance_match_request` and a second person (issue 16 §3).
    """
    require(actor, "remittance.match", district_id=employer.district_id)
    line = RemittanceLine.objects.select_for_update().get(pk=line.pk)
    if line.status != RemittanceLine.Status.UNMATCHED:
        raise ValidationError("该笔汇款已匹配")
    from shebao.collection.releases import remittance_second_person_reason

    why = remittance_second_person_reason(line, employer)
    if why:
        raise SecondPersonRequired(f"{why}：这样的匹配须由另一名工作人员复核，请提交复核申请")
    return remittance_match_booked(line=line, employer=employer, actor=actor, matched_by=matched_by)


def remittance_match_booked(*, line: RemittanceLine, employer: Employer, actor: Any, matched_by: str) -> Payment:
    """Book a match already allowed (by `remittance_match` or a second person's approval): receive
    the payment, allocate it, mark the line. Call inside the caller's transaction."""
    line = RemittanceLine.objects.select_for_update().get(pk=line.pk)
    if line.status != RemittanceLine.Status.UNMATCHED:
        raise ValidationError("该笔汇款已匹配")
    payment = payment_receive(employer=employer, amount_fen=line.amount_fen, received_on=line.value_date,
                              source=Payment.Source.REMITTANCE, actor=actor, reference=line.bank_reference,
                              memo=f"银行汇款 {line.bank_reference}")
    before = snapshot(line)
    line.status, line.employer, line.payment, line.matched_by = RemittanceLine.Status.MATCHED, employer, payment, matched_by
    line.save()
    audit_update(actor=actor, instance=line, before=before, reason=matched_by)
    return payment


@transaction.atomic
def remittance_duplicate_resolve(*, line: RemittanceLine, actor: Any, same_transfer: bool, reason: str
                                 ) -> RemittanceLine:
    """Staff decide on a line held as a probable duplicate (issue 12, `importers.duplicate_key`).

    `same_transfer=True`: it is the earlier transfer again; the line is kept as rejected and never
    credited. `same_transfer=False`: it is a second, genuine transfer; the line goes to the matching
    queue like any other. Either way the reason and the deciding staff member are in the audit row.
    Raises ValidationError (not held, no reason) or PermissionDenied.
    """
    require(actor, "remittance.duplicate_resolve")
    line = RemittanceLine.objects.select_for_update().get(pk=line.pk)
    if line.status != RemittanceLine.Status.DUPLICATE:
        raise ValidationError("该笔汇款不是待核实的疑似重复流水")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "请填写核实结果的依据"})
    # kept in the trail after its 12-character prefix (a reason is at most 200): refused, not cut
    clean_text(reason, label="核实结果的依据", max_length=150, field="reason")
    if not same_transfer and line.duplicate_of_id is not None and RemittanceLine.objects.filter(
            pk=line.duplicate_of_id, bank_reference=line.bank_reference).exists():
        # One payment per bank reference (the ledger's constraint): a reused reference is the bank's to mend.
        raise ValidationError({"same_transfer": f"银行流水号{line.bank_reference}已用于另一笔已入账的汇款，不能再作为"
                                                "另一笔转账入账；请向银行核实更正流水号后重新导入，或确认为重复"})
    before = snapshot(line)
    line.status = RemittanceLine.Status.REJECTED if same_transfer else RemittanceLine.Status.UNMATCHED
    line.save(update_fields=["status"])
    audit_update(actor=actor, instance=line, before=before,
                 reason=("确认与流水重复，不入账：" if same_transfer else "核实为另一笔转账：") + reason)
    return line
