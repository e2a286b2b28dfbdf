"""The district's pages of replacement cards (5.1): the list of card orders, one order with its
progress (made, posted with the EMS number, delivered), and the card-collection certificate (领卡证明).

Thin: parse, call one selector or service, render. Another district's order is a 404; a role the
permission table refuses gets the site's 403 page naming what it may not do.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from shebao.cards import selectors, services
from shebao.cards.models import CardOrder
from shebao.core.errors import DomainError
from shebao.core.inputs import page_number, page_rows
from shebao.core.masking import shown_text
from shebao.core.permissions import may
from shebao.core.reads import personal_data_read
from shebao.core.versions import posted_version

PAGE_SIZE = 50


@login_required
def card_orders(request: HttpRequest) -> HttpResponse:
    """补换卡订单: the district's orders, newest first, by status; a certificate code finds its order."""
    status = request.GET.get("status", "")
    qs = selectors.card_order_list(user=request.user, status=status)
    q = request.GET.get("q", "").strip()
    if q:
        compact = services.normalize_certificate_code(q)
        if compact.isdigit() and len(compact) < 13:  # a case number
            qs = qs.filter(case_id=int(compact))
        elif len(compact) == services.CODE_LENGTH:  # a certificate's code
            qs = qs.filter(certificate_code=compact)
        else:  # an EMS number
            qs = qs.filter(ems_tracking_number=compact)
    page = page_number(request.GET)  # 1..10,000, else 400 "页码…无效" like every paged list
    return TemplateResponse(request, "backoffice/cards/list.html", {
        **page_rows(qs, page, PAGE_SIZE).context(), "status": status, "q": q,
        "statuses": CardOrder.Status.choices,
        "query": urlencode({k: v for k, v in (("status", status), ("q", q)) if v}),
    })


def _next_step(order: CardOrder) -> tuple[str, str] | None:
    steps = list(CardOrder.STEPS)
    i = steps.index(CardOrder.Status(order.status))
    if i + 1 >= len(steps):
        return None
    nxt = CardOrder.Status(steps[i + 1])
    return nxt.value, nxt.label


@login_required
def card_order(request: HttpRequest, pk: int) -> HttpResponse:
    """One order: its postal data, progress, EMS number, and (POST) the next step recorded."""
    order = selectors.card_order_get(user=request.user, pk=pk)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        version = posted_version(request.POST.get("version"))  # missing 428, garbled 400 (review-input14 2)
        try:
            order = services.card_order_advance(
                actor=request.user, order=order, status=request.POST.get("status", ""),
                tracking_number=request.POST.get("tracking_number", ""), expected_version=version)
        except ValidationError as e:
            errors = {k: "；".join(v) for k, v in e.message_dict.items()}
            status = 409 if "version" in errors else 400
        except DomainError as e:
            errors, status = {e.field or "version": e.zh}, e.status
        else:
            messages.success(request, f"已登记：{order.get_status_display()}")
            return redirect("backoffice:card_order", pk=order.pk)
    # the order shows the holder's name, masked number, phone and home address (review-user14 (3)); a
    # refused step writes nothing (the page was read, and recorded, when opened)
    if not errors:
        personal_data_read(actor=request.user, subject=order.person, what=f"补换卡订单#{order.pk}")
    return TemplateResponse(request, "backoffice/cards/detail.html", {
        "order": order, "next": _next_step(order), "errors": errors,
        "may_update": may(request.user, "card_order.update", district_id=order.office_id),
        "typed_number": shown_text(request.POST.get("tracking_number", "")) if errors else "",
    }, status=status)


@login_required
def card_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """The 领卡证明 as a PDF, with the public verification address (this site's) and its code."""
    from shebao.cards.certificate import certificate_pdf
    from shebao.core.pdffonts import PdfFontMissing, UnprintableText

    order = selectors.card_order_get(user=request.user, pk=pk)
    url = request.build_absolute_uri(reverse("web:card_certificate_verify")) + "?" + urlencode(
        {"code": order.certificate_code_display})
    try:
        pdf = certificate_pdf(order=order, verify_url=url)
        personal_data_read(actor=request.user, subject=order.person, what=f"领卡证明（补换卡订单#{order.pk}）")
    except (PdfFontMissing, UnprintableText) as e:
        # A name printed in part is worse than no certificate: say why, print nothing (issue 12).
        return HttpResponse(f"无法生成领卡证明：{e}", status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="card-certificate-{order.pk}.pdf"'
    return response
