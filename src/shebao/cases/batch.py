"""Completing many back-payment cases at once (issue 13: the dues of 10,000 completed back-payments).

`back_payments_complete` takes the same step as `services.case_transition` (``approve`` or
``complete`` into 已办结) for each case, with the same refusals: the actor's right and district, the
workflow's row, its role and guards, the content by its definition, the registry checks the business
names (`cases.checks`), and a case completed before posts nothing again. What differs is how the books
are written: the contribution rows, dues, ledger entries, effect rows, history steps, audit rows and
notifications of every case accepted are inserted set-wise (a few statements per thousand cases instead
of a few dozen per case), and the shares of each month are computed once for all the people of that
month (`registry.rates.contribution_shares`, the computation `effects.back_payment` makes per case, so
the fen are the same).

A case refused is left as it was and named with its reason in Chinese (`BatchResult.refused`); the
others complete together in one transaction: all of them or, on an error while writing, none. Two cases
of the batch declaring the same person and month: the first completes, the second is refused (its
months already have contributions), as completing them one after the other would decide.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from shebao.cases import workflows
from shebao.cases.checks import CheckContext, checks_run, registry_read
from shebao.cases.models import Case, CaseEffect, CaseTransition, OutboxMessage, Status
from shebao.cases.notifications import outbox_messages
from shebao.cases.selectors import case_content_problems
from shebao.collection import ledger
from shebao.collection.models import INSURANCE_CHOICES, Due, LedgerTransaction, Posting, booking_month
from shebao.core import clock
from shebao.core.audit import audit_bulk_range, audit_update_event, snapshot
from shebao.core.bulk import copy_rows, new_ids
from shebao.core.errors import DomainError
from shebao.core.inputs import check_values
from shebao.core.models import AuditEvent
from shebao.core.money import format_yuan
from shebao.core.permissions import actor_label, actor_user, require
from shebao.registry.models import Contribution
from shebao.registry.rates import contribution_rates, contribution_shares
from shebao.rules.business_fields import definition
from shebao.rules.dates import month_index

INSURANCES = tuple(code for code, _ in INSURANCE_CHOICES)
SUPPORTED = ("back_payment.individual", "back_payment.monthly_report")
BATCH = 5_000
CHANGED = ("status", "version", "assignee_id", "outcome", "completed_at", "updated_at")  # what the step changes


@dataclass
class BatchResult:
    """The cases completed (ids, in order) and those refused (id -> the reason in Chinese)."""

    completed: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    dues: int = 0
    contributions: int = 0
    amount_fen: int = 0


def _rows(case: Case, people: dict[str, Any]) -> list[tuple[Any, str, int]]:
    """(person, month, declared base in fen) of a case, as its effect reads its content."""
    d = case.details
    if definition(case.business).effect == "back_payment.individual":
        return [(case.person, b["month"], b["base_fen"]) for b in d["bases"]]
    return [(people[ln["id_number"]], m, ln["base_fen"]) for m in d["months"] for ln in d["lines"]]


def back_payments_complete(*, case_ids: list[int], actor: Any, action: str = "accept", note: str = "",
                           outcome: str = "") -> BatchResult:
    """Complete the back-payment cases `case_ids` by `action` (see the module): ``accept`` of a case
    handled directly (直接办理, its `outcome` required as one case's step requires it) or ``approve``
    after review. `note`: the step's note (else the outcome). Returns BatchResult; raises
    PermissionDenied when the actor may not take the step at all."""
    from shebao.registry.selectors import people_by_number

    require(actor, f"case.{action}")
    check_values(Case, {"outcome": outcome})  # update() skips save()
    result = BatchResult()
    with transaction.atomic():
        cases = list(Case.objects.select_for_update(of=("self",)).filter(pk__in=list(case_ids))
                     .select_related("employer", "person", "office").order_by("pk"))
        found = {c.pk for c in cases}
        for pk in case_ids:
            if pk not in found:
                result.refused[pk] = f"申请#{pk}不存在"
        done_before = set(CaseEffect.objects.filter(case_id__in=found).values_list("case_id", flat=True))
        accepted: list[tuple[Case, Any]] = []
        taken: set[tuple[int, int, str]] = set()  # (person, employer, month) completed earlier in this batch
        numbers = [ln["id_number"] for c in cases if definition(c.business).effect == "back_payment.monthly_report"
                   for ln in (c.details or {}).get("lines", [])]
        people = people_by_number(sorted(set(numbers))) if numbers else {}
        pairs = [(c.person_id, c.employer_id) for c in cases if c.person_id and c.employer_id]
        offices_seen: set[int] = set()
        with registry_read(pairs):  # the registry checks of every case from two reads
            for case in cases:
                _check(case, actor=actor, action=action, outcome=outcome, people=people, taken=taken,
                       done_before=done_before, offices_seen=offices_seen, accepted=accepted, result=result)
        if accepted:
            _book(accepted, actor=actor, action=action, note=note, outcome=outcome, result=result)
    return result


def _check(case: Case, *, actor: Any, action: str, outcome: str, people: dict[str, Any], taken: set,
           done_before: set[int], offices_seen: set[int], accepted: list, result: BatchResult) -> None:
    """One case's step judged as `services.case_transition` judges it; accepted or refused by name."""
    from shebao.cases.services import _require_district

    try:
        if case.office_id not in offices_seen:  # the actor's district: once per office
            _require_district(actor, case)
            offices_seen.add(case.office_id)
        t = workflows.transition_for(case, action)
        workflows.check_actor(t, actor)
        workflows.check_second_person(t, case, actor)
        name = definition(case.business).effect
        if t.target != Status.COMPLETED or t.effect or name not in SUPPORTED:
            raise DomainError(f"{case.business_zh}的“{workflows.ACTION_NAMES.get(action, action)}”不能批量办结，"
                              "请逐件办理", "not a back payment completed by this step")
        if case.pk in done_before:
            raise DomainError("本申请的补缴已记账，不再重复记账", "the effect was posted before")
        problems = case_content_problems(case)
        if problems:
            raise DomainError("；".join(p.zh for p in problems), "content incomplete")
        workflows.check_guards(t, case, {"outcome": outcome} if outcome else {})
        errors = checks_run(CheckContext(business=case.business, employer=case.employer, person=case.person,
                                         details=case.details, applied_on=case.applied_on, case_id=case.pk))
        rows = _rows(case, people)
        twice = sorted({m for p, m, _ in rows if (p.pk, case.employer_id, m) in taken})
        if twice:
            errors = [*errors, f"{'、'.join(twice)}已由本批中先办结的申请补缴"]
        if errors:
            raise DomainError("；".join(getattr(e, "zh", e) for e in errors), "refused by the checks")
    except DomainError as e:
        result.refused[case.pk] = e.zh
        return
    taken.update((p.pk, case.employer_id, m) for p, m, _ in rows)
    accepted.append((case, t, rows))


def _insert(model: Any, rows: list[dict[str, Any]], *, keys: bool = True) -> list[int]:
    """Insert `rows` (attname -> value; a field left out takes its default) by `core.bulk.copy_rows`
    (COPY on PostgreSQL, executemany elsewhere). With `keys`, the new keys are drawn first
    (`core.bulk.new_ids`) and returned in order; without, the table's own default numbers the rows
    (nothing read back: postings, steps, audit rows, whose keys nobody here needs). Model instances
    and Django's INSERT compiler cost more than the insert itself at a hundred thousand dues."""
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
    names = [f.attname for f in fields]
    default = {f.attname: f.get_default() for f in fields if f.attname not in rows[0]}
    prep = [(i, f) for i, f in enumerate(fields) if f.get_internal_type() in ("DateField", "DateTimeField")]
    prepared: dict[tuple[int, Any], Any] = {}  # a batch's dates and times are few: each prepared once
    values = []
    for row in rows:
        full = {**default, **row}
        v = [full[name] for name in names]
        for i, f in prep:
            if v[i] is not None:
                key = (i, v[i])
                if key not in prepared:
                    prepared[key] = f.get_db_prep_save(v[i], connection)
                v[i] = prepared[key]
        values.append(v)
    return _write(model, fields, values, keys=keys)


def _write(model: Any, fields: list[Any], values: list[list[Any]], *, keys: bool) -> list[int]:
    """Write `values` (one list per row, in the order of `fields`), with new keys drawn first when
    `keys`; returns those keys ([] without)."""
    columns = [f.column for f in fields]
    if not keys:
        copy_rows(model._meta.db_table, columns, values)
        return []
    ids = new_ids(model._meta.db_table, len(values))
    copy_rows(model._meta.db_table, ["id", *columns], ([pk, *v] for pk, v in zip(ids, values, strict=True)))
    return ids


def _insert_objs(model: Any, objs: list[Any], *, keys: bool = True) -> None:
    """Insert unsaved instances of `model` as `_insert` does (COPY on PostgreSQL), each value prepared by
    its field (`pre_save`, `get_db_prep_save`: defaults, encryption at rest, JSON) as Django's INSERT
    would; with `keys`, each instance gets its new key (without, the rows are numbered by the table and
    the instances keep none)."""
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
    values = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
    ids = _write(model, fields, values, keys=keys)
    for pk, obj in zip(ids, objs, strict=False):
        obj.pk = pk
        obj._state.adding = False


def _book(accepted: list[tuple[Case, Any, list]], *, actor: Any, action: str, note: str, outcome: str,
          result: BatchResult) -> None:
    user, label = actor_user(actor), actor_label(actor)
    today, now = clock.today(), clock.now()
    # 1. Every person-month of every case, the shares of each month computed once.
    flat = [(ci, p, m, base, case.employer.industry_class)
            for ci, (case, _, rows) in enumerate(accepted) for p, m, base in rows]
    by_month: dict[str, list[int]] = defaultdict(list)
    for i, (_, _, m, _, _) in enumerate(flat):
        by_month[m].append(i)
    contributions: list[dict[str, Any]] = []
    amounts: list[dict[tuple[str, str], list[int]]] = [defaultdict(lambda: [0, 0, 0]) for _ in accepted]
    for month, idx in sorted(by_month.items()):
        rates = contribution_rates(month=month)
        bases = np.asarray([flat[i][3] for i in idx], dtype=np.int64)
        shares = contribution_shares(rates, bases, np.asarray([flat[i][4] for i in idx], dtype=np.int64))
        pension, medical = shares["bases"]
        cols = {k: (shares[k][0].tolist(), shares[k][1].tolist()) for k in INSURANCES}
        pension, medical = pension.tolist(), medical.tolist()
        for j, i in enumerate(idx):
            ci, person, _, _, _ = flat[i]
            b = {"pension": pension[j], "unemployment": pension[j], "medical": medical[j],
                 "maternity": medical[j], "work_injury": pension[j]}
            row = {"person_id": person.pk, "employer_id": accepted[ci][0].employer_id, "month": month,
                   "pension_personal_fen": cols["pension"][1][j], "unemployment_personal_fen": cols["unemployment"][1][j],
                   "medical_personal_fen": cols["medical"][1][j], "paid_on": None}
            for k in INSURANCES:
                row[f"{k}_base_fen"] = b[k]
                row[f"{k}_employer_fen"] = cols[k][0][j]
            contributions.append(row)
            acc = amounts[ci]
            for k in INSURANCES:
                a = acc[(month, k)]
                a[0] += cols[k][0][j]
                a[1] += cols[k][1][j]
                a[2] += 1
    keys = _insert(Contribution, contributions)
    audit_bulk_range(actor=actor, model=Contribution, first_pk=min(keys, default=None),
                     last_pk=max(keys, default=None), count=len(keys), reason=f"批量办结补缴{len(accepted)}件")
    # 2. The dues of each case, one per month and insurance with money, and its balanced ledger entry.
    dues: list[dict[str, Any]] = []
    per_case_dues: list[list[dict[str, Any]]] = []
    for ci, (case, _, _) in enumerate(accepted):
        mine = [{"employer_id": case.employer_id, "month": m, "month_no": month_index(m), "insurance": k,
                 "employer_fen": e, "personal_fen": p, "amount_fen": e + p, "persons": n, "created_at": now}
                for (m, k), (e, p, n) in sorted(amounts[ci].items(),
                                                key=lambda kv: (kv[0][0], INSURANCES.index(kv[0][1])))
                if e + p > 0]
        per_case_dues.append(mine)
        dues.extend(mine)
    for row, pk in zip(dues, _insert(Due, dues), strict=True):
        row["pk"] = pk
    audit_bulk_range(actor=actor, model=Due, first_pk=min((d["pk"] for d in dues), default=None),
                     last_pk=max((d["pk"] for d in dues), default=None), count=len(dues),
                     reason=f"批量办结补缴{len(accepted)}件")
    txns = [LedgerTransaction(kind=LedgerTransaction.Kind.DUES, occurred_on=today,
                              memo=f"申请#{case.pk}{case.business_zh}"[:200], reason="", author=user, author_label=label)
            for (case, _, _), mine in zip(accepted, per_case_dues, strict=True) if mine]
    _insert_objs(LedgerTransaction, txns)
    postings: list[dict[str, Any]] = []
    txn_of: dict[int, LedgerTransaction] = {}
    it = iter(txns)
    for ci, mine in enumerate(per_case_dues):
        if not mine:
            continue
        txn = txn_of[ci] = next(it)
        income: dict[str, int] = defaultdict(int)
        for d in mine:
            income[d["insurance"]] += d["amount_fen"]
        lines = [ledger.Line(ledger.RECEIVABLE, accepted[ci][0].employer_id, sum(income.values()))]
        lines += [ledger.Line(ledger.income_account(k), None, -amt) for k, amt in sorted(income.items())]
        assert sum(ln.amount_fen for ln in lines) == 0
        postings += [{"transaction_id": txn.pk, "account": ln.account, "employer_id": ln.employer_id,
                      "amount_fen": ln.amount_fen, "month": booking_month(today)} for ln in lines if ln.amount_fen]
    _insert(Posting, postings, keys=False)
    # 3. Each case: its effect row, its step, its new state, its audit row and its notifications.
    effects, steps, audits, outbox, updated = [], [], [], [], []
    for ci, (case, t, rows) in enumerate(accepted):
        mine = per_case_dues[ci]
        total = sum(d["amount_fen"] for d in mine)
        months = sorted({m for _, m, _ in rows})
        txn = txn_of.get(ci)
        effects.append(CaseEffect(
            case=case, effect=definition(case.business).effect, actor=user, actor_label=label, at=now,
            summary_zh=(f"已核定补缴应缴{len(mine)}笔，合计{format_yuan(total)}元（{months[0]}至{months[-1]}，"
                        f"{len({p.pk for p, _, _ in rows})}人），账单已记入{case.employer.name}的应缴费款"),
            result={"dues": [d["pk"] for d in mine], "amount_fen": total, "ledger": [txn.pk] if txn else [],
                    "contributions": len(rows)}))
        before = snapshot(case, CHANGED)
        from_status = case.status
        case.status = t.target
        case.version += 1
        case.completed_at = case.updated_at = now
        if case.assignee_id is None and getattr(actor, "is_authenticated", False):
            case.assignee = actor
        if outcome:
            case.outcome = outcome
        updated.append(case)
        text = note or outcome
        steps.append(CaseTransition(case=case, action=action, from_status=from_status, to_status=case.status,
                                    actor=user, actor_label=label, actor_role=getattr(user, "role", "") or "",
                                    note=text))
        event = audit_update_event(actor=actor, instance=case, before=before,
                                   reason=f"{workflows.ACTION_NAMES.get(action, action)}：{text}"[:200])
        if event is not None:
            audits.append(event)
        if t.notify:
            outbox += outbox_messages(case=case, event=action)
        result.completed.append(case.pk)
        result.dues += len(mine)
        result.contributions += len(rows)
        result.amount_fen += total
    _insert_objs(CaseEffect, effects, keys=False)
    # One statement: every case takes the same state, outcome and time, its version one up and, where it
    # had none, the actor as its assignee (Django's bulk_update writes a CASE per row: minutes here).
    ids = [c.pk for c in updated]
    assignee = actor if getattr(actor, "is_authenticated", False) else None
    # The assignee in the same statement (COALESCE keeps one already there): a second UPDATE of the
    # same rows cost as much again (every index of the case table rewritten twice).
    also = {"outcome": outcome} if outcome else {}
    if assignee is not None:
        also["assignee"] = Coalesce(F("assignee"), Value(assignee.pk),
                                      output_field=Case._meta.get_field("assignee").target_field)
    for i in range(0, len(ids), BATCH):
        Case.objects.filter(pk__in=ids[i:i + BATCH]).update(
            status=Status.COMPLETED, version=F("version") + 1, completed_at=now, updated_at=now, **also)
    _insert_objs(CaseTransition, steps, keys=False)
    _insert_objs(AuditEvent, audits, keys=False)
    if outbox:
        _insert_objs(OutboxMessage, outbox, keys=False)
