"""A document sent before the case asked for it answers the item the case later owes (issue 15): a
person uploads the 参保缴费凭证 of a transfer in right after submitting, an employer uploads a form
with its application, a clerk attaches what came by fax before accepting. Once the case is accepted
and owes these documents, each is received at once (`cases.selectors.owed_matches`, the one rule):
the page does not ask again, the stored item names the document, and no message asks for it.

The upload form offers the names the case uses, so the match never rests on a typed name
(review-user10 F4: 缴费凭证 did not answer 参保缴费凭证), and each state is worded as it is (F5: an
advance upload was listed under 需补交的材料 and its history said 已补正)."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse

from shebao.cases import services as cases
from shebao.cases.models import Case, CaseTransition, Document, OutboxMessage, OwedDocument
from shebao.cases.selectors import owed_outstanding
from shebao.operations.models import Audience, Outreach
from shebao.operations.outreach import recipients_of
from shebao.registry.models import EmploymentSpell
from tests.businesses.walk import PDF
from tests.portal.conftest import sign_in_employer, transfer_in_submitted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("document_day")]
# 60 months declared by the employer: accepted with documents to follow (1.3c), owing the catalog's three.
MONTHS = [f"{y}-{m:02d}" for y in range(2015, 2020) for m in range(1, 13)]
LONG_BACK_PAYMENT = {"business": "individual_back_payment", "period_from": "2015-01", "period_to": "2019-12",
                     "bases": "\n".join(f"{m},8000" for m in MONTHS)}


def _pdf(n: int) -> io.BytesIO:
    return io.BytesIO(PDF + f"\n% copy {n}\n".encode())


def _owed_reminded(case: Case) -> bool:
    """Whether the district's "documents owed" message (operations.outreach) would reach this case."""
    outreach = Outreach(audience=Audience.DOCUMENTS_OWED, district=case.office.district or case.office)
    return any(r["values"].get("申请编号") == str(case.pk) for r in recipients_of(outreach))


def _asked_for(case: Case, name: str) -> list[str]:
    """The applicant's messages about the case that ask for the document ``name``."""
    return [m.body for m in OutboxMessage.objects.filter(case=case) if "补交" in m.body and name in m.body]


def test_a_person_uploads_the_payment_record_right_after_submitting_and_is_not_asked_again(
        client, settings, insured, clerk_chaoyang, reviewer_chaoyang):
    case = transfer_in_submitted(client, settings, insured)
    assert not case.owed_documents.exists()  # nothing is owed before the case is accepted
    r = client.post(f"/portal/person/cases/{case.pk}/documents/", {"name": "参保缴费凭证.pdf", "file": _pdf(1)})
    assert r.status_code == 302
    doc = Document.objects.get(case=case)
    case = cases.case_accept(case=case, actor=clerk_chaoyang)
    # Stored: the item the acceptance owes is received, and it names the document already sent.
    owed = case.owed_documents.get()
    assert (owed.name, owed.state, owed.document_id) == ("参保缴费凭证", OwedDocument.State.RECEIVED, doc.pk)
    assert owed.received_at is not None and owed_outstanding(case) == []
    row = CaseTransition.objects.get(case=case, action=cases.OWED_ANSWERED)
    assert row.note == "应交材料“参保缴费凭证”由提前上传的材料“参保缴费凭证.pdf”提交，无需补交"
    # The page: received in advance, not listed as owed, no upload box asking for it; the history says
    # the advance upload was taken, not that anything was corrected (F5).
    page = client.get(f"/portal/person/cases/{case.pk}/").content.decode()
    assert "已收到（提前上传）" in page and "未收到" not in page and f'name="owed" value="{owed.pk}"' not in page
    assert "需补交的材料" not in page and "已补正" not in page
    assert "提前上传的材料已收取：参保缴费凭证" in page
    # No message or reminder asks for it.
    assert _asked_for(case, "参保缴费凭证") == [] and not _owed_reminded(case)
    # The district reviews the document and approves: nothing further is owed.
    cases.owed_document_review(owed=owed, actor=reviewer_chaoyang, accepted=True)
    assert cases.case_approve(case=case, actor=reviewer_chaoyang).status == "completed"


@pytest.fixture
def employee(employer_chaoyang, person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2014-01")
    return person_chaoyang


def test_an_employer_uploads_a_form_with_the_application_and_only_the_others_are_owed(
        client, settings, admin_chaoyang, employee, clerk_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    r = client.post("/portal/employer/cases/new/", {**LONG_BACK_PAYMENT, "id_number": employee.id_number})
    assert r.status_code == 302, r.content.decode()
    case = Case.objects.get()
    assert case.mode == "deferred_documents"
    r = client.post(f"/portal/employer/cases/{case.pk}/documents/", {"name": "补缴申报表", "file": _pdf(2)})
    assert r.status_code == 302
    doc = Document.objects.get(case=case)
    case = cases.case_accept(case=case, actor=clerk_chaoyang)
    assert case.status == "documents_outstanding"
    states = {o.name: (o.state, o.document_id) for o in case.owed_documents.all()}
    assert states == {"补缴申报表": ("received", doc.pk), "劳动合同或工资凭证": ("owed", None),
                      "身份证件复印件": ("owed", None)}
    # The acceptance's message asks for the two still owed, not the one sent with the application.
    asked = _asked_for(case, "劳动合同或工资凭证")
    assert asked and all("补缴申报表" not in body for body in asked)
    # The employer's list counts two owed, and its case page offers uploads for those two only.
    listing = client.get("/portal/employer/cases/").content.decode()
    assert "待补交材料2项" in listing
    page = client.get(f"/portal/employer/cases/{case.pk}/").content.decode()
    received = case.owed_documents.get(name="补缴申报表")
    assert f'name="owed" value="{received.pk}"' not in page
    assert all(f'name="owed" value="{o.pk}"' in page for o in case.owed_documents.filter(state="owed"))
    # A later upload named as an owed item (without picking the item) answers it too.
    r = client.post(f"/portal/employer/cases/{case.pk}/documents/", {"name": "身份证件复印件", "file": _pdf(3)})
    assert r.status_code == 302
    later = Document.objects.get(case=case, name="身份证件复印件")
    assert case.owed_documents.get(name="身份证件复印件").document_id == later.pk
    assert [o.name for o in owed_outstanding(case)] == ["劳动合同或工资凭证"]
    # That one was owed and answered: 补交, not 提前上传.
    assert CaseTransition.objects.get(case=case, action=cases.OWED_ANSWERED, note__contains="身份证件复印件").note == (
        "应补材料“身份证件复印件”以上传的材料“身份证件复印件”补交")
    page = client.get(f"/portal/employer/cases/{case.pk}/").content.decode()
    received = page.split('id="received"')[1].split("</ul>")[0]
    assert "补缴申报表</strong> <span class=\"badge\">已收到（提前上传）" in received
    assert "身份证件复印件</strong> <span class=\"badge\">已收到，待审核" in received
    owed_part = page.split('id="owed-h"')[1].split("</ul>")[0]
    assert "劳动合同或工资凭证" in owed_part and "补缴申报表" not in owed_part


def test_a_fax_attached_in_the_back_office_before_acceptance_counts(
        client, settings, insured, clerk_chaoyang):
    case = transfer_in_submitted(client, settings, insured)
    staff = type(client)()
    staff.force_login(clerk_chaoyang)
    r = staff.post(reverse("backoffice:case_document", args=[case.pk]),
                   {"name": "参保缴费凭证", "source": "fax", "file": _pdf(4)})
    assert r.status_code == 302, r.content.decode()[:2000]
    r = staff.post(reverse("backoffice:case_act", args=[case.pk, "accept"]), {"version": case.version + 0})
    assert r.status_code == 302, r.content.decode()[:2000]
    case.refresh_from_db()
    assert case.status == "in_review"
    doc = Document.objects.get(case=case)
    owed = case.owed_documents.get()
    assert (owed.state, owed.document_id) == ("received", doc.pk)
    page = staff.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    assert "已收到" in page and "参保缴费凭证" in page
    assert _asked_for(case, "参保缴费凭证") == [] and not _owed_reminded(case)
    # The person's page says the same.
    assert "未收到" not in client.get(f"/portal/person/cases/{case.pk}/").content.decode()


def _options(page: str) -> dict[str, str]:
    form = page.split('id="upload-form"')[1].split("</form>")[0]
    return dict(re.findall(r'<option value="([^"]*)">([^<]*)</option>', form))


def test_the_upload_form_offers_the_expected_names_and_the_pick_answers_whatever_the_file_is_called(
        client, settings, insured, clerk_chaoyang):
    """F4: the person's file is called 缴费凭证.pdf, the case will ask for 参保缴费凭证: picked from the
    list, the document takes the case's name and answers the item once the case is accepted."""
    case = transfer_in_submitted(client, settings, insured)
    page = client.get(f"/portal/person/cases/{case.pk}/").content.decode()
    assert _options(page) == {"": "请选择", "参保缴费凭证": "参保缴费凭证（可提前上传）",
                              "other": "其他材料（在下方填写名称）"}
    assert "本申请需要的材料：参保缴费凭证。" in page
    url = f"/portal/person/cases/{case.pk}/documents/"
    # a name not offered, and no choice with no name, are refused at the list, nothing stored
    for data, said in (({"expected": "缴费凭证"}, "请从列表中选择这份材料是哪一项"),
                       ({}, "请选择这份材料是哪一项；列表中没有的，选“其他材料”并填写材料名称"),
                       ({"expected": "other"}, "请填写其他材料的名称")):
        r = client.post(url, {**data, "file": _pdf(5)})
        assert r.status_code == 400 and said in r.content.decode(), data
        assert not Document.objects.exists()
    assert re.search(r'<select name="expected" id="doc-expected"[^>]*aria-invalid="true"',
                     client.post(url, {"file": _pdf(5)}).content.decode())
    f = _pdf(6)
    f.name = "缴费凭证.pdf"
    assert client.post(url, {"expected": "参保缴费凭证", "file": f}).status_code == 302
    doc = Document.objects.get(case=case)
    assert doc.name == "参保缴费凭证"
    # once sent, the name is no longer offered; another document is still possible by its typed name
    assert _options(client.get(f"/portal/person/cases/{case.pk}/").content.decode()) == {
        "": "请选择", "other": "其他材料（在下方填写名称）"}
    case = cases.case_accept(case=case, actor=clerk_chaoyang)
    owed = case.owed_documents.get()
    assert (owed.state, owed.document_id) == ("received", doc.pk) and owed_outstanding(case) == []


def test_after_acceptance_the_list_offers_the_owed_items_and_a_pick_answers_the_item(
        client, settings, admin_chaoyang, employee, clerk_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    assert client.post("/portal/employer/cases/new/",
                       {**LONG_BACK_PAYMENT, "id_number": employee.id_number}).status_code == 302
    case = cases.case_accept(case=Case.objects.get(), actor=clerk_chaoyang)
    options = _options(client.get(f"/portal/employer/cases/{case.pk}/").content.decode())
    assert options == {"": "请选择", "补缴申报表": "补缴申报表（需补交）",
                       "劳动合同或工资凭证": "劳动合同或工资凭证（需补交）", "身份证件复印件": "身份证件复印件（需补交）",
                       "other": "其他材料（在下方填写名称）"}
    r = client.post(f"/portal/employer/cases/{case.pk}/documents/",
                    {"expected": "劳动合同或工资凭证", "name": "", "file": _pdf(7)})
    assert r.status_code == 302
    item = case.owed_documents.get(name="劳动合同或工资凭证")
    assert item.state == "received" and item.document.name == "劳动合同或工资凭证"
    assert sorted(o.name for o in owed_outstanding(case)) == ["补缴申报表", "身份证件复印件"]
