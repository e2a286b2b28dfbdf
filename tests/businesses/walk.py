"""Drive a case through whatever workflow its decision chose, as the staff would, to completion."""

from __future__ import annotations

import io
from typing import Any

from shebao.cases import services
from shebao.cases.models import Case, OwedDocument, PhoneCheck, Status
from tests.uploads import PDF


def submit(clerk: Any, business: str, *, details: dict[str, Any] | None, employer=None, person=None,
           applicant_kind: str | None = None, channel: str = "counter", applied_on=None, facts=None) -> Case:
    case, created = services.case_submit(actor=clerk, business=business, channel=channel, employer=employer,
                                         person=person, applicant_kind=applicant_kind, applied_on=applied_on,
                                         facts=facts or {}, details=details)
    assert created
    return case


def prepare(case: Case, clerk: Any) -> Case:
    """What must be there before acceptance: the commitment letter, a confirmed call, a faxed page."""
    if "commitment_letter" in case.requires:
        services.commitment_letter_capture(case=case, actor=clerk, text="承诺所报信息真实。", signer="申请人")
    if "phone_verification" in case.requires:
        services.phone_check_record(case=case, actor=clerk, outcome=PhoneCheck.Outcome.CONFIRMED, note="本人确认")
    if case.mode == "remote_documents":
        services.document_attach(case=case, actor=clerk, name="登记表（传真）", stream=io.BytesIO(PDF), source="fax")
    return case


def finish(case: Case, clerk: Any, reviewer: Any) -> Case:
    """Accept, then approve or complete, satisfying owed documents on the way."""
    case = services.case_accept(case=case, actor=clerk, outcome="已按申请办理")
    for _ in range(4):
        if case.status == Status.COMPLETED:
            return case
        for owed in case.owed_documents.exclude(state=OwedDocument.State.ACCEPTED):
            if owed.state == OwedDocument.State.OWED:
                owed = services.owed_document_exchange(owed=owed, actor=clerk, source="市公安局", reference="GA-1")
            services.owed_document_review(owed=owed, actor=reviewer, accepted=True)
        case.refresh_from_db()
        action = "approve" if "approve" in _actions(case) else "complete"
        case = services.case_transition(case=case, actor=reviewer, action=action)
    return case


def _actions(case: Case) -> list[str]:
    from shebao.cases import workflows

    wf = workflows.case_workflow(case)
    return [t.action for t in workflows.TRANSITIONS if t.workflow == wf and case.status in t.sources]


def complete(case: Case, clerk: Any, reviewer: Any) -> Case:
    return finish(prepare(case, clerk), clerk, reviewer)
