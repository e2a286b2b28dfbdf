"""Public pages (no sign-in) about a person's business: the check of a card-collection certificate.

5.1: while a replacement card is made, its 领卡证明 is valid for medical treatment. A hospital (or
anyone holding the paper) types the certificate's verification code here and sees whether it is
genuine and still valid, with masked data only (the name's first character, the ID number's region
and last four): enough to compare with the person in front of them, nothing to harvest.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from shebao.cards.selectors import certificate_check


def card_certificate_verify(request: HttpRequest) -> HttpResponse:
    """领卡证明查验: GET with `code` (as printed, hyphens and case do not matter)."""
    code = (request.GET.get("code") or "").strip()[:40]
    result = certificate_check(code) if code else None
    return TemplateResponse(request, "web/card_certificate_verify.html", {
        "code": code, "result": result, "asked": bool(code),
    })
