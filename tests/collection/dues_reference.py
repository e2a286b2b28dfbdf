"""The dues builder as it was before it became set-based SQL (issue 21): rows read into Python,
grouped with NumPy, written with the ORM. Kept here, unchanged in its arithmetic, as the oracle the
set-based `collection.services.dues_build` is held equal to (tests/collection/test_dues_set_based.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction

from shebao.collection import ledger
from shebao.collection.ledger import Line
from shebao.collection.models import INSURANCE_CHOICES, Allocation, Due, LedgerTransaction, Payment, Posting
from shebao.collection.services import credit_apply
from shebao.core import clock
from shebao.core.audit import audit_bulk_create
from shebao.core.permissions import require
from shebao.registry.models import Contribution, Employer
from shebao.registry.rates import contribution_rates, share_fen
from shebao.rules.dates import day_date, day_number, month_index

INSURANCES = tuple(code for code, _ in INSURANCE_CHOICES)
NO_DAY = -1


# --- Dues ------------------------------------------------------------------------------------
@dataclass
class DuesBuildResult:
    dues: int = 0
    amount_fen: int = 0
    history_payments: int = 0
    skipped_pairs: int = 0


def _shares(month: str, bases: dict[str, np.ndarray], industry: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Employer and personal shares of each insurance for one month, from the `base` pack's rates.

    Bases are clipped to the floor and ceiling in force (pension, unemployment and work injury on
    the pension floor; medical and maternity on the medical floor).
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


@transaction.atomic
def dues_build_reference(*, months: Sequence[str], actor: Any, employer_ids: Iterable[int] | None = None
               ) -> DuesBuildResult:
    """Build the dues of the given months from the contribution rows, set-based, month by month.

    One due per employer, month, insurance type and payment day: contributions already paid
    (`paid_on`) become settled dues with a "history" payment, so the ledger holds every fen.
    Employer-months that already have dues are skipped: building twice changes nothing.
    """
    require(actor, "dues.build")
    result = DuesBuildResult()
    ids = list(employer_ids) if employer_ids is not None else None
    touched: set[int] = set()
    for month in sorted(set(months)):  # a loop over months (a handful), never over rows
        touched |= _dues_build_month(month=month, actor=actor, employer_ids=ids, result=result)
    # Money an employer already holds as credit pays the new dues at once (oldest first).
    for employer_id, balance in ledger.account_balances(account=ledger.EMPLOYER_CREDIT,
                                                        employer_ids=touched).items():
        if balance < 0:  # the credit account is a liability: money held is a credit (negative) balance
            credit_apply(employer=Employer.objects.get(pk=employer_id), actor=actor, on=clock.today())
    return result


def _dues_build_month(*, month: str, actor: Any, employer_ids: list[int] | None, result: DuesBuildResult
                      ) -> set[int]:
    qs = Contribution.objects.filter(month=month)
    existing = Due.objects.filter(month=month)
    if employer_ids is not None:
        qs, existing = qs.filter(employer_id__in=employer_ids), existing.filter(employer_id__in=employer_ids)
    done = np.asarray(sorted(set(existing.values_list("employer_id", flat=True))), dtype=np.int64)
    result.skipped_pairs += len(done)
    rows = list(qs.values_list("employer_id", "pension_base_fen", "unemployment_base_fen", "medical_base_fen",
                               "maternity_base_fen", "work_injury_base_fen", "paid_on", "employer__industry_class"))
    if not rows:
        return set()
    cols = list(zip(*rows, strict=True))
    emp = np.asarray(cols[0], dtype=np.int64)
    keep = ~np.isin(emp, done)
    if not keep.any():
        return set()
    emp = emp[keep]
    bases = {name: np.asarray(cols[1 + i], dtype=np.int64)[keep] for i, name in enumerate(INSURANCES)}
    pay_day = np.asarray([NO_DAY if d is None else day_number(d) for d in cols[6]], dtype=np.int64)[keep]
    industry = np.asarray(cols[7], dtype=np.int64)[keep]
    shares = _shares(month, bases, industry)

    # Group the contribution rows by (employer, payment day), summing in exact integers.
    groups, inverse = np.unique(np.stack([emp, pay_day], axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    n = len(groups)
    persons = np.bincount(inverse, minlength=n)
    sums: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for k in INSURANCES:
        e_sum, p_sum = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        np.add.at(e_sum, inverse, shares[k][0])
        np.add.at(p_sum, inverse, shares[k][1])
        sums[k] = (e_sum, p_sum)

    month_no = month_index(month)
    dues: list[Due] = []
    for g, (e, pday) in enumerate(groups.tolist()):  # building the rows to write, one per due
        for k in INSURANCES:
            e_fen, p_fen = int(sums[k][0][g]), int(sums[k][1][g])
            dues.append(Due(employer_id=e, month=month, month_no=month_no, insurance=k, employer_fen=e_fen,
                            personal_fen=p_fen, amount_fen=e_fen + p_fen, persons=int(persons[g]),
                            paid_on=None if pday == NO_DAY else day_date(pday)))
    # Relief packs in force (免、减): the employer share of covered dues is reduced before it is owed.
    from shebao.collection.relief import dues_relieve, relief_ledger_lines

    dues_relieve(dues)
    Due.objects.bulk_create(dues, batch_size=2000)
    audit_bulk_create(actor=actor, model=Due, objs=dues, reason=f"核定应缴（{month}）")
    result.dues += len(dues)
    result.amount_fen += sum(d.amount_fen for d in dues)

    # Ledger: what employers owe, against income by insurance type.
    receivable: dict[int, int] = defaultdict(int)
    income: dict[str, int] = defaultdict(int)
    for d in dues:
        receivable[d.employer_id] += d.amount_fen
        income[d.insurance] += d.amount_fen
    lines = [Line(ledger.RECEIVABLE, e, amt) for e, amt in sorted(receivable.items())]
    lines += [Line(ledger.income_account(k), None, -amt) for k, amt in sorted(income.items())]
    lines += relief_ledger_lines(dues)  # relief:<insurance> against income: income stays the full contribution
    ledger.ledger_post(kind=LedgerTransaction.Kind.DUES, occurred_on=clock.today(), lines=lines, actor=actor,
                       memo=f"核定应缴：{month}")

    # Contributions already paid: one "history" payment per employer and day, allocated in full.
    paid_groups: dict[tuple[int, dt.date], list[Due]] = defaultdict(list)
    for d in dues:
        if d.paid_on is not None:
            paid_groups[(d.employer_id, d.paid_on)].append(d)
    if paid_groups:
        result.history_payments += _history_payments(paid_groups, actor=actor)
    return set(receivable)


def _history_payments(groups: dict[tuple[int, dt.date], list[Due]], *, actor: Any) -> int:
    keys = sorted(groups)
    actor_fields = ledger._actor_fields(actor)
    txns = [LedgerTransaction(kind=LedgerTransaction.Kind.PAYMENT, occurred_on=day, memo="历史已缴费款",
                              **actor_fields) for (_, day) in keys]
    LedgerTransaction.objects.bulk_create(txns, batch_size=2000)
    payments, postings, allocations = [], [], []
    for (employer_id, day), txn in zip(keys, txns, strict=True):
        total = sum(d.amount_fen for d in groups[(employer_id, day)])
        payments.append(Payment(employer_id=employer_id, source=Payment.Source.HISTORY, amount_fen=total,
                                received_on=day, transaction=txn))
        postings += [Posting(transaction=txn, account=ledger.BANK, employer_id=employer_id, amount_fen=total),
                     Posting(transaction=txn, account=ledger.RECEIVABLE, employer_id=employer_id, amount_fen=-total)]
    Payment.objects.bulk_create(payments, batch_size=2000)
    Posting.objects.bulk_create(postings, batch_size=2000)
    for key, payment in zip(keys, payments, strict=True):
        allocations += [Allocation(payment=payment, due=d, amount_fen=d.amount_fen) for d in groups[key]]
    Allocation.objects.bulk_create(allocations, batch_size=2000)
    audit_bulk_create(actor=actor, model=Payment, objs=payments, reason="历史已缴费款")
    return len(payments)
