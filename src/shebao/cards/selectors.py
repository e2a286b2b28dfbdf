"""Reads of replacement cards: scoped to the user's district for staff; the public check of a
certificate code shows masked data only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from shebao.cards.models import CardOrder
from shebao.cards.services import CODE_LENGTH, normalize_certificate_code
from shebao.core.masking import mask_id_number
from shebao.core.scoping import scope_queryset


def card_order_list(*, user: Any, status: str = "") -> QuerySet[CardOrder]:
    """The card orders of the user's district (all for the municipal center), newest first."""
    qs = scope_queryset(CardOrder.objects.select_related("person", "office", "case"), user=user,
                        district_path="office")
    if status in CardOrder.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-ordered_at", "-pk")


def card_order_get(*, user: Any, pk: int | str) -> CardOrder:
    """One order the user may see; Http404 otherwise (another district's order does not exist for them)."""
    order = card_order_list(user=user).filter(pk=pk).first()
    if order is None:
        raise Http404("没有该补换卡订单")
    return order


def card_order_for_case(*, case: Any) -> CardOrder | None:
    """The card order a completed card replacement made (the caller has already read the case)."""
    return CardOrder.objects.filter(case_id=case.pk).first()


def card_order_in_progress(*, person: Any, other_than_case: int | None = None) -> CardOrder | None:
    """The person's replacement card still on its way (ordered, made or posted, not yet delivered), the
    newest, or None. While it is, a second replacement is refused (5.1; review-user11 F5: a second card
    was accepted, to another address, while the first was being made): the case that ordered it is
    completed, so the one-open-application check does not see it."""
    return (CardOrder.objects.filter(person=person, status__in=CardOrder.CERTIFICATE_VALID)
            .exclude(case_id=other_than_case).order_by("-ordered_at", "-pk").first())


def mask_name(name: str) -> str:
    """A name as the public may see it: the first character, the rest hidden (王𠮷 → 王*, 欧阳秘密 → 欧***).

    Characters beyond the Basic Multilingual Plane count as one character (Python's str does).
    """
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


@dataclass(frozen=True)
class CertificateCheck:
    """What the public verification page shows for a code: masked data only."""

    valid: bool
    name_masked: str
    id_number_masked: str
    issued_on: dt.date
    status_zh: str
    reason_zh: str


def certificate_check(code: str) -> CertificateCheck | None:
    """The certificate behind a verification code (as typed: hyphens, spaces, lower case are fine),
    or None when no certificate has that code. Public: no sign-in, masked data only (5.1)."""
    compact = normalize_certificate_code(code)
    if len(compact) != CODE_LENGTH:
        return None
    order = CardOrder.objects.select_related("person").filter(certificate_code=compact).first()
    if order is None:
        return None
    valid = order.certificate_valid
    reason = ("新卡制作、寄递期间，本证明可用于就医（第5.1条）" if valid
              else "新卡已送达本人，本证明已失效")
    return CertificateCheck(valid=valid, name_masked=mask_name(order.person.name),
                            id_number_masked=mask_id_number(order.person.id_number),
                            issued_on=order.certificate_issued_on, status_zh=order.get_status_display(),
                            reason_zh=reason)
