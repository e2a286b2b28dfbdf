"""Back-office pages of the halls (notice 8), duty and inspections (11) and incident reports: the hall
manager's day (log, temperature readings, disinfection, a suspected case), the duty roster, a
leader's inspection, and the incidents page where the municipal center acknowledges each report.
Thin: parse the form, call one service (operations.halls) or selector, render.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shebao.backoffice.errors import refusal
from shebao.core import clock
from shebao.core.errors import DomainError
from shebao.core.inputs import form_date, form_datetime, form_id, number_text, read_date
from shebao.core.masking import shown_data
from shebao.core.normalize import normalize_date_text, normalize_number_text
from shebao.core.permissions import may, require
from shebao.core.versions import posted_version
from shebao.operations import halls as services
from shebao.operations import selectors
from shebao.operations.models import CheckItem, Incident


def _day_read(raw: str | None, label: str = "日期") -> tuple[dt.date | None, str]:
    """A day typed in a form or named in the address, read as every staff page reads one
    (`core.inputs.read_date`: 全角 digits read, 2020-02-30 said not to exist, 9999-12-31 outside the
    plausible range): (the day, or None when empty or wrong; why it is wrong, or "")."""
    try:
        return read_date(raw, label=label), ""
    except ValueError as e:
        return None, str(e)


def _time_problem(value: str | None, label: str) -> str:
    """Why a typed HH:MM is none ("" when it is one, or empty): ``25:00`` was told 请填写测温时间
    （YYYY-MM-DD HH:MM）, a format the input does not take (review-input14 6)."""
    text = normalize_date_text(value)
    if not text or _time_of(text) is not None:
        return ""
    return f"{label}“{text[:20]}”无效，应为时:分（00:00至23:59），如10:30"


def _time_of(text: str) -> dt.time | None:
    if not re.fullmatch(r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?", text):
        return None
    try:
        return dt.time.fromisoformat(text if len(text.split(":")[0]) == 2 else "0" + text)
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    """A version or count in a form, in ASCII digits alone (`core.inputs.number_text`: " 4 " and "４" are
    none, review F5); None when it is none, or beyond a 64-bit column."""
    return number_text(value or "")


def _time_on(day: dt.date | None, value: str | None) -> dt.datetime | None:
    """``HH:MM`` on ``day`` in Beijing time (全角 digits read); None when either is missing or malformed."""
    t = _time_of(normalize_date_text(value))
    if t is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, t)) if day else None


def _hall_or_404(request: HttpRequest, pk: int) -> Any:
    hall = selectors.hall_get(user=request.user, pk=pk)
    if hall is None:
        raise Http404("没有这个服务大厅，或不属于本区")
    return hall


def _attempt(call: Callable[[], Any], form: str = "") -> tuple[list[str], int, dict[str, str]]:
    """Run a service: ([], 200, {}) when it wrote, else the Chinese messages (the page's summary), 400/403/409,
    and the messages by input (``FORM-INPUT`` when ``form`` is given), shown at each input."""
    try:
        call()
    except (ValidationError, PermissionDenied, DomainError) as exc:  # DomainError: a version missing (428) or garbled
        found = refusal(exc)  # the pages' one mapper (backoffice.errors)
        return found.messages, found.status, found.at(form) if form else found.fields
    return [], 200, {}


@login_required
def hall_list(request: HttpRequest) -> HttpResponse:
    """The halls of the district (all of them at the center): today's log, the leader on duty, open
    incident reports."""
    today = clock.today()
    rows = []
    for hall in selectors.halls_visible(user=request.user):
        day = selectors.hall_day(hall=hall, day=today)
        rows.append({"hall": hall, **day})
    return TemplateResponse(request, "backoffice/halls/list.html", {
        "rows": rows, "today": today,
        "open_incidents": selectors.incidents_visible(user=request.user, open_only=True).count(),
        "own": selectors.own_hall(user=request.user)})


def _day_page(request: HttpRequest, hall: Any, day: dt.date, *, errors: list[str] | None = None,
              field_errors: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    return TemplateResponse(request, "backoffice/halls/day.html", {
        "hall": hall, "day": day, **selectors.hall_day(hall=hall, day=day), "errors": errors or [],
        "field_errors": field_errors or {}, "posted": request.POST.get("do", "log") if request.method == "POST" else "",
        "may_log": may(request.user, "hall_log.record", district_id=hall.district.pk),
        "may_report": may(request.user, "incident.report", district_id=hall.district.pk),
        "is_today": day == clock.today(), "data": shown_data(request.POST) if request.method == "POST" else {},
        "now": timezone.localtime(clock.now()).strftime("%H:%M"),
        "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
    }, status=status)


@login_required
def hall_day(request: HttpRequest, pk: int) -> HttpResponse:
    """A hall's day: GET shows it (``?day=YYYY-MM-DD``, default today); POST ``do=log|fever|round``."""
    hall = _hall_or_404(request, pk)
    read, why = _day_read(request.POST.get("day") if request.method == "POST" else request.GET.get("day"))
    day = read or clock.today()
    if why:  # typed, or in the address, but no day: said (never shown as today's page as if asked), nothing written
        return _day_page(request, hall, day, errors=[why], status=400)  # a hidden input: the summary shows it
    if request.method != "POST":
        return _day_page(request, hall, day)
    p, u = request.POST, request.user
    do = p.get("do", "log")
    if do in ("fever", "round") and (why := _time_problem(p.get("at"), "测温时间" if do == "fever" else "消毒时间")):
        return _day_page(request, hall, day, errors=[why], field_errors={f"{do}-at": why}, status=400)
    if do == "fever":
        call = lambda: services.fever_record(actor=u, hall=hall, day=day, at=_time_on(day, p.get("at")),  # noqa: E731
                                             celsius=p.get("celsius", ""), action=p.get("action", ""))
    elif do == "round":
        call = lambda: services.disinfection_record(actor=u, hall=hall, day=day, at=_time_on(day, p.get("at")),  # noqa: E731
                                                    area=p.get("area", ""), done_by=p.get("done_by", ""))
    else:
        # Empty is "not typed" (请填写), full-width digits are digits (review-user5 F8); anything else -1.
        typed = normalize_number_text(p.get("visitors_checked"))
        visitors = _int(typed) if typed else None
        call = lambda: services.hall_log_save(  # noqa: E731
            actor=u, hall=hall, day=day, visitors_checked=visitors if visitors is not None or not typed else -1,
            ventilation=p.get("ventilation", ""), posters_in_place=p.get("posters_in_place") == "1",
            notes=p.get("notes", ""), version=posted_version(p.get("version")))
    errors, status, at_inputs = _attempt(call, form=do if do in ("fever", "round") else "log")
    if errors:
        return _day_page(request, hall, day, errors=errors, field_errors=at_inputs, status=status)
    return redirect(f"{reverse('backoffice:hall_day', args=[hall.pk])}?day={day.isoformat()}")


@login_required
def hall_incident_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a suspected case in the hall or an incident among staff to the municipal center."""
    hall = _hall_or_404(request, pk)
    errors: list[str] = []
    at_inputs: dict[str, str] = {}
    status = 200
    holder: dict[str, Any] = {}
    if request.method == "POST":
        p = request.POST

        def call() -> None:
            require(request.user, "incident.report", district_id=hall.district.pk)  # 403 before the times typed
            holder["incident"] = services.incident_report(
                actor=request.user, hall=hall, kind=p.get("kind", ""),
                occurred_at=form_datetime(p.get("occurred_at"), label="发现时间", field="occurred_at", required=True),
                description=p.get("description", ""), isolation_room_used=p.get("isolation_room_used") == "1",
                authority_called_at=form_datetime(p.get("authority_called_at"), label="联系卫生健康部门时间",
                                                  field="authority_called_at"),
                authority_called_by=p.get("authority_called_by", ""),
                authority_reference=p.get("authority_reference", ""), outcome=p.get("outcome", ""))
        errors, status, at_inputs = _attempt(call)
        if not errors:
            return redirect("backoffice:incident", pk=holder["incident"].pk)
    return TemplateResponse(request, "backoffice/halls/incident_new.html", {
        "hall": hall, "kinds": Incident.Kind.choices, "errors": errors, "field_errors": at_inputs,
        "data": shown_data(request.POST) if request.method == "POST" else {"kind": request.GET.get("kind", "hall_suspected")},
        "may_report": may(request.user, "incident.report", district_id=hall.district.pk),
        "now": timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
    }, status=status)


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """Incident reports: the center sees every district's, a district its own; unacknowledged first."""
    rows = list(selectors.incidents_visible(user=request.user)[:200])
    return TemplateResponse(request, "backoffice/halls/incidents.html", {
        "rows": rows, "open": sum(1 for r in rows if r.acknowledged_at is None),
        "may_acknowledge": may(request.user, "incident.acknowledge")})


def _incident_page(request: HttpRequest, pk: int, *, errors: list[str] | None = None,
                   field_errors: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    inc = selectors.incident_get(user=request.user, pk=pk)
    if inc is None:
        raise Http404("没有这个事件报告，或不属于本区")
    from shebao.cases.models import OutboxMessage

    return TemplateResponse(request, "backoffice/halls/incident.html", {
        "inc": inc, "errors": errors or [], "field_errors": field_errors or {},
        "messages_sent": OutboxMessage.objects.filter(event__in=("incident_reported", "incident_updated"),
                                                      subject__contains=f"（事件{inc.pk}）").order_by("pk"),
        "may_update": may(request.user, "incident.report", district_id=inc.district_id),
        "may_acknowledge": may(request.user, "incident.acknowledge"),
        "now": timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
    }, status=status)


@login_required
def incident(request: HttpRequest, pk: int) -> HttpResponse:
    return _incident_page(request, pk)


@login_required
@require_POST
def incident_update(request: HttpRequest, pk: int) -> HttpResponse:
    """A follow-up report: the health authority called, the outcome."""
    inc = selectors.incident_get(user=request.user, pk=pk)
    if inc is None:
        raise Http404("没有这个事件报告，或不属于本区")
    p = request.POST

    def call() -> None:
        require(request.user, "incident.report", district_id=inc.district_id)  # 403 before the time typed
        services.incident_update(
            actor=request.user, incident=pk, version=posted_version(p.get("version")),
            isolation_room_used=p.get("isolation_room_used") == "1",
            authority_called_at=form_datetime(p.get("authority_called_at"), label="联系卫生健康部门时间",
                                              field="authority_called_at"),
            authority_called_by=p.get("authority_called_by", ""), authority_reference=p.get("authority_reference", ""),
            outcome=p.get("outcome", ""))
    errors, status, at_inputs = _attempt(call)
    if errors:
        return _incident_page(request, pk, errors=errors, field_errors=at_inputs, status=status)
    return redirect("backoffice:incident", pk=pk)


@login_required
@require_POST
def incident_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The center acknowledges a report."""
    if selectors.incident_get(user=request.user, pk=pk) is None:
        raise Http404("没有这个事件报告，或不属于本区")
    errors, status, _at = _attempt(lambda: services.incident_acknowledge(
        actor=request.user, incident=pk, version=posted_version(request.POST.get("version"))))
    if errors:
        return _incident_page(request, pk, errors=errors, status=status)
    return redirect("backoffice:incident", pk=pk)


@login_required
def hall_duty(request: HttpRequest, pk: int) -> HttpResponse:
    """The hall's duty roster for two weeks from ``?from=`` (default today); POST assigns a leader."""
    hall = _hall_or_404(request, pk)
    start, why = _day_read(request.GET.get("from"), "起始日期")
    start = start or clock.today()
    errors: list[str] = [why] if why else []  # ?from=2020-02-30: said, the roster from today shown
    at_inputs: dict[str, str] = {}
    status = 400 if why else 200
    if request.method == "POST":
        day, _why = _day_read(request.POST.get("day"))

        def assign() -> Any:
            # Who may act is judged before what was typed: a role that may not assign is refused (403)
            # whatever the leader box holds, never told its input was wrong (the role walk).
            require(request.user, "duty.assign", district_id=hall.district.pk)
            return services.duty_assign(
                actor=request.user, hall=hall,
                day=form_date(request.POST.get("day"), label="带班日期", field="day", required=True),
                leader=form_id(request.POST, "leader", label="带班领导"))

        errors, status, at_inputs = _attempt(assign, form=day.isoformat() if day else "duty")
        if not errors:
            return redirect(f"{reverse('backoffice:hall_duty', args=[hall.pk])}?from={start.isoformat()}")
    return TemplateResponse(request, "backoffice/halls/duty.html", {
        "hall": hall, "start": start, "rows": selectors.duty_roster(hall=hall, start=start),
        "leaders": selectors.duty_leaders(hall=hall), "errors": errors, "field_errors": at_inputs,
        "may_assign": may(request.user, "duty.assign", district_id=hall.district.pk),
        "earlier": start - dt.timedelta(days=14), "later": start + dt.timedelta(days=14),
    }, status=status)


@login_required
def hall_inspect(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader's inspection against the checklist (GET: the form and past inspections; POST: record)."""
    hall = _hall_or_404(request, pk)
    errors: list[str] = []
    at_inputs: dict[str, str] = {}
    status = 200
    holder: dict[str, Any] = {}
    p = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        checklist = {i: p[f"ok_{i}"] == "1" for i in CheckItem.values if p.get(f"ok_{i}") in ("0", "1")}
        findings = {i: p.get(f"finding_{i}", "") for i in CheckItem.values if p.get(f"finding_{i}", "").strip()}

        def call() -> None:
            require(request.user, "inspection.record", district_id=hall.district.pk)  # 403 before the day
            # typed wrong: said, never read as today; empty: today
            day = form_date(p.get("day"), label="检查日期", field="day") or clock.today()
            holder["i"] = services.inspection_record(
                actor=request.user, hall=hall, day=day, checklist=checklist,
                findings=findings, notes=p.get("notes", ""))
        errors, status, at_inputs = _attempt(call)
        if not errors:
            return redirect("backoffice:inspection", pk=holder["i"].pk)
    items = [(v, label, p.get(f"ok_{v}", ""), p.get(f"finding_{v}", "")) for v, label in CheckItem.choices]
    return TemplateResponse(request, "backoffice/halls/inspect.html", {
        "hall": hall, "items": items, "errors": errors, "field_errors": at_inputs, "today": clock.today(),
        "data": shown_data(request.POST) if request.method == "POST" else {},
        "past": selectors.inspections_of(hall=hall)[:20],
        "may_inspect": may(request.user, "inspection.record", district_id=hall.district.pk),
    }, status=status)


def _inspection_page(request: HttpRequest, pk: int, *, errors: list[str] | None = None,
                     field_errors: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    insp = selectors.inspection_get(user=request.user, pk=pk)
    if insp is None:
        raise Http404("没有这个检查记录，或不属于本区")
    return TemplateResponse(request, "backoffice/halls/inspection.html", {
        "insp": insp, "errors": errors or [], "field_errors": field_errors or {}, "today": clock.today(),
        "may_fix": may(request.user, "inspection.fix", district_id=insp.district_id)}, status=status)


@login_required
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    return _inspection_page(request, pk)


@login_required
@require_POST
def finding_fix(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    """Record the fix of one finding of the inspection."""
    insp = selectors.inspection_get(user=request.user, pk=pk)
    if insp is None or not insp.findings.filter(pk=finding_pk).exists():
        raise Http404("没有这个检查问题，或不属于本区")

    def call() -> None:
        require(request.user, "inspection.fix", district_id=insp.district_id)  # 403 before the day typed
        services.finding_fix(actor=request.user, finding=finding_pk, fix=request.POST.get("fix", ""),
                             fixed_on=form_date(request.POST.get("fixed_on"), label="整改日期", field="fixed_on",
                                                required=True))
    errors, status, at_inputs = _attempt(call, form=f"finding{finding_pk}")
    if errors:
        return _inspection_page(request, pk, errors=errors, field_errors=at_inputs, status=status)
    return redirect("backoffice:inspection", pk=pk)
