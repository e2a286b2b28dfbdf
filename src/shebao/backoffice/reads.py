"""The auditors' page of the read trail (issue 16 §4): who read whose personal data, what, when, why.

/office/reads/ lists the latest reads; the query (whose data: a name or an ID number; who read it; a
date range) is POSTed, so an ID number typed here never reaches a URL or an access log. The rows
come from core.models.PersonalDataAccess (append-only, core.reads), city-wide: the center's auditors.
An ID number finds the reads of every record of that person (`registry.selectors.merge_group`).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from shebao.core.inputs import form_date, id_text, page_number
from shebao.core.masking import mask_text, shown_text
from shebao.core.models import PersonalDataAccess
from shebao.core.normalize import normalize_code
from shebao.core.permissions import require
from shebao.registry.checks import lookup_numbers
from shebao.registry.models import Person
from shebao.registry.selectors import merge_group

PAGE_SIZE = 50


def _query(data) -> tuple[dict[str, object], dict[str, str]]:
    """The posted query, read: (values, errors by field). Dates go through core.inputs.form_date
    (全角 digits too, within 1990 .. a year after the business day); the page number
    through page_number. Errors are Chinese, one per field."""
    values: dict[str, object] = {
        "subject": str(data.get("subject", "")).strip()[:60], "reader": str(data.get("reader", "")).strip()[:150],
        "since": None, "until": None, "page": 1}
    errors: dict[str, str] = {}
    for name, label in (("since", "起始日期"), ("until", "截止日期")):
        try:
            values[name] = form_date(data.get(name, ""), label=label, field=name)
        except ValidationError as e:
            errors[name] = e.message_dict[name][0]
    if values["since"] and values["until"] and values["since"] > values["until"]:
        errors["until"] = f"截止日期“{values['until'].isoformat()}”早于起始日期“{values['since'].isoformat()}”"
    try:
        values["page"] = page_number(data)
    except ValidationError as e:
        errors["page"] = e.message_dict["page"][0]
    return values, errors


@login_required
def personal_data_reads(request: HttpRequest) -> HttpResponse:
    """GET: the latest reads, first page. POST: the reads matching the query, newest first, a page of
    PAGE_SIZE at a time (the page number is posted with the query, so an ID number typed as the
    subject never reaches an address). A query that cannot be read (a bad or implausible date, since
    after until, a bad page number) answers 400 with the reason beside its field and lists nothing:
    it must not fall back to listing every row."""
    require(request.user, "personal_data.trail_view")
    qs = PersonalDataAccess.objects.select_related("actor").order_by("-at", "-pk")
    data = request.POST if request.method == "POST" else {}
    values, errors = _query(data)
    subject, reader = str(values["subject"]), str(values["reader"])
    # A subject found by ID number is carried to the next page as the people's ids (the number
    # itself is never written back into the page).
    persons = [n for n in (id_text(t) for t in str(data.get("persons", "")).split(",")[:20]) if n]
    if subject or persons:
        code = normalize_code(subject)
        if persons or (len(code) in (15, 18) and code[:15].isdigit()):
            # Every record that is this person: a 15-digit number as its 18-character form too, and a
            # record registered twice and merged with the record kept and every record merged into it
            # (issue 16: the merged record's number showed only the reads under its own pk).
            persons = persons or merge_group(Person.objects.filter(id_number__in=lookup_numbers(code)))
            qs = qs.filter(model=Person._meta.label, object_pk__in=[str(pk) for pk in persons])
        else:
            qs = qs.filter(subject_label__startswith=subject)
    if reader:
        qs = qs.filter(actor__username=reader) | qs.filter(actor__display_name=reader)
    if values["since"]:
        qs = qs.filter(at__date__gte=values["since"])
    if values["until"]:
        qs = qs.filter(at__date__lte=values["until"])
    page = int(values["page"])  # type: ignore[call-overload]
    rows = [] if errors else list(qs[(page - 1) * PAGE_SIZE:page * PAGE_SIZE + 1])
    return TemplateResponse(request, "backoffice/reads.html", {
        # A full ID number typed as the query is not written back into the page, only its masked form.
        "rows": rows[:PAGE_SIZE], "has_next": len(rows) > PAGE_SIZE, "page": page,
        "first_row": (page - 1) * PAGE_SIZE + 1, "last_row": (page - 1) * PAGE_SIZE + len(rows[:PAGE_SIZE]),
        "persons": ",".join(str(pk) for pk in persons), "subject": mask_text(shown_text(subject)), "reader": shown_text(reader),
        "since": str(data.get("since", ""))[:40], "until": str(data.get("until", ""))[:40],
        "errors": errors, "page_size": PAGE_SIZE, "queried": request.method == "POST",
    }, status=400 if errors else 200)
