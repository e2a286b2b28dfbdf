"""Documents of an applicant's own case in the portal (issue 15: "upload documents owed"), one road for
the employer's and the insured person's pages: an upload (for a document owed, or another one) goes to
`cases.services.document_attach`, which checks the file by its content (PDF, JPEG or PNG; size and
count limits: `cases.documents.check_upload`), stores it, marks the owed document received and writes
the audit row, or refuses in Chinese with nothing stored. A download is answered only for the case's
own applicant (`cases.documents.document_may_read`), never as HTML (``nosniff``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import FileResponse, Http404, HttpRequest

from shebao.cases import selectors as case_selectors
from shebao.cases import services as case_services
from shebao.cases.documents import document_may_read
from shebao.cases.models import Case, OwedDocument, Status
from shebao.core.errors import DomainError


@dataclass(frozen=True)
class Upload:
    """What became of one upload: ``name`` (the document's name, for the success message), and when it
    was refused ``error`` (Chinese), ``owed`` (the owed document's pk the form answered, or None) and
    ``field`` (``file``, ``name`` or ``expected``: the input the error belongs to)."""

    name: str
    error: str = ""
    owed: int | None = None
    field: str = "file"


@dataclass(frozen=True)
class Expected:
    """A document the case asks for or will ask for, as the upload form offers it (review-user10 F4: a
    file named 缴费凭证 did not answer the 参保缴费凭证 the case owed; the form did not say the names).
    ``name``: the name the case uses; ``owed``: its owed item when it is owed and still outstanding
    (None: the catalog lists it and the case will ask for it once accepted, so it may come in advance)."""

    name: str
    owed: OwedDocument | None = None

    @property
    def label(self) -> str:
        return f"{self.name}（需补交）" if self.owed is not None else f"{self.name}（可提前上传）"


def expected_documents(case: Case) -> list[Expected]:
    """The names an upload of ``case`` may answer, each once, in the case's order: its owed items still
    outstanding and answered by no document (`cases.selectors.owed_outstanding`, the one rule), then
    the catalog's documents of the business that no owed item and no document on the case already
    stands for (compared as `cases.selectors.document_name_key` compares names). A document stored
    under one of these names is matched to the item by that rule, now or when the case asks for it."""
    from shebao.cases.routing import business_entry
    from shebao.cases.selectors import document_name_key

    if case.status in (Status.COMPLETED, Status.REJECTED):
        return []
    outstanding = case_selectors.owed_outstanding(case)
    out = [Expected(o.name, o) for o in outstanding]
    taken = {document_name_key(o.name) for o in case.owed_documents.all()}
    taken |= {document_name_key(d.name) for d in case.documents.all()}
    for name in business_entry(case.business).documents:
        if document_name_key(name) not in taken and name != "承诺书":  # the letter is signed, not uploaded
            out.append(Expected(str(name)))
            taken.add(document_name_key(name))
    return out


OTHER = "other"  # the upload form's choice of a document the case does not name (its name typed)


def document_upload(request: HttpRequest, case: Case) -> Upload:
    """Attach the posted ``file`` to the applicant's own ``case`` (already looked up among the actor's
    cases). What it is: ``owed`` (an owed item's pk: the item's own form), or ``expected`` (a name
    of `expected_documents`, chosen from the list: the document takes that name, and answers the item
    when it is owed), or ``expected=other`` / no choice with the typed ``name``. Nothing is stored when
    refused; an unknown choice is refused at the list."""
    owed = case_selectors.owed_document_get(case=case, pk=request.POST["owed"]) if request.POST.get("owed") else None
    upload = request.FILES.get("file")
    chosen = (request.POST.get("expected") or "").strip()
    typed = (request.POST.get("name") or "").strip()
    name, error, field = typed or (owed.name if owed else ""), "", "file"
    if owed is None and chosen and chosen != OTHER:
        offered = {e.name: e for e in expected_documents(case)}
        if chosen not in offered:
            return Upload(name=chosen, error="请从列表中选择这份材料是哪一项", field="expected")
        name, owed = chosen, offered[chosen].owed
    if upload is None:
        error = "请选择要上传的文件（PDF、JPEG或PNG）"
    elif not name:
        error = ("请选择这份材料是哪一项；列表中没有的，选“其他材料”并填写材料名称" if not chosen
                 else "请填写其他材料的名称")
        field = "name" if chosen == OTHER else "expected"
    else:
        try:
            case_services.document_attach(case=case, actor=request.portal_actor, name=name, stream=upload,
                                          owed=owed)
        except DomainError as e:
            error = e.zh
            field = e.field if e.field in ("name", "file") else "file"
    return Upload(name=name, error=error, owed=owed.pk if owed and not chosen else None, field=field)


def documents_context(case: Case) -> dict[str, Any]:
    """What the case page's documents part (``portal/_documents.html``) shows, each state in its own
    words (review-user10 F5: an upload made before the case asked for anything was listed under
    需补交的材料 and its history said 已补正): ``outstanding`` (owed and still to be sent, each with its
    upload), ``received`` (owed items answered, each with ``in_advance``: the document came before the
    case asked for it), ``documents`` (every document received), ``expected`` (`expected_documents`,
    what the upload form offers by name) and whether another may still be uploaded (``closed``)."""
    from shebao.cases.models import CaseTransition, OwedDocument
    from shebao.cases.services import OWED_ANSWERED, owed_answered_note

    owed = list(case.owed_documents.select_related("document").order_by("pk"))
    outstanding_pks = {o.pk for o in case_selectors.owed_outstanding(case)} if owed else set()
    notes = set(CaseTransition.objects.filter(case=case, action=OWED_ANSWERED).values_list("note", flat=True)) \
        if owed else set()
    received = [{"item": o, "in_advance": bool(o.document_id) and owed_answered_note(
        o.name, o.document.name, in_advance=True) in notes}
        for o in owed if o.pk not in outstanding_pks and o.state != OwedDocument.State.OWED]
    return {"outstanding": [o for o in owed if o.pk in outstanding_pks], "received": received,
            "documents": list(case.documents.order_by("pk")), "expected": expected_documents(case),
            "other_choice": OTHER, "closed": case.status in (Status.COMPLETED, Status.REJECTED)}


def document_download(request: HttpRequest, case: Case, doc_pk: int) -> FileResponse:
    """One document of the applicant's own case, as stored (404 for another's)."""
    doc = case_selectors.document_get(user=request.portal_actor, case=case, pk=doc_pk)
    if not document_may_read(user=request.portal_actor, document=doc):  # the rule, asked even after the lookup
        raise Http404
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    response["Content-Disposition"] = f'inline; filename="document-{doc.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
