"""Staff pages of employers' monthly declarations (月报) from a roster file: upload (staged, every row
checked), the staged declaration with each row's errors, commit (all or nothing) or discard.

Thin: parse, call one service (`collection.declarations`) or selector, render. Another district's
declaration or employer is a 404; a role the permission table refuses gets the 403 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from shebao.backoffice.errors import refusal_text
from shebao.collection import declarations, selectors
from shebao.collection.models import Declaration
from shebao.core import clock
from shebao.core.inputs import page_number, page_rows
from shebao.core.normalize import normalize_code
from shebao.core.permissions import may, require
from shebao.rules.dates import month_of_date

PAGE_SIZE = 100


@login_required
def declaration_list(request: HttpRequest) -> HttpResponse:
    """单位月报: the district's declarations, newest first, and (POST) a roster file uploaded."""
    errors: list[str] = []
    values = {"credit_code": "", "month": month_of_date(clock.today())}
    if request.method == "POST":
        require(request.user, "declaration.stage")
        values = {"credit_code": request.POST.get("credit_code", "")[:40], "month": request.POST.get("month", "")[:20]}
        code = normalize_code(values["credit_code"])
        employer = selectors.employer_list(user=request.user).filter(credit_code=code).first() if code else None
        upload = request.FILES.get("file")
        if employer is None:
            errors.append("单位：本区没有该统一社会信用代码的参保单位" if code else "单位：请填写统一社会信用代码")
        if upload is None:
            errors.append("文件：请选择花名册文件（.xlsx或.csv）")
        elif upload.size and upload.size > declarations.MAX_BYTES:
            errors.append(f"文件：超过{declarations.MAX_BYTES // 1024 // 1024}MB，请分批申报")
        if not errors:
            try:
                declaration = declarations.declaration_stage(
                    employer=employer, month=values["month"], data=upload.read(), filename=upload.name or "",
                    actor=request.user)
            except ValidationError as e:
                errors = list(e.messages)
            else:
                if declaration.error_rows:
                    messages.error(request, f"已上传{declaration.rows}行，其中{declaration.error_rows}行有错误：请改正后重新上传")
                else:
                    messages.success(request, f"已上传{declaration.rows}行，检查无误，请核对后提交")
                return redirect("backoffice:declaration", pk=declaration.pk)
    page = page_number(request.GET)
    qs = selectors.declaration_list(user=request.user)
    return TemplateResponse(request, "backoffice/declarations/list.html", {
        **page_rows(qs, page, 50).context(), "errors": errors, "values": values,
        "may_stage": may(request.user, "declaration.stage"), "headings": "证件号码、姓名、变动类型、缴费基数（元）",
    }, status=400 if errors else 200)


@login_required
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One declaration: its totals and its rows (only those with errors, or all), paged."""
    declaration = get_object_or_404(selectors.declaration_list(user=request.user), pk=pk)
    only_errors = request.GET.get("errors", "") == "1" or (declaration.error_rows and "errors" not in request.GET)
    lines = declaration.lines.all()
    if only_errors:
        lines = lines.exclude(errors=[])
    page = page_number(request.GET)
    district = declaration.employer.district_id
    return TemplateResponse(request, "backoffice/declarations/detail.html", {
        "d": declaration, **page_rows(lines, page, PAGE_SIZE).context(),
        "only_errors": bool(only_errors), "staged": declaration.status == Declaration.Status.STAGED,
        "may_commit": may(request.user, "declaration.commit", district_id=district),
        "may_stage": may(request.user, "declaration.stage", district_id=district),
    })


@login_required
@require_POST
def declaration_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Commit (do=commit) or discard (do=discard) a staged declaration."""
    declaration = get_object_or_404(selectors.declaration_list(user=request.user), pk=pk)
    do = request.POST.get("do", "")
    try:
        if do == "commit":
            declaration = declarations.declaration_commit(declaration=declaration, actor=request.user)
            messages.success(request, f"月报已提交：增员{declaration.hires}人，减员{declaration.leavers}人，"
                                      f"缴费{declaration.contributors}人，已核定应缴费款")
        elif do == "discard":
            declarations.declaration_discard(declaration=declaration, actor=request.user)
            messages.success(request, "月报已作废")
        else:
            messages.error(request, "请选择提交或作废")
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
    return redirect("backoffice:declaration", pk=declaration.pk)
