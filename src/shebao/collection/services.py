"""Writes of the collection app: dues, payments and their allocation, deduction runs, matching.

Every function runs in one transaction and writes its audit trail and its ledger entry with the
change, so the books and the trail are committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

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
)
from shebao.collection.policy import contribution_rates
from shebao.core import clock
from shebao.core.audit import audit_bulk_create, audit_create, audit_update, audited_bulk_update, snapshot
from shebao.core.permissions import require
from shebao.registry.models import Contribution, Employer
from shebao.registry.rates import share_fen
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
def dues_build(*, months: Sequence[str], actor: Any, employer_ids: Iterable[int] | None = None
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
    if not getattr(actor, "is_authenticated", False):
        raise SecondPersonRequired("冲正须由一名工作人员申请、另一名工作人员复核，系统作业不能申请")
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    _reversal_checks(payment)
    if PaymentReversal.objects.filter(payment=payment, outcome=PaymentReversal.Outcome.PENDING).exists():
        raise ValidationError(f"收款#{payment.pk}已有待复核的冲正申请")
    request = PaymentReversal.objects.create(payment=payment, reason=reason[:200], requested_by=actor)
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
    before = snapshot(reversal)
    reversal.decided_by, reversal.decided_at, reversal.note = actor, clock.now(), (note or "").strip()[:200]
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
    is received and allocated."""
    require(actor, "remittance.match", district_id=employer.district_id)
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
    if not same_transfer and line.duplicate_of_id is not None and RemittanceLine.objects.filter(
            pk=line.duplicate_of_id, bank_reference=line.bank_reference).exists():
        # One payment per bank reference (the ledger's constraint): a reused reference is the bank's to mend.
        raise ValidationError({"same_transfer": f"银行流水号{line.bank_reference}已用于另一笔已入账的汇款，不能再作为"
                                                "另一笔转账入账；请向银行核实更正流水号后重新导入，或确认为重复"})
    before = snapshot(line)
    line.status = RemittanceLine.Status.REJECTED if same_transfer else RemittanceLine.Status.UNMATCHED
    line.save(update_fields=["status"])
    audit_update(actor=actor, instance=line, before=before,
                 reason=("确认与流水重复，不入账：" if same_transfer else "核实为另一笔转账：") + reason[:150])
    return line
