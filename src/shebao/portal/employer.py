"""The employer's pages in the portal (issue 15): its applications, documents, commitment letters,
dues and bill, and messages. Thin: the same business definitions, forms and services as the front
desk (rules/businesses/*.yaml, cases.business_forms, cases.services.case_submit with channel online);
staff handle the cases in the back office's queues like any other.

Every view is behind `portal_employer_required`; every case is read through
`cases.selectors.applicant_case_get`, so another employer's case does not exist here (404).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from shebao.cases import business_forms
from shebao.cases import selectors as case_selectors
from shebao.cases import services as case_services
from shebao.cases.models import (
    ApplicantKind,
    Channel,
    CommitmentLetter,
    Mode,
    OutboxMessage,
    OwedDocument,
    Status,
)
from shebao.cases.timeline import case_timeline
from shebao.core import clock
from shebao.core.errors import DomainError, IdempotencyMismatch
from shebao.core.masking import shown_text
from shebao.core.normalize import normalize_code
from shebao.portal.access import portal_employer_required
from shebao.portal.documents import document_download, document_upload, documents_context
from shebao.portal.forms import non_ascii_problem
from shebao.rules.business_fields import definitions

# The commitment the employer signs (1.2: handling on commitment); its hash is kept with the letter.
COMMITMENT_TEXT = ("本单位承诺：本次申请所报信息及所附材料真实、准确、完整；容缺的材料将在规定期限内补交；"
                   "如有不实，本单位愿承担相应法律责任，并同意经办机构依法撤销办理结果、追回相关款项。")
# A form posted again with other content after its first submission made a case.
RESUBMITTED = "该申请表已经提交过（内容与本次不同）；如需再提交一份申请，请重新打开申请页面填写。"
# A business about one person (its definition's ``person:``) names that person by the ID number, an
# employee of this employer (1.2c: a refund is also confirmed by phone with the insured person).
REGISTERS_THE_PERSON = {"insured_registration"}
PERSON_HELP = {"employee": "本单位在职职工的居民身份证号码或其他证件号码",
               "insured": "在本单位参保过的职工的居民身份证号码或其他证件号码"}
def online_businesses() -> list[Any]:
    """The businesses an employer may apply for online: its catalog entry lists the online channel and
    employers as applicants, and the business has a definition (its fields and effect)."""
    from shebao.rules import BUSINESSES

    defined = definitions()
    return [b for b in BUSINESSES if "employer" in b.applicants and "online" in b.channels and b.code in defined]


def needs_person(code: str, facts: tuple[str, ...]) -> bool:
    """The application names one person of the registry: its definition says so (``person:``), or the
    rules read the person's facts. A registration names a person not yet registered (its own fields)."""
    return code not in REGISTERS_THE_PERSON and (definitions()[code].names_person
                                                 or any(f.startswith("person.") for f in facts))


def _employee(employer: Any, id_number: str) -> Any:
    """A person who has worked for this employer (a spell with it), by ID number (a merged record's number
    leads to the record kept: `registry.selectors.kept_record`); None otherwise. An employer cannot probe
    the registry for anyone else."""
    from shebao.registry.checks import lookup_numbers
    from shebao.registry.models import Person
    from shebao.registry.selectors import kept_record

    for number in lookup_numbers(id_number):  # a 15-digit first-generation number too (F8)
        # A merged record's spells moved to the record kept (registry.merge): the number leads there
        # (review-input8 F2: the citizen ID of a merged record found 本单位没有该证件号码的职工).
        person = kept_record(Person.objects.filter(id_number=number).first())
        if person is not None and person.spells.filter(employer=employer).exists():
            return person
    return None


def _picks(code: str, employer: Any) -> dict[str, list[tuple[str, str]]]:
    """The records an employer picks instead of typing their numbers: a refund's dues are its own
    paid dues with money left to refund (1.2c; the bill shows the same numbers)."""
    from shebao.collection.selectors import refundable_dues
    from shebao.rules.business_fields import definition

    names = [f.name for f in definition(code).fields if f.type == "ids" and f.name == "dues"]
    if not names:
        return {}
    return {names[0]: [(str(r.due.pk), r.label) for r in refundable_dues(employer=employer)]}


def _error_key(path: str) -> str:
    """The input an error belongs to (`business_forms.error_input`, as the front desk reads it):
    ``details.lines.2.x`` -> ``lines``, ``details.changes.gender`` -> ``changes.gender``; the person
    named -> the ID number input (a registry check names ``person``)."""
    key = business_forms.error_input(path)
    return "id_number" if key == "person" else key


# --- Home and applications -------------------------------------------------------------------------
@portal_employer_required
def case_list(request: HttpRequest) -> HttpResponse:
    cases = list(case_selectors.applicant_case_rows(actor=request.portal_actor)[:200])
    owed = {}
    for o in OwedDocument.objects.filter(case__in=cases, state__in=[OwedDocument.State.OWED,
                                                                    OwedDocument.State.REFUSED]):
        owed[o.case_id] = owed.get(o.case_id, 0) + 1
    for c in cases:
        c.owed_count = owed.get(c.pk, 0)
    return TemplateResponse(request, "portal/employer/cases.html", {"cases": cases, "employer": request.portal_employer})


@portal_employer_required
def case_new(request: HttpRequest) -> HttpResponse:
    """Choose a business, then fill in its form (the definition's fields); submitted as an online case."""
    data: QueryDict = request.POST if request.method == "POST" else request.GET
    available = {b.code: b for b in online_businesses()}
    code = data.get("business", "")
    if code not in available:
        return TemplateResponse(request, "portal/employer/case_new.html", {"businesses": available.values()},
                                status=400 if code else 200)
    business = available[code]
    errors: dict[str, str] = {}
    person_wanted = needs_person(code, business.facts)
    token = data.get("token") or uuid.uuid4().hex
    person = None
    if request.method == "POST":
        id_number = normalize_code(data.get("id_number"))
        if person_wanted:
            if not id_number:
                errors["id_number"] = "请填写职工的证件号码"
            elif problem := non_ascii_problem(id_number, "证件号码"):
                # Said by position and code point, never looked up as it is (review-input6 F12: an
                # invisible U+202E before a right number found nobody, and the page showed it raw).
                errors["id_number"] = problem
            else:
                person = _employee(request.portal_employer, id_number)
                if person is None:
                    from shebao.registry.checks import not_found_hint

                    errors["id_number"] = ("本单位没有该证件号码的职工（只能为在本单位参保过的职工申请）"
                                           + not_found_hint(id_number))
        details = None
        checked = business_forms.desk_read(code, data, today=clock.today())  # each input judged on its own
        for err in checked.errors:
            errors.setdefault(_error_key(f"details.{err.field}"), err.zh)
        if checked.ok:
            details = checked.details
        elif not (person_wanted and person is None):
            # the registry checks that do not depend on the inputs at fault, in the same round (review-user13 (6))
            for e in business_forms.desk_checks(code, checked, employer=request.portal_employer, person=person,
                                                applied_on=clock.today()):
                errors.setdefault(_error_key(e.field), e.zh)
        if not errors:
            try:
                case, _ = case_services.case_submit(
                    actor=request.portal_actor, business=code, channel=Channel.ONLINE,
                    employer=request.portal_employer, person=person, applicant_kind=ApplicantKind.EMPLOYER,
                    contact_phone=request.portal_account.mobile, details=details,
                    # The form's one-time token (the service makes it this account's own): a double
                    # click or a second tab posting the same form makes one case.
                    idempotency_key=token[:100], request_hash=case_services.request_fingerprint(
                        {"business": code, "person": person.pk if person else None, "details": details}))
            except IdempotencyMismatch:
                errors["__all__"] = RESUBMITTED
            except case_services.DetailsRefused as refused:
                for e in refused.errors:
                    errors.setdefault(_error_key(e.field), e.zh)
            except DomainError as e:
                errors.setdefault(_error_key(e.field or "") or "__all__", e.zh)
            else:
                messages.success(request, f"申请已提交（申请编号{case.pk}），经办机构将在网上办理。")
                return HttpResponseRedirect(reverse("portal:employer_case", args=[case.pk]))
    fields = business_forms.form_fields(code, data if request.method == "POST" else None,
                                        picks=_picks(code, request.portal_employer))
    own = {f.name for f in fields} | {"id_number"}
    return TemplateResponse(request, "portal/employer/case_form.html", {
        "business": business, "fields": fields, "errors": errors, "token": token, "person_wanted": person_wanted,
        "id_number": shown_text(data.get("id_number", "")) if request.method == "POST" else "",
        "person_help": PERSON_HELP.get(definitions()[code].person or "", PERSON_HELP["insured"]),
        "other_errors": [v for k, v in errors.items() if business_forms.error_field(k) not in own],
        "transfer_account": _transfer_account(code, person),
    }, status=400 if errors else 200)


def _transfer_account(code: str, person: Any) -> Any:
    """A transfer out names its employee's whole account (4.1): once the ID number finds the person, the
    form shows the account's months and amounts (`registry.accounts.transfer_out_shown`, as the
    person's own form and the front desk), drawn again beside a refusal. None otherwise."""
    if code != "transfer_out" or person is None:
        return None
    from shebao.registry.accounts import transfer_out_shown

    return transfer_out_shown(person)


def _case_context(request: HttpRequest, case: Any, **extra: Any) -> dict[str, Any]:
    letter = CommitmentLetter.objects.filter(case=case).first()
    return {
        "case": case, "employer": request.portal_employer,
        "mode_zh": Mode(case.mode).label,
        "details_shown": business_forms.details_display(case.business, case.details or {}),
        "effects": list(case.effects.order_by("pk")),
        **documents_context(case),
        "upload_action": reverse("portal:employer_case_document", args=[case.pk]),
        "download_route": "portal:employer_case_document_download",
        "letter": letter,
        "letter_open": "commitment_letter" in case.requires and letter is None and case.status == Status.SUBMITTED,
        "commitment_text": COMMITMENT_TEXT,
        "timeline": case_timeline(case),
        **extra,
    }


@portal_employer_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_selectors.applicant_case_get(actor=request.portal_actor, pk=pk)
    return TemplateResponse(request, "portal/employer/case.html", _case_context(request, case))


@portal_employer_required  # signed in first, then the method (review-input14 8)
@require_POST
def case_commitment(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the commitment letter online: the text shown, signed by the account's holder; the service
    keeps the SHA-256 of the letter, its signer and time and the application's facts."""
    case = case_selectors.applicant_case_get(actor=request.portal_actor, pk=pk)
    if request.POST.get("agree") != "1":
        return TemplateResponse(request, "portal/employer/case.html", _case_context(
            request, case, letter_error="请阅读承诺内容并勾选“本单位作出上述承诺”"), status=400)
    account = request.portal_account
    try:
        letter = case_services.commitment_letter_capture(
            case=case, actor=request.portal_actor, text=COMMITMENT_TEXT,
            signer=f"{request.portal_employer.name}（经办人：{account.display_name}）")
    except DomainError as e:
        return TemplateResponse(request, "portal/employer/case.html", _case_context(request, case, letter_error=e.zh),
                                status=e.status if 400 <= getattr(e, "status", 400) < 500 else 400)
    messages.success(request, f"承诺书已签署（摘要 SHA-256：{letter.sha256[:16]}…）。")
    return HttpResponseRedirect(reverse("portal:employer_case", args=[case.pk]))


@portal_employer_required  # signed in first, then the method (review-input14 8)
@require_POST
def case_document(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a document to the case, or the one owed (`owed`): checked by content, as at the desk
    (`portal.documents.document_upload`, the person's page's road too)."""
    case = case_selectors.applicant_case_get(actor=request.portal_actor, pk=pk)
    done = document_upload(request, case)
    if done.error:
        return TemplateResponse(request, "portal/employer/case.html", _case_context(
            request, case, upload_error=done.error, upload_owed=done.owed, upload_field=done.field), status=400)
    messages.success(request, f"材料“{done.name}”已上传。")
    return HttpResponseRedirect(reverse("portal:employer_case", args=[case.pk]))


@portal_employer_required
def case_document_download(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    case = case_selectors.applicant_case_get(actor=request.portal_actor, pk=pk)
    return document_download(request, case, doc_pk)


# --- Dues and bill -----------------------------------------------------------------------------------
@portal_employer_required
def account(request: HttpRequest) -> HttpResponse:
    """Dues by month with the due date in force (0.2), late fees and relief with their clause (0.3),
    payments and deductions received, and the reference to write on a remittance (3.2)."""
    from shebao.collection.selectors import employer_account
    from shebao.collection.services import payment_reference
    from shebao.core.policy import current_policy

    today = clock.today()
    book = employer_account(employer=request.portal_employer, as_of=today, policy=current_policy(), limit=120)
    return TemplateResponse(request, "portal/employer/account.html", {
        "employer": request.portal_employer, "book": book, "reference": payment_reference(request.portal_employer),
        "today": today,
        # the deferrals granted, each with its rule's citation once (a due's row names only the new date)
        "deferrals": [(d, basis) for d, basis in book.deferrals if d.status == "approved"]})


@portal_employer_required
def account_statement(request: HttpRequest) -> HttpResponse:
    """单位缴费对账单 (PDF) of the signed-in employer's own account as of today: the statement the district
    prints (reports.statement), dues, payments and refunds (review-user12 F7: the employer portal had no
    statement, and its bill no refunds)."""
    from urllib.parse import quote

    from shebao.collection.selectors import employer_account
    from shebao.core.pdffonts import PdfFontMissing, UnprintableText
    from shebao.core.policy import current_policy
    from shebao.reports.statement import statement_filename, statement_pdf

    employer, today = request.portal_employer, clock.today()
    book = employer_account(employer=employer, as_of=today, policy=current_policy())
    try:
        pdf = statement_pdf(account=book, printed_by="单位网上办事")
    except (PdfFontMissing, UnprintableText) as e:  # a name printed in part is worse than no statement
        messages.error(request, f"无法生成对账单：{e}")
        return HttpResponseRedirect(reverse("portal:employer_account"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (f"inline; filename=\"statement-{employer.pk}.pdf\"; "
                                       f"filename*=UTF-8''{quote(statement_filename(employer, today))}")
    return response


# --- Messages ----------------------------------------------------------------------------------------
@portal_employer_required
def message_list(request: HttpRequest) -> HttpResponse:
    """Every notification about the employer's own cases (the same text the SMS or e-mail carried),
    one per event whatever the channels it went by."""
    rows = (OutboxMessage.objects.filter(case__in=case_selectors.applicant_cases(actor=request.portal_actor))
            .order_by("-created_at", "-pk").values("case_id", "event", "subject", "body", "created_at")[:300])
    seen, shown = set(), []
    for r in rows:
        key = (r["case_id"], r["event"], r["body"])
        if key not in seen:
            seen.add(key)
            shown.append(r)
    return TemplateResponse(request, "portal/employer/messages.html", {"rows": shown[:100],
                                                                        "employer": request.portal_employer})
