"""Back-office pages: the queues, the case page and its actions, the front desk, announcements.

Views parse input, call one selector or service, and render. Actions answer htmx requests with
the case page's action block, so the page updates in place; every action posts the case's
version, so a double click or a second clerk gets a clear conflict, never a second transition.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from shebao.backoffice import selectors
from shebao.cases.models import Channel, Mode, Status
from shebao.core import clock


def _today() -> dt.date:
    return clock.today()


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    f = selectors.QueueFilter.from_query(request.GET)
    try:
        page = max(1, min(200, int(request.GET.get("page", "1"))))
    except ValueError:
        page = 1
    today = _today()
    qs = selectors.queue(user=request.user, f=f, today=today)
    rows, has_next = selectors.queue_page(qs, page=page)
    soon = today + dt.timedelta(days=selectors.NEAR_DEADLINE_DAYS)
    for case in rows:
        case.deadline_state = (
            "overdue" if case.deadline and case.deadline < today and case.status in selectors.OPEN_STATUSES
            else "soon" if case.deadline and case.deadline <= soon and case.status in selectors.OPEN_STATUSES
            else ""
        )
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "f": f, "rows": rows, "page": page, "has_next": has_next, "query": params.urlencode(),
        "counts": selectors.status_counts(user=request.user, f=f),
        "modes": Mode.choices, "statuses": Status.choices, "channels": Channel.choices,
        "businesses": selectors.business_choices(),
        "cap": selectors.COUNT_CAP,
    }
    template = "backoffice/_queue_rows.html" if request.htmx else "backoffice/queue.html"
    return TemplateResponse(request, template, context)


# --- The case page -------------------------------------------------------------------------------
from django.core.exceptions import PermissionDenied, ValidationError  # noqa: E402
from django.http import Http404  # noqa: E402
from django.shortcuts import redirect  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

from shebao.cases import selectors as case_selectors  # noqa: E402
from shebao.cases import services as case_services  # noqa: E402
from shebao.cases import workflows  # noqa: E402
from shebao.cases.documents import UploadError  # noqa: E402
from shebao.cases.models import CommitmentLetter, Flag, OwedDocument, PhoneCheck  # noqa: E402
from shebao.cases.routing import RoutingError  # noqa: E402
from shebao.cases.workflows import LiftNeedsConfirmation, TransitionError  # noqa: E402


def _get_case(request: HttpRequest, pk: int):
    """The case, or 404 when it does not exist or lies outside the user's district."""
    return case_selectors.case_get(user=request.user, pk=pk)


EVENT_NAMES = {"submit": "登记申请", "commitment_letter": "录入承诺书", "phone_check": "电话核实", "document": "上传材料",
               "data_exchange": "数据共享", "document_review": "审核材料", "flag": "7.4标记",
               "documents_due": "确定补交期限"}


def _labelled(transitions):
    rows = list(transitions)
    for t in rows:
        t.action_zh = workflows.ACTION_NAMES.get(t.action) or EVENT_NAMES.get(t.action, t.action)
        t.from_zh = Status(t.from_status).label if t.from_status in Status.values else ""
        t.to_zh = Status(t.to_status).label if t.to_status in Status.values else ""
        # Who acted, as people read it: the staff member's name, or 系统 for a job without one.
        t.actor_zh = str(t.actor) if t.actor_id else ("系统" if t.actor_label in ("", "system") else t.actor_label)
    return rows


def _case_context(request: HttpRequest, case) -> dict:
    actions = workflows.available_actions(case, request.user)
    phone_denied = any(pc.outcome == PhoneCheck.Outcome.DENIED for pc in case.phone_checks.all())
    if phone_denied:
        # 1.2c: the person denied the refund; the workflow refuses accept and approve, so the page
        # does not offer them (the service's guard stays the rule).
        actions = [a for a in actions if a not in ("accept", "approve")]
    return {
        "case": case,
        "actions": [(a, workflows.ACTION_NAMES.get(a, a)) for a in actions],
        "action_set": set(actions),
        "transitions": _labelled(case.transitions.select_related("actor")),
        "owed": case.owed_documents.select_related("document").all(),
        "documents": case.documents.all(),
        "letter": CommitmentLetter.objects.filter(case=case).first(),
        "phone_checks": case.phone_checks.all(),
        "mailings": case.mailings.all(),
        "flags": case.flags.all(),
        "phone_outcomes": PhoneCheck.Outcome.choices,
        "flag_kinds": Flag.Kind.choices,
        "needs_letter": "commitment_letter" in case.requires,
        "needs_phone": "phone_verification" in case.requires,
        "phone_denied": phone_denied,
        "owed_states": OwedDocument.State,
    }


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    return TemplateResponse(request, "backoffice/case.html", _case_context(request, case))


def _error_text(e: Exception) -> tuple[str, int]:
    if isinstance(e, TransitionError):
        return e.zh, getattr(e, "status", 409)
    if isinstance(e, (RoutingError, UploadError)):
        return getattr(e, "zh", str(e)), 400
    if isinstance(e, PermissionDenied):
        return str(e) or "无权进行此操作", 403
    if isinstance(e, ValidationError):
        return "；".join(e.messages), 400
    raise e


def _respond(request: HttpRequest, pk: int, *, error: str = "", status: int = 200, done: str = "") -> HttpResponse:
    """htmx: the refreshed case body (with the error, if any). Plain POST: back to the page."""
    case = _get_case(request, pk)
    if not request.htmx:
        from django.contrib import messages

        if error:
            messages.error(request, error)
        elif done:
            messages.success(request, done)
        return redirect("backoffice:case_detail", pk=pk)
    context = {**_case_context(request, case), "error": error, "done": done}
    return TemplateResponse(request, "backoffice/_case_body.html", context, status=status)


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _perform(request: HttpRequest, pk: int, work) -> HttpResponse:
    """Run one service call for the case page; a known refusal becomes the page's message."""
    try:
        done = work()
    except Exception as e:  # _error_text re-raises anything that is not a known refusal
        text, status = _error_text(e)
        return _respond(request, pk, error=text, status=status)
    return _respond(request, pk, done=done)


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = _get_case(request, pk)
    p = request.POST
    payload = {k: p[k] for k in ("outcome", "reason", "tracking_number") if p.get(k)}
    if p.get("documents_owed"):
        payload["documents_owed"] = _lines(p["documents_owed"])

    def work() -> str:
        case_services.case_transition(case=case, actor=request.user, action=action, note=p.get("note", ""),
                                      expected_version=_version(request), payload=payload)
        return f"已{workflows.ACTION_NAMES.get(action, action)}"

    return _perform(request, pk, work)


@login_required
@require_POST
def case_letter(request: HttpRequest, pk: int) -> HttpResponse:
    case, p = _get_case(request, pk), request.POST

    def work() -> str:
        case_services.commitment_letter_capture(case=case, actor=request.user, text=p.get("text", ""),
                                                signer=p.get("signer", ""))
        return "承诺书已录入"

    return _perform(request, pk, work)


@login_required
@require_POST
def case_phone_check(request: HttpRequest, pk: int) -> HttpResponse:
    case, p = _get_case(request, pk), request.POST

    def work() -> str:
        case_services.phone_check_record(case=case, actor=request.user, outcome=p.get("outcome", ""),
                                         phone=p.get("phone", ""), note=p.get("note", ""))
        return "电话核实已记录"

    return _perform(request, pk, work)


@login_required
@require_POST
def case_document(request: HttpRequest, pk: int) -> HttpResponse:
    case, p = _get_case(request, pk), request.POST
    owed = case.owed_documents.filter(pk=p["owed"]).first() if p.get("owed") else None
    upload = request.FILES.get("file")

    def work() -> str:
        if upload is None:
            raise UploadError("file", "请选择要上传的文件", "no file")
        case_services.document_attach(case=case, actor=request.user, name=p.get("name", ""), stream=upload,
                                      source=p.get("source", "upload"), owed=owed)
        return "材料已上传"

    return _perform(request, pk, work)


@login_required
@require_POST
def case_owed(request: HttpRequest, pk: int, owed_pk: int) -> HttpResponse:
    case, p = _get_case(request, pk), request.POST
    owed = case.owed_documents.filter(pk=owed_pk).first()
    if owed is None:
        raise Http404

    def work() -> str:
        what = p.get("do")
        if what == "exchange":
            case_services.owed_document_exchange(owed=owed, actor=request.user, source=p.get("source", ""),
                                                 reference=p.get("reference", ""))
            return "已登记数据共享材料"
        if what in ("accept", "refuse"):
            if what == "refuse" and not p.get("note", "").strip():
                raise RoutingError("note", "退回材料须说明理由", "a reason is required")
            case_services.owed_document_review(owed=owed, actor=request.user, accepted=what == "accept",
                                               note=p.get("note", ""))
            return "材料审核已记录"
        raise RoutingError("do", "未知操作", "unknown operation")

    return _perform(request, pk, work)


@login_required
@require_POST
def case_flag(request: HttpRequest, pk: int) -> HttpResponse:
    case, p = _get_case(request, pk), request.POST

    def work() -> str:
        case_services.flag_raise(actor=request.user, kind=p.get("kind", ""), description=p.get("description", ""),
                                 case=case)
        return "已标记（第7.4条）"

    return _perform(request, pk, work)


@login_required
def document_download(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    """A case's document, only for staff who may see the case (its district, or the center)."""
    from django.http import FileResponse

    case = _get_case(request, pk)
    doc = case_selectors.document_get(user=request.user, case=case, pk=doc_pk)
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    response["Content-Disposition"] = f'inline; filename="document-{doc.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Front desk (0.4) -----------------------------------------------------------------------------
from shebao.backoffice import frontdesk  # noqa: E402
from shebao.cases import routing  # noqa: E402
from shebao.core import permissions  # noqa: E402


def _front_desk_context(request: HttpRequest, form: frontdesk.FrontDeskForm, **extra) -> dict:
    from shebao.rules import BUSINESSES

    return {"form": form, "businesses": BUSINESSES, "refund_kinds": frontdesk.REFUND_KINDS,
            "person_fields": frontdesk.PERSON_FIELDS, "data": request.POST or request.GET,
            "received_by": [(c.value, c.label) for c in frontdesk.RECEIVED_BY], "today": _today(), **extra}


@login_required
def front_desk(request: HttpRequest) -> HttpResponse:
    # A role that may not register (a leader, an auditor) is told so before filling the form.
    permissions.require(request.user, "case.submit")
    data = request.POST if request.method == "POST" else request.GET
    form = frontdesk.parse(data, user=request.user, today=_today(), submitted=request.method == "POST")
    decision, error = None, ""
    if request.method == "POST" and form.business is not None and not form.errors:
        try:
            app = routing.application_facts(business=form.business.code, applied_on=form.received_on,
                                            person=form.person, stated=form.facts)
            decision = routing.route(app)
            if request.POST.get("do") == "save":
                case, _created = case_services.case_submit(
                    actor=request.user, business=form.business.code, channel=form.channel,
                    employer=form.employer, person=form.person, applicant_kind=form.applicant_kind,
                    applied_on=form.received_on, facts=form.facts, contact_phone=form.contact_phone,
                    manual_operation=form.manual_operation, idempotency_key=f"front-desk-{form.token}",
                )
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse("backoffice:case_detail", args=[case.pk]) + "?registered=1"
                    return response
                return redirect(reverse("backoffice:case_detail", args=[case.pk]) + "?registered=1")
        except Exception as e:
            error, _status = _error_text(e)
    context = _front_desk_context(request, form, decision=decision, error=error,
                                  decision_mode_zh=Mode(decision.mode).label if decision else "")
    template = "backoffice/_front_desk_form.html" if request.htmx else "backoffice/front_desk.html"
    return TemplateResponse(request, template, context)


@login_required
def case_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The walk-in's receipt: a PDF with the case number, the decision and what is still owed."""
    from shebao.backoffice.receipt import receipt_pdf
    from shebao.core.pdffonts import PdfFontMissing, UnprintableText

    case = _get_case(request, pk)
    try:
        pdf = receipt_pdf(case=case, owed=list(case.owed_documents.all()))
    except (PdfFontMissing, UnprintableText) as e:
        # A name printed in part is worse than no receipt: say why, print nothing (issue 12).
        return HttpResponse(f"无法生成回执：{e}", status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{case.pk}.pdf"'
    return response


# --- Announcements and the 7.4 review queue (center staff) -----------------------------------------
from shebao.backoffice import announcements  # noqa: E402


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@login_required
def announcement_list(request: HttpRequest) -> HttpResponse:
    # Every staff member reads what is published; the forms are offered to, and the services accept
    # only, who the permission table names (announcement.publish, epidemic_lift.apply).
    context: dict = {
        "published": announcements.announcements_published()[:50],
        "periods": [s for s in announcements.policy_statements() if s.parameter == "collection.period_overrides"],
        "lifted_on": announcements.lifted_on_in_force(),
        "lift_in_force": announcements.lift_in_force(),
        "data": request.POST or request.GET,
    }
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind")
        day = _parse_date(request.POST.get("date"))
        if day is None:
            context["error"] = "请填写有效日期（年-月-日，如2020-04-30）"
        elif kind == "lift" and request.POST.get("do") == "preview":
            try:
                context["lift"] = announcements.lift_effects(lifted_on=day, actor=request.user)
            except Exception as e:
                context["error"], status = _error_text(e)
        elif kind == "lift" and request.POST.get("do") == "publish":
            before = announcements.lift_in_force()
            try:
                lift = case_services.epidemic_lift_apply(actor=request.user, lifted_on=day,
                                                         confirmed=request.POST.get("confirmed") == "1")
            except Exception as e:
                context["error"], status = _error_text(e)
                if isinstance(e, LiftNeedsConfirmation):  # the form shows the preview again beside the error
                    context["lift"] = announcements.lift_effects(lifted_on=day, actor=request.user)
            else:
                from django.contrib import messages

                from shebao.rules.wording import date_zh

                if before is not None and lift.corrects_id == before.pk:
                    messages.success(request, f"已发布更正：疫情解除日期由{date_zh(before.lifted_on)}更正为"
                                              f"{date_zh(day)}；补交期限等影响已随之调整。")
                else:
                    messages.success(request, f"已发布：疫情于{date_zh(day)}解除；其影响已执行。")
                return redirect("backoffice:review_queue")
        elif kind == "deadline":
            months = [m.strip() for m in request.POST.get("months", "").replace("，", ",").split(",") if m.strip()]
            try:
                ann = announcements.deadline_move_publish(actor=request.user, months=months, due_on=day)
            except Exception as e:
                context["error"], status = _error_text(e)
            else:
                from django.contrib import messages

                messages.success(request, f"已发布：{ann.title}")
                return redirect("backoffice:announcements")
        else:
            context["error"] = "未知的公告类型"
    # A refusal of the table answers 403; a form's own error stays on the page as before.
    return TemplateResponse(request, "backoffice/announcements.html", context, status=403 if status == 403 else 200)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    stage = request.GET.get("stage") or "queued"
    stages = Flag.Stage.choices
    if stage not in dict(stages):
        stage = "queued"
    rows = list(case_selectors.flag_queue(user=request.user, stage=stage)[:200])
    return TemplateResponse(request, "backoffice/review_queue.html", {
        "rows": rows, "stage": stage, "stages": stages,
        "overdue": case_selectors.owed_documents_overdue(user=request.user)[:100],
        "step_for": {"queued": ("review", "复核"), "reviewed": ("settle", "清理"), "settled": ("audit", "内审")},
    })


@login_required
@require_POST
def flag_step(request: HttpRequest, pk: int) -> HttpResponse:
    flag = case_selectors.flag_get(user=request.user, pk=pk)
    from django.contrib import messages

    try:
        case_services.flag_advance(flag=flag, actor=request.user, step=request.POST.get("step", ""),
                                   outcome=request.POST.get("outcome", ""), expected_version=_version(request))
    except Exception as e:
        messages.error(request, _error_text(e)[0])
    else:
        messages.success(request, "已记录")
    return redirect(f"{reverse('backoffice:review_queue')}?stage={flag.stage}")
