"""Staff pages of benefits (2.1, 9): the pension payroll (runs, payment files, the bank's results, failed
payments and their retry) and the retirees (entitlement, payments month by month, arrears statement,
stops and resumption).

Views parse input, call one selector or service, and render. The payroll spans the city: its pages
are the center's (`payroll.view_city`); a district's staff see their district's retirees only (a
404 for another district's, as if the row did not exist). A refused action is the site's 403 page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
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
    END_REASONS,
    DependantInput,
    survivor_pension_end,
    survivor_pensions_grant,
)
from shebao.collection import releases
from shebao.collection.bankfiles import UPLOAD_ENCODINGS
from shebao.collection.models import PaymentFileRelease
from shebao.collection.services import SecondPersonRequired
from shebao.core import clock
from shebao.core.masking import echo
from shebao.core.money import format_yuan
from shebao.core.permissions import may, require
from shebao.rules.business_fields import parse_yuan
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
    require(request.user, "payroll.view_city")
    return TemplateResponse(request, "backoffice/benefits/runs.html", {
        "runs": [selectors.run_summary(r) for r in selectors.runs_list()],
        "failed": selectors.payment_rows(selectors.failed_transfers()[:200]),
        "may_start": may(request.user, "payroll_run.create"),
        "may_import": may(request.user, "payroll_result.import"),
        "may_retry": may(request.user, "payroll_run.retry"),
        "month": clock.today().isoformat()[:7],
    })


@login_required
@require_POST
def payroll_run_start(request: HttpRequest) -> HttpResponse:
    """Start (or complete) the month's regular run, or a supplementary run (``kind=supplementary``)."""
    month = request.POST.get("month", "").strip()
    kind = request.POST.get("kind", "").strip()
    starts = {"": payroll.payroll_run_start, PayrollRun.Kind.REGULAR: payroll.payroll_run_start,
              PayrollRun.Kind.SUPPLEMENTARY: payroll.payroll_supplementary_start}
    if kind not in starts:  # never taken as a regular run (review E17): nothing is made
        messages.error(request, f"批次类型“{echo(kind, limit=20)}”无效：应为“{PayrollRun.Kind.REGULAR.label}”或"
                                f"“{PayrollRun.Kind.SUPPLEMENTARY.label}”，未生成批次")
        return redirect("backoffice:payroll_runs")
    start = starts[kind]
    try:
        run = start(actor=request.user, month=month)
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("backoffice:payroll_runs")
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
    run = get_object_or_404(PayrollRun, pk=pk)
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
    })


@login_required
@require_POST
def payroll_run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(PayrollRun, pk=pk)
    try:
        retry = payroll.payroll_retry_start(run=run, actor=request.user)
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("backoffice:payroll_run", pk=pk)
    messages.success(request, f"已生成重发批次#{retry.pk}，共{retry.transfers_count}笔；{SEND_STEPS}")
    return redirect("backoffice:payroll_run", pk=retry.pk)


def _release_of(run: PayrollRun) -> PaymentFileRelease | None:
    file = PayrollFile.objects.filter(run=run).first()
    return None if file is None else PaymentFileRelease.objects.filter(
        kind=PaymentFileRelease.Kind.PAYROLL, file_pk=str(file.pk)).first()


@login_required
@require_POST
def payroll_file_release(request: HttpRequest, pk: int) -> HttpResponse:
    """A second person releases the run's payment file for the bank (not who started or built it)."""
    run = get_object_or_404(PayrollRun, pk=pk)
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
    run = get_object_or_404(PayrollRun, pk=pk)
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
            status = 400 if report.refused else 200
    return TemplateResponse(request, "backoffice/benefits/result_import.html", context, status=status)


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
    return TemplateResponse(request, "backoffice/benefits/retiree.html", {
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
    })


@login_required
@require_POST
def retiree_stop(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop (``do=suspend``: reason, from month or date of death) or resume (``do=resume``) payment."""
    retiree = selectors.retiree_visible(request.user, pk)
    if retiree is None:
        raise Http404
    p = request.POST
    try:
        if p.get("do") == "resume":
            retiree_resume(actor=request.user, retiree=retiree, from_month=p.get("from_month", "").strip())
            messages.success(request, f"已恢复发放，自{p.get('from_month')}起")
        else:
            died_on = None
            if p.get("died_on"):
                try:
                    died_on = dt.date.fromisoformat(p["died_on"])
                except ValueError:
                    raise ValidationError("死亡日期须为“年-月-日”") from None
            stop = retiree_suspend(actor=request.user, retiree=retiree, reason=p.get("reason", ""),
                                   from_month=p.get("from_month", "").strip() or None, died_on=died_on,
                                   note=p.get("note", ""))
            messages.success(request, f"已停发（{stop.get_reason_display()}），自{stop.from_month}起")
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
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
    if award is not None:
        if request.method == "POST":  # say that this submission paid nothing (review-input6 F11)
            messages.info(request, _already_paid(case, award))
        return redirect("backoffice:work_injury_award", pk=award.pk)
    form = {f: request.POST.get(f, "") for f in PAY_FIELDS}
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
        "case": case, "recognition": recognition, "assessment": assessment, "form": form, "errors": errors,
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
                status: int = 200) -> HttpResponse:
    """The award page; ``refused`` (backoffice.errors.Refusal) a refused grant of survivors' pensions, its
    messages summed up above the form and each at its input (``name_1``, ``wage`` …)."""
    allowance = DisabilityAllowance.objects.filter(award=award).first()
    pensions = list(award.survivor_pensions.order_by("pk"))
    monthly = selectors.survivor_monthly_fen(pensions, clock.today().isoformat()[:7])
    died = award.assessment is not None and award.assessment.died_on is not None
    district_id = award.person.district_id
    return TemplateResponse(request, "backoffice/benefits/work_injury_award.html", {
        "award": award, "allowance": allowance,
        "allowance_months": selectors.allowance_months(allowance) if allowance else [],
        "pensions": [(p, selectors.survivor_months(p), monthly.get(p.pk)) for p in pensions], "died": died,
        "may_grant": died and not pensions and may(request.user, "survivor_pension.grant", district_id=district_id),
        "may_end": may(request.user, "survivor_pension.end", district_id=district_id),
        "relations": SurvivorPension.Relation.choices, "end_reasons": END_REASONS.items(),
        "rows": [{"n": n, **{f: (form or {}).get(f"{f}_{n}", "") for f in
                             ("name", "id_number", "relation", "bank_account", "lone", "unable_to_work")},
                  "keys": {f: f"{f}_{n}" for f in ("name", "id_number", "relation", "bank_account", "lone")}}
                 for n in SURVIVOR_ROWS],
        "wage": (form or {}).get("wage", ""), "error": refused.text if refused else "",
        "errors": refused.messages if refused else [], "field_errors": refused.fields if refused else {},
        "month": clock.today().isoformat()[:7],
    }, status=status)


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
    try:
        try:
            wage_fen = parse_yuan(p.get("wage", ""))
        except ValueError:
            raise ValidationError({"wage": f"死者生前本人工资应为金额（元），填写的是“{echo(p.get('wage', ''))}”"}) from None
        made = survivor_pensions_grant(actor=request.user, award=award, wage_fen=wage_fen, dependants=dependants)
    except ValidationError as e:
        found = refusal(e)
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
    try:
        survivor_pension_end(actor=request.user, pension=pension, last_month=request.POST.get("last_month", ""),
                             reason=request.POST.get("reason", ""))
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
    else:
        messages.success(request, f"已停发{pension.name}的供养亲属抚恤金，发放至{pension.last_month}")
    return redirect("backoffice:work_injury_award", pk=pension.award_id)
