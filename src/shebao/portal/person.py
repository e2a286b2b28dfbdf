"""The insured person's pages in the portal (issue 15): their rights record and its statement, card
replacement (5.1) with the EMS number and the card-collection certificate, pension transfer in and
out (4.1), residents' pension businesses (6.1), the last three and the card behind the identity
check, their own cases and messages.

Thin views: each reads through a selector of its own person (`request.portal_person`, set by
`portal.access.portal_person_required`) or calls one service as `request.portal_actor`. A person
sees only themself: every object is looked up among the signed-in person's own (404 otherwise).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from shebao.cases.models import Case, OutboxMessage
from shebao.cases.timeline import case_timeline
from shebao.core import clock
from shebao.core.contact import card_line
from shebao.core.errors import DomainError, IdempotencyMismatch
from shebao.portal.access import portal_person_required
from shebao.portal.documents import document_download, document_upload, documents_context
from shebao.portal.person_identity import (
    identity_check_callback,
    identity_check_required_unless,
    identity_check_start,
    identity_checked_at,
    identity_fresh,
    provider_settings,
)
from shebao.portal.person_services import person_case_submit

RESIDENT_PENSION = {
    "register": ("resident_pension_registration", "参保登记"),
    "change": ("resident_pension_change", "变更缴费档次或银行账户"),
    "claim": ("resident_pension_claim", "待遇申领"),
    "cancel": ("resident_pension_cancellation", "注销登记"),
}


def _person_cases(person: Any) -> Any:
    return (Case.objects.filter(person=person, applicant_kind="person").select_related("office")
            .order_by("-created_at", "-pk"))


def _person_case_rows(person: Any) -> Any:
    """The person's cases for the list: a row's fields only (cases.selectors.LIST_FIELDS), nothing
    the list does not show decrypted."""
    from shebao.cases.selectors import LIST_FIELDS

    return (_person_cases(person).select_related(None).select_related("refund", "card_order")
            .only(*LIST_FIELDS, "refund__status", "card_order__status"))


def _own_case(request: HttpRequest, pk: int) -> Case:
    return get_object_or_404(_person_cases(request.portal_person), pk=pk)


def _refusal_errors(e: Exception) -> tuple[dict[str, str], str]:
    """Field errors (by the form's input names) and a general message, from a service's refusal."""
    errors: dict[str, str] = {}
    general: list[str] = []
    from shebao.cases.business_forms import error_input

    entries = e.entries() if hasattr(e, "entries") else []
    if isinstance(e, ValidationError) and hasattr(e, "message_dict"):
        entries = [(k, "；".join(v), "") for k, v in e.message_dict.items()]
    for field, zh, *_ in entries:
        # A row's refusal goes to its box (details.lines.1.month -> lines), as on the employer's form:
        # keyed by its path, it was drawn nowhere (only "请按提示修改" showed).
        name = error_input(field) if field else ""
        if name and name not in ("person", "employer", "action", "__all__", "details"):
            errors[name] = f"{errors[name]}；{zh}" if name in errors else zh  # every row's reason in its box
        else:
            general.append(zh)
    if not entries:
        general.append(getattr(e, "zh", "") or str(e))
    return errors, "；".join(general)


# --- Rights record and statement (4.1) ---------------------------------------------------------------
@portal_person_required
def person_rights(request: HttpRequest) -> HttpResponse:
    """我的权益记录: months, bases and amounts by insurance type; made-up months of 0.3 as on time."""
    return TemplateResponse(request, "portal/person/rights.html", _rights_context(request))


def _rights_context(request: HttpRequest) -> dict[str, Any]:
    from shebao.collection.selectors import STATEMENT_INSURANCES, rights_page
    from shebao.core.policy import current_policy

    # One year of months per page (?year=YYYY, the latest by default): a 20-year record drawn whole
    # was 240 tables, 300 KB and most of a second per request (bench/bench_portal.py, issue 15), and
    # only that year's months are read in full. The totals stay the whole record's; the PDF statement
    # prints every month.
    content = rights_page(person=request.portal_person, as_of=clock.today(), policy=current_policy(),
                          year=request.GET.get("year", ""))
    lines = [{**line, "rows": [(zh, line["insurances"][code]) for code, zh, *_ in STATEMENT_INSURANCES]}
             for line in reversed(content["lines"])]
    return {"person": request.portal_person, "content": content, "lines": lines, "years": content["years"],
            "year": content["year"], "insurances": STATEMENT_INSURANCES, "today": clock.today()}


@portal_person_required
@require_GET
def person_pension(request: HttpRequest) -> HttpResponse:
    """我的养老金: the person's own basic pension, read through `benefits.selectors.person_pension`: the
    entitlement (basic, personal-account and transitional amounts, how it was computed), the amount
    this month, every month paid with its state, the arrears statement and any stop of payment
    (review-user10 F3: a retiree signing in saw no pension). A person drawing none is told so."""
    from shebao.benefits.selectors import person_pension as read
    from shebao.registry.models import ResidentPension

    pension = read(request.portal_person, on=clock.today())
    # one drawing the residents' pension instead is pointed to it (a fresh user's walk: 我的养老金 said
    # only 您目前没有领取基本养老金的记录 to a residents' pension receiver)
    resident = pension is None and ResidentPension.objects.filter(
        person=request.portal_person, state=ResidentPension.State.RECEIVING).exists()
    return TemplateResponse(request, "portal/person/pension.html", {
        "person": request.portal_person, "pension": pension, "resident_receiving": resident,
        "today": clock.today()})


@portal_person_required
@require_POST
def person_rights_statement(request: HttpRequest) -> HttpResponse:
    """打印个人权益记录单: a new statement with its verification code, answered as a PDF. The form
    names the day the record was shown for (`as_of`, not after today): a bare POST prints nothing."""
    import datetime as dt

    from shebao.collection.statement_pdf import rights_statement_pdf
    from shebao.collection.statements import rights_statement_issue
    from shebao.core.pdffonts import PdfFontMissing, UnprintableText

    raw = request.POST.get("as_of", "").strip()
    try:
        as_of = dt.date.fromisoformat(raw)
    except ValueError:
        as_of = None
    if as_of is None or as_of > clock.today():
        messages.error(request, "请在权益记录页面点击“打印个人权益记录单”。")
        return TemplateResponse(request, "portal/person/rights.html", _rights_context(request), status=400)
    try:
        statement = rights_statement_issue(actor=request.portal_actor, person=request.portal_person, as_of=as_of)
    except (DomainError, PermissionDenied, ValidationError) as e:
        # Said on the rights page, where the statement is printed from (review-input4 F12: an as_of
        # before the first contribution reached the staff system's error page).
        errors, general = _refusal_errors(e)
        messages.error(request, "；".join([*errors.values(), general] if general else errors.values()))
        return TemplateResponse(request, "portal/person/rights.html", _rights_context(request), status=400)
    url = request.build_absolute_uri(reverse("web:rights_statement_verify")) + "?" + urlencode(
        {"code": statement.code_display})
    try:
        pdf = rights_statement_pdf(statement=statement, verify_url=url)
    except (PdfFontMissing, UnprintableText) as e:
        messages.error(request, str(e))
        return HttpResponseRedirect(reverse("portal:person_rights"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="rights-statement-{statement.code}.pdf"'
    return response


# --- Applications -----------------------------------------------------------------------------------
def _apply(request: HttpRequest, business: str, title: str, template: str, *, identity_checked: bool,
           extra: dict[str, Any] | None = None, initial: dict[str, str] | None = None) -> HttpResponse:
    """The business's own form (its definition's fields); POST submits it online, as the person.
    ``initial``: values the form opens with (input name -> text), e.g. the account's months."""
    from shebao.cases.business_forms import DeskInputError, details_from_post, form_fields

    errors: dict[str, str] = {}
    general = ""
    status = 200
    open_case = None  # the person's application of this business still being handled: led to it
    if request.method == "POST":
        try:
            details = details_from_post(business, request.POST)
            case, _ = person_case_submit(actor=request.portal_actor, person=request.portal_person,
                                         business=business, details=details, identity_checked=identity_checked,
                                         idempotency_key=(request.POST.get("submission") or "")[:100] or None)
        except DeskInputError:
            # Every input judged on its own: the unreadable ones and the other fields' faults together.
            from shebao.cases import services as case_services
            from shebao.cases.business_forms import desk_checks, desk_read

            errors = {}
            checked = desk_read(business, request.POST, today=clock.today())
            for err in checked.errors:
                errors.setdefault(err.field.split(".")[0], err.zh)
            # and the registry checks that do not depend on those inputs, in the same round (review-user13 (6))
            found = desk_checks(business, checked, employer=None, person=request.portal_person,
                                applied_on=clock.today())
            if found:
                more, general = _refusal_errors(case_services.DetailsRefused(found))
                errors = {**more, **errors}
            status = 400
        except IdempotencyMismatch:
            general, status = "该申请表已经提交过（内容与本次不同）；如需再提交一份申请，请重新打开申请页面填写。", 400
        except (DomainError, PermissionDenied, ValidationError) as e:
            errors, general = _refusal_errors(e)
            status = 403 if isinstance(e, PermissionDenied) and not errors else 400
            from shebao.cases.checks import open_case_of

            open_case = open_case_of(person=request.portal_person, business=business)
        else:
            messages.success(request, f"已提交{case.business_zh}申请（申请编号{case.pk}），可在“我的申请”中查看办理进度。")
            return HttpResponseRedirect(reverse("portal:person_case", args=[case.pk]))
    import uuid

    if request.method != "POST":
        from shebao.cases.checks import ONE_OPEN_PER_PERSON, open_case_of
        from shebao.rules.business_fields import definition

        if ONE_OPEN_PER_PERSON in definition(business).checks:
            open_case = open_case_of(person=request.portal_person, business=business)
    return TemplateResponse(request, template, {
        **_open_case_words(open_case, None),
        "person": request.portal_person, "title": title, "business": business,
        "fields": form_fields(business, request.POST if request.method == "POST" else _initial(initial)),
        "errors": errors, "general": general, "submission": request.POST.get("submission") or uuid.uuid4().hex,
        **(extra or {})}, status=status)


def _initial(values: dict[str, str] | None) -> Any:
    if not values:
        return None
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    q.update(values)
    return q


def _replays(request: HttpRequest, case: Any) -> bool:
    """Whether this POST is the form that made `case` sent again (its one-time token, as the case
    service keys a portal applicant's submission)."""
    from shebao.cases.services import portal_idempotency_key

    token = (request.POST.get("submission") or "")[:100]
    return bool(token) and case.idempotency_key == portal_idempotency_key(request.portal_actor, token)


def _open_case_words(open_case: Any, card_in_progress: Any) -> dict[str, Any]:
    """The notice of an application still being handled (or a card on its way) as the person may read
    it: its number and the way to it only when it is the person's own application; one an employer made
    for them is said without a number or link (ux14 finding 6: no page names a case its reader cannot
    open). Called within the page's `cases.checks.read_by`."""
    from shebao.cases.checks import case_named, case_openable

    card_case = card_in_progress.case if card_in_progress is not None else None
    return {"open_case": open_case, "card_in_progress": card_in_progress,
            "open_case_named": case_named(open_case) if open_case is not None else "",
            "open_case_openable": open_case is not None and case_openable(open_case),
            "card_case_named": case_named(card_case) if card_case is not None else "",
            "card_case_openable": card_case is not None and case_openable(card_case)}


def _card_notice(request: HttpRequest) -> HttpResponse | None:
    """The card page when no application can be made now: a card on its way (ordered, made or posted)
    or a card application still being handled. Said first, with the way to it and the card line, and
    without the identity check or the form (review-user12 F3: the person did the face check, then read
    that a card was in progress above a form that could still be filled in)."""
    from shebao.cards.selectors import card_order_in_progress
    from shebao.cases.checks import open_case_of

    person = request.portal_person
    in_progress = card_order_in_progress(person=person)
    open_case = None if in_progress else open_case_of(person=person, business="card_replacement")
    if in_progress is None and open_case is None:
        return None
    if open_case is not None and request.method == "POST" and _replays(request, open_case):
        return None  # the form that made this case, posted again (a double click): led to it, not refused
    return TemplateResponse(request, "portal/person/apply.html", {
        "person": person, "title": "补换社会保障卡", "business": "card_replacement", "blocked": True,
        **_open_case_words(open_case, in_progress)},
        status=400 if request.method == "POST" else 200)  # a form posted anyway: refused, nothing stored


@portal_person_required
@identity_check_required_unless(_card_notice)
def person_card_apply(request: HttpRequest) -> HttpResponse:
    """补换社会保障卡 (5.1): the reason and the EMS delivery address; the same definition as the desk.
    Behind a fresh identity check (issue 15: the card, which carries financial functions, goes to the
    address typed here; review-user7 F7), unless no application can be made now (`_card_notice`)."""
    return _apply(request, "card_replacement", "补换社会保障卡", "portal/person/apply.html",
                  identity_checked=identity_fresh(request, request.portal_person),
                  extra={"lead": "本业务已通过身份核验。新卡制作完成后由EMS寄至您填写的地址，可凭邮件号查询寄递进度"
                                 f"或拨打{card_line()}咨询（第5.1条）；办结后可打印领卡证明，新卡送达前可凭证明就医。"})


@portal_person_required
def person_resident_pension(request: HttpRequest) -> HttpResponse:
    """城乡居民养老保险: of the four businesses, each behind a fresh identity check (6.1), those that apply
    to the person's record (`registry.resident_pension.businesses_offered`: registration only without
    one; change, claim and cancellation while contributing; change and cancellation while drawing)."""
    from shebao.registry.models import ResidentPension
    from shebao.registry.resident_pension import businesses_offered

    person = request.portal_person
    record = ResidentPension.objects.filter(person=person).order_by("-pk").first()
    drawing = record is not None and record.state == ResidentPension.State.RECEIVING
    offered = [(kind, "变更待遇发放银行账户" if drawing and kind == "change" else RESIDENT_PENSION[kind][1], why,
                _in_progress(person, RESIDENT_PENSION[kind][0]))
               for kind, why in businesses_offered(person, on=clock.today()).items()]
    return TemplateResponse(request, "portal/person/resident_pension.html", {
        "person": person, "record": record, "businesses": offered,
        "checked": identity_fresh(request, request.portal_person), "checked_at": identity_checked_at(request)})


def _in_progress(person: Any, business: str) -> dict[str, Any] | None:
    """The person's application of `business` still being handled, as a business list names it (its
    number and link only when the person may open it: `_open_case_words`), or None. A business with one
    is shown as in progress and not offered (a fresh user's walk: 待遇申领 was offered while the claim was
    being handled, and only after the face check did the form say 您已有一笔…申请正在办理)."""
    from shebao.cases.checks import open_case_of

    open_case = open_case_of(person=person, business=business)
    return _open_case_words(open_case, None) if open_case is not None else None


def _open_case_notice(request: HttpRequest, business: str, title: str) -> HttpResponse | None:
    """The form's page when the person already has an application of `business` being handled: said
    with the way to it, without the identity check or the form (as `_card_notice`)."""
    from shebao.cases.checks import open_case_of

    open_case = open_case_of(person=request.portal_person, business=business)
    if open_case is None or (request.method == "POST" and _replays(request, open_case)):
        return None
    return TemplateResponse(request, "portal/person/apply.html", {
        "person": request.portal_person, "title": title, "business": business, "blocked": True,
        **_open_case_words(open_case, None)}, status=400 if request.method == "POST" else 200)


def _resident_pension_notice(request: HttpRequest) -> HttpResponse | None:
    kind = (request.resolver_match.kwargs if request.resolver_match else {}).get("kind")
    if kind not in RESIDENT_PENSION:
        return None
    business, title = RESIDENT_PENSION[kind]
    return _open_case_notice(request, business, f"城乡居民养老保险{title}")


@portal_person_required
@identity_check_required_unless(_resident_pension_notice)
def person_resident_pension_apply(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in RESIDENT_PENSION:
        raise Http404("没有该业务")
    business, title = RESIDENT_PENSION[kind]
    return _apply(request, business, f"城乡居民养老保险{title}", "portal/person/apply.html",
                  identity_checked=identity_fresh(request, request.portal_person),
                  extra={"lead": "本业务已通过身份核验（第6.1条：经人脸识别核验身份后网上办理）。"})


# --- Pension transfer (4.1) -------------------------------------------------------------------------
TRANSFERS = {
    "in": ("transfer_in", "基本养老保险关系转入", "从外地转回本市：填写原参保地和逐月的缴费基数、记入个人账户金额。"
           "提交后请在“我的申请”中上传原参保地出具的参保缴费凭证（PDF文件或图片）。"),
    "out": ("transfer_out", "基本养老保险关系转出",
            "转往外地：个人账户的全部月份和余额一并转出（不能只转部分月份）；下表是账户记录，"
            "已预先填入“转出月份及金额”，请核对后填写新参保地。仍在本市参保缴费的，须先由单位办理减员（停保）。"),
}


def _account_summary(person: Any) -> Any:
    """The person's pension account (months, balance in fen), or None before it is opened."""
    from shebao.registry.accounts import account_summary
    from shebao.registry.models import PensionAccount

    account = PensionAccount.objects.filter(person=person).first()
    return account_summary(account) if account is not None else None


def _transfer_out_context(person: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """What the transfer-out form shows (`registry.accounts.transfer_out_shown`, as the employer's and
    the desk's forms), plus the rows box prefilled with the account's months (the whole account moves)."""
    from shebao.registry.accounts import transfer_out_shown

    shown = transfer_out_shown(person)
    return {"transfer_account": shown}, ({"lines": shown.typed} if shown.typed else {})


@portal_person_required
def person_transfer(request: HttpRequest) -> HttpResponse:
    """养老保险关系转移 (4.1): the person's account (months and balance) and the two businesses, each
    behind a fresh identity check (issue 15: the account's money leaves for, or is claimed from,
    another region)."""
    person = request.portal_person
    businesses = [(direction, b[1], b[2], _transfer_why_not(person, direction), _in_progress(person, b[0]))
                  for direction, b in TRANSFERS.items()]
    return TemplateResponse(request, "portal/person/transfer.html", {
        "person": person, "summary": _account_summary(person),
        "businesses": businesses, "checked": identity_fresh(request, person),
        "checked_at": identity_checked_at(request)})


def _transfer_why_not(person: Any, direction: str) -> str:
    """Why the transfer in `direction` cannot be applied for, or "": out, when the pension account holds
    no month to move (a fresh user's walk: transfer-out was offered to a person without an account, and
    after the face check the form said 已预先填入 above 个人账户中暂无可转出的月份)."""
    if direction != "out":
        return ""
    from shebao.registry.accounts import transfer_out_shown

    if transfer_out_shown(person).lines:
        return ""
    if _account_summary(person) is None:
        return "您尚未建立基本养老保险个人账户，没有可转出的个人账户，暂不能办理转出。"
    return "您的基本养老保险个人账户中暂无可转出的月份，暂不能办理转出。"


def _transfer_notice(request: HttpRequest) -> HttpResponse | None:
    """The transfer form's page when it cannot be applied for now: an application of it still being
    handled, or (out) nothing in the account to move. Said without the identity check or the form."""
    direction = (request.resolver_match.kwargs if request.resolver_match else {}).get("direction")
    if direction not in TRANSFERS:
        return None
    business, title, _ = TRANSFERS[direction]
    answered = _open_case_notice(request, business, title)
    if answered is not None:
        return answered
    why = _transfer_why_not(request.portal_person, direction)
    if not why:
        return None
    return TemplateResponse(request, "portal/person/apply.html", {
        "person": request.portal_person, "title": title, "business": business, "blocked": True,
        "blocked_why": why, "back_url": reverse("portal:person_transfer"), "back_words": "返回养老保险关系转移"},
        status=400 if request.method == "POST" else 200)


@portal_person_required
@identity_check_required_unless(_transfer_notice)
def person_transfer_apply(request: HttpRequest, direction: str) -> HttpResponse:
    """A person's own transfer in or out, online: the same definition, checks (the account's book:
    `registry.accounts`) and case service as the employer's and the desk's. Out: the form lists the
    account's months and amounts and opens with them filled in (the whole account moves)."""
    if direction not in TRANSFERS:
        raise Http404("没有该业务")
    business, title, lead = TRANSFERS[direction]
    extra: dict[str, Any] = {"lead": f"本业务已通过身份核验。{lead}"}
    initial: dict[str, str] = {}
    if direction == "out":
        more, initial = _transfer_out_context(request.portal_person)
        extra.update(more)
    return _apply(request, business, title, "portal/person/apply.html",
                  identity_checked=identity_fresh(request, request.portal_person), extra=extra, initial=initial)


# --- Identity check (6.1) ---------------------------------------------------------------------------
@portal_person_required
def person_identity(request: HttpRequest) -> HttpResponse:
    """身份核验: explains the check and starts it (GET with `start=1`, or POST)."""
    # Started by a link (GET ?start=1), not a form: the browser then follows the redirect to the
    # provider; a form's redirect to another origin is blocked by the pages' CSP (form-action 'self').
    if request.method == "POST" or request.GET.get("start") == "1":
        if not provider_settings():
            messages.error(request, "身份核验服务暂未开通，请到经办机构办理。")
        else:
            try:
                return identity_check_start(request)
            except Exception as e:  # the provider cannot be reached (its discovery document)
                import logging

                logging.getLogger(__name__).warning("identity provider unreachable: %s", type(e).__name__)
                messages.error(request, "暂时无法连接统一身份认证服务，请稍后再试。")
    return TemplateResponse(request, "portal/person/identity.html", {
        "person": request.portal_person, "next": request.GET.get("next", ""),
        "checked": identity_fresh(request, request.portal_person), "checked_at": identity_checked_at(request),
        "configured": bool(provider_settings())})


@portal_person_required
@require_GET
def person_identity_callback(request: HttpRequest) -> HttpResponse:
    """The provider's redirect back. A request that carries no answer (no code, state or error) is
    not an identity check: sent back to the check's page, nothing recorded."""
    if not any(request.GET.get(k) for k in ("code", "state", "error")):
        return HttpResponseRedirect(reverse("portal:person_identity"))
    return identity_check_callback(request)


# --- Cases, certificate, messages --------------------------------------------------------------------
@portal_person_required
def person_cases(request: HttpRequest) -> HttpResponse:
    """我的申请: the person's own applications, newest first."""
    return TemplateResponse(request, "portal/person/cases.html", {
        "person": request.portal_person, "cases": list(_person_case_rows(request.portal_person)[:100])})


@portal_person_required
def person_case(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the person's applications: status, decision with its clauses, the card's progress, the
    documents owed and received."""
    return _case_page(request, _own_case(request, pk))


def _case_page(request: HttpRequest, case: Case, *, status: int = 200, extra: dict[str, Any] | None = None
               ) -> HttpResponse:
    """The case page (``extra``: an upload's refusal, drawn with ``status``)."""
    from shebao.cards.selectors import card_order_for_case
    from shebao.cases.business_forms import details_display

    try:
        details = details_display(case.business, case.details or {})
    except Exception:  # a business without a definition: nothing to show
        details = []
    return TemplateResponse(request, "portal/person/case.html", {
        "person": request.portal_person, "case": case, "details": details,
        "order": card_order_for_case(case=case),
        # What happened, each event named (an upload is not a second bare 审核中: review-user9 F2).
        "timeline": case_timeline(case),
        # The documents the case owes (a transfer in's 参保缴费凭证) and an upload for each, as on the
        # employer's page (portal.documents): a person could not send what the case waited for.
        **documents_context(case), "upload_action": reverse("portal:person_case_document", args=[case.pk]),
        "download_route": "portal:person_case_document_download", **(extra or {}),
    }, status=status)


@portal_person_required
@require_POST
def person_case_document(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a document to one of the person's own applications, or the one it owes (``owed``):
    checked by content and stored by the same service as the employer's and the desk's
    (`portal.documents.document_upload`); refused in Chinese beside the upload, nothing stored."""
    case = _own_case(request, pk)
    done = document_upload(request, case)
    if done.error:
        return _case_page(request, case, status=400, extra={
            "upload_error": done.error, "upload_owed": done.owed, "upload_field": done.field})
    messages.success(request, f"材料“{done.name}”已上传，经办机构审核后办理。")
    return HttpResponseRedirect(reverse("portal:person_case", args=[case.pk]))


@portal_person_required
def person_case_document_download(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    """One document of the person's own application, as stored (404 for another's)."""
    return document_download(request, _own_case(request, pk), doc_pk)


@portal_person_required
def person_card_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """领卡证明 (5.1) of the person's own completed card replacement, as a PDF."""
    from shebao.cards.certificate import certificate_pdf
    from shebao.cards.selectors import card_order_for_case
    from shebao.core.pdffonts import PdfFontMissing, UnprintableText

    case = _own_case(request, pk)
    order = card_order_for_case(case=case)
    if order is None:
        raise Http404("该申请尚未办结，还没有领卡证明")
    url = request.build_absolute_uri(reverse("web:card_certificate_verify")) + "?" + urlencode(
        {"code": order.certificate_code_display})
    try:
        pdf = certificate_pdf(order=order, verify_url=url)
    except (PdfFontMissing, UnprintableText) as e:
        messages.error(request, str(e))
        return HttpResponseRedirect(reverse("portal:person_case", args=[case.pk]))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="card-certificate-{order.pk}.pdf"'
    return response


@portal_person_required
def person_messages(request: HttpRequest) -> HttpResponse:
    """我的消息: every notification about the person's own applications (as sent by SMS or e-mail)."""
    rows = (OutboxMessage.objects.filter(case__person=request.portal_person, case__applicant_kind="person")
            .select_related("case").order_by("-created_at", "-pk")[:100])
    return TemplateResponse(request, "portal/person/messages.html", {
        "person": request.portal_person, "rows": list(rows)})
