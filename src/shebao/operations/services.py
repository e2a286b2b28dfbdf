"""Writes on audit cases (7.1–7.3). Each service checks the actor's role and district, changes the
case, and writes its audit row in the same transaction; a refusal (PermissionDenied or a
ValidationError with a Chinese message) writes nothing.

Who may act (roles of ``shebao.staff.models.Role``):

* registering a case and recording a contact (7.2, 7.3): auditors, district clerks, the
  municipal center's administrators;
* opening, extending, suspending, resuming, recording the investigation, deciding and closing:
  auditors and the municipal center's administrators.

Leaders and everyone else read only. Every action on an existing case posts the case's
``version``: a stale page (a double click, a second auditor) gets a clear conflict.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from shebao.core import clock
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.inputs import check_business_date, clean_text
from shebao.core.permissions import may, require
from shebao.core.policy import current_policy
from shebao.core.scoping import user_may_see_district
from shebao.core.versions import refuse_unread
from shebao.operations.models import RUNNING_STATES, AuditCase, AuditContact, AuditSuspension, Source, State
from shebao.operations.selectors import epidemic_suspension
from shebao.registry.models import Employer


# Who may act is the permission table's (core/permissions.py): audit_case.register and
# audit_case.handle; these two read it for the pages.
def may_register(actor: Any) -> bool:
    """Whether ``actor`` may register a case or record a contact (7.2, 7.3)."""
    return may(actor, "audit_case.register")


def may_handle(actor: Any) -> bool:
    """Whether ``actor`` may open, extend, suspend, resume, investigate, decide and close cases."""
    return may(actor, "audit_case.handle")


def _text(value: str | None, field: str, label: str, *, required: bool = True, max_len: int = 2000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"请填写{label}"})
    if len(value) > max_len:
        raise ValidationError({field: f"{label}不能超过{max_len}字"})
    return value


def _locked(actor: Any, case: AuditCase | int, version: int | None) -> AuditCase:
    pk = case.pk if isinstance(case, AuditCase) else case
    locked = AuditCase.objects.select_for_update().select_related("district").filter(pk=pk).first()
    if locked is None or not user_may_see_district(actor, locked.district_id):
        raise PermissionDenied("不能办理其他区的稽核案件")
    refuse_unread(version)  # a page's version missing (428) or garbled (400): core.versions (review-input14 2)
    if version is not None and locked.version != version:
        raise ValidationError({"version": "案件已被他人更新，请刷新页面后重试"})
    return locked


def _suspended_on(case: AuditCase, day: dt.date) -> bool:
    """Whether 7.1's suspension holds ``day`` for this case (complaint and report cases only)."""
    s = epidemic_suspension(current_policy(), today=day)
    return case.is_complaint and s is not None and s.start <= day and (s.end is None or day <= s.end)


def _save(actor: Any, case: AuditCase, before: dict[str, Any], reason: str) -> AuditCase:
    case.version += 1
    case.save()
    audit_update(actor=actor, instance=case, before=before, reason=reason)
    return case


@transaction.atomic
def audit_case_register(
    *, actor: Any, source: str, employer: Employer | int, summary: str, complainant_name: str = "",
    complainant_phone: str = "", documents_kept: str = "", open_now: bool = False,
) -> AuditCase:
    """Register a case in the employer's district (7.2: registered, documents kept, not opened).

    ``open_now`` opens it the same day (an inspection found it; work is not suspended). Raises
    PermissionDenied for a role that may not register or an employer of another district;
    ValidationError for an unknown source, a missing summary, or opening a complaint during 7.1's
    suspension.
    """
    require(actor, "audit_case.register")
    if source not in Source.values:
        raise ValidationError({"source": "请选择案件来源"})
    emp = employer if isinstance(employer, Employer) else Employer.objects.filter(pk=employer).first()
    if emp is None:
        raise ValidationError({"employer": "请选择被稽核单位"})
    if not user_may_see_district(actor, emp.district_id):
        raise PermissionDenied("不能登记其他区单位的稽核案件")
    today = clock.today()
    case = AuditCase(
        source=source, district_id=emp.district_id, employer=emp, registered_on=today, created_by=actor,
        summary=_text(summary, "summary", "投诉举报事项"),
        complainant_name=_text(complainant_name, "complainant_name", "投诉人姓名", required=False, max_len=100),
        complainant_phone=_text(complainant_phone, "complainant_phone", "投诉人电话", required=False, max_len=30),
        documents_kept=_text(documents_kept, "documents_kept", "留存材料", required=False),
    )
    if open_now:
        require(actor, "audit_case.handle")
        if _suspended_on(case, today):
            raise ValidationError({"open_now": "稽核工作中止期间（第7.1条），投诉举报案件只登记、留存材料，待恢复后再立案（第7.2条）"})
        case.state, case.opened_on = State.OPENED, today
    case.save()
    audit_create(actor=actor, instance=case, reason="登记稽核案件" + ("并立案" if open_now else "（第7.2条）"))
    return case


@transaction.atomic
def audit_case_open(*, actor: Any, case: AuditCase | int, version: int | None) -> AuditCase:
    """Open (立案) a registered case today: its time limit starts. Refused for a complaint case
    while 7.1's suspension holds today (7.2: opened when work resumes)."""
    require(actor, "audit_case.handle")
    case = _locked(actor, case, version)
    if case.state != State.REGISTERED:
        raise ValidationError({"state": f"案件{case.get_state_display()}，不能再立案"})
    today = clock.today()
    if _suspended_on(case, today):
        raise ValidationError({"state": "稽核工作中止期间（第7.1条），投诉举报案件待恢复后再立案（第7.2条）"})
    before = snapshot(case)
    case.state, case.opened_on = State.OPENED, today
    return _save(actor, case, before, "立案")


@transaction.atomic
def audit_case_extend(*, actor: Any, case: AuditCase | int, version: int | None, reason: str) -> AuditCase:
    """Extend the time limit by ``audit.extension_working_days`` (30) working days, once, with the
    reason (劳动保障监察条例 第十七条: complex cases, approved)."""
    require(actor, "audit_case.handle")
    case = _locked(actor, case, version)
    reason = _text(reason, "reason", "延期原因", max_len=200)
    if case.state not in RUNNING_STATES:
        raise ValidationError({"state": "只有已立案、尚未作出决定的案件可以延期"})
    if case.extended:
        raise ValidationError({"state": "办案期限已延长过一次"})
    before = snapshot(case)
    case.extended = True
    return _save(actor, case, before, f"延长办案期限：{reason}")


@transaction.atomic
def audit_case_investigate(*, actor: Any, case: AuditCase | int, version: int | None, findings: str) -> AuditCase:
    """Record the investigation's findings on an opened case."""
    require(actor, "audit_case.handle")
    case = _locked(actor, case, version)
    findings = _text(findings, "findings", "调查结果")
    if case.state != State.OPENED:
        raise ValidationError({"state": f"案件{case.get_state_display()}，不能登记调查结果"})
    before = snapshot(case)
    case.state, case.findings = State.INVESTIGATED, findings
    return _save(actor, case, before, "登记调查结果")


@transaction.atomic
def audit_case_decide(*, actor: Any, case: AuditCase | int, version: int | None, decision: str) -> AuditCase:
    """Decide an investigated case today; the decision letter (PDF) is then printed from the case."""
    require(actor, "audit_case.handle")
    case = _locked(actor, case, version)
    decision = _text(decision, "decision", "处理决定")
    if case.state != State.INVESTIGATED:
        raise ValidationError({"state": "须先登记调查结果，才能作出处理决定"})
    before = snapshot(case)
    case.state, case.decision, case.decided_on = State.DECIDED, decision, clock.today()
    return _save(actor, case, before, "作出处理决定")


@transaction.atomic
def audit_case_close(*, actor: Any, case: AuditCase | int, version: int | None) -> AuditCase:
    """Close a decided case."""
    require(actor, "audit_case.handle")
    case = _locked(actor, case, version)
    if case.state != State.DECIDED:
        raise ValidationError({"state": "只有已作出决定的案件可以结案"})
    before = snapshot(case)
    case.state, case.closed_on = State.CLOSED, clock.today()
    return _save(actor, case, before, "结案")


@transaction.atomic
def audit_case_suspend(*, actor: Any, case: AuditCase | int, version: int | None, starts_on: dt.date,
                       reason: str) -> AuditSuspension:
    """Suspend one case from ``starts_on`` (included) until resumed: its deadline is unknown until
    then, and moves by the working days suspended (7.1's way, for a single case)."""
    require(actor, "audit_case.handle")
    case = _locked(actor, case, version)
    reason = _text(reason, "reason", "中止原因", max_len=200)
    if case.state not in RUNNING_STATES:
        raise ValidationError({"state": "只有已立案、尚未作出决定的案件可以中止"})
    if case.suspensions.filter(ends_on__isnull=True).exists():
        raise ValidationError({"state": "案件已在中止中，请先恢复"})
    if not isinstance(starts_on, dt.date):
        raise ValidationError({"starts_on": "请填写中止起始日期（YYYY-MM-DD）"})
    if starts_on <= case.opened_on:
        raise ValidationError({"starts_on": f"中止起始日须晚于立案日期 {case.opened_on.isoformat()}"})
    if case.suspensions.filter(ends_on__gte=starts_on).exists():
        raise ValidationError({"starts_on": "中止期间不能与之前的中止重叠"})
    s = AuditSuspension.objects.create(case=case, starts_on=starts_on, reason=reason, by=actor)
    audit_create(actor=actor, instance=s, reason=f"中止案件：{reason}")
    before = snapshot(case)
    _save(actor, case, before, "中止案件")
    return s


@transaction.atomic
def audit_case_resume(*, actor: Any, case: AuditCase | int, version: int | None, resumed_on: dt.date) -> AuditSuspension:
    """Resume a suspended case on ``resumed_on``: the suspension ends the day before."""
    require(actor, "audit_case.handle")
    case = _locked(actor, case, version)
    s = case.suspensions.filter(ends_on__isnull=True).first()
    if s is None:
        raise ValidationError({"state": "案件未在中止中"})
    if not isinstance(resumed_on, dt.date):
        raise ValidationError({"resumed_on": "请填写恢复日期（YYYY-MM-DD）"})
    if resumed_on <= s.starts_on:
        raise ValidationError({"resumed_on": f"恢复日期须晚于中止起始日 {s.starts_on.isoformat()}"})
    before_s = snapshot(s)
    s.ends_on = resumed_on - dt.timedelta(days=1)
    s.save()
    audit_update(actor=actor, instance=s, before=before_s, reason="恢复案件")
    before = snapshot(case)
    _save(actor, case, before, "恢复案件")
    return s


@transaction.atomic
def audit_contact_record(
    *, actor: Any, case: AuditCase | int, channel: str, party: str, notes: str, contact_person: str = "",
    contacted_at: dt.datetime | None = None,
) -> AuditContact:
    """Record a contact made on a case (7.3): channel, party, the person reached, when (default
    now), what was said; the recorder is the actor. Not on a closed case, not in the future."""
    require(actor, "audit_case.register")
    case = _locked(actor, case, None)
    if case.state == State.CLOSED:
        raise ValidationError({"state": "案件已结案，不能再登记联系记录"})
    if channel not in AuditContact.Channel.values:
        raise ValidationError({"channel": "请选择联系方式"})
    if party not in AuditContact.Party.values:
        raise ValidationError({"party": "请选择联系对象"})
    now = clock.now()
    at = contacted_at or now
    check_business_date(at, label="联系时间", field="contacted_at")
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"contacted_at": "联系时间不能晚于现在"})
    contact = AuditContact.objects.create(
        case=case, channel=channel, party=party, contacted_at=at, by=actor,
        contact_person=_text(contact_person, "contact_person", "对方姓名", required=False, max_len=100),
        notes=_text(notes, "notes", "沟通内容"),
    )
    audit_create(actor=actor, instance=contact, reason=f"登记联系记录（第7.3条，{contact.get_channel_display()}）")
    return contact


REVEALABLE = {"complainant_name": "投诉人姓名", "complainant_phone": "投诉人电话"}


@transaction.atomic
def complainant_reveal(*, actor: Any, case: AuditCase | int, field: str, reason: str) -> str:
    """The complainant's full name or phone (7.3: to call them back), for roles allowed to see
    personal data (the table's ``personal_data.reveal``) in the case's district, with a reason; the read
    is recorded (``core.PersonalDataAccess``), like every other personal value shown in full."""
    from shebao.core.models import PersonalDataAccess

    if field not in REVEALABLE:
        raise ValidationError({"field": f"字段“{field}”不能查看"})
    require(actor, "personal_data.reveal")
    case = _locked(actor, case, None)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "请填写查看原因"})
    clean_text(reason, label="查看原因", max_length=200, field="reason")  # refused, not cut (review A16 3)
    PersonalDataAccess.objects.create(
        actor=actor, model=AuditCase._meta.label, object_pk=str(case.pk), subject_label=f"稽{case.pk}投诉人",
        field=field, reason=reason)
    return str(getattr(case, field))
