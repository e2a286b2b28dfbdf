"""The city-wide assessment: every employer's arrears, late fees and relief as of a date.

Set-based: the dues are read in bulk as integer columns, the late fees come from the rules core's
batch function `late_fees` (the same formula as `late_fee_for_due`, Readings 0.3a-0.3c), and the
per-employer figures are summed with NumPy. No Python loop runs over dues.

The database does one part of the work: it leaves out the dues that were paid on or before both
their due date and their normal due date (Reading 0.2). Such a due carries no fee and no relief
under any reading, since every fee and every waived amount counts days after one of those two
dates (0.3b, 0.3c); `_free_until` proves it for each month with the rule function itself.
"""

from __future__ import annotations

import calendar
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction

from shebao.collection.models import AssessmentDistrict, AssessmentRun, Due
from shebao.core.permissions import actor_label, require
from shebao.registry.models import Employer
from shebao.rules import Policy, due_date, epidemic_lifted_on, late_fees
from shebao.rules.dates import day_number, month_index, month_str


@dataclass
class DueColumns:
    """Dues read in bulk: employer, month index, amount and payment day (-1: unpaid)."""

    employer_id: np.ndarray
    month_no: np.ndarray
    amount_fen: np.ndarray
    paid_day: np.ndarray
    dues_total: int = 0  # every due assessed, including those the database proved fee-free


@dataclass
class EmployerFigures:
    employer_id: np.ndarray
    district_id: np.ndarray
    arrears_fen: np.ndarray
    overdue_dues: np.ndarray
    late_fee_fen: np.ndarray
    waived_fen: np.ndarray


@dataclass
class AssessmentResult:
    as_of: dt.date
    policy: Policy
    figures: EmployerFigures
    dues_total: int
    rows_read: int
    seconds: float = 0.0
    by_district: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        f = self.figures
        return {"arrears_fen": int(f.arrears_fen.sum()), "late_fee_fen": int(f.late_fee_fen.sum()),
                "waived_fen": int(f.waived_fen.sum()), "employers_in_arrears": int((f.arrears_fen > 0).sum()),
                "overdue_dues": int(f.overdue_dues.sum())}


def _normal_due(month_no: int, policy: Policy) -> dt.date:
    # Reading 0.2: month M is due on the normal due day of M (clamped to the month's end).
    label = month_str(month_no)
    year, month = int(label[:4]), int(label[5:])
    day = min(int(policy.value("collection.normal_due_day")), calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def _free_until(months: list[int], policies: list[Policy]) -> dict[int, dt.date]:
    """Per month, the last payment day on which a due provably has no fee and no relief."""
    out: dict[int, dt.date] = {}
    for m in months:
        candidates = [due_date(month_str(m), p) for p in policies] + [_normal_due(m, p) for p in policies]
        out[m] = min(candidates)
    if months:
        # The proof, by the rule code itself: a large due paid on that day carries nothing.
        probe_days = np.asarray([day_number(out[m]) for m in months], dtype=np.int64)
        for p in policies:
            cols = late_fees(np.asarray(months, dtype=np.int64), np.full(len(months), 10**12, dtype=np.int64),
                             probe_days, p)
            bad = (cols.late_fee_fen != 0) | (cols.waived_fen != 0)
            for i in np.nonzero(bad)[0].tolist():  # never expected; then read that month in full
                out[months[i]] = dt.date(1900, 1, 1)
    return out


def _day_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    if connection.vendor == "sqlite":
        return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"
    raise NotImplementedError(f"不支持的数据库：{connection.vendor}")


def _date_param(day: dt.date) -> Any:
    return day.isoformat() if connection.vendor == "sqlite" else day


# The read returns two integers per due instead of four, packed by the database: (employer, month)
# and (amount, payment day). Bounds: months within 4096 of the first, days before 2149, amounts
# below 2**46 fen (a check constraint on Due). And the rows come back as two long strings of
# numbers built by the database's own string aggregate, which NumPy parses: making a Python tuple
# per row was most of the cost of a bulk read (about 1.5 s for a million rows against 0.8 s).
MONTH_BITS, DAY_BITS = 12, 16


def _packed_columns(first_month: int) -> str:
    return (f"employer_id * {1 << MONTH_BITS} + (month_no - {int(first_month)}) AS a, "
            f"amount_fen * {1 << DAY_BITS} + COALESCE({_day_sql('paid_on')}, -1) + 1 AS b")


def _fetch_packed(sql: str, params: list[Any], first_month: int) -> np.ndarray:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One aggregate over "a,b" pairs: both halves of a due stay together whatever the plan.
            cursor.execute(f"SELECT string_agg(a::text || ',' || b::text, ',') FROM ({sql}) AS dues", params)
            text = cursor.fetchone()[0] or ""
            packed = np.fromstring(text, dtype=np.int64, sep=",").reshape(-1, 2) if text else np.zeros((0, 2), np.int64)
            a, b = packed[:, 0], packed[:, 1]
        else:
            # Two aggregates of one query read the same rows in the same order.
            cursor.execute(f"SELECT group_concat(a, ','), group_concat(b, ',') FROM ({sql})", params)
            ta, tb = cursor.fetchone()
            a = np.fromstring(ta, dtype=np.int64, sep=",") if ta else np.zeros(0, np.int64)
            b = np.fromstring(tb, dtype=np.int64, sep=",") if tb else np.zeros(0, np.int64)
    employer, month = np.divmod(a, 1 << MONTH_BITS)
    amount, day = np.divmod(b, 1 << DAY_BITS)
    return np.stack([employer, month + first_month, amount, day - 1], axis=1)


def dues_read(*, as_of: dt.date, policies: list[Policy], employer_ids: list[int] | None = None,
              district_id: int | None = None, prune: bool = True) -> DueColumns:
    """Read the dues of months up to `as_of`'s month as integer columns, in bulk.

    Pruned, the read is one range of the index (month, paid_on, employer, amount) per month and
    state (unpaid; paid after the fee-free day), so the database never visits the dues paid in time.
    """
    table = Due._meta.db_table
    last_month = month_index(f"{as_of:%Y-%m}")
    scope = ""
    if employer_ids is not None:
        scope = (" AND employer_id IN (" + ",".join(str(int(e)) for e in employer_ids) + ")") if employer_ids \
            else " AND 1 = 0"
    if district_id is not None:  # a district's staff: their employers only
        scope += (f" AND employer_id IN (SELECT id FROM {Employer._meta.db_table} "
                  f"WHERE district_id = {int(district_id)})")
    with connection.cursor() as cursor:
        # The first and last months are two index look-ups.
        cursor.execute(f"SELECT MIN(month_no), MAX(month_no) FROM {table}")
        first, last = cursor.fetchone()
        if first is None or int(first) > last_month:
            return DueColumns(*(np.zeros(0, dtype=np.int64) for _ in range(4)), 0)  # type: ignore[call-arg]
        if int(last) <= last_month and not scope:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
        else:
            cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE month_no <= %s{scope}", [last_month])
        total = int(cursor.fetchone()[0])
    columns = _packed_columns(int(first))
    if prune:
        months = list(range(int(first), min(int(last), last_month) + 1))
        free = _free_until(months, policies)
        parts, params = [], []
        for m in months:  # an empty month in between costs two index look-ups
            parts.append(f"SELECT {columns} FROM {table} WHERE month_no = %s AND paid_on IS NULL{scope}")
            parts.append(f"SELECT {columns} FROM {table} WHERE month_no = %s AND paid_on > %s{scope}")
            params += [m, m, _date_param(free[m])]
        data = _fetch_packed(" UNION ALL ".join(parts), params, int(first))
    else:
        data = _fetch_packed(f"SELECT {columns} FROM {table} WHERE month_no <= %s{scope}",
                             [last_month], int(first))
    return DueColumns(data[:, 0].copy(), data[:, 1].copy(), data[:, 2].copy(), data[:, 3].copy(), total)


def _sum_by(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, index, values)  # exact integer sums (bincount would go through float64)
    return out


@dataclass
class DueFees:
    """Per-due results of the batch rule, aligned with a `DueColumns`."""

    unpaid_overdue: np.ndarray
    late_fee_fen: np.ndarray
    waived_fen: np.ndarray


def fees_of(cols: DueColumns, *, as_of: dt.date, policy: Policy, deferred_day: Any = None) -> DueFees:
    """Late fee and relief of every due: paid ones up to their payment day, the rest up to `as_of`.

    A due of nothing (an employer share exempted in full by a relief pack) is never overdue.
    `deferred_day`: per due, a granted deferral's new due day (day number, or 0 for none)."""
    as_of_day = day_number(as_of)
    paid = (cols.paid_day >= 0) & (cols.paid_day <= as_of_day)
    pay = np.where(paid, cols.paid_day, as_of_day)
    result = late_fees(cols.month_no, cols.amount_fen, pay, policy, deferred_to=deferred_day)
    due_day = result.due_on.view("int64")
    return DueFees(~paid & (due_day < as_of_day) & (cols.amount_fen > 0), result.late_fee_fen, result.waived_fen)


def deferred_dues_read(*, as_of: dt.date, employer_ids: list[int] | None = None, district_id: int | None = None
                       ) -> tuple[DueColumns, np.ndarray]:
    """The dues with a granted deferral (months up to `as_of`'s month), and their new due days.

    Few rows (one employer's deferral names a handful of months), read apart from the bulk read, which
    assesses every due as if undeferred; `_deferral_delta` then corrects the employers concerned.
    """
    qs = Due.objects.filter(deferred_to__isnull=False, month_no__lte=month_index(f"{as_of:%Y-%m}"))
    if employer_ids is not None:
        qs = qs.filter(employer_id__in=employer_ids)
    if district_id is not None:
        qs = qs.filter(employer__district_id=district_id)
    rows = list(qs.values_list("employer_id", "month_no", "amount_fen", "paid_on", "deferred_to"))
    cols = [np.asarray([r[i] for r in rows], dtype=np.int64) for i in range(3)]
    paid = np.asarray([-1 if r[3] is None else day_number(r[3]) for r in rows], dtype=np.int64)
    deferred = np.asarray([day_number(r[4]) for r in rows], dtype=np.int64)
    return DueColumns(cols[0], cols[1], cols[2], paid, len(rows)), deferred


def _deferral_delta(*, as_of: dt.date, policy: Policy, employer_ids: list[int] | None = None,
                    district_id: int | None = None) -> tuple[DueColumns, DueFees] | None:
    """Per deferred due, its figures with the deferral minus its figures without (as the bulk read
    counted it): added to the bulk figures, each deferred due counts with its new due date. A due the
    bulk read left out (paid in time) has nothing either way, so the delta is exact."""
    cols, deferred = deferred_dues_read(as_of=as_of, employer_ids=employer_ids, district_id=district_id)
    if not len(cols.amount_fen):
        return None
    with_deferral = fees_of(cols, as_of=as_of, policy=policy, deferred_day=deferred)
    without = fees_of(cols, as_of=as_of, policy=policy)
    arrears = (np.where(with_deferral.unpaid_overdue, cols.amount_fen, 0)
               - np.where(without.unpaid_overdue, cols.amount_fen, 0))
    overdue = with_deferral.unpaid_overdue.astype(np.int64) - without.unpaid_overdue.astype(np.int64)
    delta = DueFees(overdue, with_deferral.late_fee_fen - without.late_fee_fen,
                    with_deferral.waived_fen - without.waived_fen)
    return DueColumns(cols.employer_id, cols.month_no, arrears, cols.paid_day, 0), delta


def _employer_figures(cols: DueColumns, fees: DueFees, delta: tuple[DueColumns, DueFees] | None = None
                      ) -> EmployerFigures:
    arrears_rows = np.where(fees.unpaid_overdue, cols.amount_fen, 0)
    overdue_rows = fees.unpaid_overdue.astype(np.int64)
    employer_rows, fee_rows, waived_rows = cols.employer_id, fees.late_fee_fen, fees.waived_fen
    if delta is not None:  # deferred dues: their correction rows (amounts and counts are differences)
        dcols, dfees = delta
        employer_rows = np.concatenate([employer_rows, dcols.employer_id])
        arrears_rows = np.concatenate([arrears_rows, dcols.amount_fen])
        overdue_rows = np.concatenate([overdue_rows, dfees.unpaid_overdue])
        fee_rows = np.concatenate([fee_rows, dfees.late_fee_fen])
        waived_rows = np.concatenate([waived_rows, dfees.waived_fen])
    employers, inverse = np.unique(employer_rows, return_inverse=True)
    n = len(employers)
    arrears = _sum_by(inverse, arrears_rows, n)
    overdue = _sum_by(inverse, overdue_rows, n)
    figures = EmployerFigures(employers, np.zeros(n, dtype=np.int64), arrears, overdue,
                              _sum_by(inverse, fee_rows, n), _sum_by(inverse, waived_rows, n))
    if n:
        figures.district_id = _districts_of(employers)
    return figures


def _districts_of(employers: np.ndarray) -> np.ndarray:
    """The district of each employer (sorted ids), read in bulk."""
    qs = Employer.objects.order_by("pk")
    if len(employers) <= 500:
        qs = qs.filter(pk__in=employers.tolist())
    rows = np.asarray(list(qs.values_list("pk", "district_id")), dtype=np.int64).reshape(-1, 2)
    return rows[np.searchsorted(rows[:, 0], employers), 1]


def _by_district(f: EmployerFigures) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    districts, inverse = np.unique(f.district_id, return_inverse=True)
    for name, values in (("arrears_fen", f.arrears_fen), ("late_fee_fen", f.late_fee_fen),
                         ("waived_fen", f.waived_fen), ("employers_in_arrears", (f.arrears_fen > 0).astype(np.int64))):
        sums = _sum_by(inverse, values, len(districts))
        for d, s in zip(districts.tolist(), sums.tolist(), strict=True):
            out.setdefault(int(d), {})[name] = int(s)
    return out


Progress = Callable[[int, str], None]  # (percent done, the step in Chinese)


def _no_progress(percent: int, step: str) -> None:
    pass


def assessment_compute(*, as_of: dt.date, policy: Policy, employer_ids: list[int] | None = None,
                       prune: bool = True, progress: Progress = _no_progress) -> AssessmentResult:
    started = time.perf_counter()
    progress(5, "读取应缴费款")
    cols = dues_read(as_of=as_of, policies=[policy], employer_ids=employer_ids, prune=prune)
    progress(40, f"计算{len(cols.amount_fen)}笔应缴的滞纳金和减免")
    fees = fees_of(cols, as_of=as_of, policy=policy)
    delta = _deferral_delta(as_of=as_of, policy=policy, employer_ids=employer_ids)
    progress(70, "按单位和区汇总")
    figures = _employer_figures(cols, fees, delta)
    result = AssessmentResult(as_of, policy, figures, cols.dues_total, len(cols.amount_fen))
    result.by_district = _by_district(figures)
    result.seconds = time.perf_counter() - started
    return result


def assessment_run(*, as_of: dt.date, policy: Policy, actor: Any, progress: Progress = _no_progress
                   ) -> tuple[AssessmentRun, AssessmentResult]:
    """Compute and store a run (with the policy version and announcements it used).

    The computation reads outside the storing transaction (its reads may run side by side on
    several connections); the run and its lines are then written in one transaction.
    `progress(percent, step)` is called between the steps (reading, computing, summing, storing).
    """
    require(actor, "assessment.run")
    started = time.perf_counter()
    result = assessment_compute(as_of=as_of, policy=policy, progress=progress)
    progress(90, "保存核定批次")
    with transaction.atomic():
        run = _run_store(result, as_of=as_of, policy=policy, actor=actor, started=started)
    return run, result


def _run_store(result: AssessmentResult, *, as_of: dt.date, policy: Policy, actor: Any, started: float
               ) -> AssessmentRun:
    import io

    t = result.totals
    f = result.figures
    keep = (f.arrears_fen != 0) | (f.late_fee_fen != 0) | (f.waived_fen != 0)
    table = np.stack([getattr(f, name)[keep] for name in ("employer_id", "district_id", "arrears_fen",
                                                          "overdue_dues", "late_fee_fen", "waived_fen")], axis=1)
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(table, dtype=np.int64), allow_pickle=False)
    run = AssessmentRun.objects.create(
        as_of=as_of, policy_name=policy.name, policy_version=policy.version, lifted_on=epidemic_lifted_on(policy),
        announcements=[a.id for a in policy.announcements], dues=result.dues_total,
        employers_in_arrears=t["employers_in_arrears"], arrears_fen=t["arrears_fen"], late_fee_fen=t["late_fee_fen"],
        waived_fen=t["waived_fen"], seconds=round(time.perf_counter() - started, 3),  # reading and computing
        figures=buffer.getvalue(),
        created_by_label=actor_label(actor))
    AssessmentDistrict.objects.bulk_create([
        AssessmentDistrict(run=run, district_id=d, employers_in_arrears=v["employers_in_arrears"],
                           arrears_fen=v["arrears_fen"], late_fee_fen=v["late_fee_fen"], waived_fen=v["waived_fen"])
        for d, v in sorted(result.by_district.items()) if any(v.values())])
    return run


@dataclass
class WhatIf:
    as_of: dt.date
    lifted_on: dt.date
    employers_affected: int
    fees_added_fen: int
    fees_removed_fen: int
    waived_before_fen: int
    waived_after_fen: int
    by_district: dict[int, dict[str, int]]
    changes: list[dict[str, int]]  # the employers whose fee changes, largest change first (first 200)
    dues_total: int
    seconds: float

    @property
    def net_fen(self) -> int:
        return self.fees_added_fen - self.fees_removed_fen


def assessment_what_if(*, as_of: dt.date, policy: Policy, hypothetical: Policy, lifted_on: dt.date,
                       employer_ids: list[int] | None = None, district_id: int | None = None) -> WhatIf:
    """What would change under a hypothetical announcement; nothing is stored."""
    started = time.perf_counter()
    cols = dues_read(as_of=as_of, policies=[policy, hypothetical], employer_ids=employer_ids, district_id=district_id)
    before = _employer_figures(cols, fees_of(cols, as_of=as_of, policy=policy),
                               _deferral_delta(as_of=as_of, policy=policy, employer_ids=employer_ids,
                                               district_id=district_id))
    after = _employer_figures(cols, fees_of(cols, as_of=as_of, policy=hypothetical),
                              _deferral_delta(as_of=as_of, policy=hypothetical, employer_ids=employer_ids,
                                              district_id=district_id))
    delta = after.late_fee_fen - before.late_fee_fen
    changed = (delta != 0) | (after.waived_fen != before.waived_fen)
    by_district: dict[int, dict[str, int]] = {}
    districts, inverse = np.unique(before.district_id, return_inverse=True)
    for name, values in (("employers_affected", changed.astype(np.int64)),
                         ("fees_added_fen", np.where(delta > 0, delta, 0)),
                         ("fees_removed_fen", np.where(delta < 0, -delta, 0))):
        sums = _sum_by(inverse, values, len(districts))
        for d, s in zip(districts.tolist(), sums.tolist(), strict=True):
            by_district.setdefault(int(d), {})[name] = int(s)
    by_district = {d: v for d, v in by_district.items() if v["employers_affected"]}
    order = np.argsort(-np.abs(delta), kind="stable")
    changes = [{"employer_id": int(before.employer_id[i]), "district_id": int(before.district_id[i]),
                "fee_before_fen": int(before.late_fee_fen[i]), "fee_after_fen": int(after.late_fee_fen[i]),
                "waived_before_fen": int(before.waived_fen[i]), "waived_after_fen": int(after.waived_fen[i])}
               for i in order[:200].tolist() if changed[i]]
    return WhatIf(as_of, lifted_on, int(changed.sum()), int(np.where(delta > 0, delta, 0).sum()),
                  int(np.where(delta < 0, -delta, 0).sum()), int(before.waived_fen.sum()), int(after.waived_fen.sum()),
                  by_district, changes, cols.dues_total, time.perf_counter() - started)
