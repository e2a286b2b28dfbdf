"""What a completed case does in benefits: the new-retiree declaration (新增退休人员申报, 2.1) makes the
retiree record and the entitlement. Called by the case's completion in its transaction; idempotent
(a case makes its retiree once, `retiree_declare` returns the existing one).

The content of the declaration is ``case.details`` (the fields of
``rules/businesses/retirement_declaration.yaml``, validated at submission):
``{"bank_account": "6222…", "retired_on": "YYYY-MM-DD" (optional: the statutory day),
"index_x10k": int, "contribution_months": int, "deemed_months": int, "account_balance_fen": int}``
or, for an amount computed elsewhere, ``{"bank_account", "record_monthly_fen": int,
"record_reference": str}``. Registered as the effect ``benefits.retirement_declaration``
(``cases/effects/benefits.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from shebao.benefits.models import Retiree
from shebao.benefits.services import Basis, retiree_declare

RETIREMENT_DECLARATION = "retirement_declaration"
_INT_FIELDS = {"index_x10k": "平均缴费指数", "contribution_months": "缴费月数", "deemed_months": "视同缴费月数",
               "account_balance_fen": "个人账户储存额", "record_monthly_fen": "核定月养老金"}


def _int(facts: dict[str, Any], name: str) -> int | None:
    value = facts.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{_INT_FIELDS[name]}须为非负整数")
    return value


def retirement_facts(r: dict[str, Any]) -> tuple[str, dt.date | None, Basis]:
    """The bank account, retirement day and basis of a declaration's content; ValidationError
    (Chinese) naming what is missing or malformed."""
    if not isinstance(r, dict) or not r.get("bank_account"):
        raise ValidationError("退休申报缺少待遇核定信息（发放账号、缴费指数、缴费月数、个人账户储存额或核定金额）")
    retired_on = None
    if r.get("retired_on"):
        try:
            retired_on = dt.date.fromisoformat(str(r["retired_on"]))
        except ValueError:
            raise ValidationError("退休日期须为“年-月-日”") from None
    basis = Basis(index_x10k=_int(r, "index_x10k"), contribution_months=_int(r, "contribution_months"),
                  deemed_months=_int(r, "deemed_months") or 0, account_balance_fen=_int(r, "account_balance_fen"),
                  record_monthly_fen=_int(r, "record_monthly_fen"), record_reference=str(r.get("record_reference", "")))
    return str(r.get("bank_account", "")), retired_on, basis


def retirement_declaration_complete(*, case: Any, actor: Any) -> Retiree:
    """The effect of a completed new-retiree declaration: the retiree of ``case.person`` with the
    entitlement of its facts, declared on the day the case was applied for (2.1: months from the
    month after retirement to the first regular payment are paid as arrears)."""
    if case.person_id is None:
        raise ValidationError("退休申报须指明参保人员")
    account, retired_on, basis = retirement_facts(case.details or {})
    return retiree_declare(actor=actor, person=case.person, bank_account=account, basis=basis,
                           declared_on=case.applied_on, retired_on=retired_on, case=case)
