"""The center's review queue of 7.4 flags (复核、清理、内审) and the overdue owed documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from shebao.backoffice.errors import refusal_text
from shebao.cases import selectors as case_selectors
from shebao.cases import services as case_services
from shebao.cases.models import Flag
from shebao.core.versions import UnreadVersion, posted_version


def _version(request: HttpRequest) -> int | UnreadVersion:
    # " 4 " or "４" is none (review F5); missing is 428, garbled 400, never "no check" (core.versions)
    return posted_version(request.POST.get("version"))


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
    try:
        case_services.flag_advance(flag=flag, actor=request.user, step=request.POST.get("step", ""),
                                   outcome=request.POST.get("outcome", ""), expected_version=_version(request))
    except Exception as e:
        messages.error(request, refusal_text(e)[0])
    else:
        messages.success(request, "已记录")
    return redirect(f"{reverse('backoffice:review_queue')}?stage={flag.stage}")
