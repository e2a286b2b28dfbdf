"""Effects of the social security card businesses (5.1): a card replacement's order and certificate.

On completion the card order is made from the application's content (reason, recipient, address)
through `cards.services.card_order_create`, which checks the postal data again and gives the
card-collection certificate (领卡证明) its verification code. A second completion finds the order
(and the `CaseEffect` row) and makes nothing again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from shebao.cards.services import card_order_create
from shebao.cases.effects import EffectRefused, EffectResult, effect
from shebao.rules.business_fields import FieldError


def refused(e: ValidationError, prefix: str = "details") -> EffectRefused:
    """A service's ValidationError as the completion's refusal, each field as ``details.<field>``
    (``person`` stays ``person``)."""
    errors = []
    for name, messages in (e.message_dict.items() if hasattr(e, "error_dict") else [("", e.messages)]):
        path = name if name == "person" else (f"{prefix}.{name}" if name else prefix)
        errors.append(FieldError(path, "；".join(messages)))
    return EffectRefused.of(errors)


@effect("card.replacement")
def card_replacement(case: Any, actor: Any) -> EffectResult:
    d = case.details
    try:
        order = card_order_create(actor=actor, case=case, reason=d["reason"], recipient_name=d["recipient_name"],
                                  recipient_phone=d["recipient_phone"], postal_address=d["postal_address"],
                                  postal_code=d.get("postal_code", ""))
    except ValidationError as e:
        raise refused(e) from None
    return EffectResult(f"已申请制卡（{order.get_reason_display()}），新卡将由EMS寄至{order.postal_address}；"
                        "已出具领卡证明，新卡送达前可用于就医", {"card_order": order.pk})
