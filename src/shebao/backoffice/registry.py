"""Staff pages of the registry: search, and the person and employer pages with the personal-data reveal.

Views parse input, call one selector or service, and render; scoping lives in the selectors, so a
clerk of another district gets a 404, exactly as if the row did not exist.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from shebao.backoffice.errors import refusal_text
from shebao.core.inputs import page_number, page_rows
from shebao.core.reads import personal_data_read
from shebao.registry import selectors
from shebao.registry.accounts import account_summary
from shebao.registry.models import ResidentPension
from shebao.registry.services import personal_data_reveal

PAGE_SIZE = 50


def _page(qs, request: HttpRequest, order: tuple[str, ...]):
    """Keyset-free offset paging that fetches one row more than it shows instead of counting
    (`core.inputs.page_rows`)."""
    page = page_number(request.POST if request.method == "POST" else request.GET)  # 1 .. 10,000, else 400
    return page_rows(qs.order_by(*order), page, PAGE_SIZE)  # after the last page: the last (F9)


@login_required
def person_search(request: HttpRequest) -> HttpResponse:
    """The query is POSTed (the form and its pages), so an ID number typed here never reaches a URL, a
    browser's history or an access log (issue 16 §4). A GET shows the empty form."""
    q = request.POST.get("q", "").strip() if request.method == "POST" else ""
    paged = _page(selectors.person_search(user=request.user, query=q), request, ("name", "pk"))
    return TemplateResponse(request, "backoffice/registry/person_search.html", {"q": q, **paged.context()})


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(selectors.person_list(user=request.user).select_related("pension_account"), pk=pk)
    spells = person.spells.select_related("employer").order_by("-from_month")[:20]
    contributions = person.contributions.select_related("employer").order_by("-month")[:24]
    account = getattr(person, "pension_account", None)
    personal_data_read(actor=request.user, subject=person, what="人员信息页")
    return TemplateResponse(request, "backoffice/registry/person_detail.html", {
        "person": person,
        "account": account,
        # 4.1, 4.2: the individual account's book (months transferred in, backfilled, moved out).
        "book": account_summary(account) if account is not None else None,
        "book_rows": account.months.select_related("case", "moved_out_case").order_by("-month")[:60]
        if account is not None else [],
        # 6.1: the residents' pension records, the open one first.
        "resident_pensions": ResidentPension.objects.filter(person=person).order_by("state", "-registered_on")[:5],
        "spells": spells,
        "contributions": contributions,
    })


@login_required
def employer_search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    paged = _page(selectors.employer_search(user=request.user, query=q), request, ("name", "pk"))
    return TemplateResponse(request, "backoffice/registry/employer_search.html",
                            {"q": q, **paged.context(), "query": urlencode({"q": q})})


@login_required
def employer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employer = get_object_or_404(selectors.employer_list(user=request.user), pk=pk)
    staff = employer.spells.select_related("person").filter(to_month="").order_by("person__name")[:50]
    return TemplateResponse(request, "backoffice/registry/employer_detail.html", {"employer": employer, "staff": staff})


def _reveal(request: HttpRequest, obj, field: str) -> HttpResponse:
    try:
        value = personal_data_reveal(actor=request.user, obj=obj, field=field, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as e:
        text, status = refusal_text(e)
        return TemplateResponse(request, "backoffice/registry/_reveal.html", {"error": text, "obj": obj, "field": field},
                                status=status)
    return TemplateResponse(request, "backoffice/registry/_reveal.html", {"value": value, "obj": obj, "field": field})


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    person = get_object_or_404(selectors.person_list(user=request.user), pk=pk)
    return _reveal(request, person, field)


@login_required
@require_POST
def employer_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    employer = get_object_or_404(selectors.employer_list(user=request.user), pk=pk)
    return _reveal(request, employer, field)
