"""Writes an insured person makes in the portal (issue 15, the person's side): an application
through the same catalog and services as the front desk (`cases.services.case_submit`, channel
"online"), the rights statement of their own record, and the identity check's trail.

A person acts on their own data only (`core.permissions.portal_may_act_on`); residents' pension
businesses (6.1) and a card replacement (where the card is posted: issue 15) need a fresh identity
check, which the caller proves with `identity_checked`
(the page reads it from the session: `portal.person_identity.identity_fresh`). Refusals are
`ActionRefused` (not theirs, not open online, no fresh check) or the case service's own
(`DetailsRefused` naming each field), before anything is written.
"""

from __future__ import annotations

from typing import Any

from shebao.cases.models import Case
from shebao.core.errors import DomainError
from shebao.core.permissions import ActionRefused, portal_may_act_on
from shebao.registry.models import Person

# What a person applies for in the portal (the catalog's person businesses that are open online).
PERSON_BUSINESSES = ("card_replacement", "transfer_in", "transfer_out", "resident_pension_registration",
                     "resident_pension_change", "resident_pension_cancellation", "resident_pension_claim")
# 6.1: "after face recognition in the city's identity app" — and a bank account or a card's postal
# address may only be changed after one (issue 15): every person's business that says where money
# or a card goes. The value: why, said to the person when the check is missing.
IDENTITY_CHECKED_BUSINESSES = {
    "resident_pension_registration": "办理城乡居民养老保险业务须先通过身份核验（人脸识别，第6.1条）",
    "resident_pension_change": "办理城乡居民养老保险业务须先通过身份核验（人脸识别，第6.1条）",
    "resident_pension_cancellation": "办理城乡居民养老保险业务须先通过身份核验（人脸识别，第6.1条）",
    "resident_pension_claim": "办理城乡居民养老保险业务须先通过身份核验（人脸识别，第6.1条）",
    "card_replacement": "社会保障卡将寄往您填写的地址，补换卡须先通过身份核验（人脸识别）",
    # 4.1: the individual account's money leaves for, or is claimed from, another region.
    "transfer_in": "办理养老保险关系转移须先通过身份核验（人脸识别）",
    "transfer_out": "办理养老保险关系转移须先通过身份核验（人脸识别）",
}


def _own(actor: Any, person: Person, action: str, zh: str) -> None:
    if not portal_may_act_on(actor, employer_id=None, person_id=person.pk):
        raise ActionRefused(f"只能为本人{zh}", f"{action}: a person acts on their own data only", action=action)


def person_case_submit(*, actor: Any, person: Person, business: str, details: dict[str, Any],
                       identity_checked: bool = False, idempotency_key: str | None = None) -> tuple[Case, bool]:
    """The person's own application of `business` (one of PERSON_BUSINESSES) with its definition's
    `details`, submitted online. Returns (case, created) as `case_submit` does.

    `idempotency_key`: the form's one-time token; the same form posted twice (a double click, two
    tabs) returns the first case (created False); posted again with other content, it is refused
    (`IdempotencyMismatch`).

    Raises ActionRefused: another person's application, a business not open to persons online, or
    a business of IDENTITY_CHECKED_BUSINESSES (residents' pension 6.1, a card's delivery address)
    without a fresh identity check. DetailsRefused: the
    definition's fields and checks (the same as the front desk's).
    """
    from shebao.cases.services import case_submit, details_check, request_fingerprint
    from shebao.core import clock

    _own(actor, person, "case.submit", "申请")
    if business not in PERSON_BUSINESSES:
        raise ActionRefused("该业务暂不能由个人网上申请，请到经办机构办理", f"{business} is not open to persons online",
                            action="case.submit")
    if business in IDENTITY_CHECKED_BUSINESSES and not identity_checked:
        raise ActionRefused(IDENTITY_CHECKED_BUSINESSES[business],
                            f"{business} needs a fresh identity check (6.1, issue 15)", action="case.submit")
    # The content first, as the desk previews it (writes nothing): a person's form is answered field
    # by field before anything else is asked of the case service.
    try:
        details_check(business=business, details=details, employer=None, person=person, applied_on=clock.today())
    except DomainError:
        if not idempotency_key:
            raise
        # A form posted again (a double click) may be refused now only because its first post made the
        # case (one open application per person): case_submit returns that case, or refuses as here.
    return case_submit(actor=actor, business=business, channel="online", person=person, applicant_kind="person",
                       applied_on=clock.today(), details=details, idempotency_key=idempotency_key,
                       request_hash=request_fingerprint({"business": business, "details": details}))


def identity_check_record(*, actor: Any, person: Person, passed: bool, reason: str = "", subject: str = "") -> Any:
    """The trail of one identity check (passed, or failed with its reason): `portal.IdentityCheck`.
    Written for every answer from the provider, whoever it names; never refused. Invisible and
    control characters (Unicode categories C*: NUL, U+202E…) are dropped from the texts kept."""
    import unicodedata

    from shebao.portal.models import IdentityCheck

    def printable(text: str, limit: int) -> str:
        return "".join(c for c in text if unicodedata.category(c)[0] != "C")[:limit]

    return IdentityCheck.objects.create(person=person, passed=passed, reason=printable(reason, 200),
                                        subject=printable(subject, 100),
                                        actor_label=getattr(actor, "label", str(actor))[:150])
