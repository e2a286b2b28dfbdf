"""The auditors' page of the read trail (issue 16 §4): who read whose personal data, what, when, why.

/office/reads/ lists the latest reads; the query (whose data: a name or an ID number; who read it; a
date range) is POSTed, so an ID number typed here never reaches a URL or an access log. The rows
come from core.models.PersonalDataAccess (append-only, core.reads), city-wide: the center's auditors.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from shebao.core.masking import mask_text
from shebao.core.models import PersonalDataAccess
from shebao.core.normalize import normalize_code
from shebao.core.permissions import require
from shebao.registry.models import Person

LIMIT = 500


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@login_required
def personal_data_reads(request: HttpRequest) -> HttpResponse:
    """GET: the latest reads. POST: the reads matching the query, newest first (at most LIMIT)."""
    require(request.user, "personal_data.trail_view")
    qs = PersonalDataAccess.objects.select_related("actor").order_by("-at", "-pk")
    data = request.POST if request.method == "POST" else {}
    subject = str(data.get("subject", "")).strip()[:60]
    reader = str(data.get("reader", "")).strip()[:150]
    since, until = _date(str(data.get("since", ""))), _date(str(data.get("until", "")))
    errors = []
    if subject:
        code = normalize_code(subject)
        if len(code) in (15, 18) and code[:15].isdigit():
            ids = [str(pk) for pk in Person.objects.filter(id_number=code).values_list("pk", flat=True)]
            qs = qs.filter(model=Person._meta.label, object_pk__in=ids)
        else:
            qs = qs.filter(subject_label__startswith=subject)
    if reader:
        qs = qs.filter(actor__username=reader) | qs.filter(actor__display_name=reader)
    for name, value in (("since", since), ("until", until)):
        if str(data.get(name, "")).strip() and value is None:
            errors.append(f"日期“{data.get(name)}”无法识别，请写成2020-02-20的格式")
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    rows = list(qs[:LIMIT])
    return TemplateResponse(request, "backoffice/reads.html", {
        # A full ID number typed as the query is not written back into the page, only its masked form.
        "rows": rows, "subject": mask_text(subject), "reader": reader, "since": data.get("since", ""),
        "until": data.get("until", ""), "errors": errors, "limit": LIMIT, "queried": request.method == "POST",
    })
