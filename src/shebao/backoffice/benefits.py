"""Staff pages of benefits (2.1, 9): the pension payroll (runs, payment files, the bank's results, failed
payments and their retry) and the retirees (entitlement, payments month by month, arrears statement,
stops and resumption).

Views parse input, call one selector or service, and render. The payroll spans the city: its pages
are the center's (`payroll.view_city`); a district's staff see their district's retirees only (a
404 for another district's, as if the row did not exist). A refused action is the site's 403 page.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from shebao.backoffice.errors import refusal, refusal_text
from shebao.benefits import payroll, selectors
from shebao.benefits.models import (
    DisabilityAllowance,
    PayrollFile,
    PayrollRun,
    SurvivorPension,
    Suspension,
    WorkInjuryAward,
)
from shebao.benefits.services import retiree_resume, retiree_suspend
from shebao.benefits.survivors import (
    DependantInput,
    end_reasons_for,
    survivor_pension_end,
    survivor_pensions_grant,
)
from shebao.collection import releases
from shebao.collection.bankfiles import UPLOAD_ENCODINGS
from shebao.collection.models import PaymentFileRelease
from shebao.collection.services import SecondPersonRequired
from shebao.core import clock
from shebao.core.inputs import form_date
from shebao.core.masking import echo, mask_text, shown_text
from shebao.core.money import format_yuan
from shebao.core.permissions import may, require
from shebao.core.reads import personal_data_read
from shebao.rules.business_fields import parse_yuan
from shebao.rules.dates import month_index, month_str
from shebao.rules.retirement import format_age_zh

# what follows a run's making: the file goes to the bank only once a second person released it (U15)
SEND_STEPS = "支付文件须由另一名工作人员复核放行后，才能下载发送银行"


@login_required
def benefits_index(request: HttpRequest) -> HttpResponse:
    """/office/benefits/: what the user may do here. District staff see their retirees and the counts
    by payment status; the center also the latest payroll runs and the failed payments to retry."""
    counts = selectors.retiree_counts(request.user)
    city = may(request.user, "payroll.view_city")
    return TemplateResponse(request, "backoffice/benefits/index.html", {
        "counts": counts, "total": sum(counts.values()),
        "runs": [selectors.run_summary(r) for r in selectors.runs_list(limit=5)] if city else [],
        "failed": selectors.failed_transfers().count() if city else 0, "city": city,
    })


@login_required
def payroll_runs(request: HttpRequest) -> HttpResponse:
    """The runs (newest first), the form of the month's run, and every failed payment not yet retried."""
    return _runs_page(request)


def _runs_page(request: HttpRequest, *, refused: Any = None, form: dict[str, str] | None = None,
               status: int = 200) -> HttpResponse:
    """The runs page; ``refused`` (backoffice.errors.Refusal) a refused start of a run, said above its
    form and at its inputs (``month``, ``kind``), with ``form`` as typed."""
    require(request.user, "payroll.view_city")
    return TemplateResponse(request, "backoffice/benefits/runs.html", {
        "errors": refused.messages if refused else [], "field_errors": refused.fields if refused else {},
        "form": form or {"month": clock.today().isoformat()[:7], "kind": PayrollRun.Kind.REGULAR},
        "runs": [selectors.run_summary(r) for r in selectors.runs_list()],
        "failed": selectors.payment_rows(selectors.failed_transfers()[:200]),
        "may_start": may(request.user, "payroll_run.create"),
        "may_import": may(request.user, "payroll_result.import"),
        "may_retry": may(request.user, "payroll_run.retry"),
        "may_resend": may(request.user, "payroll_transfer.resend"),
        "month": clock.today().isoformat()[:7],
    }, status=status)


@login_required
@require_POST
def payroll_run_start(request: HttpRequest) -> HttpResponse:
    """Start (or complete) the month's regular run, or a supplementary run (``kind=supplementary``).
    A refusal re-renders the runs page with the typed month and kind, each message at its input, 400
    (a flash and a redirect lost what was typed: award17's open list)."""
    require(request.user, "payroll_run.create")
    month = request.POST.get("month", "").strip()
    kind = request.POST.get("kind", "").strip()
    # drawn again in its box as typed, less what is never shown, a personal number masked and cut (review-input5 F7)
    form = {"month": mask_text(shown_text(request.POST.get("month", "")))[:20], "kind": kind}
    starts = {"": payroll.payroll_run_start, PayrollRun.Kind.REGULAR: payroll.payroll_run_start,
              PayrollRun.Kind.SUPPLEMENTARY: payroll.payroll_supplementary_start}
    try:
        if kind not in starts:  # never taken as a regular run (review E17): nothing is made
            raise ValidationError({"kind": f"批次类型“{echo(kind, limit=20)}”无效：应为“{PayrollRun.Kind.REGULAR.label}”或"
                                           f"“{PayrollRun.Kind.SUPPLEMENTARY.label}”，未生成批次"})
        run = starts[kind](actor=request.user, month=month)
    except ValidationError as e:
        found = refusal(e)
        if not found.fields:  # what belongs to no other input is about the month asked for
            found = dataclasses.replace(found, fields={"month": found.text})
        return _runs_page(request, refused=found, form=form, status=found.status)
    if getattr(run, "already_built", False):  # nothing was made: say so, never "generated" (review-input5 F7)
        messages.info(request, f"{run.month}{run.get_kind_display()}#{run.pk}已存在（{run.transfers_count}笔），"
                               "本次未重复生成，也未改动任何内容；请在本页查看和处理该批次")
        return redirect("backoffice:payroll_run", pk=run.pk)
    messages.success(request, f"已生成{run.month}{run.get_kind_display()}#{run.pk}：{run.transfers_count}笔；"
                              f"{SEND_STEPS}")
    return redirect("backoffice:payroll_run", pk=run.pk)


@login_required
def payroll_run(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "payroll.view_city")
    run = _run_or_404(pk)
    status = request.GET.get("status", "")
    transfers = run.transfers.select_related("person").order_by("pk")
    if status in ("pending", "paid", "failed"):
        transfers = transfers.filter(status=status)
    return TemplateResponse(request, "backoffice/benefits/run.html", {
        "summary": selectors.run_summary(run), "run": run, "rows": selectors.payment_rows(transfers[:300]),
        "status": status,
        "file": PayrollFile.objects.filter(run=run).first(),
        "may_download": may(request.user, "payroll_file.download"),
        "release": _release_of(run),
        "may_release": may(request.user, "payroll_file.release"), "may_retry": may(request.user, "payroll_run.retry"),
        "may_resend": may(request.user, "payroll_transfer.resend"),
    })


def _run_or_404(pk: int) -> PayrollRun:
    """The payroll run, or 404 naming what is missing; its callers check the right first, so one who
    may not act gets the same 403 for a run that exists and one that does not (review-input12)."""
    run = PayrollRun.objects.filter(pk=pk).first()
    if run is None:
        raise Http404("未找到该养老金发放批次")
    return run


@login_required
@require_POST
def payroll_run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "payroll_run.retry")
    run = _run_or_404(pk)
    try:
        retry = payroll.payroll_retry_start(run=run, actor=request.user)
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("backoffice:payroll_run", pk=pk)
    held = getattr(retry, "held", 0)
    messages.success(request, f"已生成重发批次#{retry.pk}，共{retry.transfers_count}笔；{SEND_STEPS}"
                              + (f"。另有{held}笔因工死亡待遇未登记领取人，未重发：请先在待遇核定页登记领取人" if held else ""))
    return redirect("backoffice:payroll_run", pk=retry.pk)


def _release_of(run: PayrollRun) -> PaymentFileRelease | None:
    file = PayrollFile.objects.filter(run=run).first()
    return None if file is None else PaymentFileRelease.objects.filter(
        kind=PaymentFileRelease.Kind.PAYROLL, file_pk=str(file.pk)).first()


@login_required
@require_POST
def payroll_file_release(request: HttpRequest, pk: int) -> HttpResponse:
    """A second person releases the run's payment file for the bank (not who started or built it)."""
    require(request.user, "payroll_file.release")
    run = _run_or_404(pk)
    try:
        releases.payroll_file_release(run=run, actor=request.user)
    except (ValidationError, SecondPersonRequired) as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("backoffice:payroll_run", pk=pk)
    messages.success(request, f"已复核放行发放批次#{run.pk}的支付文件，可以下载发送银行")
    return redirect("backoffice:payroll_run", pk=pk)


@login_required
def payroll_file_download(request: HttpRequest, pk: int, what: str = "file") -> HttpResponse:
    """The payment file (full account numbers) or its .sha256; each download recorded."""
    require(request.user, "payroll_file.download")  # before the look-up: 403 alike, whether the run exists
    run = _run_or_404(pk)
    try:
        download = payroll.payroll_file_read(run=run, actor=request.user, what=what)
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("backoffice:payroll_run", pk=pk)
    response = HttpResponse(download.data, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-SHA256"] = download.sha256
    return response


# What each column of the bank's result file holds, said in Chinese (review-user5 F10: the page showed
# the bank interface's English header and "success 或 failed"). The page names the Chinese headers
# (payroll.RESULT_HEADERS_ZH, 成功/失败); a file with the interface's English names is taken too.
RESULT_COLUMNS_ZH = {
    "transfer_id": "支付明细编号（与支付文件第一列相同）",
    "amount": "金额（元，两位小数，须与支付明细相同）",
    "result": "“成功”或“失败”",
    "reason": "失败原因（支付失败时填写，如“账户已冻结”）",
    "bank_reference": "银行流水号（支付成功时填写）",
    "date": "支付日期（年-月-日，如2020-02-25）",
}


@login_required
def payroll_result_import(request: HttpRequest) -> HttpResponse:
    """Upload the bank's result file; the answer lists each transfer's outcome (or every bad line)."""
    require(request.user, "payroll_result.import")
    context: dict[str, object] = {"columns": [(payroll.RESULT_HEADERS_ZH[c][0], RESULT_COLUMNS_ZH[c])
                                              for c in payroll.RESULT_COLUMNS],
                                  "encodings": UPLOAD_ENCODINGS.items(),
                                  "encoding": request.POST.get("encoding", "")}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        data = b""
        if upload is not None:
            data = (b"x" * (settings.SHEBAO_BANK_FILE_MAX_BYTES + 1) if (upload.size or 0) > settings.SHEBAO_BANK_FILE_MAX_BYTES
                    else upload.read())
        try:
            report = payroll.payroll_result_import(data=data, filename=getattr(upload, "name", "") or "result.csv",
                                                   actor=request.user, encoding=request.POST.get("encoding") or None)
        except ValidationError as e:
            context["error"], status = refusal_text(e)[0], 400
        else:
            context["report"] = report
            # an already imported file is refused too: nothing done (review-input12 F5)
            status = 400 if report.refused else 409 if report.already_imported else 200
        # a refused file is said at the file input and in the summary (the lines' faults in the table below)
        said = context.get("error") or ("文件有错误，未导入任何一行：请按下表更正各行后重新选择文件导入"
                                        if report_refused(context) else "")
        if not said and report.already_imported:
            said = "；".join(report.notes)
        if said:
            context["errors"], context["field_errors"] = [said], {"file": said}
    return TemplateResponse(request, "backoffice/benefits/result_import.html", context, status=status)


def report_refused(context: dict[str, Any]) -> bool:
    """Whether the page's import report is a refused file."""
    report = context.get("report")
    return bool(report is not None and getattr(report, "refused", False))


@login_required
def retiree_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.retirees_visible(request.user)
    status = request.GET.get("status", "")
    if status in ("active", "suspended", "ended"):
        qs = qs.filter(status=status)
    retirees, month = list(qs[:200]), clock.today().isoformat()[:7]
    now = selectors.monthly_now_fen(retirees, month=month, known_on=clock.today())
    return TemplateResponse(request, "backoffice/benefits/retirees.html", {
        "rows": [(r, now[r.pk]) for r in retirees], "status": status, "month": month})


@login_required
def retiree_detail(request: HttpRequest, pk: int) -> HttpResponse:
    retiree = selectors.retiree_visible(request.user, pk)
    if retiree is None:
        raise Http404
    return _retiree_page(request, retiree)


def _retiree_page(request: HttpRequest, retiree: Any, *, refused: Any = None, do: str = "",
                  form: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    """The retiree's page; ``refused`` (backoffice.errors.Refusal) a refused stop (``do="suspend"``) or
    resumption (``do="resume"``), said above its form and at its inputs, with ``form`` as typed. The page
    shows the retiree's pension and bank account: the read is recorded (review-user14 (3))."""
    if status == 200:  # a refused form writes nothing; its page was read, and recorded, when opened
        personal_data_read(actor=request.user, subject=retiree.person, what="退休人员待遇页")
    return TemplateResponse(request, "backoffice/benefits/retiree.html", {
        "do": do, "form": form or {},
        "errors": refused.messages if refused else [], "field_errors": refused.fields if refused else {},
        "retiree": retiree, "entitlement": retiree.entitlement, "history": selectors.payment_history(retiree),
        "arrears": selectors.arrears_statement(retiree), "suspensions": list(retiree.suspensions.order_by("pk")),
        "recoveries": list(retiree.recoveries.order_by("pk")), "reasons": Suspension.Reason.choices,
        "may_suspend": may(request.user, "retiree.suspend", district_id=retiree.district_id),
        "may_resume": may(request.user, "retiree.resume", district_id=retiree.district_id),
        "month": clock.today().isoformat()[:7], "age_zh": format_age_zh(retiree.age_months),
        "working": selectors.entitlement_working(retiree.entitlement, month=clock.today().isoformat()[:7],
                                                 known_on=clock.today()),
        "now_fen": selectors.monthly_now_fen([retiree], month=clock.today().isoformat()[:7],
                                             known_on=clock.today())[retiree.pk],
        "unpaid": selectors.failed_transfers().filter(retiree=retiree).prefetch_related("months"),
    }, status=status)


@login_required
@require_POST
def retiree_stop(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop (``do=suspend``: reason, from month or date of death) or resume (``do=resume``) payment. A
    refusal re-renders the retiree's page with what was typed, each message at its input, 400 (a flash
    and a redirect lost what was typed: award17's open list); nothing written."""
    retiree = selectors.retiree_visible(request.user, pk)
    if retiree is None:
        raise Http404
    p = request.POST
    do = "resume" if p.get("do") == "resume" else "suspend"
    form = {f: p.get(f, "") for f in ("reason", "from_month", "died_on", "note")}
    try:
        if do == "resume":
            stop = retiree_resume(actor=request.user, retiree=retiree, from_month=p.get("from_month", ""))
            messages.success(request, f"已恢复发放，自{month_str(month_index(stop.to_month) + 1)}起")
        else:
            # 全角 digits read, 2020-02-30 said not to exist (core.inputs.read_date); its range is the
            # service's (not after today, not before retiring)
            # the plausible range here, where what was typed is at hand (“0001-01-01”早于1990-01-01): the
            # service's own check has the date only (bad-input review 16, 4)
            died_on = form_date(p.get("died_on"), label="死亡日期", field="died_on")
            stop = retiree_suspend(actor=request.user, retiree=retiree, reason=p.get("reason", ""),
                                   from_month=p.get("from_month", "").strip() or None, died_on=died_on,
                                   note=p.get("note", ""))
            messages.success(request, f"已停发（{stop.get_reason_display()}），自{stop.from_month}起")
    except ValidationError as e:
        found = refusal(e)
        if not found.fields:  # what belongs to no input of the form is said beside its first one
            found = dataclasses.replace(found, fields={"reason" if do == "suspend" else "from_month": found.text})
        found = dataclasses.replace(found, fields=found.at(do))
        return _retiree_page(request, retiree, refused=found, do=do, form=form, status=found.status)
    return redirect("backoffice:retiree", pk=pk)


# --- Work-injury monthly benefits (9): the disability allowance, survivors' pensions ----------------
SURVIVOR_ROWS = range(1, 5)  # dependants on the grant form; more are rare and granted by the API later


@login_required
def work_injury_list(request: HttpRequest) -> HttpResponse:
    """The work-injury awards of the user's district (the city's for the center): who is paid a monthly
    disability allowance, which deaths have survivors' pensions and which still need them granted."""
    return TemplateResponse(request, "backoffice/benefits/work_injury.html", {
        "awards": list(selectors.work_injury_awards_visible(request.user)[:200]),
        "unpaid": list(selectors.fast_track_unpaid(request.user)[:200])})


PAY_FIELDS = ("wage", "bank_account", "medical_costs", "payee_name", "payee_relation", "payee_id_number")
# the service's input names (work_injury.fast_track_award_pay) -> the page's, where they differ (amounts typed in yuan)
PAY_INPUTS = {"wage_fen": "wage", "medical_costs_fen": "medical_costs"}
PAY_ORDER = ("payee_name", "payee_relation", "payee_id_number", "wage", "bank_account", "medical_costs")


@login_required
def work_injury_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """A fast-track work-injury claim's immediate payment (9, review-input5 F11): the page shows the
    claim and the decisions received by data exchange; a POST (``wage`` the worker's monthly wage in
    yuan, needed for a disability grade; ``bank_account``; ``medical_costs`` in yuan, may be empty; on
    a death the relative who receives the payment: ``payee_name``, ``payee_relation``,
    ``payee_id_number``) computes the award and pays it at once (`work_injury.fast_track_award_pay`,
    permission work_injury.pay of the case's district) and opens the award. A refusal re-renders the
    page with the typed values, each message at its input (aria-invalid, aria-describedby; the summary
    above links to them), 400, nothing written. A claim already awarded goes to its award."""
    from shebao.benefits.work_injury import (
        FAST_TRACK_BUSINESS,
        AwardPayee,
        award_pay_input_problems,
        fast_track_award_pay,
        medical_assessment,
        medical_recognition,
    )
    from shebao.cases.selectors import case_get

    case = case_get(user=request.user, pk=pk)
    if case.business != FAST_TRACK_BUSINESS or case.person_id is None:
        raise Http404
    if request.method == "POST":  # who may not pay is refused before anything else is said
        require(request.user, "work_injury.pay", district_id=case.office_id)
    award = WorkInjuryAward.objects.filter(case=case).first()
    form = {f: request.POST.get(f, "") for f in PAY_FIELDS}
    if award is not None:
        if request.method == "POST":  # say that this submission paid nothing (review-input6 F11)
            from shebao.core.errors import Conflict

            try:  # the same submission again is answered as paid; another payee or account is said to differ
                fast_track_award_pay(actor=request.user, case=case, wage_fen=0, bank_account=form["bank_account"],
                                     medical_costs_fen=_yuan_field(form["medical_costs"], "医疗费用", empty_ok=True,
                                                                   problems={}, name="medical_costs"),
                                     payee=AwardPayee(form["payee_name"], form["payee_relation"], form["payee_id_number"]))
            except Conflict as e:
                messages.error(request, e.zh)
            else:
                messages.info(request, _already_paid(case, award))
        return redirect("backoffice:work_injury_award", pk=award.pk)
    errors: list[str] = []
    at_inputs: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            typed: dict[str, str] = {}
            wage_fen = _yuan_field(form["wage"], "本人工资", empty_ok=True, problems=typed, name="wage")
            medical_fen = _yuan_field(form["medical_costs"], "医疗费用", empty_ok=True, problems=typed,
                                      name="medical_costs")
            payee = (AwardPayee(form["payee_name"], form["payee_relation"], form["payee_id_number"])
                     if any(form[f].strip() for f in ("payee_name", "payee_relation", "payee_id_number")) else None)
            if typed:  # an amount that is no amount: said at its input, with every other input's refusal
                others = award_pay_input_problems(
                    actor=request.user, case=case, wage_fen=None if "wage" in typed else wage_fen, bank_account=form["bank_account"],
                    medical_costs_fen=None if "medical_costs" in typed else medical_fen, payee=payee)
                raise ValidationError({**others, **typed})
            award = fast_track_award_pay(actor=request.user, case=case, wage_fen=wage_fen,
                                         bank_account=form["bank_account"], medical_costs_fen=medical_fen,
                                         payee=payee)
        except ValidationError as e:
            found = refusal(e)
            errors, status = found.messages, found.status
            at_inputs = {PAY_INPUTS.get(name, name): text for name, text in found.fields.items()}
            # the summary in the order the inputs are on the page, then what belongs to no input
            shown = [at_inputs[f] for f in PAY_ORDER if f in at_inputs]
            errors = [*shown, *(m for m in errors if not any(m in t for t in shown))]
        else:
            if getattr(award, "paid_now", False):
                messages.success(request, f"已核定并即时支付工伤保险待遇{format_yuan(award.amount_fen)}元"
                                          f"（申请#{case.pk}）；{SEND_STEPS}")
            else:  # a twin submitted at the same moment paid it
                messages.info(request, _already_paid(case, award))
            return redirect("backoffice:work_injury_award", pk=award.pk)
    recognition = medical_recognition(case.person)
    assessment = medical_assessment(case.person, recognition) if recognition is not None else None
    return TemplateResponse(request, "backoffice/benefits/work_injury_pay.html", {
        "case": case, "recognition": recognition, "assessment": assessment, "errors": errors,
        "form": {f: shown_text(v) for f, v in form.items()},  # without what the refusal names (review-input8 F8)
        "field_errors": at_inputs, "relations": WorkInjuryAward.PayeeRelation.choices,
        "may_pay": may(request.user, "work_injury.pay", district_id=case.office_id),
    }, status=status)


def _already_paid(case: Any, award: Any) -> str:
    return (f"申请#{case.pk}已核定并支付工伤保险待遇{format_yuan(award.amount_fen)}元，本次提交未重复支付"
            "（核定后不能在此更正）")


def _yuan_field(text: str, label: str, *, empty_ok: bool, problems: dict[str, str], name: str) -> int:
    """An amount typed in yuan as fen (0 when empty and ``empty_ok``); when it is no amount, its
    message is put in ``problems`` under the input's ``name`` and 0 is returned."""
    if not text.strip() and empty_ok:
        return 0
    try:
        return parse_yuan(text)
    except ValueError:
        problems[name] = f"{label}应为金额（元），如“9,800.00”，填写的是“{echo(text)}”"
        return 0


def _award_page(request: HttpRequest, award: Any, *, refused: Any = None, form: dict[str, str] | None = None,
                status: int = 200, payee_refused: Any = None, payee_form: dict[str, str] | None = None,
                end: dict[int, dict[str, Any]] | None = None) -> HttpResponse:
    """The award page; ``refused`` (backoffice.errors.Refusal) a refused grant of survivors' pensions, its
    messages summed up above the form and each at its input (``name_1``, ``wage`` …); ``payee_refused`` a
    refused registration of the relative (``payee_name`` …), with ``payee_form`` as typed; ``end`` a refused
    end of one pension, by its pk: {"errors", "fields" (keyed ``end<pk>-last_month`` …), "form"}."""
    allowance = DisabilityAllowance.objects.filter(award=award).first()
    pensions = list(award.survivor_pensions.order_by("pk"))
    monthly = selectors.survivor_monthly_fen(pensions, clock.today().isoformat()[:7])
    died = award.assessment is not None and award.assessment.died_on is not None
    district_id = award.person.district_id
    if status == 200:  # the read is recorded (review-user14 (3)); a refused form writes nothing
        personal_data_read(actor=request.user, subject=award.person, what=f"工伤保险待遇#{award.pk}")
    return TemplateResponse(request, "backoffice/benefits/work_injury_award.html", {
        "award": award, "allowance": allowance,
        "allowance_months": selectors.allowance_months(allowance) if allowance else [],
        "pensions": [(p, selectors.survivor_months(p), monthly.get(p.pk), (end or {}).get(p.pk), end_reasons_for(p.relation))
                     for p in pensions],
        "died": died,
        "may_grant": died and not pensions and may(request.user, "survivor_pension.grant", district_id=district_id),
        "may_end": may(request.user, "survivor_pension.end", district_id=district_id),
        "relations": SurvivorPension.Relation.choices,
        "rows": [{"n": n, **{f: (form or {}).get(f"{f}_{n}", "") for f in
                             ("name", "id_number", "relation", "bank_account", "lone", "unable_to_work")},
                  "keys": {f: f"{f}_{n}" for f in ("name", "id_number", "relation", "bank_account", "lone")}}
                 for n in SURVIVOR_ROWS],
        "wage": (form or {}).get("wage", ""), "error": refused.text if refused else "",
        "errors": refused.messages if refused else [], "field_errors": refused.fields if refused else {},
        "month": clock.today().isoformat()[:7],
        "may_register_payee": may(request.user, "award_payee.register", district_id=district_id),
        "payee_relations": WorkInjuryAward.PayeeRelation.choices, "payee_form": payee_form or {},
        "payee_errors": payee_refused.messages if payee_refused else [],
        "payee_fields": payee_refused.fields if payee_refused else {},
    }, status=status)


@login_required
@require_POST
def award_payee_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Register the relative of a death award made before the relative was kept (``payee_name``,
    ``payee_relation``, ``payee_id_number``: `work_injury.award_payee_register`). A refusal re-renders the
    award page with the typed values and each message at its input, 400; nothing written."""
    from shebao.benefits.work_injury import AwardPayee
    from shebao.benefits.work_injury import award_payee_register as register

    award = selectors.work_injury_award_visible(request.user, pk)
    if award is None:
        raise Http404
    require(request.user, "award_payee.register", district_id=award.person.district_id)
    typed = {f: request.POST.get(f, "") for f in ("payee_name", "payee_relation", "payee_id_number")}
    try:
        register(actor=request.user, award=award, payee=AwardPayee(typed["payee_name"], typed["payee_relation"],
                                                                   typed["payee_id_number"]))
    except ValidationError as e:
        found = refusal(e)
        # drawn again without the characters no one can see, which the refusal names by position (review-input8 F8)
        return _award_page(request, award, payee_refused=found, payee_form={f: shown_text(v) for f, v in typed.items()},
                           status=found.status)
    award.refresh_from_db()
    messages.success(request, f"已登记领取人{award.payee_name}（{award.get_payee_relation_display()}）；"
                              "重新发放时支付给领取人")
    return redirect("backoffice:work_injury_award", pk=award.pk)


RESEND_FIELDS = ("bank_account", "payee_name", "reason")


@login_required
def transfer_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """One failed payment (the payee, the account it was sent to, the bank's reason) and the form that
    corrects its account (and a relative's or dependant's name) and sends it again at once in a retry run
    of its own (`payroll.failed_transfer_resend`, review-user7 F4). A refusal re-renders the form with
    the typed values and each message at its input, 400; nothing written. Done: the new run's page."""
    from shebao.benefits.models import Transfer

    require(request.user, "payroll.view_city")
    transfer = Transfer.objects.select_related("person", "run").filter(pk=pk).first()
    if transfer is None:
        raise Http404("未找到该支付明细")
    payee = selectors.transfer_payees([transfer], as_sent=False)[transfer.pk]  # who the resend pays
    form = {f: request.POST.get(f, "") for f in RESEND_FIELDS}
    found = None
    if request.method == "POST":
        require(request.user, "payroll_transfer.resend")
        try:
            retry = payroll.failed_transfer_resend(actor=request.user, transfer=transfer,
                                                   bank_account=form["bank_account"], payee_name=form["payee_name"],
                                                   reason=form["reason"])
        except ValidationError as e:
            found = refusal(e)
        else:
            messages.success(request, f"已更正并生成重发批次#{retry.pk}（明细{transfer.pk}）；{SEND_STEPS}")
            return redirect("backoffice:payroll_run", pk=retry.pk)
    return TemplateResponse(request, "backoffice/benefits/transfer_resend.html", {
        "t": transfer, "payee": payee, "form": {f: shown_text(v) for f, v in form.items()},  # without what the refusal names (review-input8 F8)
        "renamable": payee.survivor is not None or (payee.award is not None and not payee.award.payee_missing),
        "open": transfer.status == "failed" and transfer.retried_by_id is None,
        "may_resend": may(request.user, "payroll_transfer.resend"),
        "errors": found.messages if found else [], "field_errors": found.fields if found else {},
    }, status=found.status if found else 200)


@login_required
def work_injury_award(request: HttpRequest, pk: int) -> HttpResponse:
    award = selectors.work_injury_award_visible(request.user, pk)
    if award is None:
        raise Http404
    return _award_page(request, award)


@login_required
@require_POST
def survivor_grant(request: HttpRequest, pk: int) -> HttpResponse:
    """Grant the survivors' pensions of a death award from the form's rows (``name_1``, ``id_number_1``,
    ``relation_1``, ``bank_account_1``, ``lone_1``, ``unable_to_work_1`` …; empty rows skipped) and the
    deceased's wage in yuan (``wage``). A refusal re-renders the page with the typed values, 400."""
    award = selectors.work_injury_award_visible(request.user, pk)
    if award is None:
        raise Http404
    p = request.POST
    form = {k: v for k, v in p.items() if k != "csrfmiddlewaretoken"}
    dependants = []
    for n in SURVIVOR_ROWS:
        if not any(p.get(f"{f}_{n}", "").strip() for f in ("name", "id_number", "bank_account")):
            continue
        dependants.append(DependantInput(name=p.get(f"name_{n}", ""), id_number=p.get(f"id_number_{n}", ""),
                                         relation=p.get(f"relation_{n}", ""), bank_account=p.get(f"bank_account_{n}", ""),
                                         lone=p.get(f"lone_{n}") == "on", unable_to_work=p.get(f"unable_to_work_{n}") == "on"))
    unread = ""
    try:
        wage_fen: int | None = parse_yuan(p.get("wage", ""))
    except ValueError:
        # said at its input together with every dependant's refusal (review-user7 F2), not alone
        wage_fen, unread = None, f"死者生前本人工资应为金额（元），填写的是“{echo(p.get('wage', ''))}”"
    try:
        made = survivor_pensions_grant(actor=request.user, award=award, wage_fen=wage_fen,  # type: ignore[arg-type]
                                       dependants=dependants)
    except ValidationError as e:
        found = refusal(e)
        fields = {("wage" if k == "wage_fen" else k): v for k, v in found.fields.items()}
        if unread:
            fields["wage"] = unread
        fields = {k: fields[k] for k in sorted(fields, key=lambda k: k != "wage")}  # in the page's order
        shown = list(fields.values())
        found = dataclasses.replace(found, fields=fields, messages=[
            *shown, *(m for m in found.messages if not any(m in t for t in shown) and "须为正数" not in m)])
        return _award_page(request, award, refused=found, form=form, status=found.status)
    messages.success(request, f"已核定{len(made)}位供养亲属的抚恤金，自{made[0].from_month}起随月度发放批次发放")
    return redirect("backoffice:work_injury_award", pk=award.pk)


@login_required
@require_POST
def survivor_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End one survivors' pension after ``last_month`` for ``reason`` (a key of END_REASONS)."""
    pension = SurvivorPension.objects.select_related("deceased", "award").filter(pk=pk).first()
    if pension is None or selectors.work_injury_award_visible(request.user, pension.award_id) is None:
        raise Http404
    form = {f: request.POST.get(f, "") for f in ("last_month", "reason")}
    try:
        survivor_pension_end(actor=request.user, pension=pension, last_month=form["last_month"], reason=form["reason"])
    except ValidationError as e:
        # the award page again, the typed month and reason kept and each message at its input (award17's
        # open list: a flash and a redirect lost them)
        found = refusal(e)
        if not found.fields:
            found = dataclasses.replace(found, fields={"last_month": found.text})
        award = selectors.work_injury_award_visible(request.user, pension.award_id)
        return _award_page(request, award, status=found.status,
                           end={pension.pk: {"errors": found.messages, "fields": found.at(f"end{pension.pk}"),
                                             "form": form, "reason_key": f"end{pension.pk}-reason",
                                             "month_key": f"end{pension.pk}-last_month"}})
    messages.success(request, f"已停发{pension.name}的供养亲属抚恤金，发放至{pension.last_month}")
    return redirect("backoffice:work_injury_award", pk=pension.award_id)
