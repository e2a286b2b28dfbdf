"""Benefits (待遇, 2.1): the new-retiree declaration makes the retiree and the entitlement
(`shebao.benefits.effects`); the payroll pays them from the month after retirement."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from shebao.benefits.effects import retirement_declaration_complete
from shebao.cases.effects import EffectRefused, EffectResult, effect
from shebao.core.money import format_yuan
from shebao.rules.business_fields import FieldError


@effect("benefits.retirement_declaration")
def retirement_declaration(case: Any, actor: Any) -> EffectResult:
    try:
        retiree = retirement_declaration_complete(case=case, actor=actor)
    except ValidationError as e:
        raise EffectRefused.of([FieldError("details", "；".join(e.messages))]) from None
    ent = retiree.entitlement
    return EffectResult(
        f"已登记退休人员（{retiree.retirement_month}退休），核定月养老金{format_yuan(ent.monthly_fen)}元"
        f"（{ent.get_source_display()}），自{retiree.retirement_month}次月起发放，未发月份随下一批次补发",
        {"retiree": retiree.pk, "monthly_fen": ent.monthly_fen, "retirement_month": retiree.retirement_month})
