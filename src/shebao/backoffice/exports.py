"""Excel (.xlsx) downloads of the lists a clerk sees (issue 20): the queue, a person search, the
review queue of 7.4 flags, the remittance queue, a payroll run's transfers, an assessment run's
results (the city's, a district's) and the dashboard's drill-down cases.

Every list is an `ExportSpec` made by a function of (user, params) registered in `EXPORT_SPECS`, and
every download goes one road (`_spec_download`): the file at once, or, for a list longer than
``SHEBAO_EXPORT_INLINE_ROWS``, a page offering a background job (reports.jobs) with a progress bar.
The job makes the same spec from the same params (a URL's pk included), so it writes the same rows
with the same masking and reads, and the spec checks again that the user may see the list.

Each download holds the same rows as its page, with the page's filter, the user's district line
included (the same selectors), streamed in constant memory (reports.excel). Personal numbers (ID
numbers, phones, bank accounts) are masked, unless the user's role may read them in full
(`personal_data.reveal`, core.permissions): then they are written in full and the download is
recorded as a read of each person's data (core.models.PersonalDataAccess), like a reveal on a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from shebao.backoffice import selectors
from shebao.core import clock
from shebao.core.masking import mask_bank_account, mask_id_number, mask_phone
from shebao.core.models import PersonalDataAccess
from shebao.core.permissions import may
from shebao.reports.excel import Count, Yuan, xlsx_response

EXPORT_LIMIT = 200_000  # one download; a larger list is narrowed by its filter first


class _Reads:
    """The people whose full numbers a download wrote, recorded together once it is written."""

    def __init__(self, user: Any, what: str) -> None:
        self.user, self.what, self.full = user, what, may(user, "personal_data.reveal")
        self.people: dict[int, str] = {}
        self.others: dict[tuple[str, int], str] = {}  # (model, pk) -> name: read records not of a Person

    def id_number(self, person: Any) -> str:
        if person is None:
            return ""
        if not self.full:
            return mask_id_number(person.id_number)
        self.people[person.pk] = person.name
        return person.id_number

    def dependant_id_number(self, pension: Any) -> str:
        """A survivors' pension's dependant's number (benefits.SurvivorPension): masked, or in full and
        recorded as a read of that dependant's record."""
        if not self.full:
            return mask_id_number(pension.id_number)
        self.others[("benefits.SurvivorPension", pension.pk)] = pension.name
        return pension.id_number

    def award_payee_id_number(self, award: Any) -> str:
        """The number of the relative a death's immediate payment goes to (benefits.WorkInjuryAward):
        masked, or in full and recorded as a read of that award's record; "" when none was kept."""
        if not award.payee_id_number:
            return ""
        if not self.full:
            return mask_id_number(award.payee_id_number)
        self.others[("benefits.WorkInjuryAward", award.pk)] = award.payee_name
        return award.payee_id_number

    def remittance(self, line: Any) -> tuple[str, str]:
        """A remittance line's payer account and memo (where payers write ID, phone and account
        numbers): masked as the page shows them, or in full and recorded as a read of that line
        (collection.RemittanceLine; the payer may be a person paying for themself)."""
        if not self.full:
            return mask_bank_account(line.payer_account), line.memo_masked
        if line.payer_account or line.memo:
            self.others[("collection.RemittanceLine", line.pk)] = line.payer_name or line.bank_reference
        return line.payer_account, line.memo

    def phone(self, person: Any, value: str) -> str:
        if not value:
            return ""
        if not self.full:
            return mask_phone(value)
        if person is not None:
            self.people[person.pk] = person.name
        return value

    def record(self) -> int:
        """Write one read row per person shown in full (bulk); returns how many."""
        if not self.people and not self.others:
            return 0
        rows = [PersonalDataAccess(actor=self.user, model=model, object_pk=str(pk),
                                   subject_label=name[:150], field=self.what[:50], reason="导出Excel")
                for (model, pk), name in [*((("registry.Person", pk), name) for pk, name in self.people.items()),
                                          *self.others.items()]]
        PersonalDataAccess.objects.bulk_create(rows, batch_size=2000)
        return len(rows)


@dataclass
class ExportSpec:
    """One list to export: its Chinese file name, sheet title, header, a row iterator (called once),
    the rows it will hold (`total`, for the progress bar) and the reads it records.

    `stored` is what a background job records of the filter in place of what was asked, when that
    holds personal data (a person search's text, possibly an ID number, is kept encrypted).

    A spec is made by a function of (user, params): the same function gives the direct download and
    the background job (reports.jobs), and checks, each time, that the user may see the list (the
    run, the district of a URL's pk): PermissionDenied / Http404 otherwise, ValidationError (Chinese)
    for a filter outside the page's."""

    filename: str
    title: str
    header: list[str]
    rows: Callable[[], Iterator[list[Any]]]
    total: int
    reads: _Reads
    stored: dict[str, str] | None = None


def _param_pk(params: Mapping[str, str], name: str = "pk") -> int:
    """The id a URL gave (carried in the job's params): Http404 when it is none."""
    from django.http import Http404

    from shebao.core.inputs import id_text

    pk = id_text(params.get(name, ""))
    if pk is None:
        raise Http404
    return pk


QUEUE_HEADER = ["申请编号", "业务", "参保人员", "证件号码", "单位", "渠道", "办理方式", "状态", "申请日期", "办理时限",
                "优先办理", "经办机构", "通知手机"]


def queue_spec(user: Any, params: Any) -> ExportSpec:
    """The back-office queue (待办) under the page's filter `params`, every page of it."""
    f = selectors.QueueFilter.from_query(params)
    qs = selectors.queue(user=user, f=f, today=clock.today()).select_related("person", "employer", "office")
    reads = _Reads(user, "待办导出")

    def rows() -> Iterator[list[Any]]:
        for c in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield [c.pk, c.business_zh, c.person.name if c.person else "", reads.id_number(c.person),
                   c.employer.name if c.employer else "", c.get_channel_display(), c.get_mode_display(),
                   c.get_status_display(), c.applied_on, c.deadline, "优先" if c.priority > 0 else "",
                   c.office.name, reads.phone(c.person, c.contact_phone)]

    return ExportSpec(filename=f"待办申请_{clock.today():%Y%m%d}", title="待办", header=QUEUE_HEADER, rows=rows,
                      total=min(qs.count(), EXPORT_LIMIT), reads=reads)


def _refused(request: HttpRequest, kind: str, e: ValidationError) -> HttpResponse:
    """A list's download (or its background job) refused: a page saying why in Chinese, with the way
    back to the list's page (400), not a bare text answer (review-input8 F9)."""
    back = {"persons": "web:person_search", "queue": "backoffice:queue"}.get(kind)
    return TemplateResponse(request, "backoffice/export_refused.html", {
        "message": "；".join(e.messages), "back": reverse(back) if back else "/"}, status=400)


def _spec_download(request: HttpRequest, kind: str, params: Mapping[str, str]) -> HttpResponse:
    """The list `kind` (EXPORT_SPECS) under the page's filter `params`: the file now, or, for a list
    longer than SHEBAO_EXPORT_INLINE_ROWS, the page offering to write it in the background (the
    browser would otherwise wait on a long request). The one road of every list's download: the
    background job (reports.jobs) makes the same spec from the same params."""
    params = {k: params.get(k, "") for k in params if k != "csrfmiddlewaretoken"}
    try:
        spec = EXPORT_SPECS[kind](request.user, params)
    except ValidationError as e:
        return _refused(request, kind, e)
    if spec.total > settings.SHEBAO_EXPORT_INLINE_ROWS:
        return TemplateResponse(request, "backoffice/export_large.html", {
            "kind": kind, "spec": spec, "params": urlencode(params),
            "limit": settings.SHEBAO_EXPORT_INLINE_ROWS})
    response = xlsx_response(spec.filename, title=spec.title, header=spec.header, rows=spec.rows())
    spec.reads.record()  # after the file is written: exactly the people in it
    return response


@login_required
def queue_export(request: HttpRequest) -> HttpResponse:
    """The back-office queue (待办) with the page's filter, every page of it."""
    return _spec_download(request, "queue", request.GET)


@login_required
@require_POST
def export_job_start(request: HttpRequest) -> HttpResponse:
    """Start a background export of a list (``kind``) under the filter it was asked with (``params``)."""
    from django.http import QueryDict
    from django.shortcuts import redirect

    from shebao.reports.jobs import export_start

    params = QueryDict(request.POST.get("params", "")[:2000])
    try:
        job = export_start(actor=request.user, kind=request.POST.get("kind", ""),
                           params={k: params.get(k, "") for k in params})
    except ValidationError as e:
        return _refused(request, request.POST.get("kind", ""), e)
    return redirect("backoffice:export_job", pk=job.pk)


def _own_job(request: HttpRequest, pk: int) -> Any:
    from django.shortcuts import get_object_or_404

    from shebao.reports.models import ExportJob

    return get_object_or_404(ExportJob, pk=pk, requested_by=request.user)  # nobody else's, not even its number


@login_required
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """An export's progress: the whole page, or (for htmx polling) only its progress box."""
    job = _own_job(request, pk)
    template = "backoffice/_export_job.html" if request.headers.get("HX-Request") else "backoffice/export_job.html"
    return TemplateResponse(request, template, {"job": job})


@login_required
def export_job_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The finished file of one's own export."""
    from urllib.parse import quote

    from django.http import FileResponse, Http404

    from shebao.reports.excel import XLSX
    from shebao.reports.jobs import export_file

    job = _own_job(request, pk)
    path = export_file(job=job, user=request.user)
    if path is None:
        raise Http404("导出文件不存在或已过期删除")
    response = FileResponse(path.open("rb"), content_type=XLSX)
    response["Content-Disposition"] = (f"attachment; filename=\"export-{job.pk}.xlsx\"; "
                                       f"filename*=UTF-8''{quote(job.title + '.xlsx')}")
    return response


PERSONS_HEADER = ["姓名", "证件类型", "证件号码", "性别", "出生日期", "参保区", "联系电话", "重复登记合并"]


def persons_spec(user: Any, params: Mapping[str, str]) -> ExportSpec:
    """A person search's results (人员查询) for the text ``q`` (kept encrypted on a job: it may be an
    ID number, core.crypto), as the search page finds them, by name. A record registered twice and merged
    says so in the last column (已合并至人员#N, review-input8 F9). Refused (ValidationError, Chinese) for a
    query holding a character no one can see (`core.masking.invisible_problem`: an empty sheet said nothing)
    or one that is neither typed text nor a job's sealed query."""
    from shebao.core import crypto
    from shebao.core.masking import invisible_problem
    from shebao.registry import selectors as registry_selectors

    try:
        query = crypto.decrypt(params.get("q", "")) or ""
    except ImproperlyConfigured:  # typed text that only looks like a token
        raise ValidationError("查询内容无效，请重新查询") from None
    if problem := invisible_problem(query, "查询内容"):
        raise ValidationError(problem)
    qs = registry_selectors.person_search(user=user, query=query).select_related("district").order_by("name", "pk")
    reads = _Reads(user, "人员查询导出")

    def rows() -> Iterator[list[Any]]:
        for p in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield [p.name, p.get_id_type_display(), reads.id_number(p), p.get_gender_display(), p.birth_date,
                   p.district.name if p.district_id else "", reads.phone(p, p.phone),
                   # the record kept at the end of the merge chain (kept_record), where the business is
                   f"已合并至人员#{registry_selectors.kept_record_pk(p.merged_into_id)}" if p.merged_into_id else ""]

    return ExportSpec(filename=f"人员查询结果_{clock.today():%Y%m%d}", title="人员", header=PERSONS_HEADER,
                      rows=rows, total=min(qs.count(), EXPORT_LIMIT), reads=reads,
                      stored={"q": crypto.encrypt(query) or ""})


@login_required
@require_POST
def persons_export(request: HttpRequest) -> HttpResponse:
    """A person search's results (人员查询), as the search page finds them. Posted, as the search is:
    what was typed (an ID number) stays out of the address and the server's logs."""
    return _spec_download(request, "persons", request.POST)


REVIEW_HEADER = ["标记编号", "类别", "阶段", "申请编号", "经办机构", "说明", "标记人", "标记日期", "复核结论", "清理结论",
                 "内审结论"]


def review_spec(user: Any, params: Mapping[str, str]) -> ExportSpec:
    """The review queue of 7.4 flags at one stage (复核队列, ``stage``; an unknown one reads as queued,
    as on the page)."""
    from shebao.cases import selectors as case_selectors
    from shebao.cases.models import Flag

    stage = params.get("stage") or "queued"
    if stage not in dict(Flag.Stage.choices):
        stage = "queued"
    qs = case_selectors.flag_queue(user=user, stage=stage).select_related("case", "office", "raised_by")
    reads = _Reads(user, "复核队列导出")

    def rows() -> Iterator[list[Any]]:
        for fl in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield [fl.pk, fl.get_kind_display(), fl.get_stage_display(), fl.case_id or "", fl.office.name,
                   fl.description, str(fl.raised_by) if fl.raised_by_id else "系统", fl.raised_at.date(),
                   fl.review_outcome, fl.settle_outcome, fl.audit_outcome]

    return ExportSpec(filename=f"7.4复核队列_{clock.today():%Y%m%d}", title="复核队列", header=REVIEW_HEADER,
                      rows=rows, total=min(qs.count(), EXPORT_LIMIT), reads=reads)


@login_required
def review_export(request: HttpRequest) -> HttpResponse:
    """The review queue of 7.4 flags at one stage (复核队列)."""
    return _spec_download(request, "review", request.GET)


REMITTANCE_HEADER = ["银行流水号", "到账日期", "金额（元）", "付款人", "付款账号", "统一社会信用代码", "附言", "状态", "匹配单位"]


def remittance_spec(user: Any, params: Mapping[str, str]) -> ExportSpec:
    """The remittance queue (汇款待匹配, 3.2): the lines the page lists; the payer's account and the
    memo (where payers write ID, phone and account numbers) in full only for a role that may read
    personal data, else masked as the page shows them."""
    from shebao.collection import selectors as collection_selectors

    qs = collection_selectors.remittance_queue(user=user).select_related("employer")
    reads = _Reads(user, "汇款队列导出")

    def rows() -> Iterator[list[Any]]:
        for line in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            account, memo = reads.remittance(line)
            yield [line.bank_reference, line.value_date, Yuan(line.amount_fen), line.payer_name, account,
                   line.credit_code, memo, line.get_status_display(),
                   line.employer.name if line.employer_id else ""]

    return ExportSpec(filename=f"汇款待匹配_{clock.today():%Y%m%d}", title="汇款", header=REMITTANCE_HEADER,
                      rows=rows, total=min(qs.count(), EXPORT_LIMIT), reads=reads)


@login_required
def remittance_export(request: HttpRequest) -> HttpResponse:
    """The remittance queue (汇款待匹配, 3.2): the lines the page lists."""
    return _spec_download(request, "remittances", request.GET)


@login_required
def employer_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """The employer's account statement as a PDF (reports.statement), as of ``?as_of=`` (default today;
    a day after today or before the employer's books is refused: core.periods)."""
    from urllib.parse import quote

    from django.shortcuts import get_object_or_404

    from shebao.collection import selectors as collection_selectors
    from shebao.core.pdffonts import PdfFontMissing, UnprintableText
    from shebao.core.policy import current_policy
    from shebao.reports.statement import statement_as_of, statement_filename, statement_pdf

    employer = get_object_or_404(collection_selectors.employer_list(user=request.user).select_related("district"),
                                 pk=pk)
    try:  # 9999-12-31 printed 2.55 M yuan of late fees (D6); 2021-02-20 today's amounts under next year (E14)
        as_of = statement_as_of(request.GET.get("as_of"), employer=employer)
    except ValidationError as e:
        return HttpResponse(e.messages[0], status=400, content_type="text/plain; charset=utf-8")
    account = collection_selectors.employer_account(employer=employer, as_of=as_of, policy=current_policy())
    try:
        pdf = statement_pdf(account=account, printed_by=str(request.user))
    except (PdfFontMissing, UnprintableText) as e:
        # A name printed in part is worse than no statement: say why, print nothing.
        return HttpResponse(f"无法生成对账单：{e}", status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (f"inline; filename=\"statement-{employer.pk}.pdf\"; "
                                       f"filename*=UTF-8''{quote(statement_filename(employer, as_of))}")
    return response


PAYROLL_HEADER = ["明细编号", "收款人", "证件号码", "待遇类型", "收款账号", "金额（元）", "状态", "失败原因", "银行流水号",
                  "到账日期", "说明"]


def payroll_spec(user: Any, params: Mapping[str, str]) -> ExportSpec:
    """A payroll run's transfers (支付明细, 2.1; the run's ``pk``, ``status`` as on the run's page):
    the city's (``payroll.view_city``: ActionRefused otherwise), every one of them, the payee's ID
    number masked unless the role may read it in full (then recorded as a read of each payee's data),
    the bank account always masked (as on the page), the amount in yuan, the bank's result. The payee
    and the kind are who is paid and what (benefits.selectors.transfer_payees, as on the page and in
    the bank's payment file): a survivors' pension names the dependant, 供养亲属抚恤金, and says in 说明
    whose dependant they are; a death's immediate payment names the relative who receives it."""
    from django.shortcuts import get_object_or_404

    from shebao.benefits.models import PayrollRun
    from shebao.benefits.selectors import transfer_payees
    from shebao.core.permissions import require

    require(user, "payroll.view_city")
    run = get_object_or_404(PayrollRun, pk=_param_pk(params))
    status = params.get("status", "")
    if status not in ("", "pending", "paid", "failed"):
        raise ValidationError(f"支付状态“{status[:20]}”无效（可选：待银行结果、支付成功、支付失败）")
    qs = run.transfers.select_related("person").order_by("pk")
    if status:
        qs = qs.filter(status=status)
    reads = _Reads(user, "发放明细导出")

    def rows() -> Iterator[list[Any]]:
        chunk: list[Any] = []
        for t in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            chunk.append(t)
            if len(chunk) == 2000:
                yield from chunk_rows(chunk)
                chunk = []
        yield from chunk_rows(chunk)

    def chunk_rows(chunk: list[Any]) -> Iterator[list[Any]]:
        payees = transfer_payees(chunk) if chunk else {}
        for t in chunk:
            p = payees[t.pk]
            number = (reads.dependant_id_number(p.survivor) if p.survivor is not None
                      else (reads.award_payee_id_number(p.award) if p.id_number else "") if p.award is not None
                      else reads.id_number(t.person))
            # The full account goes to the bank only in the run's payment file, released by a second
            # person (collection.releases): a list to take away never carries it, whatever the role.
            yield [t.pk, p.name, number, p.benefit, mask_bank_account(t.bank_account), Yuan(t.amount_fen),
                   t.get_status_display(), t.failure_reason, t.bank_reference, t.paid_on, p.note]

    return ExportSpec(filename=f"{run.month}{run.get_kind_display()}_{run.pk}_支付明细_{clock.today():%Y%m%d}",
                      title="支付明细", header=PAYROLL_HEADER, rows=rows, total=min(qs.count(), EXPORT_LIMIT),
                      reads=reads)


@login_required
def payroll_export(request: HttpRequest, pk: int) -> HttpResponse:
    """A payroll run's transfers (支付明细, 2.1) as the run's page lists them (``?status=`` as there)."""
    return _spec_download(request, "payroll", {**request.GET.dict(), "pk": str(pk)})


ASSESSMENT_HEADER = ["单位编号", "单位名称", "所属区", "欠费（元）", "逾期笔数", "滞纳金（元）", "减免滞纳金（元）"]


def _assessment_spec(user: Any, run: Any, district_id: int | None, where: str) -> ExportSpec:
    from shebao.collection import selectors as collection_selectors

    lines = collection_selectors.assessment_lines(user=user, run=run, limit=EXPORT_LIMIT, district_id=district_id)

    def rows() -> Iterator[list[Any]]:
        for item in lines:
            yield [item["employer_id"], item["employer_name"], item["district_name"], Yuan(item["arrears_fen"]),
                   Count(item["overdue_dues"]), Yuan(item["late_fee_fen"]), Yuan(item["waived_fen"])]

    return ExportSpec(filename=f"征缴核定结果_{run.as_of:%Y%m%d}_{run.pk}_{where}_{clock.today():%Y%m%d}",
                      title="核定结果", header=ASSESSMENT_HEADER, rows=rows, total=len(lines),
                      reads=_Reads(user, "核定结果导出"))


def assessment_spec(user: Any, params: Mapping[str, str]) -> ExportSpec:
    """An assessment run's results (征缴核定结果, 0.3; the run's ``pk``) for the whole city: every
    employer of the run (the page shows the first 200), most arrears first. The center's
    (``assessment.view_city``: ActionRefused otherwise)."""
    from django.shortcuts import get_object_or_404

    from shebao.collection.models import AssessmentRun
    from shebao.core.permissions import require

    require(user, "assessment.view_city")
    run = get_object_or_404(AssessmentRun, pk=_param_pk(params))
    return _assessment_spec(user, run, None, "全市")


def assessment_district_spec(user: Any, params: Mapping[str, str]) -> ExportSpec:
    """One district's results of an assessment run (the run's ``pk``, the district center's
    ``district``), for that district's staff and the center: Http404 for a district the user may
    not see (as if it had none)."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from shebao.collection.models import AssessmentRun
    from shebao.core.scoping import user_may_see_district
    from shebao.registry.models import Office

    run = get_object_or_404(AssessmentRun, pk=_param_pk(params))
    office = get_object_or_404(Office, pk=_param_pk(params, "district"), kind=Office.Kind.DISTRICT_CENTER)
    if not user_may_see_district(user, office.pk):
        raise Http404
    return _assessment_spec(user, run, office.pk, office.name)


@login_required
def assessment_export(request: HttpRequest, pk: int) -> HttpResponse:
    """An assessment run's results (征缴核定结果, 0.3) for the whole city."""
    return _spec_download(request, "assessment", {"pk": str(pk)})


@login_required
def assessment_district_export(request: HttpRequest, pk: int, district: int) -> HttpResponse:
    """One district's results of an assessment run, for that district's staff (and the center)."""
    return _spec_download(request, "assessment_district", {"pk": str(pk), "district": str(district)})


def _dashboard_cases_spec(user: Any, params: Mapping[str, str]) -> ExportSpec:
    from shebao.backoffice.dashboard import dashboard_cases_spec

    return dashboard_cases_spec(user, params)


# The lists that may be exported (directly or, when long, in the background: reports.jobs), by the
# name the job records. Every list download goes through `_spec_download`.
EXPORT_SPECS: dict[str, Callable[[Any, Any], ExportSpec]] = {
    "queue": queue_spec, "persons": persons_spec, "review": review_spec, "remittances": remittance_spec,
    "payroll": payroll_spec, "assessment": assessment_spec, "assessment_district": assessment_district_spec,
    "dashboard_cases": _dashboard_cases_spec,
}


@login_required
def assessment_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessment run's report by district as a PDF (reports.assessment_pdf): the center's."""
    from urllib.parse import quote

    from django.shortcuts import get_object_or_404

    from shebao.collection import selectors as collection_selectors
    from shebao.collection.models import AssessmentRun
    from shebao.core.pdffonts import PdfFontMissing, UnprintableText
    from shebao.core.permissions import require
    from shebao.core.policy import current_policy
    from shebao.reports.assessment_pdf import assessment_report_pdf

    require(request.user, "assessment.view_city")
    run = get_object_or_404(AssessmentRun, pk=pk)
    districts = list(collection_selectors.assessment_district_totals(user=request.user, run=run))
    top = collection_selectors.assessment_lines(user=request.user, run=run, limit=20)
    try:
        pdf = assessment_report_pdf(run=run, districts=districts, top=top, policy=current_policy(),
                                    printed_by=str(request.user))
    except (PdfFontMissing, UnprintableText) as e:
        return HttpResponse(f"无法生成核定报告：{e}", status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"征缴核定报告_{run.as_of:%Y%m%d}_{run.pk}.pdf"
    response["Content-Disposition"] = f"inline; filename=\"assessment-{run.pk}.pdf\"; filename*=UTF-8''{quote(name)}"
    return response
