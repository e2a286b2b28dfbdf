"""Writes of benefits: a retiree and their entitlement (the new-retiree declaration, 2.1), the stop and
resumption of payment (death, re-employment, verification) with the recoveries they cause.

Each service checks who acts (`core.permissions`) before it writes, and writes its audit row in the
same transaction. The payroll (runs, bank files, results) is `benefits.payroll`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from shebao.benefits.models import (
    Entitlement,
    PensionMonth,
    PensionTopUp,
    Recovery,
    Retiree,
    Suspension,
    Transfer,
)
from shebao.collection.ledger import Line, ledger_post
from shebao.collection.models import LedgerTransaction
from shebao.core import clock
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.inputs import bank_account_text, business_date_range, check_business_date, clean_text
from shebao.core.masking import echo
from shebao.core.normalize import normalize_month
from shebao.core.permissions import require
from shebao.core.policy import current_policy
from shebao.registry.models import Person
from shebao.rules import InputError
from shebao.rules.dates import month_index, month_str
from shebao.rules.pension import entitlement_for
from shebao.rules.retirement import retirement_for

# Ledger accounts of benefits (collection.ledger's chart, debit positive).
EXPENSE = "benefit_expense:pension"
PAYABLE = "benefit_payable"
RECEIVABLE = "benefit_receivable"
BANK = "bank"


@dataclass(frozen=True)
class Basis:
    """What the entitlement is computed from (rules/pension.py): ``index_x10k`` the average
    contribution index × 10 000, months of contribution (deemed ones included) and of deemed
    contribution, the personal account's balance in fen. Or ``record_monthly_fen`` (and its
    ``record_reference``): the amount of record when the pension was computed elsewhere."""

    index_x10k: int | None = None
    contribution_months: int | None = None
    deemed_months: int = 0
    account_balance_fen: int | None = None
    record_monthly_fen: int | None = None
    record_reference: str = ""


def _invalid(exc: InputError) -> ValidationError:
    return ValidationError(exc.zh if exc.zh != "输入有误" else str(exc))


_MONTH_SHAPE_RE = re.compile(r"[0-9]{4}-[0-9]{2}")


def typed_month(value: Any, *, label: str, field: str, latest: str | None = None) -> str:
    """A month the user typed (``label`` its Chinese name, ``field`` the form's key): "YYYY-MM", not
    before the plausible business dates (1990) and not after ``latest`` (default: a year from the
    business day). ValidationError keyed ``field`` that names ``label`` and what was typed.

    Every month or date a service derives a month from is checked this way first, so that a refusal
    always names what the user typed: a death on 9999-12-31 was refused as “该项应为“年-月”…填写的是
    “10000-01””, the month after the death, a value nobody typed (bad-input review D16)."""
    text = normalize_month(value)  # ２０２０－０３ and 2020年3月 read as other month fields read them
    if not text:
        raise ValidationError({field: f"请填写{label}"})
    if _MONTH_SHAPE_RE.fullmatch(text) is None:
        raise ValidationError({field: f"{label}应为“年-月”，如2020-02，填写的是“{echo(text)}”"})
    if not 1 <= int(text[5:]) <= 12:
        raise ValidationError({field: f"{label}“{text}”不存在：没有{int(text[5:])}月"})
    first, last = business_date_range(clock.today())
    latest = latest or last.strftime("%Y-%m")
    if text < first.strftime("%Y-%m"):
        raise ValidationError({field: f"{label}“{text}”早于{first:%Y-%m}，不是有效的月份，请核对"})
    if text > latest:
        raise ValidationError({field: f"{label}“{text}”晚于{latest}，不是有效的月份，请核对"})
    return text


def typed_day(value: dt.date, *, label: str, field: str) -> dt.date:
    """A date the user typed, within the plausible business dates (core.inputs), else ValidationError
    keyed ``field`` naming ``label`` (see `typed_month`)."""
    check_business_date(value, label=label, field=field)
    return value


def retiree_declare(*, actor: Any, person: Person, bank_account: str, basis: Basis, declared_on: dt.date | None = None,
                    retired_on: dt.date | None = None, case: Any = None, paid_through: str = "") -> Retiree:
    """Create the retiree record and the entitlement of ``person`` (2.1, the new-retiree declaration).

    ``retired_on``: the day of retirement; by default the day the person reaches the statutory age
    of their cohort (rules/retirement.py). ``declared_on`` defaults to the business date. The
    entitlement is the national formula on ``basis`` or the amount of record. Payment starts with
    the month after the retirement month; months before the first regular payment are paid as
    arrears by the next run (`benefits.payroll`). Idempotent per case: a case that already made
    its retiree returns it. Refused (ActionRefused) unless the actor may register retirees of the
    person's district; ValidationError (Chinese) for a person already retired, a retirement before
    the statutory age, a bad basis or an empty bank account; nothing is written then.

    ``paid_through`` (YYYY-MM) is for a retiree migrated from the old system: the last month the old
    system paid. No run pays a month up to it (without it the first run would pay every month
    since retirement again as arrears). It lies between the retirement month and the current month.
    """
    require(actor, "retiree.register", district_id=person.district_id)
    if refusal := person.merged_refusal():  # registered twice and merged: the pension is the kept record's
        raise ValidationError({"person": refusal})
    if case is not None:
        existing = Retiree.objects.filter(case=case).first()
        if existing is not None:
            return existing
    if Retiree.objects.filter(person=person).exists():
        raise ValidationError(f"{person.name}已登记为退休人员，不能重复申报")
    try:
        account = bank_account_text(bank_account, label="养老金发放账号")
    except ValueError as e:
        raise ValidationError(str(e)) from None
    policy = current_policy()
    try:
        statutory = retirement_for(policy, birth_date=person.birth_date, gender=person.gender,
                                   cadre=person.is_cadre if person.gender == "female" else None)
    except InputError as exc:
        raise _invalid(exc) from None
    retired_on = retired_on or statutory.day
    if retired_on < statutory.day:
        raise ValidationError(f"{person.name}于{statutory.day}达到法定退休年龄，退休日期不能早于该日")
    age_months = (month_index(retired_on.isoformat()[:7]) - month_index(person.birth_date.isoformat()[:7])
                  - (1 if retired_on.day < person.birth_date.day else 0))
    declared_on = declared_on or clock.today()
    if paid_through:
        current = clock.today().isoformat()[:7]
        paid_through = typed_month(paid_through, label="原系统已发放至", field="paid_through", latest=current)
        if paid_through < retired_on.isoformat()[:7]:
            raise ValidationError({"paid_through": f"原系统已发放至{paid_through}，早于退休年月"
                                                   f"{retired_on.isoformat()[:7]}，请核对"})
    fields = _entitlement_fields(policy, basis, retired_on=retired_on, age_months=age_months)
    with transaction.atomic():
        retiree = Retiree.objects.create(
            person=person, district_id=person.district_id, retired_on=retired_on,
            retirement_month=retired_on.isoformat()[:7], age_months=age_months, declared_on=declared_on,
            case=case, bank_account=account, paid_through=paid_through)
        ent = Entitlement.objects.create(retiree=retiree, **fields)
        before = snapshot(person)
        person.contributor_category = Person.ContributorCategory.RETIREE
        person.save(update_fields=["contributor_category"])
        audit_update(actor=actor, instance=person, before=before, reason="新增退休人员申报：转为退休人员")
        audit_create(actor=actor, instance=retiree, reason=f"新增退休人员申报（{retiree.retirement_month}退休）"
                     + (f"，原系统已发放至{paid_through}" if paid_through else ""))
        audit_create(actor=actor, instance=ent, reason=f"核定养老金：{ent.get_source_display()}")
    return retiree


def _entitlement_fields(policy: Any, basis: Basis, *, retired_on: dt.date, age_months: int) -> dict[str, Any]:
    if basis.record_monthly_fen is not None:
        if basis.record_monthly_fen <= 0 or not basis.record_reference.strip():
            raise ValidationError("按核定记录计发须填写正数的月养老金和核定记录编号")
        return {"source": Entitlement.Source.RECORD, "monthly_fen": basis.record_monthly_fen,
                "record_reference": basis.record_reference.strip()[:60]}
    if basis.index_x10k is None or basis.contribution_months is None or basis.account_balance_fen is None:
        raise ValidationError("按公式计发须填写平均缴费指数、缴费月数和个人账户储存额"
                              "（由经办机构核定：在申请页面“经办机构核定”中记录后再审批）")
    if basis.deemed_months > basis.contribution_months:
        raise ValidationError("视同缴费月数不能多于缴费月数（含视同）")
    try:
        e = entitlement_for(policy, retired_on=retired_on, age_months=age_months, index_x10k=basis.index_x10k,
                            contribution_months=basis.contribution_months, deemed_months=basis.deemed_months,
                            account_balance_fen=basis.account_balance_fen)
    except InputError as exc:
        raise _invalid(exc) from None
    return {"source": Entitlement.Source.FORMULA, "basic_fen": e.basic_fen, "account_fen": e.account_fen,
            "transitional_fen": e.transitional_fen, "monthly_fen": e.monthly_fen,
            "average_wage_fen": e.average_wage_fen, "index_x10k": basis.index_x10k,
            "contribution_months": basis.contribution_months, "deemed_months": basis.deemed_months,
            "account_balance_fen": basis.account_balance_fen, "divisor": e.divisor,
            "parameters": e.parameters}


# --- Stopping and resuming payment -----------------------------------------------------------------
def _recover(*, actor: Any, retiree: Retiree, from_month: str, reason: str) -> Recovery | None:
    """Months from ``from_month`` already paid or sent to the bank, booked as owed back (追回)."""
    months = list(PensionMonth.objects.filter(retiree=retiree, month__gte=from_month)
                  .exclude(transfer__status=Transfer.Status.FAILED).order_by("month"))
    if not months:
        return None
    # a month's yearly-adjustment top-ups (调整补发) were paid for it too
    top_ups = (PensionTopUp.objects.filter(retiree=retiree, month__gte=from_month)
               .exclude(transfer__status=Transfer.Status.FAILED).aggregate(s=Sum("amount_fen"))["s"] or 0)
    amount = sum(m.amount_fen for m in months) + int(top_ups)
    entry = ledger_post(kind=LedgerTransaction.Kind.BENEFIT_RECOVERY, occurred_on=clock.today(), actor=actor,
                        lines=[Line(RECEIVABLE, None, amount), Line(EXPENSE, None, -amount)],
                        memo=f"追回养老金 {retiree.person.name} {months[0].month}至{months[-1].month}", reason=reason)
    rec = Recovery.objects.create(retiree=retiree, months=[m.month for m in months], amount_fen=amount,
                                  reason=reason[:200], entry=entry)
    audit_create(actor=actor, instance=rec, reason=f"待遇追回：{reason}"[:200])
    return rec


def retiree_suspend(*, actor: Any, retiree: Retiree, reason: str, from_month: str | None = None,
                    died_on: dt.date | None = None, note: str = "") -> Suspension:
    """Stop payment (2.1). Death (``died_on`` required): paid through the month of death, ended from
    the next month for good. Re-employment or failed verification: stopped from ``from_month``.
    Months from the stop already paid are booked as a recovery (追回, ledger: receivable / expense).
    Refused for another district's retiree; ValidationError for a retiree already stopped."""
    require(actor, "retiree.suspend", district_id=retiree.district_id)
    if reason not in Suspension.Reason.values:
        raise ValidationError("停发原因无效")
    if reason == Suspension.Reason.DEATH:
        if died_on is None:
            raise ValidationError({"died_on": "死亡停发须填写死亡日期"})
        if died_on > clock.today():  # 2099-06-15 ended a pension today (bad-input review D9)
            raise ValidationError({"died_on": f"死亡日期“{died_on.isoformat()}”不能晚于今天"})
        typed_day(died_on, label="死亡日期", field="died_on")
        if died_on < retiree.retired_on:
            raise ValidationError({"died_on": f"死亡日期“{died_on.isoformat()}”不能早于退休日期{retiree.retired_on}"})
        from_month = month_str(month_index(died_on.isoformat()[:7]) + 1)
    else:
        from_month = typed_month(from_month, label="停发起始月", field="from_month")
        # a stop before the retirement month stops what was never paid (bad-input review A16 4), as a
        # death before retiring is refused above
        if from_month < retiree.retirement_month:
            raise ValidationError({"from_month": f"停发起始月不能早于退休月{retiree.retirement_month}"})
    note = clean_text(str(note or "").strip(), label="备注", max_length=Suspension._meta.get_field("note").max_length,
                      field="note")
    with transaction.atomic():
        locked = Retiree.objects.select_for_update().get(pk=retiree.pk)
        if locked.status != Retiree.Status.ACTIVE:
            raise ValidationError(f"该退休人员当前为“{locked.get_status_display()}”，不能再次停发")
        before = snapshot(locked)
        locked.status = Retiree.Status.ENDED if reason == Suspension.Reason.DEATH else Retiree.Status.SUSPENDED
        locked.died_on = died_on
        locked.save(update_fields=["status", "died_on"])
        stop = Suspension.objects.create(retiree=locked, reason=reason, from_month=from_month, note=note)
        audit_update(actor=actor, instance=locked, before=before, reason=f"停发：{stop.get_reason_display()}")
        audit_create(actor=actor, instance=stop, reason=f"停发自{from_month}")
        if reason != Suspension.Reason.VERIFICATION:  # verification months are owed: kept, not recovered
            _recover(actor=actor, retiree=locked, from_month=from_month,
                     reason=f"{stop.get_reason_display()}后已发放的养老金")
    retiree.refresh_from_db()
    return stop


def retiree_resume(*, actor: Any, retiree: Retiree, from_month: str) -> Suspension:
    """Resume payment from ``from_month`` (2.1). Re-employment months stay unpaid; months stopped for
    verification are paid as arrears by the next run. Death cannot be resumed."""
    require(actor, "retiree.resume", district_id=retiree.district_id)
    from_month = typed_month(from_month, label="恢复发放月份", field="from_month")
    if from_month < retiree.retirement_month:
        raise ValidationError({"from_month": f"恢复发放月份不能早于退休月{retiree.retirement_month}"})
    start = month_index(from_month)
    with transaction.atomic():
        locked = Retiree.objects.select_for_update().get(pk=retiree.pk)
        stop = locked.suspensions.filter(to_month="").order_by("-pk").first()
        if locked.status != Retiree.Status.SUSPENDED or stop is None:
            raise ValidationError("该退休人员不在暂停发放状态，无需恢复")
        if start <= month_index(stop.from_month):
            raise ValidationError(f"恢复月份须晚于停发起始月{stop.from_month}")
        before, stop_before = snapshot(locked), snapshot(stop)
        stop.to_month = month_str(start - 1)
        stop.save(update_fields=["to_month"])
        locked.status = Retiree.Status.ACTIVE
        locked.save(update_fields=["status"])
        audit_update(actor=actor, instance=stop, before=stop_before, reason=f"恢复发放自{from_month}")
        audit_update(actor=actor, instance=locked, before=before, reason="恢复发放")
    retiree.refresh_from_db()
    return stop
