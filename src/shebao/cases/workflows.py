"""The workflow of every handling mode, as ONE table of transitions.

Each row names the workflow, the action, the states it may start from, the state it leads to, the
roles that may make it (for this handling mode: always within the permission table's `case.<action>`
row, core/permissions.py, which the service checks first), the guards that must hold (the notice's preconditions: a commitment letter
for 1.2, a confirmed phone call for 1.2c, every owed document for 1.3) and whether the applicant is
told. `services.case_transition` is the only code that moves a case; it reads this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shebao.cases.models import Case, Flag, Mode, OwedDocument, PhoneCheck, Status
from shebao.core.errors import Conflict, DomainError, Unprocessable
from shebao.core.permissions import CASE_STAFF as STAFF
from shebao.core.permissions import CENTER, SystemActor
from shebao.core.permissions import CLERKS as CLERK
from shebao.core.permissions import REVIEWERS as REVIEWER
from shebao.staff.models import Role

S = Status

ACTION_NAMES: dict[str, str] = {
    "accept": "受理", "approve": "审批通过", "complete": "办结", "reject": "驳回", "resume": "恢复办理",
    "district_receive": "区中心收件", "district_review": "区中心审核", "mail_to_center": "寄送市中心",
    "center_receive": "市中心收件",
}


# The workflow's refusals: kinds of the one domain error (core.errors), built as DomainError(zh, en, field=).
class LiftNeedsConfirmation(Unprocessable):
    """The lifted date is before the notice or after today: applied only once confirmed."""

    code = problem = "needs_confirmation"


class LiftDateImplausible(Unprocessable):
    """The lifted date lies outside any plausible year (a typing error): refused, not confirmable."""

    code = problem = "implausible_date"


class IllegalTransition(Conflict):
    """The action is not a step of this mode's workflow, or not from the case's current status."""

    code = problem = "illegal_transition"


class StaleCase(Conflict):
    """The case (or flag) changed since the version the caller read."""

    code = problem = "stale"


class NotAllowed(DomainError):
    """The workflow's row does not let this role (or a system job) take the step."""

    status = 403
    code = problem = "role_not_allowed"
    field_default = "action"


class SecondPersonRequired(NotAllowed):
    """Money out (a 1.2c refund) is approved by someone who did not prepare it (maker and checker)."""

    code = "second_person_required"  # the problem type stays role_not_allowed (403)


class GuardFailed(Unprocessable):
    """A precondition of the notice does not hold (no commitment letter, no confirmed phone call, ...)."""

    code = problem = "precondition_failed"


class ContentIncomplete(GuardFailed):
    """The case's content fails its business's definition (`selectors.case_content_problems`): it
    cannot be approved or completed until the content is complete (review-user7 F6). `errors` name
    every field (``details.<field>``) with its Chinese reason; `entries` gives one per field."""

    code = problem = "content_incomplete"

    def __init__(self, *, business_zh: str, action_zh: str, errors: list[Any]) -> None:
        self.errors, self.action_zh = tuple(errors), action_zh
        reasons = "；".join(e.zh for e in self.errors)
        super().__init__(f"申请内容不完整，不能{action_zh}：{reasons}。请先补全{business_zh}的申请内容（或驳回申请）",
                         f"the case's content is incomplete: {', '.join(e.field for e in self.errors)}",
                         field=self.errors[0].field if self.errors else "details")

    def entries(self) -> list[tuple[str, str, str]]:
        """(field, Chinese reason, English reason) of each field at fault."""
        return [(e.field, f"申请内容不完整，不能{self.action_zh}：{e.zh}", f"incomplete: {e.field}") for e in self.errors]


Guard = Callable[[Case, dict[str, Any]], "tuple[str, str, str] | None"]  # -> (field, zh, en) or None


def _letter_captured(case: Case, payload: dict[str, Any]) -> tuple[str, str, str] | None:
    # 1.2, 4.2: the commitment letter replaces the documents; no letter, no acceptance.
    if hasattr(case, "commitment_letter"):
        return None
    return ("commitment_letter", "尚未录入承诺书（第1.2条/第4.2条），不能受理",
            "no commitment letter has been captured (1.2/4.2)")


def _phone_confirmed(case: Case, payload: dict[str, Any]) -> tuple[str, str, str] | None:
    # 1.2c: a refund is paid only after staff confirmed it with the insured person by phone. A call
    # confirms the content as it then was: after a correction of the content (amount, account) only a
    # later call confirms it (services.case_details_correct).
    confirmed = case.phone_checks.filter(outcome=PhoneCheck.Outcome.CONFIRMED)
    corrected = case.transitions.filter(action="details_correct").order_by("-pk").values_list("pk", "at").first()
    if corrected is not None:
        # a call recorded after the correction (its step on the history is later; a clock may stand still)
        called_since = case.transitions.filter(action="phone_check", pk__gt=corrected[0]).exists()
        confirmed = confirmed.filter(called_at__gte=corrected[1]) if called_since else confirmed.none()
    if confirmed.exists():
        return None
    if corrected is not None and case.phone_checks.filter(outcome=PhoneCheck.Outcome.CONFIRMED).exists():
        return ("phone_check", "申请内容补正后尚未重新电话核实：此前的核实确认的是补正前的内容，请与参保人本人重新电话核实（第1.2c条）",
                "the content was corrected after the phone check: confirm it again (1.2c)")
    return ("phone_check", "退费须先与参保人电话核实并确认（第1.2c条），尚无已确认的电话核实记录；"
            "电话核实应由经办人员完成，审批人如自己记录核实结果，即不能再审批本申请（经办与复核分离），须另一名工作人员审批",
            "a refund needs a confirmed phone check with the insured person first (1.2c)")


def _not_denied(case: Case, payload: dict[str, Any]) -> tuple[str, str, str] | None:
    # 1.2c: the phone call is there to catch a refund the insured person did not ask for. Once the
    # person has denied it, the refund goes no further (neither accepted nor approved, whatever is
    # recorded later): it can only be rejected.
    if not case.phone_checks.filter(outcome=PhoneCheck.Outcome.DENIED).exists():
        return None
    return ("phone_check", "电话核实时参保人本人否认申请过此退费（第1.2c条），不能受理或审批，只能驳回",
            "the insured person denied this refund on the phone check (1.2c): it can only be rejected")


def _owed_all_reviewed(case: Case, payload: dict[str, Any]) -> tuple[str, str, str] | None:
    # 1.3: accepted with documents to follow cannot complete without every one received and reviewed.
    missing = list(case.owed_documents.exclude(state=OwedDocument.State.ACCEPTED).values_list("name", flat=True))
    if not missing:
        return None
    return ("owed_documents", f"仍有材料未补齐或未审核通过：{'、'.join(missing)}",
            f"documents still owed or not yet reviewed: {len(missing)}")


def _required_received(case: Case, payload: dict[str, Any]) -> tuple[str, str, str] | None:
    missing = list(case.owed_documents.filter(state__in=[OwedDocument.State.OWED, OwedDocument.State.REFUSED])
                   .values_list("name", flat=True))
    if not missing:
        return None
    return ("owed_documents", f"办理所需材料尚未收齐：{'、'.join(missing)}",
            f"required documents not yet received: {len(missing)}")


def _remote_document_attached(case: Case, payload: dict[str, Any]) -> tuple[str, str, str] | None:
    # 1.4, 2.2: handled on documents that staff attach from a fax or an e-mail.
    if case.documents.filter(source__in=["fax", "email"]).exists():
        return None
    return ("documents", "须先附上通过传真或电子邮件收到的材料（第1.4条/第2.2条）",
            "attach the documents received by fax or e-mail first (1.4/2.2)")


def _outcome_recorded(case: Case, payload: dict[str, Any]) -> tuple[str, str, str] | None:
    if str(payload.get("outcome") or "").strip():
        return None
    return ("outcome", "直接办理须记录办理结果", "a direct handling must record what was done")


def _reason_given(case: Case, payload: dict[str, Any]) -> tuple[str, str, str] | None:
    if str(payload.get("reason") or "").strip():
        return None
    return ("reason", "驳回须说明理由", "a rejection needs a reason")


def _tracking_number(case: Case, payload: dict[str, Any]) -> tuple[str, str, str] | None:
    if str(payload.get("tracking_number") or "").strip():
        return None
    return ("tracking_number", "须填写邮件号", "a tracking number is required")


def _epidemic_lifted(case: Case, payload: dict[str, Any]) -> tuple[str, str, str] | None:
    # 4.2: postponed cases wait until joint review resumes, i.e. the epidemic is lifted.
    if payload.get("lifted_on"):
        return None
    from shebao.core.policy import epidemic_lifted_on

    if epidemic_lifted_on() is not None:
        return None
    return ("action", "疫情尚未解除，联审尚未恢复（第4.2条），暂缓办理的申请不能恢复",
            "the epidemic is not lifted yet; joint review has not resumed (4.2)")


@dataclass(frozen=True)
class Transition:
    workflow: str
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    guards: tuple[Guard, ...] = ()
    notify: bool = False
    effect: str = ""  # a named side effect that services.py performs (one place each)
    system: bool = field(default=False)  # may be made by a system job (the epidemic-lift run)
    # Money out: made by a person who did none of the case's earlier steps (check_second_person).
    second_person: bool = field(default=False)


def T(workflow: str, action: str, sources: list[str], target: str, roles: frozenset[str], *guards: Guard,
      notify: bool = False, effect: str = "", system: bool = False, second_person: bool = False) -> Transition:
    return Transition(workflow, action, frozenset(sources), target, roles, tuple(guards), notify, effect, system,
                      second_person)


def _reject(workflow: str, sources: list[str]) -> Transition:
    return T(workflow, "reject", sources, S.REJECTED, STAFF, _reason_given, notify=True)


# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # direct (1.1): completed on acceptance, with the record of what was done.
    T("direct", "accept", [S.SUBMITTED], S.COMPLETED, CLERK, _outcome_recorded, notify=True),
    _reject("direct", [S.SUBMITTED]),
    # commitment (1.2a, 1.2b): the letter replaces documents; a reviewer approves.
    T("commitment", "accept", [S.SUBMITTED], S.IN_REVIEW, CLERK, _letter_captured, notify=True),
    T("commitment", "approve", [S.IN_REVIEW], S.COMPLETED, REVIEWER, _letter_captured, notify=True),
    _reject("commitment", [S.SUBMITTED, S.IN_REVIEW]),
    # refund (1.2c): as commitment, and never approved before a confirmed phone check.
    T("refund", "accept", [S.SUBMITTED], S.IN_REVIEW, CLERK, _not_denied, _letter_captured, notify=True),
    # Money out: approved by a second person, whatever the roles (issue 16 §3: maker and checker).
    T("refund", "approve", [S.IN_REVIEW], S.COMPLETED, REVIEWER, _not_denied, _letter_captured, _phone_confirmed,
      notify=True, second_person=True),
    _reject("refund", [S.SUBMITTED, S.IN_REVIEW]),
    # deferred documents (1.3): accepted with the list owed; completes once each is received and reviewed.
    T("deferred_documents", "accept", [S.SUBMITTED], S.DOCUMENTS_OUTSTANDING, CLERK, notify=True,
      effect="owe_deferred"),
    T("deferred_documents", "complete", [S.DOCUMENTS_OUTSTANDING], S.COMPLETED, REVIEWER, _owed_all_reviewed,
      notify=True),
    _reject("deferred_documents", [S.SUBMITTED, S.DOCUMENTS_OUTSTANDING]),
    # remote documents (1.4, 2.2): handled first on fax/e-mail documents, flagged for review afterwards.
    T("remote_documents", "accept", [S.SUBMITTED], S.COMPLETED, CLERK, _remote_document_attached,
      _outcome_recorded, notify=True, effect="flag_remote"),
    _reject("remote_documents", [S.SUBMITTED]),
    # postponed (4.2, not near retirement): waits for joint review to resume, then as regular.
    T("postponed", "accept", [S.SUBMITTED], S.POSTPONED, CLERK, notify=True),
    T("postponed", "resume", [S.POSTPONED], S.IN_REVIEW, CENTER, _epidemic_lifted, notify=True,
      effect="owe_required", system=True),
    T("postponed", "approve", [S.IN_REVIEW], S.COMPLETED, REVIEWER, _required_received, notify=True),
    _reject("postponed", [S.SUBMITTED, S.IN_REVIEW]),
    # near retirement (4.2): copies and a commitment letter by post, employer → district → center;
    # the originals follow after the epidemic.
    T("near_retirement", "accept", [S.SUBMITTED], S.AWAITING_COPIES, CLERK, _letter_captured, notify=True,
      effect="owe_originals"),
    T("near_retirement", "district_receive", [S.AWAITING_COPIES], S.DISTRICT_RECEIVED, CLERK,
      effect="mail_district_received"),
    T("near_retirement", "district_review", [S.DISTRICT_RECEIVED], S.DISTRICT_REVIEWED,
      frozenset({Role.DISTRICT_REVIEWER})),
    T("near_retirement", "mail_to_center", [S.DISTRICT_REVIEWED], S.MAILED_TO_CENTER,
      frozenset({Role.DISTRICT_CLERK}), _tracking_number, effect="mail_to_center"),
    T("near_retirement", "center_receive", [S.MAILED_TO_CENTER], S.CENTER_RECEIVED, CENTER,
      effect="mail_center_received"),
    T("near_retirement", "approve", [S.CENTER_RECEIVED], S.ORIGINALS_OWED, CENTER, notify=True),
    T("near_retirement", "complete", [S.ORIGINALS_OWED], S.COMPLETED, REVIEWER, _owed_all_reviewed, notify=True),
    _reject("near_retirement", [S.SUBMITTED, S.AWAITING_COPIES, S.DISTRICT_RECEIVED, S.DISTRICT_REVIEWED,
                                S.CENTER_RECEIVED]),
    # regular: documents, review, approve or reject with a reason.
    T("regular", "accept", [S.SUBMITTED], S.IN_REVIEW, CLERK, notify=True, effect="owe_required"),
    T("regular", "approve", [S.IN_REVIEW], S.COMPLETED, REVIEWER, _required_received, notify=True),
    _reject("regular", [S.SUBMITTED, S.IN_REVIEW]),
)
# fmt: on

_INDEX: dict[tuple[str, str], Transition] = {(t.workflow, t.action): t for t in TRANSITIONS}
WORKFLOWS: tuple[str, ...] = tuple(dict.fromkeys(t.workflow for t in TRANSITIONS))


def workflow_of(*, mode: str, requires: list[str] | tuple[str, ...]) -> str:
    """The workflow a decision leads to: the mode, with 1.2c refunds and 4.2 mailings apart."""
    if mode == Mode.COMMITMENT and "phone_verification" in requires:
        return "refund"
    if mode == Mode.COMMITMENT and "copies_by_post" in requires:
        return "near_retirement"
    return str(mode)


def case_workflow(case: Case) -> str:
    return workflow_of(mode=case.mode, requires=case.requires)


def transition_for(case: Case, action: str) -> Transition:
    """The row for `action` on this case, refusing an unknown action or one from the wrong state."""
    wf = case_workflow(case)
    t = _INDEX.get((wf, action))
    name = ACTION_NAMES.get(action, action)
    if t is None:
        raise IllegalTransition(f"“{name}”不是本类申请（{Mode(case.mode).label}）的办理环节",
                                f"{action!r} is not a step of the {wf} workflow")
    if case.status not in t.sources:
        raise IllegalTransition(f"申请当前状态为“{Status(case.status).label}”，不能进行“{name}”操作",
                                f"cannot {action} a case in state {case.status}")
    return t


def check_actor(t: Transition, actor: Any) -> None:
    if isinstance(actor, SystemActor):
        if not t.system:
            raise NotAllowed("该操作不能由系统自动执行", f"{t.action} is not a system step")
        return
    role = getattr(actor, "role", None)
    if role not in t.roles:
        label = Role(role).label if role in Role.values else "无角色"
        raise NotAllowed(f"{label}无权进行“{ACTION_NAMES.get(t.action, t.action)}”操作",
                         f"role {role} may not {t.action}")


def case_makers(case: Case) -> set[int]:
    """The staff who prepared the case so far: registered it, captured its commitment letter, recorded
    a phone check, or made any step (user ids; system jobs are nobody)."""
    from shebao.cases.models import CaseTransition, CommitmentLetter

    makers = set(CaseTransition.objects.filter(case=case, actor__isnull=False).values_list("actor_id", flat=True))
    makers |= set(PhoneCheck.objects.filter(case=case).values_list("called_by_id", flat=True))
    makers |= set(CommitmentLetter.objects.filter(case=case, captured_by__isnull=False)
                  .values_list("captured_by_id", flat=True))
    return makers


def check_second_person(t: Transition, case: Case, actor: Any) -> None:
    """Money out needs two different people (maker and checker) whatever their roles: a refund (1.2c) is
    approved by someone who neither registered it, nor captured its commitment letter, nor recorded
    its phone check, nor accepted it. Raises SecondPersonRequired (403)."""
    if not t.second_person:
        return
    if isinstance(actor, SystemActor) or getattr(actor, "pk", None) in case_makers(case):
        raise SecondPersonRequired(
            f"{SECOND_PERSON_RULE}；您已参与本申请的经办，不能审批，请由本区其他复核人员审批",
            "money out is approved by a second person who did not prepare the case (maker and checker)")


SECOND_PERSON_RULE = ("退费属于资金支出，须由未经办过本申请的另一名工作人员审批（经办与复核分离，第1.2c条）："
                      "登记、录入承诺书、电话核实或受理本申请的人员都不能审批")


@dataclass(frozen=True)
class Withheld:
    """An action the actor's role may make but they may not on this case, because they prepared it
    (maker and checker): what, why, and who may (display names; empty when nobody may now)."""

    action: str
    action_zh: str
    reason_zh: str
    who: tuple[str, ...]


def second_person_withheld(case: Case, actor: Any) -> list[Withheld]:
    """The money-out actions of this case withheld from `actor` because they prepared it (1.2c), each
    with the staff who may make it instead: active staff of the case's district (or the municipal
    center) whose role may, who did none of its steps. A read, for the case page: the page says why a
    button is missing and whom to ask, instead of dropping it silently."""
    from shebao.core.permissions import may
    from shebao.core.scoping import user_may_see_district
    from shebao.staff.models import User

    wf = case_workflow(case)
    role = getattr(actor, "role", None)
    out = []
    makers: set[int] | None = None
    for t in TRANSITIONS:
        if not (t.second_person and t.workflow == wf and case.status in t.sources and role in t.roles
                and may(actor, f"case.{t.action}")):
            continue
        makers = case_makers(case) if makers is None else makers
        if getattr(actor, "pk", None) not in makers:
            continue
        others = [u for u in User.objects.filter(is_active=True, role__in=t.roles).exclude(pk__in=makers)
                  .select_related("office", "office__parent").order_by("username")
                  if user_may_see_district(u, case.office_id) and may(u, f"case.{t.action}")]
        out.append(Withheld(t.action, ACTION_NAMES.get(t.action, t.action),
                            f"{SECOND_PERSON_RULE}；您已参与本申请的经办，不能{ACTION_NAMES.get(t.action, t.action)}",
                            tuple(str(u) for u in others[:10])))
    return out


def check_guards(t: Transition, case: Case, payload: dict[str, Any]) -> None:
    for guard in t.guards:
        failure = guard(case, payload)
        if failure:
            fld, zh, en = failure
            raise GuardFailed(zh, en, field=fld)


def available_actions(case: Case, actor: Any) -> list[str]:
    """The actions this actor could try now (guards aside): what a page or the API offers."""
    from shebao.core.permissions import may

    wf = case_workflow(case)
    role = getattr(actor, "role", None)
    makers: set[int] | None = None
    actions = []
    for t in TRANSITIONS:
        if not (t.workflow == wf and case.status in t.sources and role in t.roles and may(actor, f"case.{t.action}")):
            continue
        if t.second_person:
            makers = case_makers(case) if makers is None else makers
            if getattr(actor, "pk", None) in makers:
                continue
        actions.append(t.action)
    return actions


# Guards that read the case alone (no input of the step): what the case still lacks, said by `waiting_on`.
_CASE_STATE_GUARDS = (_required_received, _owed_all_reviewed, _remote_document_attached)


def waiting_on(case: Case, actor: Any, *, available: list[str] | None = None) -> list[tuple[str, str, str]]:
    """What moves the case on from here and who does it, when it is not this actor: ``[(action name,
    roles' names, what the case still lacks for it or "")]`` of the forward steps (not 驳回) of the case's workflow from its status that the actor
    may not take (another role, or the second person of 1.2c). Empty when the actor can move it on or
    nothing follows (done, rejected). For the case page: a clerk whose part is done reads that the case
    now waits for the reviewer (review-user8 F7), not only 驳回. ``available``: `available_actions` of
    this actor when the caller has it already (it reads the case's makers once more otherwise)."""
    from shebao.staff.models import Role

    mine = set(available_actions(case, actor) if available is None else available)
    wf = case_workflow(case)
    steps = [t for t in TRANSITIONS if t.workflow == wf and case.status in t.sources and t.action != "reject"]
    if not steps or any(t.action in mine for t in steps):
        return []
    out: dict[str, tuple[set[str], str]] = {}
    for t in steps:
        # what the case itself still lacks for that step (documents owed or not reviewed, a fax to attach):
        # then the reader's part is not done (look9: 您这一步已完成 beside materials still 未收到)
        pending = next((failed[1] for g in t.guards if g in _CASE_STATE_GUARDS
                        and (failed := g(case, {})) is not None), "")
        roles, _ = out.setdefault(ACTION_NAMES.get(t.action, t.action), (set(), pending))
        roles.update(t.roles)
    names = dict(Role.choices)
    return [(action, "或".join(names.get(r, r) for r in sorted(roles)), pending)
            for action, (roles, pending) in out.items()]


def table_rows() -> list[dict[str, Any]]:
    """The table as data, for documentation and tests."""
    return [{"workflow": t.workflow, "action": t.action, "from": sorted(t.sources), "to": t.target,
             "roles": sorted(t.roles), "guards": [g.__name__.lstrip("_") for g in t.guards], "notify": t.notify}
            for t in TRANSITIONS]


FLAG_KIND_REMOTE = Flag.Kind.REMOTE_DOCUMENTS
