"""Effects on the pension individual account's book (4.1 transfers in and out, 4.2 backfill).

Each writes through `registry.accounts` (which checks the book again under lock and audits the
rows) and is idempotent per case there as well as by the `CaseEffect` row.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from shebao.cases.effects import EffectResult, effect
from shebao.cases.effects.card import refused
from shebao.core.money import format_yuan
from shebao.registry.accounts import (
    account_backfill,
    account_summary,
    account_transfer_in,
    account_transfer_out,
)
from shebao.registry.models import Person


def _person(case: Any) -> Person:
    return Person.objects.select_related("district").get(pk=case.person_id)


def _result(rows: list[Any], person: Person, what: str) -> EffectResult:
    total = sum(r.amount_fen for r in rows)
    summary = account_summary(person.pension_account)
    return EffectResult(
        f"{what}{len(rows)}个月，金额{format_yuan(total)}元；个人账户现有{summary.months}个月，"
        f"余额{format_yuan(summary.balance_fen)}元",
        {"account_months": [r.pk for r in rows], "months": len(rows), "amount_fen": total,
         "account_months_total": summary.months, "balance_fen": summary.balance_fen})


@effect("account.transfer_in")
def transfer_in(case: Any, actor: Any) -> EffectResult:
    person = _person(case)
    try:
        rows = account_transfer_in(actor=actor, person=person, region=case.details["region"],
                                   lines=case.details["lines"], case=case)
    except ValidationError as e:
        raise refused(e) from None
    return _result(rows, person, f"自{case.details['region']}转入")


@effect("account.transfer_out")
def transfer_out(case: Any, actor: Any) -> EffectResult:
    person = _person(case)
    try:
        rows = account_transfer_out(actor=actor, person=person, region=case.details["region"],
                                    lines=case.details["lines"], case=case)
    except ValidationError as e:
        raise refused(e) from None
    return _result(rows, person, f"转出至{case.details['region']}")


@effect("account.backfill")
def backfill(case: Any, actor: Any) -> EffectResult:
    person = _person(case)
    try:
        rows = account_backfill(actor=actor, person=person, lines=case.details["lines"], case=case)
    except ValidationError as e:
        raise refused(e) from None
    return _result(rows, person, "补填")
