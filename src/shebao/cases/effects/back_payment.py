"""Back-payments (补缴, 1.1a-1.1c, 1.2a, 1.2b, 1.3b, 1.3c): dues for months not (fully) paid.

Each person-month becomes a contribution row (registry) by that month's rates, floors and ceilings
(the `base` pack, as `collection.services.dues_build` reads it), and the employer owes one due per
month and insurance type for the people of the case: the bill (补缴账单) the employer pays through
the ordinary collection (bank deduction or remittance, oldest dues first). The dues are posted to
the ledger (receivable against income) in the completion's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from shebao.cases.effects import EffectRefused, EffectResult, effect
from shebao.collection import ledger
from shebao.collection.ledger import Line
from shebao.collection.models import INSURANCE_CHOICES, Due, LedgerTransaction
from shebao.core import clock
from shebao.core.audit import audit_bulk_create, audit_update, snapshot
from shebao.core.money import format_yuan
from shebao.registry.models import Contribution, Employer, Person
from shebao.registry.rates import contribution_shares
from shebao.rules.business_fields import FieldError
from shebao.rules.dates import month_index

INSURANCES = tuple(code for code, _ in INSURANCE_CHOICES)


@dataclass(frozen=True)
class PersonMonth:
    person: Person
    month: str
    base_fen: int


def month_shares(month: str, bases_fen: list[int], industry_class: int) -> dict[str, tuple[list[int], list[int]]]:
    """Employer and personal fen of each insurance type for people of one month on the given bases."""
    from shebao.registry.rates import contribution_rates

    # The one computation of shares by month (rates, floor and ceiling per insurance type) that the
    # monthly dues build makes in SQL: a back-payment's fen must equal what the month's dues charge.
    try:
        rates = contribution_rates(month=month)
    except LookupError as e:
        raise EffectRefused.of([FieldError("details", f"{month}没有适用的缴费费率：{e}")]) from None
    shares = contribution_shares(rates, bases_fen, np.full(len(bases_fen), industry_class, dtype=np.int64))
    return {k: (shares[k][0].tolist(), shares[k][1].tolist()) for k in INSURANCES}


def _clipped_bases(month: str, base_fen: int) -> dict[str, int]:
    from shebao.registry.rates import contribution_rates

    r = contribution_rates(month=month)
    pension = min(max(base_fen, r.pension_floor_fen), r.ceiling_fen)
    medical = min(max(base_fen, r.medical_floor_fen), r.ceiling_fen)
    return {"pension": pension, "unemployment": pension, "medical": medical, "maternity": medical,
            "work_injury": pension}


def dues_post(*, employer: Employer, amounts: dict[tuple[str, str], tuple[int, int, int]], actor: Any, memo: str
              ) -> tuple[list[Due], LedgerTransaction | None]:
    """One due per (month, insurance) of `amounts` ((employer fen, personal fen, persons)), posted
    to the ledger as one balanced entry: receivable (the employer) against income by insurance."""
    dues = [Due(employer=employer, month=m, month_no=month_index(m), insurance=k, employer_fen=e, personal_fen=p,
                amount_fen=e + p, persons=n)
            for (m, k), (e, p, n) in sorted(amounts.items(), key=lambda kv: (kv[0][0], INSURANCES.index(kv[0][1])))
            if e + p > 0]
    if not dues:
        return [], None
    for d in dues:
        d.save()  # one by one: the ids are needed on every database, and a case holds a few dozen
    audit_bulk_create(actor=actor, model=Due, objs=dues, reason=memo)
    income: dict[str, int] = defaultdict(int)
    for d in dues:
        income[d.insurance] += d.amount_fen
    total = sum(income.values())
    lines = [Line(ledger.RECEIVABLE, employer.pk, total)]
    lines += [Line(ledger.income_account(k), None, -amt) for k, amt in sorted(income.items())]
    txn = ledger.ledger_post(kind=LedgerTransaction.Kind.DUES, occurred_on=clock.today(), lines=lines, actor=actor,
                             memo=memo)
    return dues, txn


def back_dues_create(*, case: Any, employer: Employer, rows: list[PersonMonth], actor: Any) -> EffectResult:
    """Contribution rows and the dues of `rows` (people and months without contributions)."""
    by_month: dict[str, list[PersonMonth]] = defaultdict(list)
    for row in rows:
        by_month[row.month].append(row)
    contributions: list[Contribution] = []
    amounts: dict[tuple[str, str], tuple[int, int, int]] = {}
    for month, people in sorted(by_month.items()):
        shares = month_shares(month, [r.base_fen for r in people], employer.industry_class)
        for i, r in enumerate(people):
            bases = _clipped_bases(month, r.base_fen)
            contributions.append(Contribution(
                person=r.person, employer=employer, month=month,
                **{f"{k}_base_fen": bases[k] for k in INSURANCES},
                **{f"{k}_employer_fen": shares[k][0][i] for k in INSURANCES},
                pension_personal_fen=shares["pension"][1][i], unemployment_personal_fen=shares["unemployment"][1][i],
                medical_personal_fen=shares["medical"][1][i]))
        for k in INSURANCES:
            amounts[(month, k)] = (sum(shares[k][0]), sum(shares[k][1]), len(people))
    Contribution.objects.bulk_create(contributions)
    audit_bulk_create(actor=actor, model=Contribution, objs=contributions, reason=f"申请#{case.pk}补缴")
    dues, txn = dues_post(employer=employer, amounts=amounts, actor=actor, memo=f"申请#{case.pk}{case.business_zh}")
    total = sum(d.amount_fen for d in dues)
    months = sorted(by_month)
    return EffectResult(
        f"已核定补缴应缴{len(dues)}笔，合计{format_yuan(total)}元（{months[0]}至{months[-1]}，"
        f"{len({r.person.pk for r in rows})}人），账单已记入{employer.name}的应缴费款",
        {"dues": [d.pk for d in dues], "amount_fen": total, "ledger": [txn.pk] if txn else [],
         "contributions": len(contributions)})


def _people_by_number(numbers: list[str]) -> dict[str, Person]:
    # A number of a record registered twice and merged is the record kept's (registry.merge).
    from shebao.registry.selectors import people_by_number

    return people_by_number(numbers)


@effect("back_payment.monthly_report")
def monthly_report(case: Any, actor: Any) -> EffectResult:
    """1.1a: every declared person in every declared month, on the person's declared base."""
    lines = case.details["lines"]
    people = _people_by_number([ln["id_number"] for ln in lines])
    rows = [PersonMonth(people[ln["id_number"]], m, ln["base_fen"]) for m in case.details["months"] for ln in lines]
    return back_dues_create(case=case, employer=case.employer, rows=rows, actor=actor)


@effect("back_payment.individual")
def individual(case: Any, actor: Any) -> EffectResult:
    """1.1b, 1.2a, 1.2b, 1.3b, 1.3c: one person, each month of the period on that month's base."""
    rows = [PersonMonth(case.person, b["month"], b["base_fen"]) for b in case.details["bases"]]
    return back_dues_create(case=case, employer=case.employer, rows=rows, actor=actor)


@effect("back_payment.base_difference")
def base_difference(case: Any, actor: Any) -> EffectResult:
    """1.1c: the dues of the difference between the new base's shares and what the month charged;
    the contribution row takes the new base (its old values are in the audit trail)."""
    employer = case.employer
    amounts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    changed = 0
    for i, line in enumerate(case.details["lines"], start=1):
        row = Contribution.objects.select_for_update().get(
            employer=employer, person=_people_by_number([line["id_number"]])[line["id_number"]], month=line["month"])
        shares = month_shares(line["month"], [line["new_base_fen"]], employer.industry_class)
        bases = _clipped_bases(line["month"], line["new_base_fen"])
        before = snapshot(row)
        for k in INSURANCES:
            new_e, new_p = shares[k][0][0], shares[k][1][0]
            old_e = getattr(row, f"{k}_employer_fen")
            old_p = getattr(row, f"{k}_personal_fen", 0)
            if new_e < old_e or new_p < old_p:
                raise EffectRefused.of([FieldError(f"details.lines.{i}.new_base_fen",
                                                   f"第{i}行：新基数计得的缴费低于原缴费，请办理基数差退费")])
            acc = amounts[(line["month"], k)]
            acc[0] += new_e - old_e
            acc[1] += new_p - old_p
            acc[2] += 1
            setattr(row, f"{k}_base_fen", bases[k])
            setattr(row, f"{k}_employer_fen", new_e)
            if hasattr(row, f"{k}_personal_fen"):
                setattr(row, f"{k}_personal_fen", new_p)
        row.save()
        audit_update(actor=actor, instance=row, before=before, reason=f"申请#{case.pk}基数差补缴")
        changed += 1
    dues, txn = dues_post(employer=employer, amounts={k: (a, b, n) for k, (a, b, n) in amounts.items()}, actor=actor,
                          memo=f"申请#{case.pk}{case.business_zh}")
    total = sum(d.amount_fen for d in dues)
    return EffectResult(f"已核定基数差补缴应缴{len(dues)}笔，合计{format_yuan(total)}元，更新缴费记录{changed}条",
                        {"dues": [d.pk for d in dues], "amount_fen": total, "ledger": [txn.pk] if txn else [],
                         "contributions": changed})
