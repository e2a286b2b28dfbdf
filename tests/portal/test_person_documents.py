"""A person sends the documents an application owes from the portal (issue 15: "upload documents
owed"; closing18's open item: a transfer in waits for its 参保缴费凭证, which a person could not
upload). The same road as the employer's page (`portal.documents` → `cases.services.document_attach`):
checked by content (PDF, JPEG, PNG), size-limited, refused in Chinese with nothing stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from shebao.cases import services as cases
from shebao.cases.models import Document, OwedDocument
from tests.businesses.walk import PDF
from tests.nothing_written import nothing_written
from tests.portal.conftest import identity_checked, sign_in_person, transfer_in_submitted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("document_day")]


@pytest.fixture
def accepted(client, settings, insured, clerk_chaoyang):
    """The person's transfer in, submitted online and accepted: it owes the 参保缴费凭证 (catalog)."""
    case = cases.case_accept(case=transfer_in_submitted(client, settings, insured), actor=clerk_chaoyang)
    owed = case.owed_documents.get()
    assert (owed.name, owed.state) == ("参保缴费凭证", "owed")
    return case, owed


def test_the_transfer_in_form_says_where_the_payment_record_is_sent(client, settings, insured):
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    assert "上传原参保地出具的参保缴费凭证" in client.get("/portal/person/transfer/in/").content.decode()


def test_a_person_uploads_the_payment_record_the_transfer_in_owes_and_the_case_shows_it_received(
        client, settings, accepted, insured, reviewer_chaoyang, insured_haidian):
    case, owed = accepted
    page = client.get(f"/portal/person/cases/{case.pk}/").content.decode()
    assert "需补交的材料" in page and "参保缴费凭证" in page and "未收到" in page
    assert f'name="owed" value="{owed.pk}"' in page and 'type="file"' in page
    r = client.post(f"/portal/person/cases/{case.pk}/documents/", {"owed": owed.pk, "file": io.BytesIO(PDF)})
    assert r.status_code == 302 and r["Location"] == f"/portal/person/cases/{case.pk}/"
    doc = Document.objects.get(case=case)
    owed.refresh_from_db()
    assert (doc.name, doc.content_type, doc.size, doc.uploaded_by) == ("参保缴费凭证", "application/pdf", len(PDF), None)
    assert (owed.state, owed.document_id) == (OwedDocument.State.RECEIVED, doc.pk)
    assert Path(doc.file.path).read_bytes() == PDF
    page = client.get(f"/portal/person/cases/{case.pk}/").content.decode()
    assert "已收到" in page and "材料“参保缴费凭证”已上传" in page
    assert f"/portal/person/cases/{case.pk}/documents/{doc.pk}/" in page
    r = client.get(f"/portal/person/cases/{case.pk}/documents/{doc.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF and r["X-Content-Type-Options"] == "nosniff"
    # The district reviews what the person sent and completes the transfer.
    cases.owed_document_review(owed=owed, actor=reviewer_chaoyang, accepted=True)
    assert cases.case_approve(case=case, actor=reviewer_chaoyang).status == "completed"
    # Another person reads neither the document nor the case.
    other = type(client)()
    sign_in_person(other, settings, insured_haidian)
    assert other.get(f"/portal/person/cases/{case.pk}/documents/{doc.pk}/").status_code == 404
    with nothing_written():
        assert other.post(f"/portal/person/cases/{case.pk}/documents/",
                          {"owed": owed.pk, "file": io.BytesIO(PDF + b"x")}).status_code == 404


@pytest.mark.parametrize(("content", "message"), [
    (b"MZ\x90\x00 not a document", "只接受PDF、JPEG、PNG文件（按文件内容判断）"),
    (b"<html><script>alert(1)</script></html>", "只接受PDF、JPEG、PNG文件（按文件内容判断）"),
    (PDF + b"0" * (1024 * 1024), "文件“凭证.pdf”超过1MB上限"),
    (b"", "文件为空"),
])
def test_a_wrong_type_or_oversize_file_is_refused_beside_its_box_and_nothing_is_stored(
        client, settings, accepted, content, message):
    settings.SHEBAO_UPLOAD_MAX_BYTES = 1024 * 1024
    case, owed = accepted
    upload = io.BytesIO(content)
    upload.name = "凭证.pdf"  # the name says PDF; the content is judged
    with nothing_written():
        r = client.post(f"/portal/person/cases/{case.pk}/documents/", {"owed": owed.pk, "file": upload})
    page = r.content.decode()
    assert r.status_code == 400 and message in page and 'id="upload-error"' in page
    assert f'id="owed-file-{owed.pk}" accept=".pdf,.jpg,.jpeg,.png" aria-invalid="true"' in page
    owed.refresh_from_db()
    assert owed.state == "owed" and not Document.objects.exists()


def test_no_file_chosen_is_said_and_nothing_is_stored(client, accepted):
    case, owed = accepted
    with nothing_written():
        r = client.post(f"/portal/person/cases/{case.pk}/documents/", {"owed": owed.pk})
    assert r.status_code == 400 and "请选择要上传的文件（PDF、JPEG或PNG）" in r.content.decode()
