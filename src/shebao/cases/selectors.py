"""Reads of cases, always scoped to the caller's district (the municipal center sees all)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from shebao.cases.models import ApplicantKind, Case, Document, Flag, OwedDocument, Status
from shebao.core import clock
from shebao.core.permissions import EMPLOYER_SIDE, PortalActor
from shebao.core.scoping import scope_queryset

OPEN_STATUSES = [s for s in Status.values if s not in (Status.COMPLETED, Status.REJECTED)]


def case_list(*, user: Any, status: str | None = None, mode: str | None = None, business: str | None = None,
              flagged: bool | None = None) -> QuerySet[Case]:
    """Cases the user may see; the queue order puts 9's priority cases first, then the oldest. A refund's
    row comes along (a completed refund's status follows its money, `Case.get_status_display`: a list
    would otherwise read it once per row)."""
    qs = scope_queryset(Case.objects.select_related("office", "employer", "person", "assignee", "refund", "card_order"), user=user,
                        district_path="office")
    if status:
        qs = qs.filter(status=status)
    if mode:
        qs = qs.filter(mode=mode)
    if business:
        qs = qs.filter(business=business)
    if flagged is not None:
        qs = qs.filter(flagged=flagged)
    return qs


def case_owned_by(actor: Any, case: Case) -> bool:
    """Whether a portal applicant (`PortalActor`) is the case's applicant: an employer's account for
    the cases its employer applied for, a person for the cases they applied for themself. False for
    staff and anyone else (staff see cases by district, `case_list`)."""
    if not isinstance(actor, PortalActor):
        return False
    if actor.kind in EMPLOYER_SIDE:
        return case.applicant_kind == ApplicantKind.EMPLOYER and case.employer_id == actor.employer_id
    return case.applicant_kind == ApplicantKind.PERSON and case.person_id == actor.person_id


def applicant_cases(*, actor: Any) -> QuerySet[Case]:
    """The cases a portal applicant applied for (newest first); none for anyone else."""
    if not isinstance(actor, PortalActor):
        return Case.objects.none()
    qs = Case.objects.select_related("office", "employer", "person")
    if actor.kind in EMPLOYER_SIDE:
        qs = qs.filter(applicant_kind=ApplicantKind.EMPLOYER, employer_id=actor.employer_id)
    else:
        qs = qs.filter(applicant_kind=ApplicantKind.PERSON, person_id=actor.person_id)
    return qs.order_by("-created_at", "-pk")


# What a list of cases shows (number, business, status, channel, dates, the person named): a list
# row loads these only. A whole row decrypts the application's content and three contact fields, and
# the person's record its own (core.crypto): most of a 50-case list's time (bench/bench_portal.py).
LIST_FIELDS = ("pk", "business", "business_zh", "applicant_kind", "status", "channel", "mode", "applied_on",
               "deadline", "created_at", "employer_id", "person_id", "office_id")


def applicant_case_rows(*, actor: Any) -> QuerySet[Case]:
    """`applicant_cases` for a list: the fields of LIST_FIELDS, the named person's name and a refund's
    money status only (`Case.get_status_display` follows it: no read per row)."""
    return (applicant_cases(actor=actor).select_related(None).select_related("person", "refund", "card_order")
            .only(*LIST_FIELDS, "person__name", "refund__status", "card_order__status"))


def applicant_case_get(*, actor: Any, pk: int | str) -> Case:
    """One of the applicant's own cases, or 404 (another's case does not exist for it)."""
    try:
        return applicant_cases(actor=actor).get(pk=int(pk))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def case_get(*, user: Any, pk: int | str) -> Case:
    """One case, or 404 when it does not exist or lies outside the user's district."""
    try:
        return case_list(user=user).get(pk=int(pk))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def document_get(*, user: Any, case: Case, pk: int | str) -> Document:
    try:
        return case.documents.get(pk=int(pk))
    except (Document.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def owed_document_get(*, case: Case, pk: int | str) -> OwedDocument:
    try:
        return case.owed_documents.get(pk=int(pk))
    except (OwedDocument.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- Which owed items are satisfied -----------------------------------------------------------------
# An owed item is answered by a document on the case with its name, whenever that document came: an
# upload made with the application, or right after submitting and before the case asked for it, counts
# (issue 15: a transfer in's 参保缴费凭证, uploaded with the application, was asked for again once the
# case was accepted). Names are compared as a person types them: full-width and half-width alike
# (NFKC), spaces and case ignored, and a file's extension (.pdf, .jpg, .jpeg, .png) dropped.
# An original (4.2, kind ``original``) is a paper handed in or posted: an electronic copy never answers it.
DOCUMENT_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")
OUTSTANDING = (OwedDocument.State.OWED, OwedDocument.State.REFUSED)


def document_name_key(name: str) -> str:
    """The form of a document's name that owed items are matched by.

    >>> document_name_key(" 参保缴费凭证.PDF ") == document_name_key("参保缴费凭证")
    True
    """
    import unicodedata

    key = "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()
    for ext in DOCUMENT_EXTENSIONS:
        if key.endswith(ext) and len(key) > len(ext):
            return key[: -len(ext)]
    return key


def owed_matches(owed: list[OwedDocument], documents: list[Document]) -> dict[int, Document]:
    """THE rule of which owed items the case's documents already answer: ``{owed pk: document}`` for
    each item still outstanding (owed, or refused on review) that a document of the same name answers
    (`document_name_key`), the document not yet tied to another item. A refused item is answered only
    by a document that came after its review (the refused one is not offered again). Originals (4.2)
    are never answered by a copy. Each document answers one item, the oldest first. Pure: no query."""
    taken = {o.document_id for o in owed if o.document_id}
    free = sorted((d for d in documents if d.pk not in taken), key=lambda d: (d.uploaded_at, d.pk))
    out: dict[int, Document] = {}
    for item in sorted(owed, key=lambda o: o.pk):
        if item.state not in OUTSTANDING or item.kind == OwedDocument.Kind.ORIGINAL:
            continue
        key = document_name_key(item.name)
        for doc in free:
            if document_name_key(doc.name) != key:
                continue
            if item.state == OwedDocument.State.REFUSED and item.reviewed_at and doc.uploaded_at <= item.reviewed_at:
                continue
            out[item.pk] = doc
            free.remove(doc)
            break
    return out


def owed_satisfied(case: Case) -> dict[int, Document]:
    """`owed_matches` for one case, read from the database (two queries)."""
    owed = list(case.owed_documents.all())
    if not any(o.state in OUTSTANDING for o in owed):
        return {}
    return owed_matches(owed, list(case.documents.all()))


def owed_outstanding(case: Case) -> list[OwedDocument]:
    """The case's owed items still to be sent: outstanding and answered by no document on the case."""
    answered = owed_satisfied(case)
    return [o for o in case.owed_documents.order_by("pk") if o.state in OUTSTANDING and o.pk not in answered]


def owed_documents_overdue(*, user: Any, on: dt.date | None = None) -> QuerySet[OwedDocument]:
    """1.3: owed documents past their due date and not yet received, in the user's district."""
    on = on or clock.today()
    qs = OwedDocument.objects.select_related("case").filter(
        due_on__lt=on, state__in=[OwedDocument.State.OWED, OwedDocument.State.REFUSED],
        case__status__in=OPEN_STATUSES)
    return scope_queryset(qs, user=user, district_path="case__office").order_by("due_on", "pk")


def flag_queue(*, user: Any, stage: str | None = None) -> QuerySet[Flag]:
    """7.4: flagged operations; after the lift, the review queue (queued → reviewed → settled → audited)."""
    qs = scope_queryset(Flag.objects.select_related("case", "office"), user=user, district_path="office")
    if stage:
        qs = qs.filter(stage=stage)
    return qs.order_by("raised_at", "pk")


def flag_get(*, user: Any, pk: int | str) -> Flag:
    try:
        return flag_queue(user=user).get(pk=int(pk))
    except (Flag.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# The states in which a case's business is done (已办理，待补原件; 已办结): reached only with its content
# complete (review-user7 F6: a registration without its content was approved, nothing registered).
DONE_STATUSES = (Status.ORIGINALS_OWED, Status.COMPLETED)


def case_content_problems(case: Case) -> list[Any]:
    """What the case's content (`Case.details`) lacks or gets wrong by its business's definition, as
    `rules.business_fields.details_validate` judges an application on every road: FieldErrors at
    ``details.<field>`` with the Chinese reason; [] when it is complete. First, at ``person``, the
    person's stored name when the name rule refuses it (`registry.stored_names.stored_name_problem`). The agency's own figures
    (``by: agency`` fields, recorded while handling) are not the applicant's and are left out. Judged
    on the later of today and the application day (a ``past`` date stays past). Pure read."""
    from shebao.registry.stored_names import stored_name_problem
    from shebao.rules.business_fields import FieldError, definition, definitions, details_validate

    # review F1: the person's name as stored before the name rule (registry.stored_names), said by position
    # and character, so neither the clerk nor the reviewer takes it silently
    found = [FieldError("person", why)] if (why := stored_name_problem(case.person)) else []
    if case.business not in definitions():
        return found  # a business without a definition asks for no content
    agency = {f.name for f in definition(case.business).agency_fields}
    applicant = {k: v for k, v in (case.details or {}).items() if k not in agency}
    today = max(clock.today(), case.applied_on) if case.applied_on else clock.today()
    checked = details_validate(case.business, applicant, today=today)
    return found + [FieldError(f"details.{e.field}", e.zh) for e in checked.errors]
