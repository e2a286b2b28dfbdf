"""Staff pages of the registry: search, and the person and employer pages with the personal-data reveal.

Views parse input, call one selector or service, and render; scoping lives in the selectors, so a
clerk of another district gets a 404, exactly as if the row did not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from shebao.backoffice.errors import refusal, refusal_text
from shebao.cases.business_forms import person_item_shown
from shebao.core.errors import DomainError
from shebao.core.inputs import PageRows, page_number, page_rows
from shebao.core.masking import invisible_problem, shown_text
from shebao.core.permissions import may, require
from shebao.core.reads import personal_data_read
from shebao.registry import merge, selectors
from shebao.registry.accounts import account_summary
from shebao.registry.models import ResidentPension
from shebao.registry.services import personal_data_reveal
from shebao.rules.catalog import label, labels

PAGE_SIZE = 50


def _page(qs, request: HttpRequest, order: tuple[str, ...]):
    """Keyset-free offset paging that fetches one row more than it shows instead of counting
    (`core.inputs.page_rows`)."""
    page = page_number(request.POST if request.method == "POST" else request.GET)  # 1 .. 10,000, else 400
    return page_rows(qs.order_by(*order), page, PAGE_SIZE)  # after the last page: the last (F9)


@login_required
def person_search(request: HttpRequest) -> HttpResponse:
    """The query is POSTed (the form and its pages), so an ID number typed here never reaches a URL, a
    browser's history or an access log (issue 16 §4). A GET shows the empty form. A query holding an
    invisible character is refused at the box (400, Chinese), the box drawn again without it."""
    q = request.POST.get("q", "").strip() if request.method == "POST" else ""
    # A character no one can see found nobody and said nothing (review-input8 F9): named, and the box is
    # drawn again without it.
    error = invisible_problem(q, "查询内容")
    found = selectors.person_search(user=request.user, query=q)
    if error:
        q, found = shown_text(q), found.none()
    paged = _page(found, request, ("name", "pk"))
    return TemplateResponse(request, "backoffice/registry/person_search.html",
                            {"q": q, "error": error, **paged.context()}, status=400 if error else 200)


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
        # Items without a column of their own (学历, 婚姻状况, 通讯地址, ...: review-user8 F6, a change of
        # them was approved and then shown nowhere) and the change history, by name, personal items masked.
        "other_items": [(label("person_field", f), person_item_shown(f, v))
                        for f, v in (person.other_data or {}).items() if f in labels("person_field")],
        "history": [(h, person_item_shown(h.field, h.old_value), person_item_shown(h.field, h.new_value))
                    for h in person.history.order_by("-at", "-pk")[:30]],
        # issue 16: the merges of this record, and (for who may undo one) the way to undo it
        "merges": selectors.merge_history(person=person),
        # where its business is: the end of the merge chain (A into B into C: C), never one step only
        "kept": selectors.kept_record(person) if person.merged_into_id else None,
    })


UNMERGE_REFUSED = "无权撤销参保人员合并（须由复核人员或市中心管理员办理）"


@login_required
def person_unmerge(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo the merge of the person `pk` (a record merged into another the wrong way), issue 16: GET
    shows the merge (the record kept, when, by whom, why) and exactly what goes back to this record
    (`selectors.unmerge_plan`), or why it may not be undone; POST, with a `reason` (4 to 200
    characters, as the API) and `confirm` ticked, calls `registry.merge.person_unmerge`, which checks
    the role and both districts (403 for anyone else), moves the rows back and writes the audit rows.
    A refusal is drawn again at its input, in Chinese, nothing changed (400 for an input, 409 when the
    merge may not be undone); done, back to the person's page with the counts moved back."""
    # Who may not undo a merge is refused before the look-up: the same 403 for a record that exists and
    # one that does not (review-input12: 403 for one, 404 for the other told which numbers exist).
    if request.method == "GET" and not may(request.user, "person.unmerge"):
        raise PermissionDenied(UNMERGE_REFUSED)
    person = get_object_or_404(selectors.person_list(user=request.user), pk=pk)
    field_errors: dict[str, str] = {}
    error, status = "", 200
    reason = request.POST.get("reason", "") if request.method == "POST" else ""
    if request.method == "POST":
        try:
            if not request.POST.get("confirm"):
                # the role first (the service's rule): a clerk is told he may not, not to tick the box;
                # then every fault of the form at once
                require(request.user, "person.unmerge", district_id=person.district_id)
                field_errors = {"reason": merge.reason_problem(reason, "撤销合并"),
                                "confirm": "请勾选确认：已核实上述记录应退回本人员"}
                raise ValidationError({k: v for k, v in field_errors.items() if v})
            kept = person.merged_into_id
            back = merge.person_unmerge(actor=request.user, other=person, reason=reason)
        except (ValidationError, PermissionDenied, DomainError) as e:
            found = refusal(e)
            if found.status == 403:
                raise PermissionDenied(found.text) from e
            error, status = found.text, found.status
            field_errors = {k: v for k, v in found.fields.items() if k in ("reason", "confirm")}
        else:
            moved = sum(back.values())
            messages.success(request, f"已撤销人员#{person.pk}并入人员#{kept}的合并：{moved}条记录已退回本人员；"
                                      "合并记录保留并标注“已撤销”。")
            return redirect("web:person_detail", pk=person.pk)
    if request.method == "GET":  # a refused POST draws again what its GET showed (and recorded)
        personal_data_read(actor=request.user, subject=person, what="撤销合并确认页")
    return TemplateResponse(request, "backoffice/registry/person_unmerge.html", {
        "person": person, **selectors.unmerge_plan(other=person), "error": error,
        "field_errors": field_errors, "reason": shown_text(reason)[:merge.REASON_MAX + 50],
        "confirmed": bool(request.POST.get("confirm")),
    }, status=status)


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


PAIRS_PAGE_SIZE = 20


def _pairs(user) -> list[dict]:
    """`registry.selectors.merge_candidates`, each row with `records` (listed, twin) and `pair`
    ("<listed pk>-<twin pk>", the form's key)."""
    return [{**row, "records": (row["listed"], row["twin"]), "pair": f"{row['listed'].pk}-{row['twin'].pk}"}
            for row in selectors.merge_candidates(user=user)]


@login_required
def persons_registered_twice(request: HttpRequest) -> HttpResponse:
    """The people registered twice (issue 16; `shebao registered_twice` lists the same): each pair,
    masked, with a form to merge it (`registry.merge.person_merge`), for who may merge (`person.merge`,
    a reviewer of the district or the center); anyone else is refused (403). A POST merges one pair
    (`pair` = "<listed pk>-<twin pk>") into the record `keep` chosen, with a `reason`; a refusal is
    shown at the pair in Chinese, nothing changed. Paged by `?page=` (20 pairs a page)."""
    if not may(request.user, "person.merge"):
        raise PermissionDenied("无权合并重复登记的参保人员（仅复核人员或市中心管理员）")
    pairs = _pairs(request.user)
    error: dict = {}
    status = 200
    if request.method == "POST":
        keep_pk = request.POST.get("keep", "")
        chosen = {row["pair"]: row["records"] for row in pairs}
        pair = chosen.get(request.POST.get("pair", ""))
        by_pk = {str(p.pk): p for p in pair} if pair else {}
        other_pk = next((pk for pk in by_pk if pk != keep_pk), "")
        if pair is None or keep_pk not in by_pk:
            error = {"pair": request.POST.get("pair", ""), "text": "请选择要保留的记录（该组重复登记已不在列表中，或选择无效）",
                     "field": "keep", "top": pair is None}
            status = 400
        else:
            try:
                merge.person_merge(actor=request.user, keep=by_pk[keep_pk], other=by_pk[other_pk],
                                   reason=request.POST.get("reason", ""))
            except (ValidationError, PermissionDenied, DomainError) as e:
                found = refusal(e)
                error = {"pair": request.POST["pair"], "text": found.text, "field": next(iter(found.fields), ""),
                         "reason": request.POST.get("reason", "")[:merge.REASON_MAX + 50]}
                status = found.status
            else:
                messages.success(request, f"已将人员#{other_pk}合并至人员#{keep_pk}；被合并的记录保留并标注“已合并”。")
                return redirect("web:persons_registered_twice")
    page = page_number(request.GET)
    start = (page - 1) * PAIRS_PAGE_SIZE
    if start >= len(pairs) and page > 1:
        last = max(1, -(-len(pairs) // PAIRS_PAGE_SIZE))
        paged = PageRows(pairs[(last - 1) * PAIRS_PAGE_SIZE:last * PAIRS_PAGE_SIZE], last, False, beyond=page)
    else:
        paged = PageRows(pairs[start:start + PAIRS_PAGE_SIZE], page, len(pairs) > start + PAIRS_PAGE_SIZE)
    return TemplateResponse(request, "backoffice/registry/registered_twice.html",
                            {**paged.context(), "total": len(pairs), "error": error}, status=status)
