"""Writes of the halls (notice 8), the duty roster and inspections (11), and incidents reported to
the municipal center (8, 11). Each service checks the permission table (core/permissions.py) and the
district line before it writes, writes its audit row in the same transaction, and refuses bad input
with a Chinese ValidationError that leaves nothing stored.

A hall is the service hall of an office of a district (a district center or an agent office,
``registry.Office``). An incident is reported to the center "at once" (立即报告): the report and the
center's message (an outbox row, ``cases.notifications``) are one transaction, and the center's
incident page lists it until someone there acknowledges it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.cases.models import OutboxMessage
from shebao.cases.notifications import outbox_message
from shebao.core import clock
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.normalize import normalize_number_text
from shebao.core.permissions import require
from shebao.core.versions import UnreadVersion, refuse_unread
from shebao.operations.models import (
    CheckItem,
    DisinfectionRound,
    DutyAssignment,
    FeverReading,
    Finding,
    HallDayLog,
    Incident,
    Inspection,
)
from shebao.operations.selectors import celsius_text, fever_threshold_tenths
from shebao.registry.models import Office
from shebao.staff.models import Role, User

HALL_KINDS = (Office.Kind.DISTRICT_CENTER, Office.Kind.AGENT_OFFICE)
MAX_TENTHS = 430  # 43.0 °C: a higher reading is a typing error, not a fever


def _text(value: Any, field: str, label: str, *, required: bool = True, max_len: int = 2000) -> str:
    value = str(value or "").strip()
    if required and not value:
        raise ValidationError({field: f"请填写{label}"})
    if len(value) > max_len:
        raise ValidationError({field: f"{label}不能超过{max_len}字"})
    return value


def _hall(actor: Any, action: str, hall: Office | int | None) -> Office:
    """The hall, after the table's check of ``action`` for its district (refused before any read of
    another district's data is shown)."""
    require(actor, action)
    pk = hall.pk if isinstance(hall, Office) else hall
    office = Office.objects.filter(pk=pk, kind__in=HALL_KINDS).select_related("parent").first() if pk else None
    if office is None:
        raise ValidationError({"hall": "请选择服务大厅"})
    require(actor, action, district_id=office.district.pk)
    return office


def _day(day: Any, field: str = "day") -> dt.date:
    if not isinstance(day, dt.date):
        raise ValidationError({field: "请填写日期（YYYY-MM-DD）"})
    if day > clock.today():
        raise ValidationError({field: "日期不能晚于今天"})
    return day


def _at(at: Any, field: str, label: str, *, day: dt.date | None = None) -> dt.datetime:
    if not isinstance(at, dt.datetime) or timezone.is_naive(at):
        raise ValidationError({field: f"请填写{label}（YYYY-MM-DD HH:MM）"})
    if at > clock.now() + dt.timedelta(minutes=5):
        raise ValidationError({field: f"{label}不能晚于现在"})
    if day is not None and timezone.localtime(at).date() != day:
        raise ValidationError({field: f"{label}须在日志当天（{day.isoformat()}）"})
    return at


def parse_celsius(raw: Any) -> int:
    """A temperature as typed (``"37.5"``, ``"37.5℃"``, the full-width ``"３７．５"`` a Chinese input
    method gives: core.normalize) in tenths of a degree (375). Raises ValidationError: empty asks for
    the reading (请填写体温), else text that is not a number with at most one decimal (review-user5 F8)."""
    text = normalize_number_text(raw).rstrip("℃°CcＣ ").strip()
    if not text:
        raise ValidationError({"celsius": "请填写体温，如 37.5"})
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError({"celsius": "体温须为数字，如 37.5"}) from None
    if not value.is_finite() or not Decimal(0) < value < Decimal(100):  # before any arithmetic: 9e999999 overflows
        raise ValidationError({"celsius": "体温须为0至100之间的数字，如 37.5"})
    if value * 10 != (value * 10).to_integral_value():
        raise ValidationError({"celsius": "体温最多保留一位小数，如 37.5"})
    return int(value * 10)


def _log_for(actor: Any, hall: Office, day: dt.date) -> HallDayLog:
    log = HallDayLog.objects.select_for_update().filter(hall=hall, day=day).first()
    if log is None:
        log = HallDayLog.objects.create(hall=hall, district=hall.district, day=day, recorded_by=actor)
        audit_create(actor=actor, instance=log, reason="建立大厅防疫日志（第8条）")
    return log


@transaction.atomic
def hall_log_save(*, actor: Any, hall: Office | int, day: dt.date, visitors_checked: int | None, ventilation: str = "",
                  posters_in_place: bool = False, notes: str = "", version: int | UnreadVersion | None = None,
                  ) -> HallDayLog:
    """Write the day's log of a hall (8): how many visitors had their temperature taken, the
    ventilation, whether the posters are in place. ``version`` (of the log the page showed, 0 when it
    showed none; a page's `core.versions.posted_version`) refuses a stale page. Raises ActionRefused (not the hall manager of the hall's district), ValidationError
    (a day after today, no count (None: 请填写), a negative count, a stale version)."""
    hall = _hall(actor, "hall_log.record", hall)
    day = _day(day)
    if visitors_checked is None:
        raise ValidationError({"visitors_checked": "请填写测温人数"})
    if not isinstance(visitors_checked, int) or isinstance(visitors_checked, bool) or not 0 <= visitors_checked <= 100_000:
        raise ValidationError({"visitors_checked": "测温人数须为 0 到 100000 之间的整数"})
    ventilation = _text(ventilation, "ventilation", "通风情况", required=False, max_len=200)
    notes = _text(notes, "notes", "备注", required=False)
    # The page sends the version it showed, 0 when it showed no log: missing is 428, garbled 400
    # (core.versions; review-input14 2: both were saved without any check).
    refuse_unread(version)
    existing = HallDayLog.objects.select_for_update().filter(hall=hall, day=day).first()
    if version is not None and (existing.version if existing else 0) != version:
        raise ValidationError({"version": "日志已被他人更新，请刷新页面后重试"})
    log = existing or _log_for(actor, hall, day)
    before = snapshot(log)
    log.visitors_checked, log.ventilation, log.posters_in_place, log.notes = (
        visitors_checked, ventilation, bool(posters_in_place), notes)
    log.version += 1
    log.save()
    audit_update(actor=actor, instance=log, before=before, reason="记录大厅防疫日志（第8条）")
    return log


@transaction.atomic
def fever_record(*, actor: Any, hall: Office | int, day: dt.date, at: dt.datetime, celsius: Any,
                 action: str) -> FeverReading:
    """Record a visitor's reading at or above the day's threshold and the action taken (8: the
    threshold is the pack's dated ``halls.fever_threshold_tenths``, 37.3 °C in 2020; such a visitor
    is not let in and is guided to a fever clinic). Lower readings are only counted
    (``visitors_checked``). Raises ValidationError for a reading below the threshold or above
    43.0 °C, or without the action taken."""
    hall = _hall(actor, "hall_log.record", hall)
    day = _day(day)
    at = _at(at, "at", "测温时间", day=day)
    tenths = parse_celsius(celsius)
    threshold = fever_threshold_tenths(day)
    if tenths < threshold:
        raise ValidationError({"celsius": f"低于{celsius_text(threshold)}的体温只计入测温人数，不单独登记（第8条）"})
    if tenths > MAX_TENTHS:
        raise ValidationError({"celsius": "体温超过43.0℃，请核对后重新填写"})
    action = _text(action, "action", "处置措施")
    log = _log_for(actor, hall, day)
    reading = FeverReading.objects.create(log=log, at=at, tenths=tenths, action=action, by=actor)
    audit_create(actor=actor, instance=reading, reason=f"登记体温异常（{reading.celsius}℃）")
    return reading


@transaction.atomic
def disinfection_record(*, actor: Any, hall: Office | int, day: dt.date, at: dt.datetime, area: str,
                        done_by: str) -> DisinfectionRound:
    """Record a disinfection round (8): the time, the area, who did it."""
    hall = _hall(actor, "hall_log.record", hall)
    day = _day(day)
    at = _at(at, "at", "消毒时间", day=day)
    area = _text(area, "area", "消毒区域", max_len=100)
    done_by = _text(done_by, "done_by", "消毒人员", max_len=50)
    log = _log_for(actor, hall, day)
    r = DisinfectionRound.objects.create(log=log, at=at, area=area, done_by=done_by, by=actor)
    audit_create(actor=actor, instance=r, reason=f"登记消毒：{area}")
    return r


def center_duty_recipients() -> list[tuple[str, str]]:
    """Where the municipal center's duty office is told of an incident: (channel, address) pairs from
    ``SHEBAO_CENTER_DUTY_EMAIL`` (default ``center-duty@shebao.invalid``) and, if set,
    ``SHEBAO_CENTER_DUTY_PHONE``."""
    out = [(OutboxMessage.Channel.EMAIL, getattr(settings, "SHEBAO_CENTER_DUTY_EMAIL", "center-duty@shebao.invalid"))]
    phone = getattr(settings, "SHEBAO_CENTER_DUTY_PHONE", "")
    if phone:
        out.append((OutboxMessage.Channel.SMS, phone))
    return out


def _tell_center(incident: Incident, event: str, head: str) -> list[OutboxMessage]:
    when = timezone.localtime(incident.occurred_at).strftime("%Y-%m-%d %H:%M")
    subject = f"【疫情事件{head}】{incident.district.name} {incident.hall.name}：{incident.get_kind_display()}（事件{incident.pk}）"
    body = (f"{incident.hall.name}于{when}{incident.get_kind_display()}。"
            f"隔离室：{'已使用' if incident.isolation_room_used else '未使用'}。"
            f"卫生健康部门：{incident.authority_reference or '尚未登记'}。"
            f"处置结果：{incident.outcome or '待续报'}。请登录系统“疫情事件”页签收。")
    rows = [outbox_message(event=event, channel=channel, recipient=address, subject=subject, body=body)
            for channel, address in center_duty_recipients()]
    return OutboxMessage.objects.bulk_create(rows)


def _authority(incident: Incident, *, called_at: Any, called_by: str, reference: str) -> None:
    called_by = _text(called_by, "authority_called_by", "联系人", required=False, max_len=50)
    reference = _text(reference, "authority_reference", "卫生健康部门登记号", required=False, max_len=100)
    if called_at is not None:
        called_at = _at(called_at, "authority_called_at", "联系卫生健康部门时间")
        if called_at < incident.occurred_at:
            raise ValidationError({"authority_called_at": "联系卫生健康部门的时间不能早于发现时间"})
    if (called_by or reference) and called_at is None:
        raise ValidationError({"authority_called_at": "请填写联系卫生健康部门的时间"})
    if called_at is not None and not called_by:
        raise ValidationError({"authority_called_by": "请填写联系卫生健康部门的工作人员"})
    incident.authority_called_at, incident.authority_called_by, incident.authority_reference = (
        called_at, called_by, reference)


@transaction.atomic
def incident_report(*, actor: Any, hall: Office | int, kind: str, occurred_at: dt.datetime, description: str,
                    isolation_room_used: bool = False, authority_called_at: dt.datetime | None = None,
                    authority_called_by: str = "", authority_reference: str = "", outcome: str = "") -> Incident:
    """Report a suspected case in a hall (8) or an infection among staff (11) to the municipal center at
    once: the incident and the center's message (outbox) are written together. The health authority's
    call and the outcome may come later (``incident_update``). Raises ActionRefused, ValidationError."""
    hall = _hall(actor, "incident.report", hall)
    if kind not in Incident.Kind.values:
        raise ValidationError({"kind": "请选择事件类别"})
    occurred_at = _at(occurred_at, "occurred_at", "发现时间")
    incident = Incident(kind=kind, hall=hall, district=hall.district, occurred_at=occurred_at,
                        description=_text(description, "description", "情况说明"),
                        isolation_room_used=bool(isolation_room_used),
                        outcome=_text(outcome, "outcome", "处置结果", required=False),
                        reported_by=actor, reported_at=clock.now())
    _authority(incident, called_at=authority_called_at, called_by=authority_called_by, reference=authority_reference)
    incident.save()
    audit_create(actor=actor, instance=incident, reason=f"报告疫情事件：{incident.get_kind_display()}")
    _tell_center(incident, "incident_reported", "报告")
    return incident


@transaction.atomic
def incident_update(*, actor: Any, incident: Incident | int, version: int | UnreadVersion | None, isolation_room_used: bool,
                    authority_called_at: dt.datetime | None, authority_called_by: str, authority_reference: str,
                    outcome: str) -> Incident:
    """A follow-up report (续报): the health authority called, the outcome. The center is told again."""
    require(actor, "incident.report")
    pk = incident.pk if isinstance(incident, Incident) else incident
    inc = Incident.objects.select_for_update().select_related("hall", "district").filter(pk=pk).first()
    if inc is None:
        raise ValidationError({"incident": "没有这个事件报告"})
    require(actor, "incident.report", district_id=inc.district_id)
    refuse_unread(version)  # a page's version missing (428) or garbled (400): core.versions
    if version is None or inc.version != version:
        raise ValidationError({"version": "事件报告已被他人更新，请刷新页面后重试"})
    before = snapshot(inc)
    inc.isolation_room_used = bool(isolation_room_used)
    inc.outcome = _text(outcome, "outcome", "处置结果", required=False)
    _authority(inc, called_at=authority_called_at, called_by=authority_called_by, reference=authority_reference)
    inc.version += 1
    inc.save()
    audit_update(actor=actor, instance=inc, before=before, reason="续报疫情事件")
    _tell_center(inc, "incident_updated", "续报")
    return inc


@transaction.atomic
def incident_acknowledge(*, actor: Any, incident: Incident | int, version: int | UnreadVersion | None) -> Incident:
    """The municipal center acknowledges (签收) a report; once. Raises ActionRefused outside the center."""
    require(actor, "incident.acknowledge")
    pk = incident.pk if isinstance(incident, Incident) else incident
    inc = Incident.objects.select_for_update().select_related("district").filter(pk=pk).first()
    if inc is None:
        raise ValidationError({"incident": "没有这个事件报告"})
    if inc.acknowledged_at is not None:
        raise ValidationError({"state": "该事件报告已签收"})
    refuse_unread(version)  # a page's version missing (428) or garbled (400): core.versions
    if version is None or inc.version != version:
        raise ValidationError({"version": "事件报告已被续报，请刷新页面阅读后再签收"})
    before = snapshot(inc)
    inc.acknowledged_by, inc.acknowledged_at = actor, clock.now()
    inc.version += 1
    inc.save()
    audit_update(actor=actor, instance=inc, before=before, reason="市中心签收疫情事件报告")
    return inc


@transaction.atomic
def duty_assign(*, actor: Any, hall: Office | int, day: dt.date, leader: User | int) -> DutyAssignment:
    """Put a leader on duty at a hall on a day (11: 领导带班), replacing the day's assignment. The
    leader is a staff member of the leader role who works for the hall's district or the center."""
    hall = _hall(actor, "duty.assign", hall)
    if not isinstance(day, dt.date):
        raise ValidationError({"day": "请填写日期（YYYY-MM-DD）"})
    pk = leader.pk if isinstance(leader, User) else leader
    person = User.objects.filter(pk=pk, role=Role.LEADER, is_active=True).select_related("office").first()
    if person is None:
        raise ValidationError({"leader": "请选择带班领导（须为领导角色）"})
    if person.office is None or (person.district is not None and person.district.pk != hall.district.pk):
        raise ValidationError({"leader": f"{person}不属于{hall.district.name}，不能在本大厅带班"})
    existing = DutyAssignment.objects.select_for_update().filter(hall=hall, day=day).first()
    if existing is not None:
        before = snapshot(existing)
        existing.leader, existing.by = person, actor
        existing.save()
        audit_update(actor=actor, instance=existing, before=before, reason="调整带班领导")
        return existing
    try:
        with transaction.atomic():
            a = DutyAssignment.objects.create(hall=hall, district=hall.district, day=day, leader=person, by=actor)
    except IntegrityError:
        raise ValidationError({"day": "当天的带班安排已被他人填写，请刷新页面"}) from None
    audit_create(actor=actor, instance=a, reason="安排带班领导（第11条）")
    return a


@transaction.atomic
def inspection_record(*, actor: Any, hall: Office | int, day: dt.date, checklist: dict[str, bool],
                      findings: dict[str, str], notes: str = "") -> Inspection:
    """A leader's inspection of a hall against the checklist (11): every measure of ``CheckItem``
    answered (in place or not); a measure not in place needs its finding; a finding may also be noted
    on a measure in place. Raises ActionRefused (not a leader of the district or the center),
    ValidationError (an item unanswered, a finding missing, an unknown item)."""
    hall = _hall(actor, "inspection.record", hall)
    day = _day(day)
    unknown = (set(checklist) | set(findings)) - set(CheckItem.values)
    if unknown:
        raise ValidationError({"checklist": f"未知的检查项目：{'、'.join(sorted(unknown))}"})
    missing = [CheckItem(i).label for i in CheckItem.values if i not in checklist]
    if missing:
        raise ValidationError({"checklist": f"请逐项检查：{'、'.join(missing)}"})
    texts = {i: _text(t, f"finding_{i}", f"“{CheckItem(i).label}”的问题", required=False)
             for i, t in findings.items()}
    lacking = [CheckItem(i).label for i in CheckItem.values if not checklist[i] and not texts.get(i)]
    if lacking:
        raise ValidationError({"findings": f"未落实的项目须写明发现的问题：{'、'.join(lacking)}"})
    insp = Inspection.objects.create(hall=hall, district=hall.district, day=day, inspector=actor,
                                     checklist={i: bool(checklist[i]) for i in CheckItem.values},
                                     notes=_text(notes, "notes", "备注", required=False))
    audit_create(actor=actor, instance=insp, reason="登记带班检查（第11条）")
    for item in CheckItem.values:
        if texts.get(item):
            f = Finding.objects.create(inspection=insp, item=item, finding=texts[item])
            audit_create(actor=actor, instance=f, reason=f"检查发现问题：{f.get_item_display()}")
    return insp


@transaction.atomic
def finding_fix(*, actor: Any, finding: Finding | int, fix: str, fixed_on: dt.date) -> Finding:
    """Record how a finding was fixed and when (11: 整改). Once; not before the inspection."""
    require(actor, "inspection.fix")
    pk = finding.pk if isinstance(finding, Finding) else finding
    f = Finding.objects.select_for_update().select_related("inspection__district").filter(pk=pk).first()
    if f is None:
        raise ValidationError({"finding": "没有这个检查问题"})
    require(actor, "inspection.fix", district_id=f.inspection.district_id)
    if f.fixed_on is not None:
        raise ValidationError({"state": "该问题已登记整改"})
    fixed_on = _day(fixed_on, "fixed_on")
    if fixed_on < f.inspection.day:
        raise ValidationError({"fixed_on": "整改日期不能早于检查日期"})
    before = snapshot(f)
    f.fix, f.fixed_on, f.fixed_by = _text(fix, "fix", "整改措施"), fixed_on, actor
    f.save()
    audit_update(actor=actor, instance=f, before=before, reason="登记整改情况")
    return f
