"""Reads of audit cases (7.1–7.3): the district's queue ordered by working days left, a case with
its deadline, contacts and suspensions.

A case's deadline is derived, never stored: ``shebao.rules.audit.audit_deadline`` over the case's
``opened_on``, its time limit from the policy in force on that day (60 working days, 90 when
extended: ``audit.time_limit_working_days`` + ``audit.extension_working_days``) and its
suspensions, the same computation as ``shebao audit_deadline``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from shebao.core import clock
from shebao.core.masking import mask_phone, mask_text
from shebao.core.policy import current_policy
from shebao.core.scoping import scope_queryset
from shebao.operations.models import RUNNING_STATES, AuditCase, State
from shebao.rules.audit import AuditDeadline, Suspension, audit_deadline, audit_time_limit
from shebao.rules.dates import InputError
from shebao.rules.working_days import official_calendar


def masked_name(name: str) -> str:
    """A complainant's name as pages show it: the first character kept, the rest starred
    (``"张小明"`` -> ``"张**"``); empty for an anonymous complaint."""
    name = (name or "").strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def epidemic_suspension(policy: Any = None, *, today: dt.date | None = None) -> Suspension | None:
    """The general suspension of 7.1 from the policy in force on ``today``: from
    ``audit.suspended_from`` (2020-02-03, Reading 7.1) through the day before ``audit.resumed_on``,
    open (``end`` None) while resumption is not announced; None when the policy has no start."""
    policy = policy or current_policy()
    today = today or clock.today()
    if not policy.has("audit.suspended_from"):
        return None
    start = policy.value("audit.suspended_from", today)
    if start is None:
        return None
    resumed = policy.value("audit.resumed_on", today) if policy.has("audit.resumed_on") else None
    end = None if resumed is None else max(start, resumed - dt.timedelta(days=1))
    if resumed is not None and resumed <= start:
        return None  # resumed before it began: no day suspended
    return Suspension(start, end)


def case_suspensions(case: AuditCase, *, policy: Any = None, today: dt.date | None = None) -> list[Suspension]:
    """Every suspension of the case: 7.1's for a case from a complaint or report, then its own."""
    out: list[Suspension] = []
    general = epidemic_suspension(policy, today=today)
    if general is not None and case.is_complaint:
        out.append(general)
    out += [Suspension(s.starts_on, s.ends_on) for s in case.suspensions.all()]
    return out


@dataclass(frozen=True)
class CaseDeadline:
    """A case's deadline as the queue shows it.

    ``deadline``/``working_days``: ``rules.audit.AuditDeadline``'s (None while suspended);
    ``time_limit``: 60 or 90 working days; ``days_left``: working days from tomorrow through the
    deadline (0 on the deadline day, negative when overdue: minus the working days since it);
    ``suspended``: an open suspension holds the clock (then ``days_left`` is what will be left when
    work resumes); ``error``: the Chinese reason no deadline could be computed (a year outside the
    official calendar).
    """

    deadline: dt.date | None = None
    working_days: int = 0
    time_limit: int = 0
    days_left: int | None = None
    suspended: bool = False
    error: str = ""

    @property
    def overdue_days(self) -> int:
        """Working days past the deadline (0 when not overdue)."""
        return -self.days_left if self.days_left is not None and self.days_left < 0 and not self.suspended else 0


def case_deadline(case: AuditCase, *, policy: Any = None, today: dt.date | None = None) -> CaseDeadline | None:
    """The deadline of an opened, not yet decided case; None for other states."""
    if case.state not in RUNNING_STATES or case.opened_on is None:
        return None
    policy = policy or current_policy()
    today = today or clock.today()
    try:
        limit = audit_time_limit(policy, opened_on=case.opened_on, extended=case.extended)
        r: AuditDeadline = audit_deadline(case.opened_on, time_limit=limit,
                                          suspensions=case_suspensions(case, policy=policy, today=today))
        if r.deadline is None:
            return CaseDeadline(None, r.working_days, limit, limit - r.working_days, suspended=True)
        cal = official_calendar()
        if r.deadline >= today:
            left = cal.count(today + dt.timedelta(days=1), r.deadline)
        else:
            left = -cal.count(r.deadline + dt.timedelta(days=1), today)
        return CaseDeadline(r.deadline, r.working_days, limit, left)
    except InputError as exc:
        return CaseDeadline(error=str(exc))


def cases_visible(*, user: Any) -> QuerySet[AuditCase]:
    """The audit cases of the user's district (all of them for the municipal center)."""
    return scope_queryset(AuditCase.objects.select_related("employer", "district"), user=user)


def audit_queue(*, user: Any, today: dt.date | None = None, include_closed: bool = False) -> list[AuditCase]:
    """The district's cases, each with ``.due`` (a :class:`CaseDeadline` or None) and the masked
    complainant, ordered: running cases by working days left (fewest first), then those held by an
    open suspension (by what will be left), cases whose deadline cannot be computed, cases registered
    and not yet opened (oldest first), decided cases, closed ones (when asked for)."""
    policy = current_policy()
    today = today or clock.today()
    qs = cases_visible(user=user).prefetch_related("suspensions")
    if not include_closed:
        qs = qs.exclude(state=State.CLOSED)
    rows = list(qs.order_by("pk"))
    rank = {State.REGISTERED: 3, State.DECIDED: 4, State.CLOSED: 5}
    for case in rows:
        _decorate(case)
        case.due = case_deadline(case, policy=policy, today=today)

    def key(case: AuditCase) -> tuple[int, int, str, int]:
        due = case.due
        if due is None:
            return (rank.get(case.state, 6), 0, case.registered_on.isoformat(), case.pk)
        if due.error:
            return (2, 0, "", case.pk)
        return (1 if due.suspended else 0, due.days_left or 0, "", case.pk)

    rows.sort(key=key)
    return rows


def _decorate(case: AuditCase) -> AuditCase:
    case.complainant_masked = masked_name(case.complainant_name)
    case.phone_masked = mask_phone(case.complainant_phone)
    case.summary_masked = mask_text(case.summary)
    case.documents_masked = mask_text(case.documents_kept)
    return case


def audit_case_get(*, user: Any, pk: int, today: dt.date | None = None) -> AuditCase | None:
    """One case of the user's district with ``.due``, ``.contact_rows`` (names and numbers masked), the
    ``.suspension_rows`` (7.1's and the case's own) and the masked complainant; None if not visible."""
    case = cases_visible(user=user).filter(pk=pk).first()
    if case is None:
        return None
    policy = current_policy()
    today = today or clock.today()
    _decorate(case)
    case.due = case_deadline(case, policy=policy, today=today)
    case.contact_rows = [
        {"c": c, "person": masked_name(c.contact_person), "notes": mask_text(c.notes)}
        for c in case.contacts.select_related("by")
    ]
    rows = []
    general = epidemic_suspension(policy, today=today)
    if general is not None and case.is_complaint:
        rows.append({"start": general.start, "end": general.end, "reason": "疫情期间投诉举报案件中止（第7.1条）",
                     "own": None})
    rows += [{"start": s.starts_on, "end": s.ends_on, "reason": s.reason, "own": s} for s in case.suspensions.all()]
    case.suspension_rows = rows
    return case


# --- Halls (8), duty and inspections (11), incidents ------------------------------------------------


def halls_visible(*, user: Any) -> QuerySet:
    """The service halls the user may see: every district center and agent office of the user's
    district (all of them at the municipal center), ordered by office code."""
    from django.db.models import Q

    from shebao.operations.halls import HALL_KINDS
    from shebao.registry.models import Office

    qs = Office.objects.filter(kind__in=HALL_KINDS).select_related("parent").order_by("code")
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    if getattr(user, "sees_whole_city", False) or getattr(user, "is_superuser", False):
        return qs
    district = user.district
    if district is None:
        return qs.none()
    return qs.filter(Q(pk=district.pk) | Q(parent=district))


def hall_get(*, user: Any, pk: int) -> Any:
    """One hall the user may see, or None."""
    return halls_visible(user=user).filter(pk=pk).first()


def own_hall(*, user: Any) -> Any:
    """The hall a hall manager or a district leader works in: their own office, if it is a hall."""
    office = getattr(user, "office", None)
    return halls_visible(user=user).filter(pk=office.pk).first() if office is not None else None


def hall_day(*, hall: Any, day: dt.date) -> dict[str, Any]:
    """A hall's day (8, 11): ``log`` (HallDayLog or None), ``fevers`` and ``rounds`` (lists),
    ``duty`` (the DutyAssignment or None), the day's ``incidents`` and ``fever_threshold`` (the
    pack's reading for the day, as text: "37.3℃"). The caller has checked the hall is visible
    (``hall_get``)."""
    from shebao.operations.models import DutyAssignment, HallDayLog, Incident

    log = HallDayLog.objects.filter(hall=hall, day=day).select_related("recorded_by").first()
    return {
        "log": log,
        "fevers": list(log.fevers.select_related("by")) if log else [],
        "rounds": list(log.rounds.select_related("by")) if log else [],
        "duty": DutyAssignment.objects.filter(hall=hall, day=day).select_related("leader").first(),
        "incidents": list(Incident.objects.filter(hall=hall, occurred_at__date=day).order_by("occurred_at")),
        "fever_threshold": celsius_text(fever_threshold_tenths(day)),
    }


def incidents_visible(*, user: Any, open_only: bool = False) -> QuerySet:
    """Incident reports: the municipal center sees every district's, a district its own; those not yet
    acknowledged first, then the newest. ``open_only``: not yet acknowledged."""
    from shebao.operations.models import Incident

    qs = scope_queryset(Incident.objects.select_related("hall", "district", "reported_by", "acknowledged_by"),
                        user=user)
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.order_by(_nulls_first("acknowledged_at"), "-reported_at", "-pk")


def _nulls_first(field: str) -> Any:
    from django.db.models import F

    return F(field).asc(nulls_first=True)


def incident_get(*, user: Any, pk: int) -> Any:
    """One incident the user may see, with ``.description_masked``; None otherwise."""
    inc = incidents_visible(user=user).filter(pk=pk).first()
    if inc is not None:
        inc.description_masked = mask_text(inc.description)
        inc.outcome_masked = mask_text(inc.outcome)
    return inc


def duty_roster(*, hall: Any, start: dt.date, days: int = 14) -> list[dict[str, Any]]:
    """The leader on duty at the hall on each of ``days`` days from ``start``: ``{"day", "duty"}``."""
    from shebao.operations.models import DutyAssignment

    end = start + dt.timedelta(days=days - 1)
    by_day = {a.day: a for a in DutyAssignment.objects.filter(hall=hall, day__range=(start, end))
              .select_related("leader")}
    return [{"day": start + dt.timedelta(days=i), "duty": by_day.get(start + dt.timedelta(days=i))}
            for i in range(days)]


def duty_leaders(*, hall: Any) -> list[Any]:
    """The leaders who may be put on duty at the hall: its district's and the center's."""
    from django.db.models import Q

    from shebao.registry.models import Office
    from shebao.staff.models import Role, User

    district = hall.district
    return list(User.objects.filter(role=Role.LEADER, is_active=True)
                .filter(Q(office=district) | Q(office__parent=district)
                        | Q(office__kind=Office.Kind.MUNICIPAL_CENTER)).order_by("username"))


def inspections_of(*, hall: Any) -> list[Any]:
    """The hall's inspections, newest first, each with ``.finding_rows``."""
    from shebao.operations.models import Inspection

    rows = list(Inspection.objects.filter(hall=hall).select_related("inspector").prefetch_related("findings"))
    for r in rows:
        _checklist_rows(r)
    return rows


def _checklist_rows(insp: Any) -> Any:
    from shebao.operations.models import CheckItem

    insp.check_rows = [{"item": i, "label": CheckItem(i).label, "ok": insp.checklist.get(i)}
                       for i in CheckItem.values]
    insp.open_findings = sum(1 for f in insp.findings.all() if f.fixed_on is None)
    return insp


def inspection_get(*, user: Any, pk: int) -> Any:
    """One inspection the user may see (its district's), with checklist rows and findings; else None."""
    from shebao.operations.models import Inspection

    insp = scope_queryset(Inspection.objects.select_related("hall", "inspector"), user=user).filter(pk=pk).first()
    return _checklist_rows(insp) if insp is not None else None


# --- Outreach (10) --------------------------------------------------------------------------------


def outreach_visible(*, user: Any) -> QuerySet:
    """Messages to groups of the user's district (all at the center), newest first."""
    from shebao.operations.models import Outreach

    return scope_queryset(Outreach.objects.select_related("district", "employer", "maker", "checker"), user=user)


# What approval will do with a planned recipient, said before it is done: a draft has queued nothing
# and printed nothing, so its preview never says 已排队 or 待邮寄, the statuses the rows get on approval
# (office16 walk, finding 1). 已退订/无联系方式，未发送 are as true of a draft as of a sent message.
PLANNED_LABELS = {
    "queued": "审核通过后发送",
    "letter": "审核通过后打印纸质信函",
}


def planned_label(r: Any) -> str:
    """A draft's planned recipient row as its preview shows it (`PLANNED_LABELS`, else its status)."""
    return PLANNED_LABELS.get(r.status) or r.get_status_display()


def outreach_get(*, user: Any, pk: int, preview_rows: int = 10) -> Any:
    """One message with ``.counts`` (per status label: for a draft what approval would do, for an
    approved one each recipient's delivery status), ``.total`` (rows: one per recipient and channel)
    and ``.people`` (recipients). A draft also has ``.preview`` (the first rendered rows, each with
    ``.planned``); an approved one ``.recipient_rows``, the ordered queryset of its recipients for the
    page to page through (`outreach_rows` adds each shown row's status) and ``.letters``. None if not
    visible. The counts of an approved message are counted in the database, not by loading every row
    (office16 walk, finding 1: 252 recipients were listed on one page)."""
    from collections import Counter

    from django.db.models import Count

    from shebao.cases.models import OutboxMessage
    from shebao.operations.models import Outreach, OutreachRecipient
    from shebao.operations.outreach import plan

    o = outreach_visible(user=user).filter(pk=pk).first()
    if o is None:
        return None
    channels = max(1, len(o.channels or []))
    if o.state == Outreach.State.DRAFT:
        planned = plan(o)
        for r in planned[:preview_rows]:
            r.planned = planned_label(r)
        o.preview = planned[:preview_rows]
        o.counts = sorted(Counter(planned_label(r) for r in planned).items())
        o.total = len(planned)
        o.people = o.total // channels
        return o
    counted: Counter[str] = Counter()
    letters = 0
    for status, state, n in (o.recipients.values_list("status", "message__state").annotate(n=Count("pk"))
                             .order_by()):
        label = OutboxMessage.State(state).label if state else OutreachRecipient.Status(status).label
        counted[label] += n
        if status == OutreachRecipient.Status.LETTER:
            letters += n
    o.counts = sorted(counted.items())
    o.total = sum(counted.values())
    o.people = o.total // channels
    o.letters = letters
    o.recipient_rows = o.recipients.select_related("message").order_by("pk")
    return o


def outreach_rows(rows: Any) -> list[Any]:
    """The shown recipient rows, each with ``.delivery`` (`delivery_label`) and ``.address_masked``."""
    rows = list(rows)
    for r in rows:
        r.delivery = delivery_label(r)
        r.address_masked = _mask_address(r)
    return rows


def delivery_label(r: Any) -> str:
    """A recipient's status as the page shows it: the outbox state (待发送/已发送/发送失败) of a queued
    one, else its own (纸质信函、已退订、无联系方式)."""
    if r.message_id is not None:
        return r.message.get_state_display()
    return r.get_status_display()


def _mask_address(r: Any) -> str:
    from shebao.core.masking import mask_phone

    if r.channel == "sms":
        return mask_phone(r.address)
    if r.channel == "email" and "@" in r.address:
        local, _, domain = r.address.partition("@")
        return local[:1] + "***@" + domain
    if r.channel == "wechat" and r.address:
        return r.address[:4] + "****"
    return r.address


def open_case_deadlines(*, policy: Any = None, today: dt.date | None = None,
                        cases: QuerySet | None = None) -> dict[int, CaseDeadline]:
    """The deadline of every running case (opened, not yet decided) of ``cases`` (default: all), keyed
    by the case's pk: the same values as :func:`case_deadline` case by case, computed for the whole
    set at once (three queries, then one computation per distinct opening day, time limit and set of
    suspensions). This is what a suspension or resumption announcement changes for every open case
    (7.1); ``bench/bench_audit_suspension.py`` measures it against the per-case path."""
    policy = policy or current_policy()
    today = today or clock.today()
    qs = (cases if cases is not None else AuditCase.objects.all()).filter(state__in=RUNNING_STATES,
                                                                          opened_on__isnull=False)
    rows = list(qs.values_list("pk", "opened_on", "extended", "source"))
    from shebao.operations.models import COMPLAINT_SOURCES, AuditSuspension

    own: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for case_id, start, end in (AuditSuspension.objects.filter(case__in=qs).order_by("case_id", "starts_on", "pk")
                                .values_list("case_id", "starts_on", "ends_on")):
        own.setdefault(case_id, []).append((start, end))
    general = epidemic_suspension(policy, today=today)
    cal = official_calendar()
    memo: dict[tuple, CaseDeadline] = {}
    out: dict[int, CaseDeadline] = {}
    for pk, opened_on, extended, source in rows:
        complaint = source in COMPLAINT_SOURCES
        key = (opened_on, extended, complaint and general is not None, tuple(own.get(pk, ())))
        due = memo.get(key)
        if due is None:
            try:
                limit = audit_time_limit(policy, opened_on=opened_on, extended=extended)
                susp = ([general] if complaint and general is not None else []) + [Suspension(s, e) for s, e in key[3]]
                r = audit_deadline(opened_on, time_limit=limit, suspensions=susp)
                if r.deadline is None:
                    due = CaseDeadline(None, r.working_days, limit, limit - r.working_days, suspended=True)
                elif r.deadline >= today:
                    due = CaseDeadline(r.deadline, r.working_days, limit,
                                       cal.count(today + dt.timedelta(days=1), r.deadline))
                else:
                    due = CaseDeadline(r.deadline, r.working_days, limit,
                                       -cal.count(r.deadline + dt.timedelta(days=1), today))
            except InputError as exc:
                due = CaseDeadline(error=str(exc))
            memo[key] = due
        out[pk] = due
    return out


def fever_threshold_tenths(day: dt.date) -> int:
    """The reading (tenths of a degree) from which a hall visitor is turned away and recorded on
    ``day``: the pack's dated ``halls.fever_threshold_tenths`` (8; 373 = 37.3 °C from 2020-01-31),
    its first value for a day before the notice (a hall's log may be kept for any day)."""
    policy = current_policy()
    value = policy.value("halls.fever_threshold_tenths", day)
    if value is None:  # a day before the notice (a log entered late): the notice's first value
        value = policy.parameter("halls.fever_threshold_tenths").values[0].value
    return int(value)


def celsius_text(tenths: int) -> str:
    """>>> celsius_text(373)
    '37.3℃'
    """
    return f"{tenths // 10}.{tenths % 10}℃"
