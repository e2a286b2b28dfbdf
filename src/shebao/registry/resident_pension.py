"""The residents' basic pension (城乡居民基本养老保险, notice 6.1): register, change, cancel, claim.

Each service is one transaction with its audit row (the old and new values, the case), checks the
permission table and the district line first, and is idempotent per case: run again for the same
case (a completion retried) it changes nothing and returns the record.

The registry check of every registration: a person with active employee insurance (an employment
spell open this month, a pension contribution for this month or the last, or an employee pension
being drawn) is refused (`employee_insurance_refusal`): one person is insured in one scheme. The
yearly contribution grade lies within the pack's `resident_pension.contribution_min_fen` ..
`contribution_max_fen` in whole steps of `contribution_step_fen`; the pension is claimed from the
age `resident_pension.claim_age` (国发〔2014〕8号).

Refusals are ``ValidationError({field: Chinese message})`` naming the field (``person``,
``contribution_grade_fen``, ``bank_account``, ``bank_name``, ``cancel_reason``), nothing written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from shebao.core import clock
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.inputs import bank_account_text
from shebao.core.money import format_yuan
from shebao.core.normalize import normalize_code, normalize_text
from shebao.core.permissions import require
from shebao.core.policy import current_policy
from shebao.registry.models import Contribution, EmploymentSpell, Person, ResidentPension
from shebao.rules.catalog import labels
from shebao.rules.dates import month_add, month_of_date

MIN_AGE = 16  # 国发〔2014〕8号 第三条: residents from 16 (students excepted) who are not in the employee scheme


def _age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def employee_insurance_refusal(person: Person, *, on: dt.date) -> str:
    """Why `person` is in the employee pension scheme on `on` (Chinese), or ``""``: an employment
    spell open in the month, a pension contribution for the month or the one before, or a
    retiree drawing the employee pension. Such a person may not register for the residents' pension."""
    month = month_of_date(on)
    spell = (EmploymentSpell.objects.filter(person=person, from_month__lte=month)
             .filter(Q(to_month="") | Q(to_month__gte=month)).select_related("employer").first())
    if spell is not None:
        return (f"该人员正在参加职工基本养老保险（{spell.employer.name}，自{spell.from_month}起），"
                "不能登记城乡居民养老保险")
    recent = (Contribution.objects.filter(person=person, month__in=[month, month_add(month, -1)])
              .filter(Q(pension_employer_fen__gt=0) | Q(pension_personal_fen__gt=0)).order_by("-month").first())
    if recent is not None:
        return f"该人员{recent.month}有职工基本养老保险缴费记录，不能登记城乡居民养老保险"
    if person.contributor_category == Person.ContributorCategory.RETIREE:
        return "该人员已领取职工基本养老保险待遇，不能登记城乡居民养老保险"
    return ""


def _grade(value: Any, on: dt.date) -> int:
    policy = current_policy()
    low = int(policy.value("resident_pension.contribution_min_fen", on))
    high = int(policy.value("resident_pension.contribution_max_fen", on))
    step = int(policy.value("resident_pension.contribution_step_fen", on))
    rule = f"年缴费档次应在{format_yuan(low)}元至{format_yuan(high)}元之间，以{format_yuan(step)}元为级差"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({"contribution_grade_fen": f"请填写年缴费档次（{rule}）"})
    if not low <= value <= high or (value - low) % step:
        raise ValidationError({"contribution_grade_fen": f"{rule}，{format_yuan(value)}元不是可选的档次"})
    return value


def _bank(bank_name: Any, bank_account: Any) -> tuple[str, str]:
    name, account = normalize_text(bank_name), normalize_code(bank_account)
    errors = {}
    if not name:
        errors["bank_name"] = "请填写开户银行"
    elif len(name) > 100:
        errors["bank_name"] = "开户银行不能超过100个字"
    try:  # one reading of an account for every payment (core.inputs: an ID number is no account)
        account = bank_account_text(account, label="银行账号", max_digits=30)
    except ValueError as e:
        errors["bank_account"] = str(e)
    if errors:
        raise ValidationError(errors)
    return name, account


def _open(person: Person, *, lock: bool = True) -> ResidentPension | None:
    if refusal := person.merged_refusal():  # its enrolment now belongs to the record kept
        raise ValidationError({"person": refusal})
    qs = ResidentPension.objects.filter(person=person).exclude(state=ResidentPension.State.CANCELLED)
    return (qs.select_for_update() if lock else qs).first()


def _case_note(case: Any) -> str:
    return f"：申请#{case.pk}" if case is not None else ""


def _registration_plan(person: Person, grade: Any, bank_name: Any, bank_account: Any, *,
                       lock: bool) -> tuple[int, str, str]:
    today = clock.today()
    refusal = employee_insurance_refusal(person, on=today)
    if refusal:
        raise ValidationError({"person": refusal})
    if _age_on(person.birth_date, today) < MIN_AGE:
        raise ValidationError({"person": f"城乡居民养老保险须年满{MIN_AGE}周岁方可参保"})
    existing = _open(person, lock=lock)
    if existing is not None:
        raise ValidationError({"person": f"该人员已参加城乡居民养老保险（{existing.get_state_display()}，"
                                         f"{existing.registered_on:%Y-%m-%d}登记），不能重复登记"})
    return (_grade(grade, today), *_bank(bank_name, bank_account))


def _change_plan(person: Person, contribution_grade_fen: Any, bank_name: Any, bank_account: Any, *,
                 lock: bool) -> tuple[ResidentPension, dict[str, Any]]:
    """The record with the change applied in memory (not saved) and its snapshot before."""
    record = _record_for(person, states=(ResidentPension.State.ACTIVE, ResidentPension.State.RECEIVING),
                         what="变更信息", lock=lock)
    before = snapshot(record)
    if contribution_grade_fen not in (None, ""):
        if record.state != ResidentPension.State.ACTIVE:
            raise ValidationError({"contribution_grade_fen": "已领取待遇的人员不再缴费，不能变更缴费档次"})
        record.contribution_grade_fen = _grade(contribution_grade_fen, clock.today())
    if bank_name not in (None, "") or bank_account not in (None, ""):
        record.bank_name, record.bank_account = _bank(bank_name or record.bank_name,
                                                       bank_account or record.bank_account)
    if snapshot(record) == before:
        raise ValidationError({"contribution_grade_fen": "请填写要变更的缴费档次或银行账户（与现有信息相同的不算变更）"})
    return record, before


def change_refusals(*, person: Person, contribution_grade_fen: Any, bank_name: Any,
                    bank_account: Any) -> dict[str, str]:
    """What `resident_pension_change` would refuse, without writing or locking (submission check)."""
    return _refusals(lambda: _change_plan(person, contribution_grade_fen, bank_name, bank_account, lock=False))


def _refusals(plan: Any) -> dict[str, str]:
    try:
        plan()
    except ValidationError as e:
        return {k: "；".join(v) for k, v in e.message_dict.items()}
    return {}


def registration_refusals(*, person: Person, contribution_grade_fen: Any, bank_name: Any,
                          bank_account: Any) -> dict[str, str]:
    """What `resident_pension_register` would refuse (field -> Chinese reason), without writing or
    locking: the registry check of a submission (cases.checks)."""
    return _refusals(lambda: _registration_plan(person, contribution_grade_fen, bank_name, bank_account,
                                                lock=False))


def open_refusals(*, person: Person, what: str, receiving_ok: bool = True) -> dict[str, str]:
    """Why `person` has no record on which to `what` (变更信息, 注销, 申领待遇), or ``{}``."""
    states = (ResidentPension.State.ACTIVE, ResidentPension.State.RECEIVING) if receiving_ok else (
        ResidentPension.State.ACTIVE,)
    return _refusals(lambda: _record_for(person, states=states, what=what, lock=False))


def claim_refusals(*, person: Person, applied_on: dt.date) -> dict[str, str]:
    """What `resident_pension_claim` would refuse for age or state, without writing (submission check)."""
    return open_refusals(person=person, what="申领待遇", receiving_ok=False) or _refusals(
        lambda: _claim_age_check(person, applied_on))


def businesses_offered(person: Person, *, on: dt.date) -> dict[str, str]:
    """The residents' pension businesses that apply to `person` on `on` (what a page offers), each
    with ``""`` when it may be applied for or why not yet (Chinese): with no record, or only a
    cancelled one, registration (``register``; not for one in the employee scheme or under 16); while
    contributing a change, the claim (from the claim age) and cancellation; while drawing the pension a
    change (of the bank account) and cancellation. A registered person is never offered registration,
    nor one drawing the pension the claim (ux walk of the demo: 周淑芬, registered, was offered 参保登记)."""
    record = ResidentPension.objects.filter(person=person).exclude(state=ResidentPension.State.CANCELLED).first()
    if record is None:
        refusal = employee_insurance_refusal(person, on=on)
        if not refusal and _age_on(person.birth_date, on) < MIN_AGE:
            refusal = f"城乡居民养老保险须年满{MIN_AGE}周岁方可参保"
        return {"register": refusal}
    if record.state == ResidentPension.State.RECEIVING:
        return {"change": "", "cancel": ""}
    return {"change": "", "claim": "；".join(_refusals(lambda: _claim_age_check(person, on)).values()),
            "cancel": ""}


def _claim_age_check(person: Person, applied_on: dt.date) -> None:
    age = int(current_policy().value("resident_pension.claim_age", applied_on))
    if _age_on(person.birth_date, clock.today()) < age:
        reached = dt.date(person.birth_date.year + age, person.birth_date.month, 1)
        raise ValidationError({"person": f"城乡居民养老保险待遇须年满{age}周岁方可申领（该人员{reached:%Y-%m}年满{age}周岁）"})


@transaction.atomic
def resident_pension_register(*, actor: Any, person: Person, contribution_grade_fen: Any, bank_name: Any,
                              bank_account: Any, case: Any = None) -> ResidentPension:
    """Register `person` in the residents' pension (6.1) with the grade and the bank account.

    Refused: a person with active employee insurance (`employee_insurance_refusal`, field
    ``person``), one under 16, one already registered (not cancelled), a grade outside the pack's
    range or steps, a bank account that is not 8-30 digits. Returns the new record (for a case
    already registered: its record).
    """
    require(actor, "resident_pension.register", district_id=person.district_id)
    if case is not None:
        done = ResidentPension.objects.filter(registered_case=case).first()
        if done is not None:
            return done
    today = clock.today()
    grade, name, account = _registration_plan(person, contribution_grade_fen, bank_name, bank_account, lock=True)
    record = ResidentPension.objects.create(
        person=person, district=person.district, contribution_grade_fen=grade, bank_name=name, bank_account=account,
        registered_on=today, registered_case=case, last_case=case)
    audit_create(actor=actor, instance=record, reason="城乡居民养老保险参保登记" + _case_note(case))
    return record


def _record_for(person: Person, *, states: tuple[str, ...], what: str, lock: bool = True) -> ResidentPension:
    record = _open(person, lock=lock)
    if record is None or record.state not in states:
        now = record.get_state_display() if record is not None else "未参保或已注销"
        raise ValidationError({"person": f"该人员城乡居民养老保险当前为“{now}”，不能{what}"})
    return record


@transaction.atomic
def resident_pension_change(*, actor: Any, person: Person, case: Any = None, contribution_grade_fen: Any = None,
                            bank_name: Any = None, bank_account: Any = None) -> ResidentPension:
    """Change the grade (while contributing) and/or the bank account (also while drawing the
    pension) of `person`'s residents' pension. At least one must change. The audit row keeps the
    old and new values and the case. Returns the record."""
    require(actor, "resident_pension.change", district_id=person.district_id)
    if case is not None:
        done = ResidentPension.objects.filter(person=person, last_case=case).first()
        if done is not None:
            return done
    record, before = _change_plan(person, contribution_grade_fen, bank_name, bank_account, lock=True)
    record.last_case = case
    record.version += 1
    record.save()
    audit_update(actor=actor, instance=record, before=before, reason="城乡居民养老保险信息变更" + _case_note(case))
    return record


@transaction.atomic
def resident_pension_cancel(*, actor: Any, person: Person, reason: Any, case: Any = None) -> ResidentPension:
    """Cancel `person`'s residents' pension (注销登记) for a reason of the catalog enum
    `resident_pension_cancel_reason`; cancelled today (business date). Returns the record."""
    require(actor, "resident_pension.cancel", district_id=person.district_id)
    if case is not None:
        done = ResidentPension.objects.filter(person=person, last_case=case,
                                              state=ResidentPension.State.CANCELLED).first()
        if done is not None:
            return done
    reasons = labels("resident_pension_cancel_reason")
    if reason not in reasons:
        raise ValidationError({"cancel_reason": "请选择注销原因（" + "、".join(reasons.values()) + "）"})
    record = _record_for(person, states=(ResidentPension.State.ACTIVE, ResidentPension.State.RECEIVING),
                         what="注销")
    before = snapshot(record)
    record.state, record.cancel_reason, record.cancelled_on = ResidentPension.State.CANCELLED, reason, clock.today()
    record.last_case = case
    record.version += 1
    record.save()
    audit_update(actor=actor, instance=record, before=before,
                 reason=f"城乡居民养老保险注销（{reasons[reason]}）" + _case_note(case))
    return record


def claim_from_month(person: Person, *, applied_on: dt.date) -> tuple[str, int]:
    """The first month of the residents' pension: the month after the one in which `person` reaches
    the pack's claim age, or the month of the application if later; and that age."""
    age = int(current_policy().value("resident_pension.claim_age", applied_on))
    birth = person.birth_date
    reached = month_of_date(dt.date(birth.year + age, birth.month, 1))
    return max(month_add(reached, 1), month_of_date(applied_on)), age


@transaction.atomic
def resident_pension_claim(*, actor: Any, person: Person, case: Any = None, applied_on: dt.date | None = None,
                           bank_name: Any = None, bank_account: Any = None) -> ResidentPension:
    """The pension claimed (待遇申领): a contributing record moves to 领取待遇 from
    `claim_from_month`, with the bank account the pension is paid to (changed if given). Refused
    before the claim age (field ``person``). Returns the record."""
    require(actor, "resident_pension.claim", district_id=person.district_id)
    if case is not None:
        done = ResidentPension.objects.filter(person=person, last_case=case,
                                              state=ResidentPension.State.RECEIVING).first()
        if done is not None:
            return done
    applied_on = applied_on or (case.applied_on if case is not None else clock.today())
    record = _record_for(person, states=(ResidentPension.State.ACTIVE,), what="申领待遇")
    _claim_age_check(person, applied_on)
    before = snapshot(record)
    if bank_name not in (None, "") or bank_account not in (None, ""):
        record.bank_name, record.bank_account = _bank(bank_name or record.bank_name,
                                                       bank_account or record.bank_account)
    record.state = ResidentPension.State.RECEIVING
    record.claim_from_month, _ = claim_from_month(person, applied_on=applied_on)
    record.last_case = case
    record.version += 1
    record.save()
    audit_update(actor=actor, instance=record, before=before,
                 reason=f"城乡居民养老保险待遇申领，自{record.claim_from_month}起领取" + _case_note(case))
    return record
