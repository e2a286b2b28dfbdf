"""Public pages (no sign-in) about a person's business: the check of a card-collection certificate
and of a rights statement.

5.1: while a replacement card is made, its 领卡证明 is valid for medical treatment. A hospital (or
anyone holding the paper) types the certificate's verification code here and sees whether it is
genuine and still valid, with masked data only (the name's first character, the ID number's region
and last four): enough to compare with the person in front of them, nothing to harvest.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from shebao.cards.selectors import certificate_check
from shebao.collection.selectors import rights_statement_check


def card_certificate_verify(request: HttpRequest) -> HttpResponse:
    """领卡证明查验: GET with `code` (as printed, hyphens and case do not matter)."""
    code = (request.GET.get("code") or "").strip()[:40]
    result = certificate_check(code) if code else None
    return TemplateResponse(request, "web/card_certificate_verify.html", {
        "code": code, "result": result, "asked": bool(code),
    })


def rights_statement_verify(request: HttpRequest) -> HttpResponse:
    """个人权益记录单查验 (4.1): GET with `code` (as printed). A genuine code shows the masked name and
    ID number, the dates and the months by insurance type, to compare with the paper; a forged or
    mistyped code is answered 未找到 (and 404, so no caller mistakes it for a statement)."""
    code = (request.GET.get("code") or "").strip()[:40]
    result = rights_statement_check(code) if code else None
    return TemplateResponse(request, "web/rights_statement_verify.html", {
        "code": code, "result": result, "asked": bool(code),
    }, status=404 if code and result is None else 200)
