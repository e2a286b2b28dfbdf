"""Staff pages of collection (Chinese, server-rendered): an employer's account, the remittance
matching queue, assessment runs and what-if results, a person's rights record.

Views parse input, call one selector or service, and render. Scoping: a district's staff see only
their district's employers (a 404 otherwise, as if the row did not exist); the municipal center
sees all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from shebao.backoffice.errors import refusal_text
from shebao.collection import bankfiles, importers, jobs, refunds, selectors
from shebao.collection.assessment import assessment_what_if
from shebao.collection.models import (
    AssessmentJob,
    AssessmentRun,
    DeductionFile,
    DeductionRun,
    RefundPaymentFile,
    RemittanceLine,
    RemittanceMatchRequest,
)
from shebao.collection.releases import (
    refund_payment_file_release,
    remittance_match_decide,
    remittance_match_request,
    remittance_second_person_reason,
)
from shebao.collection.services import (
    SecondPersonRequired,
    payment_reference,
    remittance_duplicate_resolve,
    remittance_match,
)
from shebao.core import clock
from shebao.core.inputs import form_id, read_date
from shebao.core.money import format_yuan
from shebao.core.periods import report_day
from shebao.core.permissions import may, require
from shebao.core.policy import current_policy, policy_what_if
from shebao.core.reads import personal_data_read
from shebao.core.scoping import scope_queryset, user_may_see_district, user_sees_all
from shebao.registry.models import Employer, Office, Person
from shebao.rules import epidemic_lifted_on


def _date_param(request: HttpRequest, name: str, default: dt.date | None, *, label: str) -> tuple[dt.date | None, str]:
    """A day in the address, read as every staff page reads one (`core.inputs.read_date`: 全角 digits
    read, 2020-02-30 said not to exist, the plausible range: 9999-12-31 charged 2.55 M yuan of late
    fees): (the day, or `default` when empty or wrong; why it is wrong, or ""). ``label`` is the field's
    Chinese name as its page shows it, required: "日期“2020-02-30”不存在" did not say which of two
    (bad-input review 16, 3)."""
    try:
        day = read_date(request.GET.get(name, ""), label=label)
    except ValueError as e:
        return default, str(e)
    return (default if day is None else day), ""


@login_required
def employer_account(request: HttpRequest, pk: int) -> HttpResponse:
    from shebao.reports.statement import statement_as_of

    employer = get_object_or_404(selectors.employer_list(user=request.user), pk=pk)
    as_of, error = clock.today(), ""
    try:  # the statement's own rule: not after today, not before the employer's books (E14)
        as_of = statement_as_of(request.GET.get("as_of"), employer=employer)
    except ValidationError as e:
        error = e.messages[0]
    policy = current_policy()
    account = selectors.employer_account(employer=employer, as_of=as_of, policy=policy)
    return TemplateResponse(request, "backoffice/collection/employer_account.html", {
        "employer": employer, "account": account, "as_of": as_of, "error": error,
        "reference": payment_reference(employer), "lifted_on": epidemic_lifted_on(policy),
    }, status=400 if error else 200)


@login_required
def remittance_queue(request: HttpRequest) -> HttpResponse:
    lines = list(selectors.remittance_queue(user=request.user)[:200])
    return TemplateResponse(request, "backoffice/collection/remittance_queue.html", {
        "lines": lines, "may_import": may(request.user, "remittance.import")})


@login_required
def remittance_line(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(selectors.remittance_queue(user=request.user), pk=pk)
    query = request.GET.get("q", "")
    candidates = list(selectors.remittance_candidates(user=request.user, line=line, query=query))
    # A candidate the statement says is not the payer needs a second person (collection.releases).
    for employer in candidates:
        employer.second_person_why = remittance_second_person_reason(line, employer)
    pending = (RemittanceMatchRequest.objects.select_related("employer", "requested_by")
               .filter(line=line, outcome=RemittanceMatchRequest.Outcome.PENDING).first())
    if pending is not None and not user_may_see_district(request.user, pending.employer.district_id):
        pending = None
    return TemplateResponse(request, "backoffice/collection/remittance_line.html", {
        "line": line, "candidates": candidates, "q": query, "pending": pending,
        "may_decide": pending is not None and pending.requested_by_id != request.user.pk
        and may(request.user, "remittance.match_approve")})


@login_required
@require_POST
def remittance_line_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask a second person to approve a match the statement's payer contradicts (issue 16 §3)."""
    line = get_object_or_404(RemittanceLine, pk=pk)
    employer = get_object_or_404(selectors.employer_list(user=request.user),
                                 pk=form_id(request.POST, "employer", label="单位", required=False) or 0)
    try:
        remittance_match_request(line=line, employer=employer, actor=request.user,
                                 reason=request.POST.get("reason", ""))
    except (ValidationError, SecondPersonRequired) as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("collection:remittance_line", pk=pk)
    messages.success(request, f"已提交复核申请：流水{line.bank_reference}匹配到{employer.name}，须由另一名工作人员复核同意后入账")
    return redirect("collection:remittance_line", pk=pk)


@login_required
@require_POST
def remittance_match_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """The second person approves or declines a requested match."""
    match = get_object_or_404(RemittanceMatchRequest.objects.select_related("line", "employer"), pk=pk)
    if not user_may_see_district(request.user, match.employer.district_id):
        raise Http404
    approve = request.POST.get("decision") == "approve"
    try:
        remittance_match_decide(request=match, actor=request.user, approve=approve, note=request.POST.get("note", ""))
    except (ValidationError, SecondPersonRequired) as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("collection:remittance_line", pk=match.line_id)
    if approve:
        messages.success(request, f"已复核同意：流水{match.line.bank_reference}匹配到{match.employer.name}并入账")
        return redirect("collection:remittance_queue")
    messages.success(request, f"已复核不同意：流水{match.line.bank_reference}未入账，仍在待匹配队列中")
    return redirect("collection:remittance_line", pk=match.line_id)


@login_required
@require_POST
def remittance_line_match(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(RemittanceLine, pk=pk)
    # An id 1 .. 2⁶³-1, else 400 in Chinese (core.inputs.form_id: "abc", an overflow).
    employer = get_object_or_404(selectors.employer_list(user=request.user),
                                 pk=form_id(request.POST, "employer", label="单位", required=False) or 0)
    try:
        payment = remittance_match(line=line, employer=employer, actor=request.user)
    except (ValidationError, PermissionDenied) as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("collection:remittance_line", pk=pk)
    messages.success(request, f"已将流水{line.bank_reference}匹配到{employer.name}，收款#{payment.pk}已按最早应缴分配")
    return redirect("collection:remittance_queue")


def _district_names() -> dict[int, str]:
    return dict(Office.objects.values_list("pk", "name"))


@login_required
def assessment_runs(request: HttpRequest) -> HttpResponse:
    runs = list(selectors.assessment_runs(user=request.user))
    context: dict[str, object] = {
        "runs": runs, "may_start": may(request.user, "assessment.run"),
        "today": clock.today(),
        "jobs": list(AssessmentJob.objects.all()[:5]) if user_sees_all(request.user) else [],
    }
    as_of, e1 = _date_param(request, "as_of", None, label="核定日")
    lifted_on, e2 = _date_param(request, "lifted_on", None, label="假设疫情解除日期")
    context.update({"as_of": request.GET.get("as_of", ""), "lifted_on": request.GET.get("lifted_on", ""),
                    "error": e1 or e2})
    if as_of and lifted_on and not (e1 or e2):
        policy = current_policy()
        # A district's staff see their district's employers only; an account with no office, none.
        district = None if user_sees_all(request.user) else getattr(request.user, "district", None)
        employer_ids = [] if district is None and not user_sees_all(request.user) else None
        what_if = assessment_what_if(as_of=as_of, policy=policy, hypothetical=policy_what_if(lifted_on=lifted_on),
                                     lifted_on=lifted_on, employer_ids=employer_ids,
                                     district_id=district.pk if district is not None else None)
        names = _district_names()
        employers = dict(Employer.objects.filter(pk__in=[c["employer_id"] for c in what_if.changes])
                         .values_list("pk", "name"))
        context.update({
            "what_if": what_if, "current_lifted_on": epidemic_lifted_on(policy),
            "what_if_districts": sorted(((names.get(d, d), v) for d, v in what_if.by_district.items()),
                                        key=lambda kv: str(kv[0])),
            "what_if_changes": [{**c, "employer_name": employers.get(c["employer_id"], ""),
                                 "district_name": names.get(c["district_id"], "")} for c in what_if.changes[:50]],
        })
    return TemplateResponse(request, "backoffice/collection/assessment_runs.html", context)


def _city_wide(request: HttpRequest, queryset: Any, pk: int, action: str) -> Any:
    """The row of a city-wide object (a run, a job) for whoever the table lets make `action` on it.

    The right is checked before the row is looked up, so someone without it gets the same refusal
    (403) for a number that exists and for one that does not: the answer tells nothing about which
    runs exist (issue 16 §3). Whoever has the right gets the row or 404.
    """
    require(request.user, action)
    return get_object_or_404(queryset, pk=pk)


@login_required
def assessment_run(request: HttpRequest, pk: int) -> HttpResponse:
    """The city-wide view of a run: the municipal center's. A district's staff use their district's page."""
    run = _city_wide(request, AssessmentRun.objects.all(), pk, "assessment.view_city")
    return TemplateResponse(request, "backoffice/collection/assessment_run.html", {
        "run": run, "lines": selectors.assessment_lines(user=request.user, run=run),
        "districts": selectors.assessment_district_totals(user=request.user, run=run), "sees_all": True,
        "district": None,
    })


@login_required
def assessment_run_district(request: HttpRequest, pk: int, district: int) -> HttpResponse:
    run = get_object_or_404(AssessmentRun, pk=pk)
    office = get_object_or_404(Office, pk=district, kind=Office.Kind.DISTRICT_CENTER)
    if not user_may_see_district(request.user, office.pk):
        raise Http404
    return TemplateResponse(request, "backoffice/collection/assessment_run.html", {
        "run": run, "lines": selectors.assessment_lines(user=request.user, run=run, district_id=office.pk),
        "districts": selectors.assessment_district_totals(user=request.user, run=run).filter(district=office),
        "sees_all": False, "district": office,
    })


@login_required
def person_rights(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(scope_queryset(Person.objects.all(), user=request.user), pk=pk)
    as_of, error = clock.today(), ""
    try:  # a record as of next year or of the years before the person's first month shows nothing (E14)
        as_of = report_day(request.GET.get("as_of"), label="截至日期", today=clock.today(), default=clock.today(),
                           first=selectors.person_records_from(person), first_what="本人最早的缴费记录")
    except ValidationError as e:
        error = e.messages[0]
    on, error2 = _date_param(request, "on", None, label="医疗保险待遇查询日")
    policy = current_policy()
    coverage = selectors.medical_coverage(person=person, on=on, policy=policy) if on else None
    personal_data_read(actor=request.user, subject=person, what="权益记录")
    return TemplateResponse(request, "backoffice/collection/person_rights.html", {
        "person": person, "months": selectors.rights_record(person=person, as_of=as_of, policy=policy),
        "as_of": as_of, "on": on, "coverage": coverage, "error": error or error2,
        "may_issue_statement": may(request.user, "rights_statement.issue", district_id=person.district_id),
    }, status=400 if error or error2 else 200)


@login_required
@require_POST
def person_rights_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """出具个人权益记录单: issues a statement with its verification code (4.1) and answers its PDF."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from shebao.collection.statement_pdf import rights_statement_pdf
    from shebao.collection.statements import rights_statement_issue
    from shebao.core.pdffonts import PdfFontMissing, UnprintableText

    person = get_object_or_404(scope_queryset(Person.objects.all(), user=request.user), pk=pk)
    try:  # 全角 digits read, 2020-02-30 said not to exist, the plausible range (core.inputs.read_date)
        as_of = read_date(request.POST.get("as_of"), label="截至日期") or clock.today()
    except ValueError as e:
        messages.error(request, str(e))
        return redirect("collection:person_rights", pk=person.pk)
    try:
        statement = rights_statement_issue(actor=request.user, person=person, as_of=as_of)
    except PermissionDenied as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("collection:person_rights", pk=person.pk)
    personal_data_read(actor=request.user, subject=person, what="个人权益记录单")
    url = request.build_absolute_uri(reverse("web:rights_statement_verify")) + "?" + urlencode(
        {"code": statement.code_display})
    try:
        pdf = rights_statement_pdf(statement=statement, verify_url=url)
    except (PdfFontMissing, UnprintableText) as e:
        messages.error(request, str(e))
        return redirect("collection:person_rights", pk=person.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="rights-statement-{statement.code}.pdf"'
    return response


@login_required
def deduction_runs(request: HttpRequest) -> HttpResponse:
    """Runs (with counts of the employers the user may see) and the failed deductions in scope."""
    return TemplateResponse(request, "backoffice/collection/deduction_runs.html", {
        "runs": selectors.deduction_runs(user=request.user),
        "failed": list(selectors.deduction_failures(user=request.user)[:200]),
        "may_start": may(request.user, "deduction_run.create"),
        "may_import": may(request.user, "deduction_result.import"),
    })


@login_required
def deduction_run(request: HttpRequest, pk: int) -> HttpResponse:
    """A whole run spans every district: the municipal center's page (3.1 runs are sent centrally)."""
    # A district's staff: the failures list of their district.
    run = _city_wide(request, DeductionRun.objects.all(), pk, "deduction_run.view_city")
    items = list(selectors.deduction_items(user=request.user, run=run))
    return TemplateResponse(request, "backoffice/collection/deduction_run.html", {
        "run": run, "items": items, "failed": sum(1 for i in items if i.status == "failed"),
        "may_retry": may(request.user, "deduction_run.retry"),
        "may_download": may(request.user, "deduction_file.download"),
        "file": DeductionFile.objects.filter(run=run).first(),
    })


@login_required
@require_POST
def deduction_run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """A retry covers the whole run's failures, across districts: the collection desk sends it (3.1)."""
    run = _city_wide(request, DeductionRun.objects.all(), pk, "deduction_run.retry")
    try:  # the service refuses whoever the table does not name (a refusal is the site's 403 page)
        retry = bankfiles.deduction_run_retry_start(run=run, actor=request.user)
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("collection:deduction_run", pk=pk)
    messages.success(request, f"已生成重试批次#{retry.pk}，共{retry.items.count()}家单位；请下载扣款请求文件发送银行")
    return redirect("collection:deduction_run", pk=retry.pk)


@login_required
@require_POST
def deduction_run_start(request: HttpRequest) -> HttpResponse:
    """Start a deduction run of every employer with an agreement and open dues (3.1)."""
    try:
        run = bankfiles.deduction_run_start(actor=request.user)
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("collection:deduction_runs")
    messages.success(request, f"已生成扣款批次#{run.pk}，共{run.items.count()}家单位；请下载扣款请求文件发送银行")
    return redirect("collection:deduction_run", pk=run.pk)


@login_required
def deduction_file_download(request: HttpRequest, pk: int, what: str = "file") -> HttpResponse:
    """The request file (full account numbers) or its .sha256; collection role only, each download recorded."""
    run = _city_wide(request, DeductionRun.objects.all(), pk, "deduction_file.download")
    try:
        download = bankfiles.deduction_file_read(run=run, actor=request.user, what=what)
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("collection:deduction_run", pk=pk)
    response = HttpResponse(download.data, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-SHA256"] = download.sha256
    return response


def _upload(request: HttpRequest) -> tuple[bytes, str]:
    upload = request.FILES.get("file")
    if upload is None:
        return b"", ""
    if upload.size is not None and upload.size > settings.SHEBAO_BANK_FILE_MAX_BYTES:
        return b"x" * (settings.SHEBAO_BANK_FILE_MAX_BYTES + 1), upload.name or ""
    return upload.read(), upload.name or "upload.csv"


IMPORTS = {
    "deduction_result": ("导入银行扣款结果（3.1）", bankfiles.bank_result_import, importers.DEDUCTION_COLUMNS,
                         "deduction_result.import"),
    "remittances": ("导入银行汇款对账单（3.2）", bankfiles.remittance_statement_import, importers.REMITTANCE_COLUMNS,
                    "remittance.import"),
}


@login_required
def bank_file_import(request: HttpRequest, kind: str) -> HttpResponse:
    """Upload a bank file; the answer lists the outcome line by line (or every bad line, nothing applied)."""
    if kind not in IMPORTS:
        raise Http404
    title, service, columns, action = IMPORTS[kind]
    require(request.user, action)  # the service refuses too; the page is not offered
    # the header said as the bank's clerk writes it (review-user10 F8); the English names are taken too
    context: dict[str, object] = {"kind": kind, "title": title,
                                  "columns": ",".join(importers.COLUMN_LABELS.get(c, c) for c in columns),
                                  "encodings": bankfiles.UPLOAD_ENCODINGS.items(),
                                  "encoding": request.POST.get("encoding", "")}
    status = 200
    if request.method == "POST":
        data, filename = _upload(request)
        try:
            context["report"] = service(data=data, filename=filename, actor=request.user,
                                        encoding=request.POST.get("encoding", ""))
        except ValidationError as e:
            context["error"] = refusal_text(e)[0]
            status = 400
        else:
            if context["report"].refused:
                status = 400
            elif context["report"].already_imported:
                # nothing done: said as a refusal of the file (review-input12 F5), whether imported a
                # minute before or by a twin request at the same moment
                status = 409
    return TemplateResponse(request, "backoffice/collection/bank_file_import.html", context, status=status)


@login_required
@require_POST
def assessment_start(request: HttpRequest) -> HttpResponse:
    """Start an assessment as of a date; the job's page shows its progress."""
    as_of, error = _post_date(request, "as_of")
    if error or as_of is None:
        messages.error(request, error or "请填写核定日")
        return redirect("collection:assessment_runs")
    try:
        job = jobs.assessment_start(as_of=as_of, actor=request.user)
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("collection:assessment_runs")
    return redirect("collection:assessment_job", pk=job.pk)


def _post_date(request: HttpRequest, name: str) -> tuple[dt.date | None, str]:
    """The assessment's day as typed (`core.inputs.read_date`): (the day or None; why not, or "")."""
    try:
        day = read_date(request.POST.get(name), label="核定日")
    except ValueError as e:
        return None, str(e)
    return day, "" if day is not None else "请填写核定日"


@login_required
def assessment_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's progress: the whole page, or (for htmx polling) only its progress box."""
    job = _city_wide(request, AssessmentJob.objects.select_related("run"), pk, "assessment.view_city")
    template = ("backoffice/collection/_assessment_job.html" if request.headers.get("HX-Request")
                else "backoffice/collection/assessment_job.html")
    return TemplateResponse(request, template, {"job": job})


@login_required
@require_POST
def remittance_line_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff decide on a probable duplicate: the same transfer again (never credited) or another one."""
    line = get_object_or_404(selectors.remittance_queue(user=request.user), pk=pk)
    same = request.POST.get("decision") == "same"
    try:
        remittance_duplicate_resolve(line=line, actor=request.user, same_transfer=same,
                                     reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("collection:remittance_line", pk=pk)
    if same:
        messages.success(request, f"已确认流水{line.bank_reference}与先前到账的转账重复，不入账")
        return redirect("collection:remittance_queue")
    messages.success(request, f"已核实流水{line.bank_reference}为另一笔转账，请匹配单位")
    return redirect("collection:remittance_line", pk=pk)


# --- Refund payments (1.2c): the center's desk pays approved refunds through the bank -------------
@login_required
def refund_desk(request: HttpRequest) -> HttpResponse:
    """Refunds waiting for payment, the payment files with their release and downloads, and the
    upload of the bank's result (its answer shown on the same page)."""
    require(request.user, "refund_file.view")
    context: dict[str, Any] = {**selectors.refund_desk(user=request.user),
                               "encodings": bankfiles.UPLOAD_ENCODINGS.items(),
                               "encoding": request.POST.get("encoding", ""),
                               "columns": refunds.result_header_zh()}
    return TemplateResponse(request, "backoffice/collection/refunds.html", context)


@login_required
@require_POST
def refund_file_create(request: HttpRequest) -> HttpResponse:
    """Write the payment file of every refund waiting; a second person releases it next."""
    try:
        file = refunds.refund_payment_file_create(actor=request.user)
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
    else:
        messages.success(request, f"已生成退费支付文件{file.filename}：{file.lines}笔，合计{format_yuan(file.amount_fen)}元。"
                                  "须由另一名工作人员复核放行后才能下载发送银行")
    return redirect("collection:refund_desk")


def _refund_file(pk: int) -> RefundPaymentFile:
    return get_object_or_404(RefundPaymentFile.objects.all(), pk=pk)


@login_required
@require_POST
def refund_file_release(request: HttpRequest, pk: int) -> HttpResponse:
    """The second person releases a payment file for the bank (never its maker: collection.releases)."""
    require(request.user, "refund_file.release")  # before the lookup: a refused role learns nothing
    file = _refund_file(pk)
    try:
        refund_payment_file_release(file=file, actor=request.user)
    except SecondPersonRequired as e:
        messages.error(request, str(e))
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
    else:
        messages.success(request, f"退费支付文件{file.filename}已复核放行，可以下载发送银行")
    return redirect("collection:refund_desk")


@login_required
def refund_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The released file's bytes (full accounts) for the bank; each download recorded."""
    require(request.user, "refund_file.download")
    file = _refund_file(pk)
    try:
        data = refunds.refund_payment_file_read(file=file, actor=request.user)
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("collection:refund_desk")
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-SHA256"] = file.sha256
    return response


@login_required
@require_POST
def refund_result_upload(request: HttpRequest) -> HttpResponse:
    """Import the bank's result file: all or nothing; the page shows what was paid, what failed, or
    every bad line (nothing applied)."""
    require(request.user, "refund_result.import")
    data, filename = _upload(request)
    status = 200
    context: dict[str, Any] = {"result_filename": filename}
    try:
        encoding = bankfiles.upload_encoding(request.POST.get("encoding", ""))
        if not data:
            from shebao.core.inputs import empty_upload_problem

            raise ValidationError(empty_upload_problem(data, filename))
        if len(data) > settings.SHEBAO_BANK_FILE_MAX_BYTES:
            raise ValidationError(f"文件超过{settings.SHEBAO_BANK_FILE_MAX_BYTES // (1024 * 1024)}MB，请分批导入")
        context["result"] = refunds.refund_result_import(data=data, filename=filename or "result.csv",
                                                         actor=request.user, encoding=encoding or None)
    except ValidationError as e:
        context["result_errors"] = e.messages
        status = 400
    else:
        if context["result"].already_imported:  # nothing done (review-input12 F5)
            status = 409
    context.update(selectors.refund_desk(user=request.user), encodings=bankfiles.UPLOAD_ENCODINGS.items(),
                   encoding=request.POST.get("encoding", ""), columns=refunds.result_header_zh())
    return TemplateResponse(request, "backoffice/collection/refunds.html", context, status=status)
