"""Back-office pages of audit and complaint cases (7.1–7.3): the queue ordered by working days
left, registering a case, the case page (contacts, state actions, suspensions) and the decision
letter PDF. Thin: parse the form, call one service or selector, render.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shebao.backoffice.errors import refusal, refusal_text
from shebao.cases import selectors as case_selectors
from shebao.cases.models import Flag
from shebao.core import clock
from shebao.core.errors import DomainError
from shebao.core.inputs import form_date, form_datetime
from shebao.core.masking import shown_data
from shebao.core.middleware import form_labels
from shebao.core.normalize import normalize_code
from shebao.core.permissions import may, require
from shebao.core.scoping import user_sees_all
from shebao.core.versions import UnreadVersion, posted_version
from shebao.operations import selectors, services
from shebao.operations.models import AuditContact, Source
from shebao.registry.selectors import employer_list


def _day(request: HttpRequest, name: str, label: str) -> dt.date | None:
    """A day typed in an action's form, read as every staff page reads one (`core.inputs.form_date`:
    2020-02-30 said not to exist, the plausible range, 全角 digits read), after the right to act (403
    first): the page's own reading made every fault a None, told 请填写 (bad-input review leftovers 3)."""
    require(request.user, "audit_case.handle")
    return form_date(request.POST.get(name), label=label, field=name, required=True)


def _version(request: HttpRequest) -> int | UnreadVersion:
    # " 4 " or "４" is none (review F5); missing is 428, garbled 400, never "no check" (core.versions)
    return posted_version(request.POST.get("version"))


@login_required
def audit_queue(request: HttpRequest) -> HttpResponse:
    closed = request.GET.get("closed") == "1"
    rows = selectors.audit_queue(user=request.user, include_closed=closed)
    # An empty list says what it holds and how a case gets there, not a bare 暂无 (office16 walk, finding 2:
    # the auditor landed on it with no word of what to do); the 7.4 flags waiting for the auditors' check
    # are pointed to, the other part of their work.
    has_any = bool(rows) or selectors.cases_visible(user=request.user).exists()
    flags_to_audit = (case_selectors.flag_queue(user=request.user, stage=Flag.Stage.SETTLED).count()
                      if may(request.user, "flag.audit") else 0)
    return TemplateResponse(request, "backoffice/audits/queue.html", {
        "rows": rows, "closed": closed, "may_register": services.may_register(request.user),
        "has_any": has_any, "sees_all": user_sees_all(request.user), "flags_to_audit": flags_to_audit})


@login_required
def audit_new(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    at_inputs: dict[str, str] = {}
    data = request.POST if request.method == "POST" else {}
    status = 200
    if request.method == "POST":
        code = normalize_code(request.POST.get("employer_code"))  # as everywhere: 全角, spaces, case
        try:
            require(request.user, "audit_case.register")  # a role that may not: 403 before any look-up
            # Looked up among the employers the user may see: another district's answers as a missing one
            # (review-input14 5: 403 不能登记其他区单位 vs 400 未找到 told which codes are registered elsewhere).
            employer = employer_list(user=request.user).filter(credit_code=code).first()
            if employer is None:
                raise ValidationError({"employer": f"未找到统一社会信用代码为“{code[:30]}”的单位"})
            case = services.audit_case_register(
                actor=request.user, source=request.POST.get("source", ""), employer=employer,
                summary=request.POST.get("summary", ""), complainant_name=request.POST.get("complainant_name", ""),
                complainant_phone=request.POST.get("complainant_phone", ""),
                documents_kept=request.POST.get("documents_kept", ""), open_now=request.POST.get("open_now") == "1")
            return redirect("backoffice:audit_case", pk=case.pk)
        except (ValidationError, PermissionDenied) as exc:
            found = refusal(exc)
            errors, status, at_inputs = found.messages, found.status, found.fields
    return TemplateResponse(request, "backoffice/audits/new.html", {
        "sources": Source.choices, "data": shown_data(data), "errors": errors, "field_errors": at_inputs,
        "may_register": services.may_register(request.user), "may_handle": services.may_handle(request.user),
    }, status=status)


def _case_page(request: HttpRequest, pk: int, *, errors: list[str] | None = None,
               field_errors: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    """The case page; ``field_errors`` keyed ``FORM-INPUT`` (the action's name, or ``contact``)
    puts each refused input's message at that input."""
    case = selectors.audit_case_get(user=request.user, pk=pk)
    if case is None:
        raise Http404("没有这个稽核案件，或不属于本区")
    return TemplateResponse(request, "backoffice/audits/case.html", {
        "case": case, "errors": errors or [], "field_errors": field_errors or {}, "channels": AuditContact.Channel.choices,
        "parties": AuditContact.Party.choices, "may_register": services.may_register(request.user),
        "may_handle": services.may_handle(request.user),
        "may_reveal": may(request.user, "personal_data.reveal"),
        "now": timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
    }, status=status)


@login_required
def audit_case(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, pk)


ACTIONS = {
    "open": lambda r, u, pk, v: services.audit_case_open(actor=u, case=pk, version=v),
    "extend": lambda r, u, pk, v: services.audit_case_extend(actor=u, case=pk, version=v,
                                                            reason=r.POST.get("reason", "")),
    "investigate": lambda r, u, pk, v: services.audit_case_investigate(actor=u, case=pk, version=v,
                                                                      findings=r.POST.get("findings", "")),
    "decide": lambda r, u, pk, v: services.audit_case_decide(actor=u, case=pk, version=v,
                                                            decision=r.POST.get("decision", "")),
    "close": lambda r, u, pk, v: services.audit_case_close(actor=u, case=pk, version=v),
    "suspend": lambda r, u, pk, v: services.audit_case_suspend(
        actor=u, case=pk, version=v, starts_on=_day(r, "starts_on", "中止起始日期"), reason=r.POST.get("reason", "")),
    "resume": lambda r, u, pk, v: services.audit_case_resume(
        actor=u, case=pk, version=v, resumed_on=_day(r, "resumed_on", "恢复日期")),
}


@login_required
@require_POST
@form_labels(starts_on="中止起始日", resumed_on="恢复日期", reason="原因", findings="调查结果", decision="处理决定")
def audit_case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("没有这个操作")
    if selectors.audit_case_get(user=request.user, pk=pk) is None:
        raise Http404("没有这个稽核案件，或不属于本区")
    try:
        ACTIONS[action](request, request.user, pk, _version(request))
    except (ValidationError, PermissionDenied, DomainError) as exc:
        found = refusal(exc)
        return _case_page(request, pk, errors=found.messages, field_errors=found.at(action), status=found.status)
    return redirect("backoffice:audit_case", pk=pk)


@login_required
@require_POST
def audit_contact(request: HttpRequest, pk: int) -> HttpResponse:
    if selectors.audit_case_get(user=request.user, pk=pk) is None:
        raise Http404("没有这个稽核案件，或不属于本区")
    try:
        # 全角 digits read, 0001-01-01 and 9999-12-31 refused before the time zone overflows (core.inputs).
        at = form_datetime(request.POST.get("contacted_at"), label="联系时间", field="contacted_at")
        services.audit_contact_record(
            actor=request.user, case=pk, channel=request.POST.get("channel", ""), party=request.POST.get("party", ""),
            contact_person=request.POST.get("contact_person", ""), notes=request.POST.get("notes", ""),
            contacted_at=at)
    except (ValidationError, PermissionDenied) as exc:
        found = refusal(exc)
        return _case_page(request, pk, errors=found.messages, field_errors=found.at("contact"), status=found.status)
    return redirect("backoffice:audit_case", pk=pk)


@login_required
@require_POST
def audit_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """The complainant's full name or phone, recorded (answers the reveal form in place)."""
    if selectors.audit_case_get(user=request.user, pk=pk) is None:
        raise Http404("没有这个稽核案件，或不属于本区")
    try:
        value = services.complainant_reveal(actor=request.user, case=pk, field=field,
                                            reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        text, status = refusal_text(exc)
        return TemplateResponse(request, "backoffice/registry/_reveal.html", {"error": text, "field": field}, status=status)
    return TemplateResponse(request, "backoffice/registry/_reveal.html", {"value": value, "field": field})


@login_required
def audit_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision letter (处理决定书) of a decided or closed case, as a PDF."""
    from shebao.backoffice.audit_letter import decision_letter_pdf
    from shebao.core.pdffonts import PdfFontMissing, UnprintableText

    case = selectors.audit_case_get(user=request.user, pk=pk)
    if case is None:
        raise Http404("没有这个稽核案件，或不属于本区")
    if not case.decision:
        return _case_page(request, pk, errors=["案件尚未作出处理决定，没有决定书"], status=400)
    try:
        pdf = decision_letter_pdf(case=case)
    except (PdfFontMissing, UnprintableText) as e:
        # A name printed in part is worse than no letter: say why, print nothing (issue 12).
        return HttpResponse(f"无法生成决定书：{e}", status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="audit-decision-{case.pk}.pdf"'
    return response
