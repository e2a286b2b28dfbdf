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
from shebao.cases.models import Case, Status
from shebao.core.errors import DomainError


@dataclass(frozen=True)
class Upload:
    """What became of one upload: ``name`` (the document's name, for the success message), and when it
    was refused ``error`` (Chinese), ``owed`` (the owed document's pk the form answered, or None) and
    ``field`` (``file`` or ``name``: the input the error belongs to)."""

    name: str
    error: str = ""
    owed: int | None = None
    field: str = "file"


def document_upload(request: HttpRequest, case: Case) -> Upload:
    """Attach the posted ``file`` to the applicant's own ``case`` (already looked up among the actor's
    cases), answering the owed document ``owed`` when posted (its name then names the file), else
    under the typed ``name``. Nothing is stored when refused."""
    owed = case_selectors.owed_document_get(case=case, pk=request.POST["owed"]) if request.POST.get("owed") else None
    upload = request.FILES.get("file")
    name = (request.POST.get("name") or "").strip() or (owed.name if owed else "")
    error = ""
    if upload is None:
        error = "请选择要上传的文件（PDF、JPEG或PNG）"
    elif not name:
        error = "请填写材料名称"
    else:
        try:
            case_services.document_attach(case=case, actor=request.portal_actor, name=name, stream=upload,
                                          owed=owed)
        except DomainError as e:
            error = e.zh
    field = "name" if upload is not None and not name else "file"
    return Upload(name=name, error=error, owed=owed.pk if owed else None, field=field)


def documents_context(case: Case) -> dict[str, Any]:
    """What the case page's documents part (``portal/_documents.html``) shows: the documents owed with
    their state, the documents received, and whether another may still be uploaded."""
    return {"owed": list(case.owed_documents.order_by("pk")), "documents": list(case.documents.order_by("pk")),
            "closed": case.status in (Status.COMPLETED, Status.REJECTED)}


def document_download(request: HttpRequest, case: Case, doc_pk: int) -> FileResponse:
    """One document of the applicant's own case, as stored (404 for another's)."""
    doc = case_selectors.document_get(user=request.portal_actor, case=case, pk=doc_pk)
    if not document_may_read(user=request.portal_actor, document=doc):  # the rule, asked even after the lookup
        raise Http404
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    response["Content-Disposition"] = f'inline; filename="document-{doc.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
