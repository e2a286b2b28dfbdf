"""What a route's write (POST, PUT, PATCH, DELETE) can make: the actions of the permission table, by
the route's name, so a staff member who may make none of them is refused (403) before anything they
sent is read (review-input12 F14).

A view reads and checks a form before it calls its service, and the service asks the table: a role
that may not act at all was told "请填写日期" (the announcements as an auditor), shown the form again
(the front desk, 200) or sent back with a message (an auditor's case action, 302). Here the one check
runs first, for the pages (`RefuseBeforeReadingMiddleware`) and the API (`api.auth.ActsAsTheTableSays`),
before the view or its parser sees the body. It asks only what does not depend on the object (the
role, the city-wide rule): a district's staff acting on another district's object get the object's
404, as for a missing one; the service still checks the district, the step and the object.

A route whose write can make several actions (the step chosen in the body) lists them all; its body's
choice (`BODY_CHOICES`: the API's ``action`` of a transition, a flag's ``step``, a page's ``do``) is read,
that one field and nothing else, and the action it names is the one asked of the table (review-input13
F11: a reviewer posting ``accept`` with an unknown key was told 400, the key, before 403, the right). A
body that names none of the route's actions leaves them all: a role that may make one of them passes
here, and the view answers the object (404) and then the body (400). ``{name}`` in an action is filled from the
address (a case's step in ``cases/<pk>/act/<action>/``); an action the table does not name is left to
the view (the workflow refuses an unknown step). tests/core/test_role_routes.py checks that every
route with a write is listed here with the action its walk posts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shebao.core.permissions import TABLE, ActionRefused, refusal

# The workflow's steps of an application (cases.workflows.ACTION_NAMES), each an action `case.<step>`.
CASE_STEPS = ("case.accept", "case.approve", "case.complete", "case.reject", "case.resume", "case.district_receive",
              "case.district_review", "case.mail_to_center", "case.center_receive")
FLAG_STEPS = ("flag.review", "flag.settle", "flag.audit")
OWED = ("owed_document.exchange", "owed_document.review")

# fmt: off
ROUTE_ACTIONS: dict[str, tuple[str, ...]] = {
    # The REST API.
    "case-list": ("case.submit",),
    "case-flag-step": FLAG_STEPS,
    "case-lift-apply": ("epidemic_lift.apply",),
    "case-transition": CASE_STEPS,
    "case-details": ("case.correct",),
    "case-letter": ("commitment_letter.capture",),
    "case-phone-check": ("phone_check.record",),
    "case-documents": ("document.attach",),
    "case-owed-exchange": ("owed_document.exchange",),
    "case-owed-review": ("owed_document.review",),
    "case-flag-raise": ("flag.raise",),
    "person-reveal": ("personal_data.reveal",),
    "person-merge": ("person.merge",),
    "person-unmerge": ("person.unmerge",),
    "employer-reveal": ("personal_data.reveal",),
    "relief-publication-request-list": ("relief_pack.request",),
    "relief-publication-request-decide": ("relief_pack.publish",),
    "relief-newly-known": ("relief_pack.publish",),
    "relief-deferral-list": ("deferral.apply",),
    "relief-deferral-decide": ("deferral.decide",),
    "relief-employer-facts": ("employer_facts.record",),
    "benefits-transfer-resend": ("payroll_transfer.resend",),
    "benefits-claim-pay": ("work_injury.pay",),
    "benefits-award-payee": ("award_payee.register",),
    # Collection pages.
    "collection:remittance_line_match": ("remittance.match",),
    "collection:remittance_line_request": ("remittance.match",),
    "collection:remittance_match_decision": ("remittance.match_approve",),
    "collection:remittance_line_duplicate": ("remittance.duplicate_resolve",),
    "collection:assessment_start": ("assessment.run",),
    "collection:refund_file_create": ("refund_file.create",),
    "collection:refund_file_release": ("refund_file.release",),
    "collection:refund_result_upload": ("refund_result.import",),
    "collection:deduction_run_retry": ("deduction_run.retry",),
    "collection:deduction_run_start": ("deduction_run.create",),
    "collection:bank_file_import": ("remittance.import",),
    "collection:person_rights_statement": ("rights_statement.issue",),
    "collection:relief_publish_request": ("relief_pack.request",),
    "collection:relief_publish_decide": ("relief_pack.publish",),
    "collection:relief_known_apply": ("relief_pack.publish",),
    "collection:relief_deferrals": ("deferral.apply",),
    "collection:relief_deferral_decide": ("deferral.decide",),
    "collection:relief_employer_facts": ("employer_facts.record",),
    # Back-office pages.
    "backoffice:case_act": ("case.{action}",),
    "backoffice:case_letter": ("commitment_letter.capture",),
    "backoffice:case_phone_check": ("phone_check.record",),
    "backoffice:case_change_reveal": ("personal_data.reveal",),
    "backoffice:case_assess": ("case.assess",),
    "backoffice:case_correct": ("case.correct",),
    "backoffice:case_document": ("document.attach",),
    "backoffice:case_owed": OWED,
    "backoffice:case_flag": ("flag.raise",),
    "backoffice:front_desk": ("case.submit",),
    "backoffice:announcements": ("announcement.publish", "epidemic_lift.preview", "epidemic_lift.apply"),
    "backoffice:employer_portal_accounts": ("portal_admin.create",),
    "backoffice:flag_step": FLAG_STEPS,
    "backoffice:audit_new": ("audit_case.register",),
    "backoffice:audit_case_act": ("audit_case.handle",),
    "backoffice:audit_contact": ("audit_case.register",),
    "backoffice:audit_reveal": ("personal_data.reveal",),
    "backoffice:hall_day": ("hall_log.record",),
    "backoffice:hall_incident_new": ("incident.report",),
    "backoffice:hall_duty": ("duty.assign",),
    "backoffice:hall_inspect": ("inspection.record",),
    "backoffice:personal_data_reads": ("personal_data.trail_view",),
    "backoffice:incident_update": ("incident.report",),
    "backoffice:incident_acknowledge": ("incident.acknowledge",),
    "backoffice:finding_fix": ("inspection.fix",),
    "backoffice:payroll_run_start": ("payroll_run.create",),
    "backoffice:payroll_result_import": ("payroll_result.import",),
    "backoffice:payroll_run_retry": ("payroll_run.retry",),
    "backoffice:transfer_resend": ("payroll_transfer.resend",),
    "backoffice:payroll_file_release": ("payroll_file.release",),
    "backoffice:retiree_stop": ("retiree.suspend", "retiree.resume"),
    "backoffice:work_injury_pay": ("work_injury.pay",),
    "backoffice:survivor_grant": ("survivor_pension.grant",),
    "backoffice:survivor_end": ("survivor_pension.end",),
    "backoffice:award_payee_register": ("award_payee.register",),
    "backoffice:declarations": ("declaration.stage",),
    "backoffice:declaration_act": ("declaration.commit", "declaration.stage"),
    "backoffice:card_order": ("card_order.update",),
    "backoffice:outreach_new": ("outreach.draft",),
    "backoffice:opt_outs": ("outreach.opt_out",),
    "backoffice:outreach_approve": ("outreach.approve",),
    "backoffice:outreach_reject": ("outreach.approve",),
    # Registry pages.
    "web:persons_registered_twice": ("person.merge",),
    "web:person_unmerge": ("person.unmerge",),
    "web:person_reveal": ("personal_data.reveal",),
    "web:employer_reveal": ("personal_data.reveal",),
}
# fmt: on
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _said(body: Any, field: str) -> str | None:
    """The text one field of a parsed body holds (a JSON object's, a form's last value), or None."""
    value = body.get(field) if isinstance(body, Mapping) else None
    return value if isinstance(value, str) else None


def _announcement(body: Any) -> str | None:
    kind, do = _said(body, "kind"), _said(body, "do")
    if kind == "deadline":
        return "announcement.publish"
    if kind == "lift":
        return {"preview": "epidemic_lift.preview", "publish": "epidemic_lift.apply"}.get(do or "")
    return None


# The action a write to a multi-action route makes, as its body chooses it (each view reads the same
# field the same way); None when the body names none of them.
BODY_CHOICES: dict[str, Callable[[Any], str | None]] = {
    "case-transition": lambda body: f"case.{_said(body, 'action')}",
    "case-flag-step": lambda body: f"flag.{_said(body, 'step')}",
    "backoffice:flag_step": lambda body: f"flag.{_said(body, 'step')}",
    "backoffice:case_owed": lambda body: {"exchange": "owed_document.exchange", "accept": "owed_document.review",
                                          "refuse": "owed_document.review"}.get(_said(body, "do") or ""),
    "backoffice:announcements": _announcement,
    # the view suspends unless told to resume
    "backoffice:retiree_stop": lambda body: "retiree.resume" if _said(body, "do") == "resume" else "retiree.suspend",
    "backoffice:declaration_act": lambda body: {"commit": "declaration.commit",
                                                "discard": "declaration.stage"}.get(_said(body, "do") or ""),
}


def actions_of(view_name: str, kwargs: dict[str, Any]) -> tuple[str, ...]:
    """The table's actions a write to the route can make, its address filled in ({action})."""
    out = []
    for action in ROUTE_ACTIONS.get(view_name, ()):
        try:
            action = action.format(**kwargs)
        except (KeyError, IndexError):
            continue
        if action in TABLE:
            out.append(action)
    return tuple(out)


def body_chooses(view_name: str) -> bool:
    """Whether a write to the route makes the one action its body names (`BODY_CHOICES`)."""
    return view_name in BODY_CHOICES


def write_refusal(user: Any, method: str, view_name: str, kwargs: dict[str, Any],
                  body: Any = None) -> ActionRefused | None:
    """Why `user` may make none of what a `method` request to the route can make (the first action's
    refusal: who they are and who does it instead), or None: a read, a route without an action, or one
    action the user may make. ``body``, the parsed body of a route of `BODY_CHOICES`: the action it
    chooses, when it is one of the route's, is the only one asked. The district and the object are the
    service's to check."""
    if method.upper() in SAFE_METHODS:
        return None
    actions = actions_of(view_name, kwargs)
    if not actions:
        return None
    choose = BODY_CHOICES.get(view_name)
    chosen = choose(body) if choose is not None and body is not None else None
    if chosen in actions:
        actions = (chosen,)
    refusals = [refusal(user, action) for action in actions]
    if any(r is None for r in refusals):
        return None
    return refusals[0]


class RefuseBeforeReadingMiddleware:
    """The pages' side: a signed-in staff member's write to a route they may make nothing of is answered
    with the site's 403 page, before the view reads the form. Nobody signed in is left to the view's
    sign-in redirect; the API is left to DRF (`api.auth.ActsAsTheTableSays`), which knows its key's user."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        return self.get_response(request)

    def process_view(self, request: Any, view_func: Any, view_args: Any, view_kwargs: dict[str, Any]) -> Any:
        if request.method in SAFE_METHODS or request.path_info.startswith("/api/"):
            return None
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        if user is None or not user.is_authenticated or match is None:
            return None
        # a multi-action route's choice (one field of the form) is read to ask for the action it makes
        body = request.POST if body_chooses(match.view_name) else None
        refused = write_refusal(user, request.method, match.view_name, view_kwargs, body)
        if refused is None:
            return None
        from shebao.web.errors import permission_denied

        return permission_denied(request, refused)
