"""The center's review queue of 7.4 flags (复核、清理、内审) and the overdue owed documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from shebao.backoffice.errors import refusal
from shebao.cases import selectors as case_selectors
from shebao.cases import services as case_services
from shebao.cases.models import Flag
from shebao.core.errors import DomainError
from shebao.core.masking import shown_text
from shebao.core.versions import UnreadVersion, posted_version


def _version(request: HttpRequest) -> int | UnreadVersion:
    # " 4 " or "４" is none (review F5); missing is 428, garbled 400, never "no check" (core.versions)
    return posted_version(request.POST.get("version"))


def _queue_page(request: HttpRequest, stage: str, *, errors: list[str] | None = None,
                field_errors: dict[str, str] | None = None, refused_flag: int | None = None,
                status: int = 200) -> HttpResponse:
    stages = Flag.Stage.choices
    if stage not in dict(stages):
        stage = "queued"
    rows = list(case_selectors.flag_queue(user=request.user, stage=stage)[:200])
    return TemplateResponse(request, "backoffice/review_queue.html", {
        "rows": rows, "stage": stage, "stages": stages, "errors": errors or [], "field_errors": field_errors or {},
        # the conclusion typed into the refused flag's form, drawn again there
        "refused_flag": refused_flag,
        "typed_outcome": shown_text(request.POST.get("outcome", "")) if refused_flag else "",
        "overdue": case_selectors.owed_documents_overdue(user=request.user)[:100],
        "step_for": {"queued": ("review", "复核"), "reviewed": ("settle", "清理"), "settled": ("audit", "内审")},
    }, status=status)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request, request.GET.get("stage") or "queued")


@login_required
@require_POST
def flag_step(request: HttpRequest, pk: int) -> HttpResponse:
    """A step of a flag (复核、清理、内审). Refused, the queue is answered again with the refusal's status and
    its message at the flag's form, nothing stored: a version missing 428, garbled 400, stale 409, as every
    versioned change of the pages (core.versions; it was a message above the queue after a redirect, 302)."""
    flag = case_selectors.flag_get(user=request.user, pk=pk)
    try:
        case_services.flag_advance(flag=flag, actor=request.user, step=request.POST.get("step", ""),
                                   outcome=request.POST.get("outcome", ""), expected_version=_version(request))
    except (ValidationError, PermissionDenied, DomainError) as e:
        found = refusal(e)  # the pages' one mapper (backoffice.errors)
        return _queue_page(request, flag.stage, errors=found.messages, field_errors=found.at(f"flag{flag.pk}"),
                           refused_flag=flag.pk, status=found.status)
    messages.success(request, "已记录")
    return redirect(f"{reverse('backoffice:review_queue')}?stage={flag.stage}")
