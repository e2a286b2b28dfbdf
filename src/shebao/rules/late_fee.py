"""Due dates and late fees (滞纳金) under Readings 0.2 and 0.3a-0.3c; integer fen only.

One formula (:func:`_fees`) serves one due (Python ints) and a column of dues (NumPy), so
``late_fee_for_due`` is ``late_fees`` on one row. Late-fee parameters are read as last announced:
relief and extensions of the notice apply to dues already fallen due (0.2, 0.3).

>>> late_fee_for_due("2019-06", 100, paid_on="2019-07-05").late_fee_fen  # 0.5 fen rounds up
1
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .dates import SCALAR, InputError, add_months, day_date, day_number, month_index, numpy_ops, parse_date
from .facts import FAR_FUTURE_DAY
from .policy import Policy, epidemic_lifted_on, load_policy

FAR_FUTURE_MONTH = 10**6
# The largest amount of one due (10,000,000,000 yuan): far above any employer's month, and low enough
# that the formula's 2 x amount x rate numerator x days over 1900-9999 stays inside int64 (2 x 10^12
# x 1 x 3 x 10^6 < 2^63): a larger amount wrapped round to a negative fee, or overflowed and killed the
# batch (review-input12 F6). `late_fees` checks the bound of its own columns too (a what-if rate).
AMOUNT_FEN_MAX = 10**12
NO_DEFERRAL = -(10**7)  # a deferral day before any due date: no deferral (dues of 1900 exist in tests)


@dataclass(frozen=True)
class FeeParams:
    due_day: int
    overrides: tuple[tuple[int, int], ...]  # (month index, due day number)
    numerator: int
    denominator: int
    window_from: int | None  # month index; None: the pack has no relief window
    lifted_day: int  # FAR_FUTURE_DAY while not announced
    makeup_months: int
    only_days_after_deadline: bool


def fee_params(policy: Policy) -> FeeParams:
    cached = policy._compiled.get("fee_params")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    rate = policy.value("late_fee.daily_rate")
    overrides = policy.value("collection.period_overrides") or {}
    has_window = policy.has("epidemic.relief_window_from")
    lifted = epidemic_lifted_on(policy)
    fp = FeeParams(
        due_day=policy.value("collection.normal_due_day"),
        overrides=tuple(sorted((month_index(m), day_number(d)) for m, d in overrides.items())),
        numerator=rate.numerator,
        denominator=rate.denominator,
        window_from=month_index(policy.value("epidemic.relief_window_from")) if has_window else None,
        lifted_day=day_number(lifted) if lifted is not None else FAR_FUTURE_DAY,
        makeup_months=policy.value("epidemic.makeup_months") if has_window else 0,
        only_days_after_deadline=has_window
        and policy.value("epidemic.exemption_lost_reading") == "only_days_after_makeup_deadline",
    )
    policy._compiled["fee_params"] = fp
    return fp


def _round_fee(amount: Any, days: Any, fp: FeeParams) -> Any:
    # Reading 0.3b: amount x rate x days, rounded half-up to the fen, in integers only.
    return (2 * amount * fp.numerator * days + fp.denominator) // (2 * fp.denominator)


def _fees(month: Any, amount: Any, pay: Any, fp: FeeParams, ops: Any, deferred: Any = NO_DEFERRAL) -> tuple[Any, ...]:
    """The one late-fee formula: (due, overdue days, fee, waived, clause 0.2, clause 0.3).

    ``deferred`` is a granted deferral's new due day (day number; `NO_DEFERRAL`: none): the due date is the later
    of it and the due date in force, and no fee accrues before it (人社部发〔2020〕11号 第三条,
    rules/relief.py). Its relief counts in ``waived`` like any other (Reading 0.3c).
    """
    where, maximum = ops.where, ops.maximum
    normal_due = ops.day_in_month(month, fp.due_day)  # Reading 0.2
    due = normal_due
    for m, d in fp.overrides:  # 0.2: collection periods moved by announcement
        due = where(month == m, d, due)
    extended = due != normal_due
    due = maximum(due, deferred)
    overdue = maximum(pay - due, 0)
    fee_due = _round_fee(amount, overdue, fp)
    # Reading 0.3c: relief is measured against the normal rules alone (the 25th, no window).
    fee_normal = _round_fee(amount, maximum(pay - normal_due, 0), fp)
    fee = fee_due
    in_window: Any = False
    if fp.window_from is not None:
        lifted_month = FAR_FUTURE_MONTH if fp.lifted_day >= FAR_FUTURE_DAY else SCALAR.month_of(fp.lifted_day)
        # Reading 0.3a: from 2020-01 through the month of the lifted date (all months while unknown).
        in_window = (month >= fp.window_from) & (month <= lifted_month)
        if fp.lifted_day >= FAR_FUTURE_DAY:
            window_fee: Any = 0  # Reading 0.3b: no fee accrues while the lifted date is unknown
        else:
            deadline = SCALAR.add_months(fp.lifted_day, fp.makeup_months)  # Civil Code months
            if fp.only_days_after_deadline:
                lost = _round_fee(amount, maximum(pay - maximum(due, deadline), 0), fp)
            else:
                lost = fee_due  # Reading 0.3b: exemption lost, fee from the day after the due date
            window_fee = where(pay <= deadline, 0, lost)
        fee = where(in_window, window_fee, fee_due)
    waived = fee_normal - fee
    return due, overdue, fee, waived, extended, in_window & (fee < fee_due)


@dataclass(frozen=True)
class LateFee:
    due_on: date
    overdue_days: int
    late_fee_fen: int
    waived_fen: int
    clauses: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"due_on": self.due_on.isoformat(), "overdue_days": self.overdue_days,
                "late_fee_fen": self.late_fee_fen, "waived_fen": self.waived_fen, "clauses": list(self.clauses)}


def _clauses(c02: Any, c03: Any) -> tuple[str, ...]:
    return (("0.2",) if c02 else ()) + (("0.3",) if c03 else ())


def due_date(month: str, policy: Policy | None = None) -> date:
    """The (possibly extended) due date of a contribution month: ``due_date("2020-01") == 2020-03-31``."""
    fp = fee_params(policy or load_policy())
    m = month_index(month)
    due = SCALAR.day_in_month(m, fp.due_day)
    for om, d in fp.overrides:
        if om == m:
            due = d
    return day_date(due)


def _day(value: Any, field: str) -> int:
    if isinstance(value, date):
        return day_number(value)
    return day_number(parse_date(value, field))


def amount_check(amount_fen: Any) -> int:
    """``amount_fen`` if it is a whole number of fen from 0 to `AMOUNT_FEN_MAX`, else InputError
    (English, and Chinese in ``zh``)."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or not 0 <= amount_fen <= AMOUNT_FEN_MAX:
        shown = repr(amount_fen) if len(repr(amount_fen)) <= 40 else repr(amount_fen)[:40] + "…"
        raise InputError(f"amount_fen: expected a whole number of fen from 0 to {AMOUNT_FEN_MAX}, got {shown}",
                         field="amount_fen",
                         zh=f"金额（分）应为0至{AMOUNT_FEN_MAX}的整数（即不超过100亿元），填写的是“{shown}”")
    return amount_fen


def late_fee_for_due(
    month: str,
    amount_fen: int,
    *,
    paid_on: date | str | None = None,
    as_of: date | str | None = None,
    policy: Policy | None = None,
    deferred_to: date | None = None,
) -> LateFee:
    """The late fee of one due, paid on ``paid_on`` or unpaid and assessed on ``as_of``; ``deferred_to``
    is the new due date of a granted deferral (see `_fees`)."""
    amount_check(amount_fen)
    if (paid_on is None) == (as_of is None):
        raise InputError("give exactly one of paid_on (paid) or as_of (unpaid, day of assessment)")
    pay = _day(paid_on, "paid_on") if paid_on is not None else _day(as_of, "as_of")
    fp = fee_params(policy or load_policy())
    deferred = day_number(deferred_to) if deferred_to is not None else NO_DEFERRAL
    due, overdue, fee, waived, c02, c03 = _fees(month_index(month), amount_fen, pay, fp, SCALAR, deferred)
    return LateFee(day_date(due), int(overdue), int(fee), int(waived), _clauses(c02, c03))


@dataclass
class LateFeeColumns:
    due_on: Any  # datetime64[D]
    overdue_days: Any
    late_fee_fen: Any
    waived_fen: Any
    clause_0_2: Any
    clause_0_3: Any

    def clauses(self, i: int) -> tuple[str, ...]:
        return _clauses(self.clause_0_2[i], self.clause_0_3[i])


def late_fees(months: Any, amounts_fen: Any, paid_on_or_as_of: Any, policy: Policy | None = None,
              deferred_to: Any = None) -> LateFeeColumns:
    """Late fees of many dues: months (``datetime64[M]``, month indexes since 1970-01 or
    ``"YYYY-MM"`` strings), amounts in fen, payment (or assessment) days (``datetime64[D]`` or
    day numbers since 1970-01-01); ``deferred_to``: new due days of granted deferrals (day numbers,
    0 or less for none), as in `late_fee_for_due`."""
    import numpy as np

    m = np.asarray(months)
    if m.dtype.kind in "USO":
        m = np.array([month_index(x) for x in m.tolist()], dtype="int64")
    elif m.dtype.kind == "M":
        m = m.astype("M8[M]").view("int64")
    a = np.asarray(amounts_fen, dtype="int64")
    if a.size and (a.min() < 0 or a.max() > AMOUNT_FEN_MAX):
        raise InputError(f"amounts_fen: amounts must be from 0 to {AMOUNT_FEN_MAX}",
                         zh=f"金额（分）应为0至{AMOUNT_FEN_MAX}的整数（即不超过100亿元）")
    d = np.asarray(paid_on_or_as_of)
    d = d.astype("M8[D]").view("int64") if d.dtype.kind == "M" else d.astype("int64")
    fp = fee_params(policy or load_policy())
    deferred: Any = NO_DEFERRAL
    if deferred_to is not None:  # day numbers <= 0 (or NaT) mean no deferral
        raw = np.asarray(deferred_to)
        raw = raw.astype("M8[D]").view("int64") if raw.dtype.kind == "M" else raw.astype("int64")
        deferred = np.where(raw > 0, raw, NO_DEFERRAL)
    if a.size and d.size:
        # The largest product the formula forms, in Python integers: past int64 it would wrap silently.
        days = max(int(d.max()) - SCALAR.day_in_month(int(m.min()), 1), 0) + 1
        if 2 * int(a.max()) * fp.numerator * days + fp.denominator >= 2**63:
            raise InputError("amounts_fen: the late fee of these amounts over these days is out of range",
                             zh="金额与天数过大，滞纳金超出可计算的范围")
    due, overdue, fee, waived, c02, c03 = _fees(m.astype("int64"), a, d, fp, numpy_ops(), deferred)
    n = len(a)
    return LateFeeColumns(
        np.asarray(due, dtype="int64").view("M8[D]"), np.asarray(overdue, dtype="int64"),
        np.broadcast_to(np.asarray(fee, dtype="int64"), (n,)).copy(), np.asarray(waived, dtype="int64"),
        np.broadcast_to(np.asarray(c02, dtype=bool), (n,)).copy(), np.broadcast_to(np.asarray(c03, dtype=bool), (n,)).copy(),
    )


def makeup_deadline(policy: Policy) -> date | None:
    """Lifted date + make-up months (Reading 0.3b), or ``None`` while the lifted date is unknown."""
    lifted = epidemic_lifted_on(policy)
    return None if lifted is None else add_months(lifted, policy.value("epidemic.makeup_months"))
