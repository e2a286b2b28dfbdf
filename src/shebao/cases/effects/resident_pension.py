"""Effects on the residents' basic pension records (6.1): register, change, cancel, claim.

Each writes through `registry.resident_pension` (which checks again under lock, e.g. active
employee insurance at registration, and audits the old and new values with the case).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from shebao.cases.effects import EffectResult, effect
from shebao.cases.effects.card import refused
from shebao.core.money import format_yuan
from shebao.registry.models import Person
from shebao.registry.resident_pension import (
    resident_pension_cancel,
    resident_pension_change,
    resident_pension_claim,
    resident_pension_register,
)


def _person(case: Any) -> Person:
    return Person.objects.select_related("district").get(pk=case.person_id)


def _run(fn: Any) -> Any:
    try:
        return fn()
    except ValidationError as e:
        raise refused(e) from None


@effect("resident_pension.register")
def register(case: Any, actor: Any) -> EffectResult:
    d = case.details
    record = _run(lambda: resident_pension_register(
        actor=actor, person=_person(case), contribution_grade_fen=d["contribution_grade_fen"],
        bank_name=d["bank_name"], bank_account=d["bank_account"], case=case))
    return EffectResult(f"已登记城乡居民养老保险，年缴费档次{format_yuan(record.contribution_grade_fen)}元，"
                        f"扣款账户{record.bank_account_masked}", {"resident_pension": record.pk})


@effect("resident_pension.change")
def change(case: Any, actor: Any) -> EffectResult:
    d = case.details
    record = _run(lambda: resident_pension_change(
        actor=actor, person=_person(case), case=case, contribution_grade_fen=d.get("contribution_grade_fen"),
        bank_name=d.get("bank_name"), bank_account=d.get("bank_account")))
    return EffectResult(f"已变更城乡居民养老保险信息：年缴费档次{format_yuan(record.contribution_grade_fen)}元，"
                        f"银行账户{record.bank_account_masked}", {"resident_pension": record.pk})


@effect("resident_pension.cancel")
def cancel(case: Any, actor: Any) -> EffectResult:
    record = _run(lambda: resident_pension_cancel(actor=actor, person=_person(case),
                                                  reason=case.details["cancel_reason"], case=case))
    return EffectResult(f"已注销城乡居民养老保险（{record.get_cancel_reason_display()}）",
                        {"resident_pension": record.pk})


@effect("resident_pension.claim")
def claim(case: Any, actor: Any) -> EffectResult:
    d = case.details
    record = _run(lambda: resident_pension_claim(actor=actor, person=_person(case), case=case,
                                                 applied_on=case.applied_on, bank_name=d.get("bank_name"),
                                                 bank_account=d.get("bank_account")))
    return EffectResult(f"城乡居民养老保险待遇自{record.claim_from_month}起发放至{record.bank_account_masked}",
                        {"resident_pension": record.pk, "claim_from_month": record.claim_from_month})
