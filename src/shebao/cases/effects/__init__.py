"""The effect of each business on the books, run when its case completes (业务办结的效果).

`effect_run` is called by `cases.services.case_transition` inside the transaction that completes the
case, after the case row is locked: the effect's dues, ledger entries, registry rows and history
are committed with the completion or not at all. It is idempotent: a `CaseEffect` row, unique per
(case, effect), is written with the effect; a second completion or a retry after a crash finds it
and posts nothing again.

An effect first runs the business's registry checks again (`cases.checks`, the books may have
changed since the submission), then writes. A refusal raises `EffectRefused` (a 422 naming the field
and the reason in Chinese) and the completion is rolled back with everything the effect wrote.

How to add a business (another helper's recipe):

1. its catalog entry in ``rules/catalog.yaml`` (name, applicants, channels, documents, facts);
2. its definition ``rules/businesses/<code>.yaml``: ``fields`` (what the front desk and the API
   ask for), ``checks`` (names in ``cases/checks.py``) and ``effect: <family>.<name>``;
3. its effect in ``cases/effects/<family>.py`` (a module per business family; modules of this
   package are imported on first use, nothing to list)::

       from shebao.cases.effects import EffectResult, effect

       @effect("card.replacement")
       def card_replacement(case, actor) -> EffectResult:
           ...  # write through services; money through collection.ledger.ledger_post
           return EffectResult("已生成补卡订单", {"order": order.pk})

   The function receives the locked, completed case (``case.details`` is its validated content)
   and the acting user or system actor. It must write every row in the caller's transaction (no
   commit of its own, no thread), post money only as balanced ledger entries, and return what it
   did (JSON-able ids and amounts: kept on the `CaseEffect` row and shown on the case page).
4. a test walking submission -> workflow -> completion that asserts the books and the refusals.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shebao.cases.workflows import GuardFailed
from shebao.core.permissions import actor_label, actor_user
from shebao.rules.business_fields import FieldError, definition


@dataclass
class EffectResult:
    """What an effect did: a Chinese sentence for the case page and JSON-able ids and amounts."""

    summary_zh: str
    result: dict[str, Any] = field(default_factory=dict)


class EffectRefused(GuardFailed):
    """The effect cannot be performed (a registry check fails now): the completion is refused."""

    @classmethod
    def of(cls, errors: list[FieldError]) -> EffectRefused:
        first = errors[0]
        return cls("；".join(e.zh for e in errors), f"the business's effect is refused: {first.field}",
                   field=first.field)


Effect = Callable[[Any, Any], EffectResult]
EFFECTS: dict[str, Effect] = {}
NO_CONTENT = "未登记业务内容"


def effect(name: str) -> Callable[[Effect], Effect]:
    """Register an effect under the name a definition gives (``family.name``)."""
    def register(fn: Effect) -> Effect:
        if name in EFFECTS and EFFECTS[name] is not fn:
            raise ValueError(f"effect {name!r} is registered twice")
        EFFECTS[name] = fn
        return fn
    return register


_loaded = False


def effects() -> dict[str, Effect]:
    """Every registered effect, importing the family modules of this package on first use."""
    global _loaded
    if not _loaded:
        for info in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True
    return EFFECTS


def effect_run(*, case: Any, actor: Any) -> Any:
    """Perform the effect of a completed case once; returns its `CaseEffect` row (or None when the
    business has no effect). Call inside the completion's transaction, with the case locked."""
    from shebao.cases.models import CaseEffect

    name = definition(case.business).effect
    if not name:
        return None
    done = CaseEffect.objects.filter(case=case, effect=name).first()
    if done is not None:
        return done  # completed before (or retried after a crash that committed): posts nothing again
    if not case.details:
        # Content that its definition accepts empty (every field optional): the completion is not
        # refused (content that fails its definition is, before this: services.case_transition),
        # and the case says plainly that nothing was booked.
        outcome = EffectResult(f"{NO_CONTENT}（登记时未填写{case.business_zh}所需内容），未产生账务或登记变更",
                               {"skipped": True})
    else:
        from shebao.cases.checks import CheckContext, checks_run

        errors = checks_run(CheckContext(business=case.business, employer=case.employer, person=case.person,
                                         details=case.details, applied_on=case.applied_on, case_id=case.pk))
        if errors:
            raise EffectRefused.of(errors)
        try:
            fn = effects()[name]
        except KeyError:
            raise LookupError(f"no effect registered as {name!r} (business {case.business})") from None
        outcome = fn(case, actor)
    return CaseEffect.objects.create(case=case, effect=name, summary_zh=outcome.summary_zh, result=outcome.result,
                                     actor=actor_user(actor), actor_label=actor_label(actor))
