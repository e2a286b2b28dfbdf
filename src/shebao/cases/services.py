"""Writes of case handling. Each service is one transaction: the change, its transition row, its audit
row and the applicant's outbox message are committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F

from shebao.cases import routing, workflows
from shebao.cases.checks import CHECKS, CheckContext, checks_run, read_by
from shebao.cases.documents import check_count, check_upload
from shebao.cases.effects import effect_run
from shebao.cases.models import (
    ApplicantKind,
    Case,
    CaseTransition,
    Channel,
    CommitmentLetter,
    Document,
    EpidemicLift,
    Flag,
    Mailing,
    Mode,
    OwedDocument,
    PhoneCheck,
    Status,
)
from shebao.cases.notifications import outbox_enqueue
from shebao.cases.selectors import (
    DONE_STATUSES,
    case_content_problems,
    case_owned_by,
    owed_outstanding,
    owed_satisfied,
)
from shebao.cases.workflows import LiftDateImplausible, LiftNeedsConfirmation, StaleCase
from shebao.core import clock
from shebao.core.audit import audit_create, audit_create_event, audit_update, snapshot, trail_shown
from shebao.core.errors import Conflict, DomainError, IdempotencyMismatch, UploadRefused
from shebao.core.inputs import (
    check_happened_date,
    check_values,
    facts_problems,
    field_problems,
    happened_date_problem,
    text_problem,
)
from shebao.core.models import AuditEvent
from shebao.core.permissions import (
    EMPLOYER_SIDE,
    TABLE,
    ActionRefused,
    PortalActor,
    SystemActor,
    actor_label,
    actor_user,
    require,
)
from shebao.core.policy import epidemic_lifted_on
from shebao.core.scoping import user_may_see_district
from shebao.core.versions import refuse_unread
from shebao.registry.models import Employer, Person
from shebao.rules.business_fields import (
    FieldError,
    definition,
    details_validate,
    facts_decided_changed,
    facts_from_details,
    facts_stated_twice,
)

# The catalog's name for the mobile channel.
CATALOG_CHANNEL = {Channel.MOBILE: "app"}
WORK_INJURY_PRIORITY = 100  # 9: ahead of every queue


# The channels an applicant reaches the agency by on its own (0.4): the portal is the online service
# platform, its mobile pages the app; the counter, fax, e-mail and post are registered by staff.
PORTAL_CHANNELS = frozenset({Channel.ONLINE, Channel.MOBILE, Channel.WECHAT})


def _require_district(actor: Any, case: Case) -> None:
    if isinstance(actor, PortalActor):
        if not case_owned_by(actor, case):
            raise ActionRefused("只能办理本单位或本人的申请", "the case is not the applicant's own")
        return
    if not user_may_see_district(actor, case.office_id):
        raise ActionRefused("只能办理本区的申请", "the case belongs to another district")


def _record(case: Case, *, action: str, from_status: str, actor: Any, note: str = "") -> CaseTransition:
    row = _transition(case, action=action, from_status=from_status, actor=actor, note=note)
    row.save()
    return row


def _transition(case: Case, *, action: str, from_status: str, actor: Any, note: str = "") -> CaseTransition:
    user = actor_user(actor)
    return CaseTransition(
        case=case, action=action, from_status=from_status, to_status=case.status, actor=user,
        actor_label=actor_label(actor), actor_role=getattr(user, "role", "") or "", note=note,
    )


def request_fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


# --- Submission --------------------------------------------------------------------------------
def case_submit(
    *, actor: Any, business: str, channel: str, employer: Employer | None = None, person: Person | None = None,
    applicant_kind: str | None = None, applied_on: dt.date | None = None, facts: dict[str, Any] | None = None,
    contact_email: str = "", contact_phone: str = "", contact_wechat: str = "", work_injury_medical: bool = False,
    manual_operation: str = "", idempotency_key: str | None = None, request_hash: str = "",
    details: dict[str, Any] | None = None,
) -> tuple[Case, bool]:
    """Register an application and route it by the rules. Returns (case, created).

    `details` is what the business carries (its definition's fields, rules/businesses/<code>.yaml):
    validated against the definition and the registry checks it names (`cases.checks`); a refusal
    (`DetailsRefused`) names every field with its reason and nothing is stored. The fields marked
    as facts feed the rules' decision. None is judged as ``{}``, on every road (a Python caller as
    the API and the pages): a business with required fields is refused naming each one, since a
    case without its content could otherwise be completed with nothing booked (review-user7 F6).
    A fact stated in `facts` and again in `details` with another value is refused naming both
    (`rules.business_fields.facts_stated_twice`); the same value stated twice is accepted.

    Every channel submits through here. The case, its first transition, its audit row and its
    notifications are written in one transaction, all or none. A retried Idempotency-Key returns the
    first case: the (submitted_by, key) unique constraint refuses the second insert (a concurrent twin
    waits for the first to commit, then is refused too), the transaction rolls back, and the first case
    is read. The same key with a different request is refused (`IdempotencyMismatch`).

    A portal applicant has no staff account to key on (`submitted_by` is NULL): its key is made its
    own here (`portal_idempotency_key`: the account or person, then a digest of the key given), and
    a partial unique index on those keys holds a double-submitted form (two tabs, a double click)
    to one case as the (submitted_by, key) constraint does for staff.
    """
    require(actor, "case.submit")
    # A refusal naming another application names its number only if the applicant may open it (ux14 (6)).
    with read_by(actor):
        key = portal_idempotency_key(actor, idempotency_key) if isinstance(actor, PortalActor) else idempotency_key
        key = key or None
        try:
            with transaction.atomic():
                case = _case_create(
                    actor=actor, business=business, channel=channel, employer=employer, person=person,
                    applicant_kind=applicant_kind, applied_on=applied_on, facts=facts or {},
                    contact_email=contact_email, contact_phone=contact_phone, contact_wechat=contact_wechat,
                    work_injury_medical=work_injury_medical, manual_operation=manual_operation,
                    idempotency_key=key, request_hash=request_hash, details=details,
                )
        except (DomainError, PermissionDenied, IntegrityError) as e:
            # A retry of a request that was accepted returns the first result, even if it would be refused
            # now; an insert refused by the key's constraint is such a retry (its twin committed first).
            existing = _existing(actor, key, request_hash) if key else None
            if existing is None:
                if isinstance(e, IntegrityError) and details is not None:
                    # Two applications giving one number at the same moment both passed the check; the
                    # constraint case_one_open_per_id_number let the first in (review-input5 F10): the
                    # second is refused as the check refuses it, naming the first.
                    from shebao.cases.checks import pending_refusal

                    refusal = pending_refusal(business, details)
                    if refusal is not None:
                        raise DetailsRefused([refusal]) from None
                raise
            return existing, False
        return case, True


PORTAL_KEY_PREFIX = "portal:"


def portal_idempotency_key(actor: PortalActor, key: str | None) -> str | None:
    """A portal applicant's idempotency key, its own: ``portal:<a|p><account or person id>:<sha256 of
    the key given, 40 hex>`` (at most 60 characters). None without a key. Two applicants sending the
    same token never meet; the partial unique index `case_portal_idempotency_key_unique` holds it.

    Public because the portal's pages compare a resubmitted form's one-time token with the key its
    case was stored under (`portal.person._replays`): `case_submit` stores exactly this value. Reads
    nothing and writes nothing."""
    if not key:
        return None
    who = f"a{actor.account_id}" if actor.account_id else f"p{actor.person_id}"
    return f"{PORTAL_KEY_PREFIX}{who}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def _existing(actor: Any, key: str, request_hash: str) -> Case | None:
    case = (Case.objects.select_related("office", "employer", "person")
            .filter(submitted_by=actor_user(actor), idempotency_key=key).first())
    if case is not None and request_hash and case.request_hash and case.request_hash != request_hash:
        raise IdempotencyMismatch()
    return case


def _case_create(
    *, actor: Any, business: str, channel: str, employer: Employer | None, person: Person | None,
    applicant_kind: str | None, applied_on: dt.date | None, facts: dict[str, Any], contact_email: str,
    contact_phone: str, contact_wechat: str, work_injury_medical: bool, manual_operation: str,
    idempotency_key: str | None, request_hash: str, details: dict[str, Any] | None = None,
) -> Case:
    """The new case with its first transition, audit row and notifications (the caller's transaction)."""
    entry = routing.business_entry(business)
    kind = applicant_kind or (ApplicantKind.EMPLOYER if employer is not None else ApplicantKind.PERSON)
    if kind == ApplicantKind.EMPLOYER and employer is None:
        raise DomainError("单位申请须指明单位", "an employer application names the employer", field="employer")
    if kind == ApplicantKind.PERSON and person is None:
        raise DomainError("个人申请须指明参保人员", "a personal application names the person", field="person")
    if kind not in entry.applicants:
        names = "、".join(ApplicantKind(a).label for a in entry.applicants)
        raise DomainError(f"{entry.zh}只能由{names}申请", f"{business} is applied for by {entry.applicants}", field="applicant_kind")
    # 0.4: the counter (front desk) receives anything; otherwise the channels the catalog lists.
    if channel != Channel.COUNTER and CATALOG_CHANNEL.get(channel, channel) not in entry.channels:
        raise DomainError(f"{entry.zh}不能通过“{Channel(channel).label}”申请", f"{business} cannot be applied for by {channel}", field="channel")
    if person is None and definition(business).names_person and not any(f.startswith("person.") for f in entry.facts):
        # A business about one person (its definition's person:) names that person on every road, with
        # or without its content: the API too (review U3: a work-injury claim naming no injured worker).
        # Where the rules read the person's facts, those may be stated instead (a person not yet known).
        extra = "（退费须与参保人本人电话核实，第1.2c条）" if business == "refund" else ""
        raise DomainError(f"{entry.zh}须指明所涉参保人员（填写其证件号码）{extra}",
                          f"{business} is about one person: name the person", field="person")
    if person is not None and (refusal := person.merged_refusal()):
        # registered twice and merged (registry.merge): a case on the merged record would split the card
        # holder's business again; every road (counter, portal, API, fast track) submits here
        raise DomainError(refusal, "the person was merged into another record", field="person")
    office = routing.office_for(employer=employer if kind == ApplicantKind.EMPLOYER else None, person=person)
    if isinstance(actor, PortalActor):
        # An applicant applies for itself only, and only by the channels it reaches on its own (0.4).
        own = (kind == ApplicantKind.EMPLOYER and actor.kind in EMPLOYER_SIDE and employer is not None
               and employer.pk == actor.employer_id) or (
            kind == ApplicantKind.PERSON and actor.kind not in EMPLOYER_SIDE and person is not None
            and person.pk == actor.person_id)
        if not own:
            raise ActionRefused("只能为本单位或本人申请", "a portal applicant applies for itself only",
                                action="case.submit")
        if kind == ApplicantKind.EMPLOYER and person is not None:
            # The person an employer's account names is its own employee, whether or not the content
            # comes with the case (the content's checks run it too): never someone else's number (issue
            # 15: a transfer of another employer's worker's pension, registered without content).
            ctx = CheckContext(business=business, employer=employer, person=person, details={},
                               applied_on=applied_on or clock.today())
            foreign = CHECKS["person_of_employer"](ctx)
            if foreign:
                raise DetailsRefused(foreign)
        if channel not in PORTAL_CHANNELS:
            raise DomainError("网上办事的申请渠道只能是网上办事大厅、手机应用或微信", "the portal submits online only",
                              field="channel")
    elif not user_may_see_district(actor, office.pk):
        # A clerk registers only for their own district's back office (0.4); the API answers 404 first.
        raise ActionRefused("只能为本区的单位或人员登记申请", "the applicant belongs to another district")
    applied_on = applied_on or clock.today()
    # What the database holds and the rules can compute with (issue 16 §1), on every path: a date of
    # no plausible year (0001-01-01, 9999-12-31) and facts outside their declared shape are refused.
    problem = happened_date_problem(applied_on, today=clock.today())
    if problem:
        raise DomainError(f"申请日期{problem}", f"applied_on {applied_on} is not a plausible date", field="applied_on")
    for name, (zh, en) in facts_problems(facts).items():
        raise DomainError(zh, en, field=name)
    check_values(Case, {"contact_email": contact_email, "contact_phone": contact_phone,
                        "contact_wechat": contact_wechat})
    check_values(Flag, {"description": manual_operation})
    # No content is judged as empty content: refused naming each required field, as the API and the
    # pages refuse it (review-user7 F6: cases without content were approved to 已办结, nothing booked).
    clean = details_check(business=business, details={} if details is None else details, employer=employer,
                          person=person, applied_on=applied_on)
    check_values(Case, {"details": clean})  # the case is inserted without save(): checked here
    from_details = facts_from_details(business, clean)
    twice = facts_stated_twice(business, facts, from_details)
    if twice:
        raise DetailsRefused(twice)
    facts = _merge_facts(facts, from_details)
    app = routing.application_facts(business=business, applied_on=applied_on, person=person, stated=facts)
    # One look-up of the policy in force serves the decision and the deadline.
    in_force = routing.policy()
    decision = routing.route(app, in_force)
    if "phone_verification" in decision.requires and person is None:
        # 1.2c: staff confirm a refund by phone with the insured person, so the case names that
        # person (their registered mobile is the number to dial), even when the employer applies.
        raise DomainError("退费须指明参保人员：须与参保人本人电话核实（第1.2c条）", "a refund names the insured person: it is confirmed with them by phone (1.2c)", field="person")
    priority = WORK_INJURY_PRIORITY if work_injury_medical else 0
    case = Case(
        business=business, business_zh=entry.zh, applicant_kind=kind, employer=employer, person=person,
        channel=channel, applied_on=applied_on, facts=app, details=clean, mode=decision.mode, clauses=list(decision.clauses),
        requires=list(decision.requires), explanation_zh=decision.explanation_zh,
        explanation_en=decision.explanation_en, pack=decision.pack, pack_version=decision.pack_version,
        parameters=decision.parameters, rule_id=decision.rule_id or "", office=office, priority=priority,
        deadline=routing.deadline_for(applied_on=applied_on, work_injury_medical=work_injury_medical,
                                      in_force=in_force),
        contact_email=contact_email, contact_phone=contact_phone or (person.phone if person else ""),
        contact_wechat=contact_wechat, submitted_by=actor_user(actor), idempotency_key=idempotency_key,
        request_hash=request_hash, documents_due_on=decision.documents_due_on,
        remote_review_required=decision.mode == Mode.REMOTE_DOCUMENTS,
    )
    # The case first: its id is quoted by the rows that belong to it. The key's unique constraint
    # refuses a retried submission here, before anything else is written.
    case.save(force_insert=True)
    _record(case, action="submit", from_status="", actor=actor,
            note=f"渠道：{Channel(channel).label}；{decision.explanation_zh}")
    audit_create_event(actor=actor, instance=case, reason="登记申请").save(force_insert=True)
    outbox_enqueue(case=case, event="submitted")
    if manual_operation:
        _flag_create(actor=actor, case=case, kind=Flag.Kind.MANUAL_OPERATION, description=manual_operation)
    return case


class DetailsRefused(DomainError):
    """An application's content fails its business's definition or a registry check: `errors`
    name every field (``details.<field>``, ``employer``, ``person``) with its reason in Chinese;
    each front end's mapper shows every one (`entries`)."""

    # At most this many fields are named one by one; the rest are counted in one last entry. An answer
    # grows with the errors a request can provoke (one per unknown key of `details`): review-input7 F1
    # sent 100,000 unknown keys, and each entry repeated the list of every field, so 4,000 keys made a
    # 236 MB answer and 100,000 took the server's memory. Bounded, an answer stays a few kilobytes.
    MAX_LISTED = 50

    def __init__(self, errors: list[FieldError] | tuple[FieldError, ...]) -> None:
        errors = tuple(errors)
        if len(errors) > self.MAX_LISTED:
            more = len(errors) - self.MAX_LISTED
            errors = (*errors[: self.MAX_LISTED],
                      FieldError("details", f"另有{more}处不符未逐一列出，请先更正以上各项"))
        self.errors = errors
        listed = ", ".join(e.field for e in self.errors)
        super().__init__("；".join(e.zh for e in self.errors), f"the application's content is refused: {listed}",
                         field=self.errors[0].field)

    def entries(self) -> list[tuple[str, str, str]]:
        """(field, Chinese reason, English reason) of each error: each names its own field."""
        return [(e.field, e.zh, f"refused: {e.field}") for e in self.errors]


def details_check(*, business: str, details: Any, employer: Employer | None, person: Person | None,
                  applied_on: dt.date) -> dict[str, Any]:
    """The clean content of an application (its definition's fields, then its registry checks);
    raises DetailsRefused naming every field at fault. Writes nothing: the front desk previews with it."""
    checked = details_validate(business, details, today=clock.today())
    errors = [FieldError(f"details.{e.field}", e.zh) for e in checked.errors]
    # The registry checks that do not depend on a field at fault run too, so a form is answered in one
    # round (review-user13 (6): a card form said 请填写收件人 first and only then that the address was too
    # short); a field at fault keeps its own reason (checks.READS).
    errors += checks_run(CheckContext(business=business, employer=employer, person=person, details=checked.details,
                                      applied_on=applied_on), failed={e.field.split(".")[0] for e in checked.errors})
    if errors:
        raise DetailsRefused(errors)
    return checked.details


def _merge_facts(stated: dict[str, Any], from_details: dict[str, Any]) -> dict[str, Any]:
    out = dict(stated)
    for key, value in from_details.items():
        if key == "person":
            out["person"] = {**(out.get("person") or {}), **value}
        else:
            out[key] = value
    return out


# --- Transitions -------------------------------------------------------------------------------
def case_step_actor_check(*, case: Case, actor: Any, action: str) -> workflows.Transition | None:
    """Whether `actor` may make `action` on `case` as it stands, by the workflow's own roles (a near-
    retirement backfill is approved by the municipal center only) and its maker-checker rule (a refund is
    approved by someone who did not prepare it): raises `NotAllowed` (403) when not; the step when it
    may; None when the step is none of the case's now (the caller answers that after the version: a
    stale client is told the case changed). Asked before the version is (review-input13 F4: a district
    reviewer approving such a case was told 428, then 409, then at last 403), and in the API before the
    rest of the body is judged (F11).

    An action no workflow has (``fly``) is refused at once (400, field ``action``), whatever the version:
    it was told 428 when sent without one (review-input13 F11)."""
    if action not in workflows.ACTION_NAMES:
        shown = str(action)[:20]
        raise DomainError(f"没有“{shown}”这个办理步骤，可选：{'、'.join(workflows.ACTION_NAMES.values())}",
                          f"unknown action {shown!r}: one of {', '.join(workflows.ACTION_NAMES)}", field="action")
    try:
        t = workflows.transition_for(case, action)
    except workflows.IllegalTransition:
        return None
    workflows.check_actor(t, actor)
    workflows.check_second_person(t, case, actor)
    return t


def case_transition(
    *, case: Case, actor: Any, action: str, note: str = "", expected_version: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Case:
    """Move a case by one row of the workflow table.

    Two clerks acting at once: the row lock (PostgreSQL) or the immediate write transaction (SQLite)
    orders them, and the version check turns the second into a 409 instead of a double action.
    """
    payload = dict(payload or {})
    if f"case.{action}" in TABLE:  # an action the table does not name is refused by the workflow table
        require(actor, f"case.{action}")
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("office").get(pk=case.pk)
        if not isinstance(actor, SystemActor):
            _require_district(actor, locked)
        t = case_step_actor_check(case=locked, actor=actor, action=action)
        refuse_unread(expected_version)  # a page's version missing (428) or garbled (400): core.versions (review-input14 2)
        if expected_version is not None and locked.version != expected_version:
            raise StaleCase(f"申请已被他人处理（当前版本{locked.version}，您提交的是版本{expected_version}），请刷新后重试",
                            f"the case changed meanwhile (version {locked.version}, not {expected_version})",
                            field="version")
        t = t or workflows.transition_for(locked, action)  # raises: the step is none of the case's now
        if t.target in DONE_STATUSES:
            # Done only with its content: a case without it would complete booking nothing (F6).
            problems = case_content_problems(locked)
            if problems:
                raise workflows.ContentIncomplete(business_zh=locked.business_zh, errors=problems,
                                                  action_zh=workflows.ACTION_NAMES.get(action, action))
        workflows.check_guards(t, locked, payload)
        before = snapshot(locked)
        from_status, old_version = locked.status, locked.version
        _effect(t.effect, locked, actor, payload)
        if t.target == Status.COMPLETED:
            # The business's effect on the books, in this transaction: refused, nothing completes.
            effect_run(case=locked, actor=actor)
        locked.status = t.target
        locked.version = old_version + 1
        if locked.assignee_id is None and getattr(actor, "is_authenticated", False):
            locked.assignee = actor
        if action == "reject":
            locked.rejection_reason = str(payload.get("reason", ""))
        if payload.get("outcome"):
            locked.outcome = str(payload["outcome"])
        if action == "resume":
            locked.resumed_on = payload.get("lifted_on") or epidemic_lifted_on()
        if t.target == Status.COMPLETED:
            locked.completed_at = clock.now()
        fields = ["status", "version", "assignee", "rejection_reason", "outcome", "resumed_on", "completed_at",
                  "remote_review_required", "documents_due_on", "flagged", "updated_at"]
        locked.updated_at = clock.now()
        check_values(Case, {f: getattr(locked, f) for f in ("rejection_reason", "outcome")})  # update() skips save()
        updated = Case.objects.filter(pk=locked.pk, version=old_version).update(
            **{f: getattr(locked, f) for f in fields})
        if updated != 1:
            current = Case.objects.filter(pk=locked.pk).values_list("version", flat=True).first()
            raise StaleCase(f"申请已被他人处理（当前版本{current}，您提交的是版本{old_version}），请刷新后重试",
                            f"the case changed meanwhile (version {current}, not {old_version})", field="version")
        text = note or str(payload.get("reason") or payload.get("outcome") or "")
        _record(locked, action=action, from_status=from_status, actor=actor, note=text)
        audit_update(actor=actor, instance=locked, before=before,
                     reason=f"{workflows.ACTION_NAMES.get(action, action)}：{text}"[:200])
        # What the case now owes and a document on it already answers (uploaded with the application,
        # or since) is received here, before the applicant's message lists what is still owed.
        if locked.status not in (Status.COMPLETED, Status.REJECTED):
            _owed_settle(locked, actor)
        if t.notify:
            outbox_enqueue(case=locked, event=action, extra=_notice_extra(locked, action))
    return locked


def _notice_extra(case: Case, action: str) -> str:
    if action == "reject":
        return f"理由：{case.rejection_reason}。"
    if case.status == Status.DOCUMENTS_OUTSTANDING:
        # Only what is still to be sent: a document already on the case is never asked for again.
        outstanding = owed_outstanding(case)
        if not outstanding:
            return "所需材料均已收到，待经办机构审核。"
        names = "、".join(o.name for o in outstanding)
        due = f"，补交期限{case.documents_due_on}" if case.documents_due_on else "，补交期限待疫情解除后确定"
        return f"请在疫情解除后补交材料：{names}{due}。"
    return ""


def _owe(case: Case, names: list[str], kind: str, due_on: dt.date | None = None) -> None:
    """Owe the documents ``names``. Those a document already on the case answers are received by the
    transition right after its own row (`_owed_settle`), never asked for."""
    OwedDocument.objects.bulk_create([OwedDocument(case=case, name=n, kind=kind, due_on=due_on) for n in names])


OWED_ANSWERED = "owed_answered"  # the transition row's action when a document on the case answers an owed item


def owed_answered_note(owed_name: str, doc_name: str, *, in_advance: bool) -> str:
    """The history row's note when a document answers an owed item, worded as it happened
    (review-user10 F5: an upload made before anything was owed read 已补正): ``in_advance``, the item
    became owed when the case already held the document (提前上传: nothing was asked for, nothing
    corrected); else the item was owed and the upload answered it (补交). `cases.timeline` reads both."""
    if in_advance:
        return f"应交材料“{owed_name}”由提前上传的材料“{doc_name}”提交，无需补交"
    return f"应补材料“{owed_name}”以上传的材料“{doc_name}”补交"


def _owed_settle(case: Case, actor: Any, *, in_advance: bool = True) -> list[OwedDocument]:
    """Mark received every outstanding owed item of the (locked) ``case`` that a document already on it
    answers (`selectors.owed_satisfied`, the one rule), each with a row of the case's history and of
    the audit trail. ``in_advance``: called as the items become owed (the documents came first), else
    after an upload. Returns the items received."""
    answered = owed_satisfied(case)
    done = []
    for owed in OwedDocument.objects.filter(pk__in=answered).order_by("pk"):
        doc = answered[owed.pk]
        before = snapshot(owed)
        _owed_receive(owed, case=case, document=doc)
        _record_event(case, actor, OWED_ANSWERED, owed_answered_note(owed.name, doc.name, in_advance=in_advance))
        audit_update(actor=actor, instance=owed, before=before,
                     reason="提前上传的材料作为应交材料" if in_advance else "上传的材料补交应补材料")
        done.append(owed)
    return done


def _effect(effect: str, case: Case, actor: Any, payload: dict[str, Any]) -> None:
    """The named side effects of the workflow table, each in one place."""
    if not effect:
        return
    catalog_docs = list(routing.business_entry(case.business).documents)
    if effect == "owe_deferred":
        # 1.3: the documents owed (named by the clerk, else the catalog's) and, once lifted, their due date.
        names = [str(n) for n in payload.get("documents_owed") or catalog_docs] or ["补充材料"]
        lifted = epidemic_lifted_on()
        due = routing.documents_due_on(lifted) if lifted else None
        case.documents_due_on = due
        _owe(case, names, OwedDocument.Kind.DEFERRED, due)
    elif effect == "owe_required":
        have = set(case.owed_documents.values_list("name", flat=True))
        names = [str(n) for n in payload.get("documents_required") or catalog_docs if n not in have]
        _owe(case, names, OwedDocument.Kind.REQUIRED)
    elif effect == "owe_originals":
        # 4.2: copies now, originals after the epidemic.
        names = [str(n) for n in payload.get("originals_owed") or [f"{d}原件" for d in catalog_docs
                                                                   if d != "承诺书"] or ["原始材料原件"]]
        _owe(case, names, OwedDocument.Kind.ORIGINAL)
        Mailing.objects.create(case=case, leg=Mailing.Leg.EMPLOYER_TO_DISTRICT,
                               tracking_number=str(payload.get("tracking_number", "")))
    elif effect == "mail_district_received":
        Mailing.objects.update_or_create(case=case, leg=Mailing.Leg.EMPLOYER_TO_DISTRICT, defaults={
            "received_at": clock.now(), "received_by": actor,
            **({"tracking_number": str(payload["tracking_number"])} if payload.get("tracking_number") else {})})
    elif effect == "mail_to_center":
        Mailing.objects.update_or_create(case=case, leg=Mailing.Leg.DISTRICT_TO_CENTER, defaults={
            "tracking_number": str(payload["tracking_number"]), "sent_on": clock.today()})
    elif effect == "mail_center_received":
        Mailing.objects.filter(case=case, leg=Mailing.Leg.DISTRICT_TO_CENTER).update(
            received_at=clock.now(), received_by=actor)
    elif effect == "flag_remote":
        # 2.2: handled first on remote documents, reviewed after the epidemic (7.4 queue).
        case.remote_review_required = True
        _flag_create(actor=actor, case=case, kind=Flag.Kind.REMOTE_DOCUMENTS,
                     description=f"依传真/邮件材料先行办理（第{'、'.join(case.clauses) or '2.2'}条），疫情解除后复核原件")
    else:  # pragma: no cover - a table row naming an unknown effect is a programming error
        raise ValueError(effect)


def case_accept(*, case: Case, actor: Any, note: str = "", expected_version: int | None = None,
                **payload: Any) -> Case:
    return case_transition(case=case, actor=actor, action="accept", note=note, expected_version=expected_version,
                           payload=payload)


def case_approve(*, case: Case, actor: Any, note: str = "", expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, action="approve", note=note, expected_version=expected_version)


def case_complete(*, case: Case, actor: Any, note: str = "", expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, action="complete", note=note, expected_version=expected_version)


def case_reject(*, case: Case, actor: Any, reason: str, expected_version: int | None = None) -> Case:
    return case_transition(case=case, actor=actor, action="reject", expected_version=expected_version,
                           payload={"reason": reason})


# --- Commitment letters and phone checks (1.2) -------------------------------------------------------
def commitment_digest(*, case: Case, text: str, signer: str, signed_at: dt.datetime) -> str:
    """SHA-256 of what was committed to: the letter, its signer and time, and the application's facts."""
    payload = {"case": case.pk, "business": case.business, "facts": case.facts, "text": text, "signer": signer,
               # In UTC, so the hash can be recomputed from the stored row whatever zone it was sent in.
               "signed_at": signed_at.astimezone(dt.UTC).isoformat()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def commitment_letter_capture(*, case: Case, actor: Any, text: str, signer: str,
                              signed_at: dt.datetime | None = None) -> CommitmentLetter:
    require(actor, "commitment_letter.capture")
    if "commitment_letter" not in case.requires:
        raise Conflict("本申请不适用承诺制，无需承诺书", "this case is not handled on commitment",
                              field="commitment_letter")
    # Every fault of the letter at once, each at its input (review-user7 F2's class).
    errors = [FieldError(name, zh) for name, zh in (("text", "请填写承诺内容"), ("signer", "请填写承诺人"))
              if not (text if name == "text" else signer).strip()]
    errors += [FieldError(name, zh) for name, zh in field_problems(CommitmentLetter, [("text", text), ("signer", signer)])
               .items() if name not in {e.field for e in errors}]
    signed_at = signed_at or clock.now()
    when = happened_date_problem(signed_at, today=clock.today())
    if when:
        errors.append(FieldError("signed_at", f"签署时间{when}"))
    if errors:
        raise DetailsRefused(errors)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        _require_district(actor, locked)
        if locked.status != Status.SUBMITTED:
            raise Conflict("申请已受理，承诺书不能再录入或更改", "the letter is fixed once the case is accepted",
                                  field="commitment_letter")
        if CommitmentLetter.objects.filter(case=locked).exists():
            raise Conflict("承诺书已录入，不能更改", "a commitment letter is already captured",
                                  field="commitment_letter")
        letter = CommitmentLetter.objects.create(
            case=locked, text=text, signer=signer, signed_at=signed_at, captured_by=actor_user(actor),
            sha256=commitment_digest(case=locked, text=text, signer=signer, signed_at=signed_at))
        _record_event(locked, actor, "commitment_letter", f"承诺人：{signer}；SHA-256：{letter.sha256}")
        audit_create(actor=actor, instance=letter, reason="录入承诺书")
    return letter


def _record_event(case: Case, actor: Any, action: str, note: str) -> None:
    """A recorded step that does not change the state (from = to)."""
    _record(case, action=action, from_status=case.status, actor=actor, note=note)


def case_change_reveal(*, actor: Any, case: Case, item: str, reason: str) -> str:
    """The full new value of one item of a change of a person's data (1.3a), masked on the case page, for
    staff allowed to reveal personal data in the case's district; the read is recorded
    (core.PersonalDataAccess: who, whose, which item, why) like a reveal on the person's page.
    Raises ValidationError (an item the change does not mask, no reason) or ActionRefused (role,
    district); nothing is recorded then."""
    from django.core.exceptions import ValidationError

    from shebao.cases.business_forms import change_items_masked
    from shebao.core.models import PersonalDataAccess

    require(actor, "personal_data.reveal")
    _require_district(actor, case)
    shown = {i: (name, full) for i, name, full in change_items_masked(case.business, case.details or {})}
    if item not in shown:
        raise ValidationError({"field": f"本申请没有可查看的变更项目“{str(item)[:20]}”"})
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "请填写查看原因"})
    with transaction.atomic():
        PersonalDataAccess.objects.create(
            actor=actor, model="cases.Case", object_pk=str(case.pk),
            subject_label=(case.person.name if case.person_id else "")[:150],
            field=f"变更后{shown[item][0]}"[:50], reason=reason[:200])
    return shown[item][1]


def phone_check_record(*, case: Case, actor: Any, outcome: str, phone: str = "",
                       called_at: dt.datetime | None = None, note: str = "") -> PhoneCheck:
    """1.2c: who called, which number, when, and what the insured person said."""
    require(actor, "phone_check.record")
    if "phone_verification" not in case.requires:
        raise Conflict("本申请无需电话核实", "this case needs no phone check", field="phone_check")
    if outcome not in PhoneCheck.Outcome.values:
        raise DomainError("核实结果无效", f"outcome must be one of {PhoneCheck.Outcome.values}", field="outcome")
    if called_at is not None:
        check_happened_date(called_at, label="通话时间", field="called_at")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)  # person is read after: no FOR UPDATE on an outer join
        _require_district(actor, locked)
        if locked.status not in (Status.SUBMITTED, Status.IN_REVIEW):
            raise Conflict(f"申请当前状态为“{Status(locked.status).label}”，不能再记录电话核实",
                                  "the case is past the phone check", field="phone_check")
        number = phone or (locked.person.phone if locked.person else "") or locked.contact_phone
        if not number:
            raise DomainError("没有可拨打的号码", "no number to call", field="phone")
        check = PhoneCheck.objects.create(case=locked, called_by=actor, phone=number,
                                          called_at=called_at or clock.now(), outcome=outcome, note=note)
        _record_event(locked, actor, "phone_check",
                      f"{check.phone_masked} {PhoneCheck.Outcome(outcome).label} {note}".strip())
        audit_create(actor=actor, instance=check, reason="电话核实")
    return check


INDEX_FIELD = "index_x10k"  # 2.1: the average contribution index, computed from the registry's record


def case_assessment_record(*, case: Case, actor: Any, figures: dict[str, Any], reason: str = "",
                           unreadable: list[tuple[str, str]] | tuple[tuple[str, str], ...] = ()) -> Case:
    """Record the figures the agency works out itself while handling a case (its definition's ``by:
    agency`` fields: for a new retiree (2.1) the average contribution index, the months, the account
    balance, or the amount of record and its reference), never asked of the applicant. Validated by
    the definition (`assessment_validate`); merged into the case's content, the old and new values
    audited, a step on the case's history. Refused (DomainError naming the field) for a business
    without such fields, a case completed or rejected, or a bad value; nothing is written then.

    Every fault is named at once (review-user7 F2: the page said them one at a time): each figure
    the definition refuses, the index and its reason below, and `unreadable`, the inputs a page
    could not read at all (``(field, reason)``, e.g. an amount typed as 一万: its other figures are
    in `figures`), in one `DetailsRefused` with an entry per field.

    The average contribution index (``index_x10k``) is computed from the person's contribution record
    (`benefits.selectors.contribution_index`), not typed: when the record gives it, it is recorded
    with every assessment and a typed value other than it is refused. Only when the record cannot
    give it (no record, or months whose average wage the pack lacks) may staff type it, and then
    with `reason` (why, and from which file), which the audit trail and the case's history keep."""
    from shebao.rules.business_fields import assessment_validate

    require(actor, "case.assess")
    checked = assessment_validate(case.business, figures, today=clock.today())
    lost = {f for f, _ in unreadable}
    errors = [FieldError(f"details.{f}", zh) for f, zh in unreadable]
    errors += [FieldError(f"details.{e.field}", e.zh) for e in checked.errors if e.field.split(".")[0] not in lost]
    reason = (reason or "").strip()
    errors += [FieldError(name, zh) for name, zh in field_problems(AuditEvent, [("reason", reason)]).items()]
    typed_by_hand = ""
    if case.person_id is not None and INDEX_FIELD in {f.name for f in definition(case.business).agency_fields}:
        from shebao.benefits.selectors import contribution_index, index_zh

        working = contribution_index(case.person)
        typed = checked.details.get(INDEX_FIELD)
        if working.index_x10k is not None:
            if typed is not None and typed != working.index_x10k:
                errors.append(FieldError(f"details.{INDEX_FIELD}",
                                         f"平均缴费指数按登记的缴费记录计算为{index_zh(working.index_x10k)}，不能改填为"
                                         f"{index_zh(typed)}；记录有误请先更正缴费记录"))
            checked.details[INDEX_FIELD] = working.index_x10k
        elif typed is not None:
            if not reason:
                errors.append(FieldError("reason", f"{'；'.join(working.missing)}。人工填写平均缴费指数须说明理由"
                                                   "（依据的档案或核定材料）"))
            typed_by_hand = f"平均缴费指数{index_zh(typed)}为人工填写（缴费记录不完整：{'；'.join(working.missing)}），理由：{reason}"
    if errors:
        raise DetailsRefused(errors)
    if not checked.details:
        raise DomainError("请填写核定的项目", "no figure given", field="details")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        _require_district(actor, locked)
        if locked.status in (Status.COMPLETED, Status.REJECTED):
            raise Conflict(f"申请当前状态为“{Status(locked.status).label}”，不能再核定", "the case is closed",
                           field="details")
        before = snapshot(locked)
        locked.details = {**(locked.details or {}), **checked.details}
        locked.version += 1
        locked.save(update_fields=["details", "version"])
        from shebao.cases.business_forms import details_display

        shown = {k for k in checked.details}
        note = "；".join(f"{label}：{value}" for label, value in details_display(
            locked.business, {k: v for k, v in locked.details.items() if k in shown}))
        if typed_by_hand:
            note = f"{note}；{typed_by_hand}"
        _record_event(locked, actor, "assessment", note[:500])
        audit_update(actor=actor, instance=locked, before=before,
                     reason=("经办机构核定；" + typed_by_hand)[:200] if typed_by_hand else "经办机构核定")
    return locked


CORRECT_EVENT = "details_correct"  # the case history's step of a correction of the applicant's content


def case_details_correct(*, case: Case, actor: Any, details: dict[str, Any], reason: str,
                         expected_version: int | None = None, partial: bool = False,
                         unreadable: list[tuple[str, str]] | tuple[tuple[str, str], ...] = ()) -> Case:
    """Fill in or correct the applicant's content of a case still being handled (``Case.details``):
    a case registered before content was required (review-user7 F6: such cases could only be
    rejected), or content its business's definition refuses. `details` is the applicant's content
    as a whole (the agency's recorded figures are kept); with `partial` (the API's PATCH) only the
    fields given are changed over what is stored, a field given as None removed. `reason`: why the
    content changed (the applicant's call, a document received), required.

    Judged as a submission is (`details_check`: the definition, then the registry checks it names,
    the case itself not counted as another open application), and every fault is named at once in
    one `DetailsRefused` with an entry per field (``details.<field>``, ``reason``), together with
    `unreadable` (inputs a page could not read, ``(field, reason)``). A fact the case's decision was
    taken on (its mode, requirements, clauses: ``Case.facts``) cannot be changed by a correction
    (`rules.business_fields.facts_decided_changed`); a fact the case lacked is taken only when the
    rules' decision on it stays the same, else refused: the application is rejected and registered
    anew. Refused with Conflict for a case done (已办理，待补原件, 已办结) or rejected, and with
    StaleCase when `expected_version` is not the case's version. Nothing is written when refused.

    Written under the case's lock: the content and facts, the version, the audit row with the
    content before and after (reason 补正申请内容：<reason>), and a step of the case's history naming
    each field changed with its old and new value as the page shows them (numbers masked). Whoever
    corrects a case has prepared it (`workflows.case_makers`: a refund is then approved by someone
    else, 1.2c), and a refund's phone check made before the correction no longer confirms it
    (`workflows._phone_confirmed`)."""
    require(actor, "case.correct")
    d = definition(case.business)
    if not d.applicant_fields:
        raise DomainError(f"{case.business_zh}没有需要申请人填写的内容", f"{case.business} carries no content",
                          field="details")
    if not isinstance(details, dict):
        raise DetailsRefused([FieldError("details", "申请内容应为对象，字段见该业务的定义")])
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        _require_district(actor, locked)
        if locked.status in DONE_STATUSES or locked.status == Status.REJECTED:
            raise Conflict(f"申请当前状态为“{Status(locked.status).label}”，申请内容不能再补正",
                           "the case is done or rejected", field="details")
        refuse_unread(expected_version)  # a page's version missing (428) or garbled (400): core.versions (review-input14 2)
        if expected_version is not None and locked.version != expected_version:
            raise StaleCase(f"申请已被他人处理（当前版本{locked.version}，您提交的是版本{expected_version}），请刷新后重试",
                            f"the case changed meanwhile (version {locked.version}, not {expected_version})",
                            field="version")
        agency = {f.name for f in d.agency_fields}
        stored = {k: v for k, v in (locked.details or {}).items() if k not in agency}
        given = {**stored, **details} if partial else dict(details)
        given = {k: v for k, v in given.items() if v is not None}
        lost = {f for f, _ in unreadable}
        errors = [FieldError(f"details.{f}", zh) for f, zh in unreadable]
        checked = details_validate(locked.business, given, today=clock.today())
        errors += [FieldError(f"details.{e.field}", e.zh) for e in checked.errors
                   if e.field.split(".")[0] not in lost]
        if not reason:
            errors.append(FieldError("reason", "请填写补正理由（如申请人补充材料、来电更正）"))
        errors += [FieldError(name, zh) for name, zh in field_problems(AuditEvent, [("reason", reason)]).items()]
        facts = dict(locked.facts or {})
        if checked.ok:  # the registry's checks and the decision read a content its definition takes
            errors += checks_run(CheckContext(business=locked.business, employer=locked.employer,
                                              person=locked.person, details=checked.details,
                                              applied_on=locked.applied_on, case_id=locked.pk))
            from_details = facts_from_details(locked.business, checked.details)
            errors += facts_decided_changed(locked.business, facts, from_details)
            merged = _merge_facts(facts, from_details)
            if not errors and merged != facts:
                errors += _decision_changed(locked, merged, from_details)
            facts = merged
        if errors:
            raise DetailsRefused(errors)
        clean = checked.details
        check_values(Case, {"details": clean})
        if "commitment_letter" in locked.requires and facts != locked.facts and \
                CommitmentLetter.objects.filter(case=locked).exists():
            raise DetailsRefused([FieldError("details", "本申请已按原申请事实录入承诺书，补正不能增加办理决定所依据的事实；"
                                                        "请驳回后按补正的内容重新申请")])
        before = snapshot(locked)
        old_applicant = stored
        locked.details = {**{k: v for k, v in (locked.details or {}).items() if k in agency}, **clean}
        locked.facts = facts
        locked.version += 1
        locked.updated_at = clock.now()
        try:
            with transaction.atomic():
                locked.save(update_fields=["details", "facts", "version", "id_number_given_hash", "updated_at"])
        except IntegrityError:
            # Another open application gave the same number meanwhile (case_one_open_per_id_number).
            from shebao.cases.checks import pending_refusal

            refusal = pending_refusal(locked.business, clean)
            if refusal is None:
                raise
            raise DetailsRefused([refusal]) from None
        note = "；".join(_changed_fields(locked.business, old_applicant, clean)) or "内容未变"
        _record_event(locked, actor, CORRECT_EVENT, f"{note}；理由：{reason}"[:500])
        audit_update(actor=actor, instance=locked, before=before, reason=f"补正申请内容：{reason}"[:200])
    return locked


def _decision_changed(case: Case, facts: dict[str, Any], from_details: dict[str, Any]) -> list[FieldError]:
    """The refusal of facts new to the case (`facts`: the case's facts with the content's) when the
    rules decide otherwise on them than the case was decided (mode, requirements, clauses), each at
    the field that brought a new fact; [] when the decision stays."""
    decision = routing.route(facts, routing.policy())
    same = (decision.mode == case.mode and sorted(decision.requires) == sorted(case.requires)
            and sorted(decision.clauses) == sorted(case.clauses))
    if same:
        return []
    where = [f"details.{spec.name}" for spec in definition(case.business).applicant_fields
             if spec.fact and _fact_new(spec.fact, case.facts or {}, from_details)]
    now = Mode(decision.mode).label if decision.mode in Mode.values else decision.mode
    zh = (f"补正的内容会改变本申请的办理决定（由“{Mode(case.mode).label}”改为“{now}”，或办理要求不同）；"
          "请驳回后按补正的内容重新申请")
    return [FieldError(f, zh) for f in (where or ["details"])]


def _fact_new(fact: str, decided: dict[str, Any], from_details: dict[str, Any]) -> bool:
    head, _, tail = fact.partition(".")
    if tail:
        return tail in (from_details.get(head) or {}) and tail not in (decided.get(head) or {})
    return head in from_details and decided.get(head) in (None, "", [], {})


def _changed_fields(business: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Each field whose value a correction changed, as 退费金额：—→100.00元 (values as the page shows
    them, personal numbers masked: `business_forms.details_display`)."""
    from shebao.cases.business_forms import details_display

    out = []
    for spec in definition(business).applicant_fields:
        old, new = before.get(spec.name), after.get(spec.name)
        if old == new:
            continue
        was = dict(details_display(business, {spec.name: old})).get(spec.label, "—") if old is not None else "—"
        now = dict(details_display(business, {spec.name: new})).get(spec.label, "—") if new is not None else "—"
        out.append(f"{spec.label}：{was}→{now}")
    return out


# --- Documents ------------------------------------------------------------------------------------
def document_attach(*, case: Case, actor: Any, name: str, stream: Any, source: str = Document.Source.UPLOAD,
                    owed: OwedDocument | None = None) -> Document:
    """Store an upload (checked by content) and, if it answers an owed document, mark that received."""
    require(actor, "document.attach")
    if source not in Document.Source.values:
        raise UploadRefused("材料来源无效", f"source must be one of {Document.Source.values}", field="source")
    stored: list[Any] = []  # the file written, removed again if the transaction does not commit
    try:
        return _document_attach(case=case, actor=actor, name=name, stream=stream, source=source, owed=owed,
                                stored=stored)
    except BaseException:
        for f in stored:
            f.storage.delete(f.name)
        raise


def _document_attach(*, case: Case, actor: Any, name: str, stream: Any, source: str, owed: OwedDocument | None,
                     stored: list[Any]) -> Document:
    name = (name or "").strip() or (owed.name if owed else "材料")
    # The name as typed, on every path (page, portal, API): refused, never cut or stored with an
    # invisible control (review 3, E7: the portal cut 5,000 characters to 100 without a word, and
    # "\u202efdp.exe" was listed as "exe.pdf").
    limit = Document._meta.get_field("name").max_length
    problem = text_problem(name) or (f"不能超过{limit}个字符（现为{len(name)}个）" if len(name) > limit else "")
    if problem:
        raise UploadRefused(f"材料名称{problem}", "the document's name holds a control character or is too long",
                            field="name")
    # the content is decoded whole (images, PDFs) before the case is locked: seconds for a large scan
    checked = check_upload(stream)  # the count is checked under the lock, after the district
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("office").get(pk=case.pk)
        _require_district(actor, locked)
        if locked.status in (Status.COMPLETED, Status.REJECTED) and owed is None:
            raise Conflict("申请已办结，不能再上传材料", "the case is closed", field="file")
        check_count(locked.documents.count())  # under the lock: a concurrent upload counts
        same = locked.documents.filter(sha256=checked.sha256).order_by("pk").first()
        if same is not None:
            # The same file twice in one case is one document (review 3, E7: six copies were kept). If
            # it answers an owed document, the copy already here answers it.
            if owed is not None and owed.document_id != same.pk:
                _owed_receive(owed, case=locked, document=same)
                _record_event(locked, actor, OWED_ANSWERED, owed_answered_note(owed.name, same.name, in_advance=False))
                return same
            from django.utils import timezone

            raise Conflict(f"该文件已上传过（材料“{same.name}”，{timezone.localtime(same.uploaded_at):%Y-%m-%d %H:%M}），"
                           "无需重复上传", "the same file is already in this case", field="file")
        doc = Document(case=locked, name=name, source=source,
                       content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                       uploaded_by=actor_user(actor))
        check_values(Document, {"name": doc.name})  # before the file is written
        doc.file.save(f"{locked.pk}-{checked.sha256[:16]}.{checked.extension}", ContentFile(checked.content),
                      save=False)
        stored.append(doc.file)
        doc.save()
        if owed is not None:
            _owed_receive(owed, case=locked, document=doc)
        _record_event(locked, actor, "document", f"{doc.name}（{doc.get_source_display()}，SHA-256 {doc.sha256[:12]}…）")
        if owed is None:
            # Sent without naming the item it answers: an item it answers by name is received all the same.
            _owed_settle(locked, actor, in_advance=False)
        # The core snapshot cannot serialise a file field: the row names the file by path and checksum.
        AuditEvent.objects.create(
            actor=actor_user(actor), actor_label=actor_label(actor), action=AuditEvent.Action.CREATE,
            model=Document._meta.label, object_pk=str(doc.pk), district_code=locked.office.code,
            changes=trail_shown({"case_id": [None, locked.pk], "name": [None, doc.name], "file": [None, doc.file.name],
                                 "sha256": [None, doc.sha256], "size": [None, doc.size]}), reason="上传材料")
    return doc


def _owed_receive(owed: OwedDocument, *, case: Case, document: Document | None = None,
                  source: str = "", reference: str = "") -> None:
    if owed.case_id != case.pk:
        raise UploadRefused("该应补材料不属于本申请", "that owed document is not this case's", field="owed_document")
    if owed.state == OwedDocument.State.ACCEPTED:
        raise Conflict("该材料已审核通过", "already accepted", field="owed_document")
    owed.state = OwedDocument.State.RECEIVED
    owed.received_at = clock.now()
    owed.document = document
    owed.exchange_source, owed.exchange_reference = source, reference
    owed.reviewed_by, owed.reviewed_at, owed.review_note = None, None, ""
    owed.save()


def owed_document_exchange(*, owed: OwedDocument, actor: Any, source: str, reference: str) -> OwedDocument:
    """2.3: a data-exchange record from another government body satisfies the document."""
    require(actor, "owed_document.exchange")
    if not source.strip() or not reference.strip():
        raise DomainError("须填写数据共享来源和凭证号", "source and reference are required", field="reference")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=owed.case_id)
        _require_district(actor, case)
        owed = OwedDocument.objects.get(pk=owed.pk)
        before = snapshot(owed)
        _owed_receive(owed, case=case, source=source, reference=reference)
        _record_event(case, actor, "data_exchange", f"{owed.name}：{source} {reference}")
        audit_update(actor=actor, instance=owed, before=before, reason="数据共享（2.3）")
    return owed


def owed_document_review(*, owed: OwedDocument, actor: Any, accepted: bool, note: str = "") -> OwedDocument:
    require(actor, "owed_document.review")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=owed.case_id)
        _require_district(actor, case)
        owed = OwedDocument.objects.get(pk=owed.pk)
        if owed.state != OwedDocument.State.RECEIVED:
            raise Conflict("材料尚未收到，不能审核", "the document has not been received", field="owed_document")
        before = snapshot(owed)
        owed.state = OwedDocument.State.ACCEPTED if accepted else OwedDocument.State.REFUSED
        owed.reviewed_by, owed.reviewed_at, owed.review_note = actor, clock.now(), note
        owed.save()
        _record_event(case, actor, "document_review", f"{owed.name}：{owed.get_state_display()} {note}".strip())
        audit_update(actor=actor, instance=owed, before=before, reason="审核材料")
    return owed


# --- 7.4 flags ------------------------------------------------------------------------------------
def _flag_create(*, actor: Any, case: Case | None, kind: str, description: str, office: Any = None) -> Flag:
    lifted = epidemic_lifted_on()
    flag = Flag.objects.create(
        case=case, office=office or case.office, kind=kind, description=description,
        raised_by=actor_user(actor),
        # Raised after the lift, it goes straight to the review queue.
        stage=Flag.Stage.QUEUED if lifted else Flag.Stage.FLAGGED, queued_at=clock.now() if lifted else None)
    if case is not None and not case.flagged:
        case.flagged = True
        Case.objects.filter(pk=case.pk).update(flagged=True)
    audit_create(actor=actor, instance=flag, reason="7.4标记")
    return flag


def flag_raise(*, actor: Any, kind: str, description: str, case: Case | None = None, office: Any = None) -> Flag:
    """7.4: mark an operation done by hand or outside the system."""
    require(actor, "flag.raise")
    if kind not in Flag.Kind.values:
        raise DomainError("标记类别无效", f"kind must be one of {Flag.Kind.values}", field="kind")
    if not description.strip():
        raise DomainError("须说明做了什么", "a description is required", field="description")
    office = office or (case.office if case else getattr(actor, "district", None))
    if office is None:
        raise DomainError("须指明经办机构", "an office is required", field="office")
    with transaction.atomic():
        if case is not None:
            _require_district(actor, case)
            _record_event(case, actor, "flag", f"{Flag.Kind(kind).label}：{description}")
        return _flag_create(actor=actor, case=case, kind=kind, description=description, office=office)


FLAG_STEPS = {
    # step: (from stage, to stage, outcome field); who may make a step: the table's flag.<step>
    "review": (Flag.Stage.QUEUED, Flag.Stage.REVIEWED, "review_outcome"),
    "settle": (Flag.Stage.REVIEWED, Flag.Stage.SETTLED, "settle_outcome"),
    "audit": (Flag.Stage.SETTLED, Flag.Stage.AUDITED, "audit_outcome"),
}


def flag_advance(*, flag: Flag, actor: Any, step: str, outcome: str, expected_version: int | None = None) -> Flag:
    """7.4 after the lift: review, settle, internal audit — each with its outcome, in that order."""
    if step not in FLAG_STEPS:
        raise DomainError("步骤无效（复核、清理、内审）", "step is review, settle or audit", field="step")
    source, target, outcome_field = FLAG_STEPS[step]
    require(actor, f"flag.{step}")
    if not outcome.strip():
        raise DomainError("须填写结论", "an outcome is required", field="outcome")
    with transaction.atomic():
        locked = Flag.objects.select_for_update().get(pk=flag.pk)
        if not user_may_see_district(actor, locked.office_id):
            raise ActionRefused("只能处理本区的标记", "the flag belongs to another district")
        refuse_unread(expected_version)  # a page's version missing (428) or garbled (400): core.versions (review-input14 2)
        if expected_version is not None and locked.version != expected_version:
            raise StaleCase(f"标记已被他人处理（当前版本{locked.version}，您提交的是版本{expected_version}），请刷新后重试",
                            f"the flag changed meanwhile (version {locked.version}, not {expected_version})",
                            field="version")
        if locked.stage != source:
            if locked.stage == Flag.Stage.FLAGGED:
                raise Conflict("疫情解除前不进入复核（第7.4条）", "the review queue opens when the epidemic is lifted",
                                      field="step")
            raise Conflict(f"标记当前为“{locked.get_stage_display()}”，不能进行该步骤",
                                  f"cannot {step} a flag at stage {locked.stage}", field="step")
        before = snapshot(locked)
        setattr(locked, outcome_field, outcome)
        locked.stage, locked.last_actor = target, actor
        locked.version += 1
        locked.save()
        audit_update(actor=actor, instance=locked, before=before, reason=f"7.4 {step}")
    return locked


# --- Lifting the epidemic --------------------------------------------------------------------------
PREVIEW_EXAMPLES = 20
# 4.2: postponed cases resume by the lift's own run, not by a person (the note names who applied it).
LIFT_JOB = SystemActor("epidemic_lift", "疫情解除后恢复联审")


def _lift_targets() -> tuple[Any, Any, Any]:
    """What the lift acts on: undated deferred documents of waiting cases (1.3), postponed cases (4.2),
    flags not yet queued (7.4). The preview counts these; the run walks them."""
    owed = OwedDocument.objects.filter(kind=OwedDocument.Kind.DEFERRED, due_on__isnull=True,
                                       case__status=Status.DOCUMENTS_OUTSTANDING)
    return owed, Case.objects.filter(status=Status.POSTPONED), Flag.objects.filter(stage=Flag.Stage.FLAGGED)


def lift_in_force() -> EpidemicLift | None:
    """The lift whose date is in force: the latest applied, corrections included (``None``: not lifted)."""
    return EpidemicLift.objects.order_by("-sequence").first()


# How far after the business day a typed date may lie before it is taken for a typing error.
PLAUSIBLE_YEARS_AHEAD = 5


def lift_date_refusal(lifted_on: dt.date) -> str:
    """Why a lifted date is refused outright, in Chinese, or ``""``.

    A date before the year the notice took force (epidemic.in_force_from, Reading 0.4) or more than
    PLAUSIBLE_YEARS_AHEAD years after the business day is no policy anyone announces (0001-01-01,
    9999-12-31): it is refused, not offered for confirmation, and nothing is computed from it.
    """
    start = routing.policy().value("epidemic.in_force_from")
    if start is not None and lifted_on.year < start.year:
        return f"解除日期“{lifted_on.isoformat()}”早于{start.year}年，不是有效的解除日期，请核对"
    today = clock.today()
    if lifted_on.year > today.year + PLAUSIBLE_YEARS_AHEAD:
        return f"解除日期“{lifted_on.isoformat()}”晚于{today.year + PLAUSIBLE_YEARS_AHEAD}年，不是有效的解除日期，请核对"
    return ""


def _refuse_implausible_lift(lifted_on: dt.date) -> None:
    reason = lift_date_refusal(lifted_on)
    if reason:
        raise LiftDateImplausible(reason, f"the lifted date {lifted_on} is not a plausible date", field="lifted_on")


def lift_date_confirmation(lifted_on: dt.date) -> str:
    """Why a lifted date needs the center's confirmation before it is applied, in Chinese, or ``""``.

    A date before the notice took force (epidemic.in_force_from, Reading 0.4) or after the business
    day is possible (a back-dated correction, an announced future date) but is more often a typo.
    """
    start = routing.policy().value("epidemic.in_force_from")
    if start is not None and lifted_on < start:
        return f"解除日期“{lifted_on.isoformat()}”早于通知施行日{start:%Y-%m-%d}，请核对后确认"
    today = clock.today()
    if lifted_on > today:
        return f"解除日期“{lifted_on.isoformat()}”晚于今天（{today:%Y-%m-%d}），请核对后确认"
    return ""


def _redated_targets(old_due: dt.date) -> tuple[Any, Any]:
    """What a correction of the lifted date moves (1.3): deferred documents still owed (or refused)
    whose due date is the earlier lift's, and the waiting cases whose due date it is."""
    docs = OwedDocument.objects.filter(kind=OwedDocument.Kind.DEFERRED, due_on=old_due,
                                       state__in=[OwedDocument.State.OWED, OwedDocument.State.REFUSED])
    cases = Case.objects.filter(status=Status.DOCUMENTS_OUTSTANDING, documents_due_on=old_due)
    return docs, cases


def _correction_preview(current: EpidemicLift | None, lifted_on: dt.date, due: dt.date) -> dict[str, Any] | None:
    if current is None or current.lifted_on == lifted_on:
        return None
    old_due = routing.documents_due_on(current.lifted_on)
    docs, cases = _redated_targets(old_due)
    by_district: dict[str, dict[str, Any]] = {}
    rows = (cases.values(office_code=F("office__code"), office_name=F("office__name")).annotate(n=Count("pk"))
            .order_by())
    for row in rows:
        by_district[row["office_code"]] = {"name": row["office_name"], "cases_redated": row["n"]}
    applied = (current.summary or {}).get("applied", {})
    return {
        "lifted_on_before": current.lifted_on.isoformat(),
        "documents_due_on_before": old_due.isoformat(),
        "documents_due_on": due.isoformat(),
        "cases_redated": cases.count(),
        "owed_documents_redated": docs.count(),
        "by_district": dict(sorted(by_district.items())),
        "examples": list(cases.order_by("pk").values_list("pk", flat=True)[:PREVIEW_EXAMPLES]),
        # 4.2: a resumed case is not postponed again; the correction leaves it as it is.
        "resumed_unchanged": int(applied.get("postponed_resumed", 0)),
    }


def epidemic_lift_preview(lifted_on: dt.date, *, actor: Any) -> dict[str, Any]:
    """What applying the lift would do, without doing it: counts, per district, and a few case ids to
    open. Counting stays cheap at a million cases; listing every affected id would not.

    When a lift is already in force for another date, ``correction`` says what the correction changes:
    the owed documents and cases whose due date moves (1.3) and the cases the earlier lift resumed,
    which stay resumed (4.2); ``None`` otherwise. ``confirmation`` is the reason the date needs a
    confirmation (before the notice, after today), or ``""``. Shown to whoever may apply it (the
    table's `epidemic_lift.preview`), on the page and in the API alike.
    """
    require(actor, "epidemic_lift.preview")
    _refuse_implausible_lift(lifted_on)
    current = lift_in_force()
    due = routing.documents_due_on(lifted_on)
    owed, postponed, flags = _lift_targets()
    by_district: dict[str, dict[str, Any]] = {}

    def per_district(qs: Any, office: str, counted: Any, key: str) -> int:
        """Count `qs` per district into by_district[code][key]; returns the total."""
        rows = (qs.values(office_code=F(f"{office}__code"), office_name=F(f"{office}__name"))
                .annotate(n=counted).order_by())
        for row in rows:
            entry = by_district.setdefault(row["office_code"], {"name": row["office_name"], "owed_lists_dated": 0,
                                                                "postponed_resumed": 0, "flags_queued": 0})
            entry[key] += row["n"]
        return sum(row["n"] for row in rows)

    owed_cases = per_district(owed, "case__office", Count("case_id", distinct=True), "owed_lists_dated")
    resumed = per_district(postponed, "office", Count("pk"), "postponed_resumed")
    queued = per_district(flags, "office", Count("pk"), "flags_queued")
    return {
        "lifted_on": lifted_on.isoformat(),
        "already_applied": current is not None and current.lifted_on == lifted_on,
        "correction": _correction_preview(current, lifted_on, due),
        "confirmation": lift_date_confirmation(lifted_on),
        "documents_due_on": due.isoformat(),
        "owed_lists_dated": owed_cases,
        "owed_documents_dated": owed.count(),
        "postponed_resumed": resumed,
        "flags_queued": queued,
        "by_district": dict(sorted(by_district.items())),
        "examples": {
            "owed_lists_dated": sorted(owed.order_by("case_id").values_list("case_id", flat=True)
                                       .distinct()[:PREVIEW_EXAMPLES]),
            "postponed_resumed": list(postponed.order_by("pk").values_list("pk", flat=True)[:PREVIEW_EXAMPLES]),
        },
    }


def _cases_in_chunks(ids: list[int], size: int = 1000) -> Any:
    """The cases of `ids` in id order, read a thousand at a time (an IN list of a million ids is not
    a query to send)."""
    for start in range(0, len(ids), size):
        yield from Case.objects.filter(pk__in=ids[start:start + size]).order_by("pk")


def epidemic_lift_apply(*, actor: Any, lifted_on: dt.date, confirmed: bool = False) -> EpidemicLift:
    """Publish the lifted date and run its effects: owed lists dated (1.3), postponed cases resumed
    (4.2), the 7.4 review queue opened. Applying the date in force again is a no-op.

    A different date corrects the lift in force (a center publishes corrections): a new announcement
    and a new `EpidemicLift` row that names the one it corrects, both kept; owed documents and
    waiting cases dated by the earlier lift move to the new due date (each case's event, audit row
    and notification), then the effects above run again for whatever they have not reached, so a
    second run changes nothing. Late fees follow the policy (0.3) and need no rewrite.

    Raises PermissionDenied for a user who may not lift, and `LiftNeedsConfirmation` for a date
    before the notice or after today unless ``confirmed``.
    """
    from shebao.core.models import Announcement
    from shebao.core.policy import announcement_publish, policy_pack_name
    from shebao.rules.wording import date_zh

    require(actor, "epidemic_lift.apply")
    current = lift_in_force()
    if current is not None and current.lifted_on == lifted_on:
        return current
    _refuse_implausible_lift(lifted_on)
    reason = lift_date_confirmation(lifted_on)
    if reason and not confirmed:
        raise LiftNeedsConfirmation(reason, f"the lifted date {lifted_on} needs a confirmation",
                                    field="confirmed")
    try:
        with transaction.atomic():
            preview = epidemic_lift_preview(lifted_on, actor=actor)
            if current is None:
                ann = Announcement.objects.filter(pack=policy_pack_name(), parameter="epidemic.lifted_on",
                                                value=lifted_on.isoformat()).last()
                title = f"疫情解除公告（{date_zh(lifted_on)}解除）"
            else:
                ann = None  # a correction is always published, even back to an earlier date
                title = f"关于更正疫情解除日期的公告（{date_zh(current.lifted_on)}更正为{date_zh(lifted_on)}）"
            if ann is None or epidemic_lifted_on() != lifted_on:
                ann = announcement_publish(actor=actor, parameter="epidemic.lifted_on", value=lifted_on.isoformat(),
                                           title=title, clause="0.3")
            lift = EpidemicLift.objects.create(
                lifted_on=lifted_on, announcement=ann, applied_by=actor, summary=preview, corrects=current,
                sequence=(current.sequence + 1) if current is not None else 1)
            due = routing.documents_due_on(lifted_on)
            redated = _lift_redate(actor, current, lifted_on, due) if current is not None else 0
            owed, postponed, _flags = _lift_targets()
            # Ids first: the walk below changes what the querysets would select.
            owed_case_ids = sorted(set(owed.values_list("case_id", flat=True)))
            postponed_ids = list(postponed.order_by("pk").values_list("pk", flat=True))
            # 1.3: every owed list gets its due date.
            for case in _cases_in_chunks(owed_case_ids):
                before = snapshot(case)
                OwedDocument.objects.filter(case=case, kind=OwedDocument.Kind.DEFERRED, due_on__isnull=True).update(
                    due_on=due)
                case.documents_due_on = due
                case.version += 1
                case.updated_at = clock.now()
                case.save(update_fields=["documents_due_on", "version", "updated_at"])
                _record_event(case, actor, "documents_due", f"疫情解除（{lifted_on}），容缺材料补交期限{due}")
                audit_update(actor=actor, instance=case, before=before, reason="疫情解除：确定补交期限")
                if owed_outstanding(case):  # never a reminder for what the case already holds
                    outbox_enqueue(case=case, event="documents_due", extra=f"请于{due}前补交容缺材料。")
            # 4.2: joint review resumes; postponed cases continue as regular.
            for case in _cases_in_chunks(postponed_ids):
                case_transition(case=case, actor=LIFT_JOB, action="resume", payload={"lifted_on": lifted_on},
                                note=f"疫情解除（{lifted_on}），联审恢复；由{actor.get_username()}执行")
            # 7.4: the review queue opens.
            queued = Flag.objects.filter(stage=Flag.Stage.FLAGGED).update(stage=Flag.Stage.QUEUED,
                                                                          queued_at=clock.now())
            # What the run did (the preview's counts were read a moment earlier).
            lift.summary = {**preview, "applied": {"owed_lists_dated": len(owed_case_ids),
                                                   "postponed_resumed": len(postponed_ids), "flags_queued": queued,
                                                   "cases_redated": redated}}
            lift.save(update_fields=["summary"])
            audit_create(actor=actor, instance=lift,
                         reason="更正疫情解除日期" if current is not None else "执行疫情解除")
    except IntegrityError:
        # Two administrators at once: the unique sequence lets one run; the other reads its result.
        existing = lift_in_force()
        if existing is None or existing.lifted_on != lifted_on:
            raise
        return existing
    return lift


def _lift_redate(actor: Any, current: EpidemicLift, lifted_on: dt.date, due: dt.date) -> int:
    """1.3 after a correction: what the earlier lift dated moves to the corrected due date. Returns
    the number of cases moved; each gets its event, audit row and notification."""
    old_due = routing.documents_due_on(current.lifted_on)
    if old_due == due:
        return 0
    docs, cases = _redated_targets(old_due)
    case_ids = sorted(set(cases.values_list("pk", flat=True)) | set(docs.values_list("case_id", flat=True)))
    docs.update(due_on=due)
    moved = 0
    for case in _cases_in_chunks(case_ids):
        if case.documents_due_on != old_due:
            continue
        before = snapshot(case)
        case.documents_due_on = due
        case.version += 1
        case.updated_at = clock.now()
        case.save(update_fields=["documents_due_on", "version", "updated_at"])
        _record_event(case, actor, "documents_due",
                      f"疫情解除日期更正为{lifted_on}，容缺材料补交期限由{old_due}改为{due}")
        audit_update(actor=actor, instance=case, before=before, reason="更正疫情解除日期：补交期限随之调整")
        if owed_outstanding(case):  # never a reminder for what the case already holds
            outbox_enqueue(case=case, event="documents_due", extra=f"疫情解除日期已更正，请于{due}前补交容缺材料。")
        moved += 1
    return moved
