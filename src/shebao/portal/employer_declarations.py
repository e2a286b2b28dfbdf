"""The employer's monthly declarations (月报) uploaded from the portal (issue 15): the same roster file,
staging, row checks and all-or-nothing commit as the office page (`collection.declarations`), made by
the employer's own portal account (administrator or HR clerk) for its own employer only.

Thin: parse, call one service, render. A declaration of another employer does not exist here (404);
a refusal is said in Chinese on the page and nothing is stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from shebao.collection import declarations
from shebao.collection.models import Declaration
from shebao.core import clock
from shebao.core.errors import DomainError
from shebao.core.inputs import page_number, page_rows
from shebao.portal.access import portal_employer_required
from shebao.rules.dates import month_add, month_of_date

PAGE_SIZE = 100
BACK = 12  # months before this one the form offers (the hint says 本月及此前12个月)
HEADINGS = "证件号码、姓名、变动类型（增员、减员、在职）、缴费基数（元）"


def _own(request: HttpRequest) -> object:
    return Declaration.objects.filter(employer=request.portal_employer).order_by("-staged_at", "-pk")


def _messages_of(e: Exception) -> list[str]:
    if isinstance(e, DomainError):
        return [zh for _f, zh, _en in e.entries()]
    if isinstance(e, ValidationError):
        return list(e.messages)
    return [str(e) or "无权进行此操作"]


@portal_employer_required
def declaration_list(request: HttpRequest) -> HttpResponse:
    """单位月报: the employer's declarations, newest first, and (POST) a roster file uploaded for a month."""
    errors: list[str] = []
    # Read once: the form's first month and the months offered both rest on it. Asked about the
    # window only (this month and the BACK before it), so the contributions' monthly partitions before
    # it are not planned (bench/bench_portal.py); a start at or before the window bounds nothing shown.
    today = clock.today()
    window_start = month_add(month_of_date(today), -BACK)
    first_month = declarations.first_declarable_month(employer=request.portal_employer, not_before=window_start)
    months = declarations.declarable_months(employer=request.portal_employer, back=BACK, first=first_month)
    # The oldest month still open is the one running late: it is the one chosen (review-user5 F9).
    values = {"month": months[-1] if months else f"{today.year:04d}-{today.month:02d}"}
    if request.method == "POST":
        values = {"month": request.POST.get("month", "")[:20]}
        upload = request.FILES.get("file")
        if upload is None:
            errors.append("文件：请选择花名册文件（.xlsx或.csv）")
        elif upload.size and upload.size > declarations.MAX_BYTES:
            errors.append(f"文件：超过{declarations.MAX_BYTES // 1024 // 1024}MB，请分批申报")
        else:
            try:
                declaration = declarations.declaration_stage(
                    employer=request.portal_employer, month=values["month"], data=upload.read(),
                    filename=upload.name or "", actor=request.portal_actor)
            except (ValidationError, DomainError, PermissionDenied) as e:
                errors = _messages_of(e)
            else:
                if declaration.error_rows:
                    messages.error(request, f"已上传{declaration.rows}行，其中{declaration.error_rows}行有错误："
                                            "请在人事系统改正后重新上传")
                else:
                    messages.success(request, f"已上传{declaration.rows}行，检查无误，请核对后提交")
                return redirect("portal:employer_declaration", pk=declaration.pk)
    page = page_number(request.GET)
    paged = page_rows(_own(request), page, 50)  # after the last page: the last, said so (F9)
    current = f"{today.year:04d}-{today.month:02d}"
    # Why this month is not offered (assessed, declared, contributed): the employer is told what to do.
    # Said once, without the employer's name and the month the sentence already carries (review-user5 F9).
    employer = request.portal_employer
    current_problem = "" if current in months else "；".join(
        p.removeprefix("费款所属期：").replace(f"{employer.name}{current}的", "").replace(f"{employer.name}{current}", "")
        for p in declarations.month_problems(employer=employer, month=current))
    # Each message at its input (the month, the file); the list at the top is only the summary.
    at_inputs = {"month": "；".join(e.removeprefix("费款所属期：") for e in errors if e.startswith("费款所属期")),
                 "file": "；".join(e.removeprefix("文件：") for e in errors if e.startswith("文件"))}
    return TemplateResponse(request, "portal/employer/declarations.html", {
        "employer": request.portal_employer, **paged.context(),
        "errors": errors, "field_errors": {k: v for k, v in at_inputs.items() if v}, "values": values,
        "headings": HEADINGS, "months": months, "current_month": current, "current_problem": current_problem,
        "first_month": first_month if first_month and first_month > window_start else None},
        status=400 if errors else 200)


@portal_employer_required
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the employer's declarations: totals and rows (those with errors first shown), paged."""
    declaration = get_object_or_404(_own(request), pk=pk)
    only_errors = request.GET.get("errors", "") == "1" or (declaration.error_rows and "errors" not in request.GET)
    lines = declaration.lines.order_by("line_no")
    if only_errors:
        lines = lines.exclude(errors=[])
    page = page_number(request.GET)
    return TemplateResponse(request, "portal/employer/declaration.html", {
        "employer": request.portal_employer, "d": declaration, **page_rows(lines, page, PAGE_SIZE).context(),
        "only_errors": bool(only_errors),
        "staged": declaration.status == Declaration.Status.STAGED})


@portal_employer_required  # signed in first, then the method (review-input14 8)
@require_POST
def declaration_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Commit (do=commit) or discard (do=discard) one of the employer's staged declarations."""
    declaration = get_object_or_404(_own(request), pk=pk)
    do = request.POST.get("do", "")
    try:
        if do == "commit":
            declaration = declarations.declaration_commit(declaration=declaration, actor=request.portal_actor)
            messages.success(request, f"月报已提交：增员{declaration.hires}人，减员{declaration.leavers}人，"
                                      f"缴费{declaration.contributors}人，已核定当月应缴费款，可在“缴费与账单”中查看")
        elif do == "discard":
            declarations.declaration_discard(declaration=declaration, actor=request.portal_actor)
            messages.success(request, "月报已作废")
        else:
            messages.error(request, "请选择提交或作废")
    except (ValidationError, DomainError, PermissionDenied) as e:
        messages.error(request, "；".join(_messages_of(e)))
    return redirect("portal:employer_declaration", pk=declaration.pk)
