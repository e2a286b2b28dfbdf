"""Announcements (公告) for the center's staff: the epidemic lifted on a date, a deadline moved.

Before publishing, the page shows each domain's preview of the effects; publishing the lift runs
the cases domain's effects once (idempotent per date); moving a deadline is a parameter change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shebao.cases import services as case_services
from shebao.core import clock
from shebao.core.policy import announcement_publish, current_policy, policy_with


@dataclass
class LiftEffects:
    lifted_on: dt.date
    documents_due_on: str
    owed_cases: int
    owed_documents: int
    postponed_resumed: int
    flags_queued: int
    already_applied: bool
    late_fees: Any


def lift_effects(*, lifted_on: dt.date) -> LiftEffects:
    preview = case_services.epidemic_lift_preview(lifted_on)
    return LiftEffects(
        lifted_on=lifted_on,
        documents_due_on=preview["documents_due_on"],
        owed_cases=preview["owed_lists_dated"],
        owed_documents=preview["owed_documents_dated"],
        postponed_resumed=preview["postponed_resumed"],
        flags_queued=preview["flags_queued"],
        already_applied=preview["already_applied"],
        late_fees=late_fee_changes(lifted_on=lifted_on),
    )


def late_fee_changes(*, lifted_on: dt.date) -> Any:
    """0.3: employers whose late fees the lifted date would change, from collection's what-if (nothing stored)."""
    from shebao.collection.assessment import assessment_what_if

    return assessment_what_if(as_of=clock.today(), policy=current_policy(),
                              hypothetical=policy_with({"epidemic.lifted_on": lifted_on.isoformat()}),
                              lifted_on=lifted_on)


def deadline_move_publish(*, actor: Any, months: list[str], due_on: dt.date, title: str = "") -> Any:
    """0.2: the collection period of the named months moves to a new due date."""
    value = {m: due_on.isoformat() for m in months}
    return announcement_publish(actor=actor, parameter="collection.period_overrides", value=value,
                                title=title or f"{'、'.join(months)}征收期延长至{due_on:%Y年%m月%d日}", clause="0.2")


def lifted_on_in_force() -> Any:
    return current_policy().value("epidemic.lifted_on")
