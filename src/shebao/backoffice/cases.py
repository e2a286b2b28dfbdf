"""Back-office pages of cases: the queue, the case page and its actions, the walk-in's receipt.

Views parse input, call one selector or service, and render. Actions answer htmx requests with
the case page's action block, so the page updates in place; every action posts the case's
version, so a double click or a second clerk gets a clear conflict, never a second transition.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from shebao.backoffice import selectors
from shebao.backoffice.errors import refusal
from shebao.cases import selectors as case_selectors
from shebao.cases import services as case_services
from shebao.cases import workflows
from shebao.cases.models import Case, Channel, CommitmentLetter, Flag, Mode, OwedDocument, PhoneCheck, Status
from shebao.cases.timeline import case_timeline
from shebao.core import clock
from shebao.core.errors import DomainError, UploadRefused
from shebao.core.inputs import form_id, page_number, page_rows
from shebao.core.masking import shown_data, shown_text
from shebao.core.permissions import may
from shebao.core.reads import personal_data_read
from shebao.core.versions import UnreadVersion, posted_version


def _today() -> dt.date:
    return clock.today()


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    f = selectors.QueueFilter.from_query(request.GET)
    # 1..QUEUE_PAGES, else 400 "页码…无效" like every paged list (core.inputs.page_number), never a
    # silent clamp to another page: a narrower filter or the search finds what lies beyond.
    page = page_number(request.GET, last=selectors.QUEUE_PAGES)
    today = _today()
    qs = selectors.queue(user=request.user, f=f, today=today)
    # A page after the last one answers the last page and says so (core.inputs.page_rows, review-user6 F9).
    paged = page_rows(qs.order_by(*selectors.QUEUE_ORDER), page, selectors.PAGE_SIZE)
    rows, page, has_next, beyond = paged.rows, paged.page, paged.has_next, paged.beyond
    has_next = has_next and page < selectors.QUEUE_PAGES  # no link to a page that would be refused
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
        "f": f, "rows": rows, "page": page, "has_next": has_next, "query": params.urlencode(), "beyond": beyond,
        "counts": selectors.status_counts(user=request.user, f=f),
        "modes": Mode.choices, "statuses": Status.choices, "channels": Channel.choices,
        "businesses": selectors.business_choices(),
        "cap": selectors.COUNT_CAP,
        "awaiting_me": [] if request.htmx else awaiting_approval(request.user),
    }
    template = "backoffice/_queue_rows.html" if request.htmx else "backoffice/queue.html"
    return TemplateResponse(request, template, context)


def awaiting_approval(user: Any, *, limit: int = 20) -> list[Any]:
    """The cases in review that ``user`` may approve now (the second person: never the one who accepted
    it), oldest first: picked out above the queue (review-user14 (10): the reviewer's queue showed 26
    cases waiting for the clerk and not the refund waiting for the reviewer)."""
    return awaiting_approval_scan(user)[0][:limit]


# How many cases in review are read to find the ones a user may approve (each asks who made it).
AWAITING_SCAN = 100


def awaiting_approval_scan(user: Any, *, scan: int = AWAITING_SCAN) -> tuple[list[Any], bool]:
    """Every case of the ``scan`` oldest in review that ``user`` may approve now, oldest first, and
    whether more cases are in review than were read (then the count is at least the list's length)."""
    if not may(user, "case.approve"):
        return [], False
    rows = list(case_selectors.case_list(user=user, status=Status.IN_REVIEW).order_by("applied_on", "pk")[:scan + 1])
    return [c for c in rows[:scan] if "approve" in workflows.available_actions(c, user)], len(rows) > scan


# --- The case page -------------------------------------------------------------------------------


def _get_case(request: HttpRequest, pk: int):
    """The case, or 404 when it does not exist or lies outside the user's district."""
    return case_selectors.case_get(user=request.user, pk=pk)


def _case_context(request: HttpRequest, case) -> dict:
    offered = actions = workflows.available_actions(case, request.user)
    phone_denied = any(pc.outcome == PhoneCheck.Outcome.DENIED for pc in case.phone_checks.all())
    if phone_denied:
        # 1.2c: the person denied the refund; the workflow refuses accept and approve, so the page
        # does not offer them (the service's guard stays the rule).
        actions = [a for a in actions if a not in ("accept", "approve")]
    from shebao.cases.business_forms import details_display, error_field, error_input, form_fields
    from shebao.cases.selectors import case_content_problems
    from shebao.rules.business_fields import definition

    problems = case_content_problems(case) if case.status not in (Status.COMPLETED, Status.REJECTED) else []
    from shebao.cases.business_forms import change_items_masked
    from shebao.core.permissions import may

    return {
        "case": case,
        "details_shown": details_display(case.business, case.details or {}),
        "change_reveals": ([(item, name) for item, name, _ in change_items_masked(case.business, case.details or {})]
                           if may(request.user, "personal_data.reveal") else []),
        # review-user7 F6: content that fails its definition is said before anyone approves (the
        # service refuses the approval or completion, `cases.services.case_transition`), each problem
        # with the input of the correction form it belongs to (``bf-field-<field>``).
        "content_problems": problems,
        "problem_links": [(e.zh, error_field(error_input(e.field))) for e in problems],
        # ...and at those inputs, as a refused correction marks them.
        "correct_errors": {error_input(e.field): e.zh for e in problems},
        # review-user6 F3: what a new citizen ID number will change with it, said before anyone approves
        "identity_follows": _identity_follows(case),
        "effects": list(case.effects.order_by("pk")),
        "actions": [(a, workflows.ACTION_NAMES.get(a, a)) for a in actions],
        # 1.2c: a money-out step withheld from whoever prepared the case, said with whom to ask.
        "withheld": workflows.second_person_withheld(case, request.user),
        # review-user8 F7: whose step comes next, when it is not this reader's
        "waiting_on": workflows.waiting_on(case, request.user, available=offered),
        # A case registered before its content was required, or with content its definition refuses:
        # the business's own form (the front desk's), filled with what is stored, to fill in or correct.
        "correct_form": _correct_form(case) if _correctable(case, request.user) else None,
        # 2.1: what the agency works out itself (never asked of the applicant), recorded here.
        "assess_fields": form_fields(case.business, part="agency") if definition(case.business).agency_fields
        and case.status not in (Status.COMPLETED, Status.REJECTED) else [],
        # 2.1: the average contribution index as computed from the person's contribution record (the
        # years, bases and averages), or what the record lacks; typed by hand only then, with a reason.
        "index_working": _index_working(case),
        "action_set": set(actions),
        "timeline": case_timeline(case, staff=True),
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


def _correctable(case, user) -> bool:
    """Whether the page offers the correction of the case's content: the business asks the applicant
    for content, the case is still being handled, and the reader's role may correct it."""
    from shebao.core.permissions import may
    from shebao.rules.business_fields import definition

    return (bool(definition(case.business).applicant_fields) and may(user, "case.correct")
            and case.status not in (*case_selectors.DONE_STATUSES, Status.REJECTED))


class _CorrectForm:
    """The correction form's inputs (`business_forms.form_fields`), as `_business_fields.html` draws
    them: filled from the stored content (`details_prefill`), or as typed after a refusal; an input
    left empty to keep a stored personal number says so in its hint (`kept_hints`)."""

    def __init__(self, case, data=None) -> None:
        from dataclasses import replace

        from shebao.cases.business_forms import details_prefill, form_fields, kept_hints

        hints = kept_hints(case.business, case.details)
        fields = form_fields(case.business, data if data is not None else details_prefill(case.business, case.details),
                             picks=_refund_picks(case, data))
        self.desk_fields = [replace(f, hint=hints[f.name]) if f.name in hints else f for f in fields]
        self.reason = data.get("correct_reason", "") if data is not None else ""


def _refund_picks(case, data=None) -> dict[str, list[tuple[str, str]]]:
    """A refund's dues to tick in the correction form, never numbers to type (review-user10 F4): the
    applicant's refundable dues (the employer's, or those of every employer the person worked for)
    and the ones the application names (`collection.selectors.refund_dues_offered`)."""
    from shebao.collection.selectors import refund_dues_offered
    from shebao.rules.business_fields import definition

    if not any(f.name == "dues" and f.type == "ids" for f in definition(case.business).applicant_fields):
        return {}
    chosen = data.getlist("dues") if data is not None else (case.details or {}).get("dues") or []
    by_employer = case.applicant_kind == "employer" and case.employer_id
    return {"dues": refund_dues_offered(employer=case.employer if by_employer else None,
                                        person=None if by_employer else case.person, chosen=chosen)}


def _correct_form(case, data=None) -> _CorrectForm:
    return _CorrectForm(case, data)


def _identity_follows(case) -> list[str]:
    """For an open change of data that gives a new citizen ID number: the birth date and gender the
    person's record will take from it (``cases.checks.derived_identity``, what the change's effect
    applies), each as "出生日期由…改为…"; [] otherwise."""
    if case.person_id is None or case.status in (Status.COMPLETED, Status.REJECTED):
        return []
    changes = (case.details or {}).get("changes")
    if not isinstance(changes, dict):
        return []
    from shebao.cases.checks import derived_identity
    from shebao.rules.catalog import label

    derived = derived_identity(case.person, changes)
    out = []
    if "birth_date" in derived:
        out.append(f"出生日期由{case.person.birth_date:%Y-%m-%d}改为{derived['birth_date']}")
    if "gender" in derived:
        out.append(f"性别由{label('gender', case.person.gender)}改为{label('gender', derived['gender'])}")
    return out


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    personal_data_read(actor=request.user, subject=case.person, what=f"申请#{case.pk}")
    return TemplateResponse(request, "backoffice/case.html", _case_context(request, case))


def _respond(request: HttpRequest, pk: int, *, error: str = "", status: int = 200, done: str = "",
             field_errors: dict[str, str] | None = None, again: str = "") -> HttpResponse:
    """htmx: the refreshed case body (with the error, if any). Plain POST: back to the page.

    `field_errors` ({input name: message}) marks each input at fault (aria-invalid, its message under it);
    `again` names the form that was refused ("assess": the agency's figures, "letter": the commitment
    letter), whose inputs show again what was typed."""
    assess_again = again == "assess"
    case = _get_case(request, pk)
    redrawn = again == "correct" and not done  # a correction refused, or its change items to draw
    if not request.htmx and not ((error and again) or redrawn):
        if error:
            messages.error(request, error)
        elif done:
            messages.success(request, done)
        return redirect("backoffice:case_detail", pk=pk)
    context = {**_case_context(request, case), "error": error, "done": done, "field_errors": field_errors or {}}
    if assess_again and context["assess_fields"]:
        from shebao.cases.business_forms import form_fields

        context["assess_fields"] = form_fields(case.business, request.POST, part="agency")
        context["assess_reason"] = shown_text(request.POST.get("reason", ""))  # what was typed stays typed
    if again == "correct" and context["correct_form"] is not None:
        context["correct_form"] = _correct_form(case, request.POST)  # what was typed stays typed
        context["correct_errors"] = field_errors or {}
        context["correct_open"] = True
    if again == "letter" and error:
        context["letter_typed"] = shown_data({"text": request.POST.get("text", ""), "signer": request.POST.get("signer", "")})
    # A refused assessment without htmx gets the whole page again, its inputs as typed (a redirect
    # would lose them); htmx gets the case's body.
    template = "backoffice/_case_body.html" if request.htmx else "backoffice/case.html"
    return TemplateResponse(request, template, context, status=status)


def _version(request: HttpRequest) -> int | UnreadVersion:
    # " 4 " or "４" is none (review F5); missing is 428, garbled 400, never "no check" (core.versions)
    return posted_version(request.POST.get("version"))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _perform(request: HttpRequest, pk: int, work, *, fields: bool = False, form: str = "",
             inputs: dict[str, str] | None = None) -> HttpResponse:
    """Run one service call for the case page; a known refusal becomes the page's message. With `fields`
    (a form of the business's own fields) each message is also placed at its input (review-user5 F7);
    `form` names the form drawn again with what was typed (see `_respond`)."""
    try:
        done = work()
    except Exception as e:  # refusal re-raises anything that is not a known refusal
        found = refusal(e)
        at_inputs = {}
        if fields:
            from shebao.cases.business_forms import error_input

            for name, text in found.fields.items():
                key = error_input(name)  # a row's fault at its box, a change's item at its own input
                key = (inputs or {}).get(key, key)  # a form's own name for an input another form shares
                at_inputs[key] = f"{at_inputs[key]}；{text}" if key in at_inputs else text
        return _respond(request, pk, error=found.text, status=found.status, field_errors=at_inputs,
                        again=form)
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

    return _perform(request, pk, work, fields=True, form="letter")


@login_required
@require_POST
def case_change_reveal(request: HttpRequest, pk: int, item: str) -> HttpResponse:
    """The full new value of a masked item of a change of data (1.3a), the read recorded; answers the
    reveal form in place."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from shebao.backoffice.errors import refusal_text

    case = _get_case(request, pk)
    field = f"change-{item}"
    try:
        value = case_services.case_change_reveal(actor=request.user, case=case, item=item,
                                                 reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as e:
        text, status = refusal_text(e)
        return TemplateResponse(request, "backoffice/registry/_reveal.html", {"error": text, "field": field},
                                status=status)
    return TemplateResponse(request, "backoffice/registry/_reveal.html", {"value": value, "field": field})


@login_required
@require_POST
def case_phone_check(request: HttpRequest, pk: int) -> HttpResponse:
    case, p = _get_case(request, pk), request.POST

    def work() -> str:
        case_services.phone_check_record(case=case, actor=request.user, outcome=p.get("outcome", ""),
                                         phone=p.get("phone", ""), note=p.get("note", ""))
        return "电话核实已记录"

    return _perform(request, pk, work)



def _index_working(case: Case) -> object:
    """The index working of a case whose agency fields include the index (`contribution_index`), else None."""
    from shebao.cases.services import INDEX_FIELD
    from shebao.rules.business_fields import definition

    if case.person_id is None or INDEX_FIELD not in {f.name for f in definition(case.business).agency_fields}:
        return None
    from shebao.benefits.selectors import contribution_index

    return contribution_index(case.person)

@login_required
@require_POST
def case_assess(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the figures the agency works out itself (2.1: a new retiree's index, months, account
    balance, or the amount of record), typed as the front desk types them (money in yuan)."""
    from shebao.cases.business_forms import DeskInputError, details_from_post

    case, p = _get_case(request, pk), request.POST

    def work() -> str:
        try:
            figures, unreadable = details_from_post(case.business, p, part="agency"), []
        except DeskInputError as e:
            # Every fault at once (review-user7 F2): the unreadable figures and whatever the service
            # finds in the others (a month count out of range, the index's reason) in one answer.
            figures, unreadable = e.partial, e.errors
        case_services.case_assessment_record(case=case, actor=request.user, figures=figures,
                                             reason=p.get("reason", ""), unreadable=unreadable)
        return "核定项目已记录"

    return _perform(request, pk, work, fields=True, form="assess")


@login_required
@require_POST
def case_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill in or correct the case's content with the business's own form (the front desk's), every
    fault at its input at once (`services.case_details_correct`). "填写新值" of a change of data
    (``refresh``) draws the chosen items' inputs again without saving."""
    from shebao.cases.business_forms import DeskInputError, details_from_post, details_kept

    case, p = _get_case(request, pk), request.POST
    if p.get("refresh"):
        return _respond(request, pk, again="correct")

    def work() -> str:
        try:
            read, unreadable = details_from_post(case.business, p), []
        except DeskInputError as e:
            read, unreadable = e.partial, e.errors
        case_services.case_details_correct(case=case, actor=request.user,
                                           details=details_kept(case.business, read, case.details),
                                           reason=p.get("correct_reason", ""),
                                           expected_version=_version(request), unreadable=unreadable)
        return "申请内容已补正"

    # the reason's input is correct_reason: the assessment form on the same page has its own reason
    return _perform(request, pk, work, fields=True, form="correct", inputs={"reason": "correct_reason"})


@login_required
@require_POST
def case_document(request: HttpRequest, pk: int) -> HttpResponse:
    case, p = _get_case(request, pk), request.POST
    owed_pk = form_id(p, "owed", label="应补材料", required=False)  # "abc" or an overflow: 400 (core.inputs)
    owed = case.owed_documents.filter(pk=owed_pk).first() if owed_pk else None
    upload = request.FILES.get("file")

    def work() -> str:
        if upload is None:
            raise UploadRefused("请选择要上传的文件", "no file", field="file")
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
                raise DomainError("退回材料须说明理由", "a reason is required", field="note")
            case_services.owed_document_review(owed=owed, actor=request.user, accepted=what == "accept",
                                               note=p.get("note", ""))
            return "材料审核已记录"
        raise DomainError("未知操作", "unknown operation", field="do")

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
    case = _get_case(request, pk)
    doc = case_selectors.document_get(user=request.user, case=case, pk=doc_pk)
    personal_data_read(actor=request.user, subject=case.person, what=f"申请#{case.pk}的材料#{doc.pk}")
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    response["Content-Disposition"] = f'inline; filename="document-{doc.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def case_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The walk-in's receipt: a PDF with the case number, the decision and what is still owed."""
    from shebao.backoffice.receipt import receipt_pdf
    from shebao.core.pdffonts import PdfFontMissing, UnprintableText

    case = _get_case(request, pk)
    try:
        pdf = receipt_pdf(case=case, owed=list(case.owed_documents.all()))
        # the receipt prints the applicant's name and masked number (review-user14 (3): no read was recorded)
        personal_data_read(actor=request.user, subject=case.person, what=f"申请#{case.pk}的受理回执")
    except (PdfFontMissing, UnprintableText) as e:
        # A name printed in part is worse than no receipt: say why, print nothing (issue 12).
        return HttpResponse(f"无法生成回执：{e}", status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{case.pk}.pdf"'
    return response
