"""The employer's side of the portal (issue 15): an online application through the same definitions,
checks and services as the front desk, the commitment letter signed online with its hash kept,
documents uploaded, the decision, deadline and owed documents shown, the bill and the messages."""

from __future__ import annotations

import io

import pytest

from shebao.cases.models import Case, CommitmentLetter, Document, OutboxMessage
from shebao.cases.services import commitment_digest
from shebao.core.models import AuditEvent
from shebao.registry.models import EmploymentSpell
from tests.businesses.walk import PDF, finish
from tests.cases.conftest import valid_details
from tests.nothing_written import nothing_written
from tests.portal.conftest import sign_in_employer

pytestmark = pytest.mark.django_db
BACK_PAYMENT = {"business": "individual_back_payment", "period_from": "2019-11", "period_to": "2019-12",
                "bases": "2019-11,8000\n2019-12,8000"}


@pytest.fixture
def employee(employer_chaoyang, person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    return person_chaoyang


@pytest.fixture
def signed_in(client, settings, admin_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    return client


def _submit(client, person, **extra) -> Case:
    r = client.post("/portal/employer/cases/new/", {**BACK_PAYMENT, "id_number": person.id_number, **extra})
    assert r.status_code == 302, r.content.decode()
    return Case.objects.get(pk=int(r["Location"].rstrip("/").rsplit("/", 1)[1]))


def test_the_employer_lists_only_businesses_open_online_to_employers(signed_in):
    body = signed_in.get("/portal/employer/cases/new/").content.decode()
    assert "个人补缴（单位申报）" in body and "单位申报月报补缴" in body
    assert "社会保障卡补换卡" not in body  # a person's business
    assert "账户补填" not in body  # post and counter only (catalog)
    r = signed_in.get("/portal/employer/cases/new/?business=account_backfill")
    assert r.status_code == 400


def test_an_individual_back_payment_is_submitted_online_as_at_the_desk(signed_in, admin_chaoyang, employee):
    form = signed_in.get("/portal/employer/cases/new/?business=individual_back_payment").content.decode()
    assert "补缴期间" in form and "各月缴费基数" in form and "职工证件号码" in form
    case = _submit(signed_in, employee)
    assert case.channel == "online" and case.applicant_kind == "employer" and case.person == employee
    assert case.employer == admin_chaoyang.employer and case.submitted_by is None
    assert case.details["bases"] == [{"month": "2019-11", "base_fen": 800_000}, {"month": "2019-12", "base_fen": 800_000}]
    assert case.contact_phone == admin_chaoyang.mobile
    t = case.transitions.get()
    assert t.actor is None and t.actor_label == "网上办事：单位管理员 boss（北京朝阳测试科技有限公司）"
    event = AuditEvent.objects.get(model="cases.Case", object_pk=str(case.pk))
    assert event.actor is None and event.actor_label.startswith("网上办事：")
    # The recipient is encrypted at rest (never looked up by value): read back through the model.
    assert admin_chaoyang.mobile in [m.recipient for m in OutboxMessage.objects.filter(case=case, event="submitted")]
    page = signed_in.get(f"/portal/employer/cases/{case.pk}/").content.decode()
    assert case.explanation_zh in page and "办理时限" in page and f"{case.deadline:%Y-%m-%d}" in page
    for c in case.clauses:
        assert f"第{c}条" in page or f"解读{c.removeprefix('Reading ')}" in page


def test_a_refused_field_is_shown_beside_it_and_nothing_is_stored(signed_in, employee):
    with nothing_written():
        r = signed_in.post("/portal/employer/cases/new/", {**BACK_PAYMENT, "id_number": employee.id_number,
                                                          "bases": "2019-11,abc"})
    body = r.content.decode()
    assert r.status_code == 400 and 'id="bf-bases-error"' in body and "缴费基数应为金额" in body


def test_a_person_who_never_worked_for_the_employer_cannot_be_named(signed_in, employee, person_haidian):
    with nothing_written():
        r = signed_in.post("/portal/employer/cases/new/", {**BACK_PAYMENT, "id_number": person_haidian.id_number})
    body = r.content.decode()
    assert r.status_code == 400 and "本单位没有该证件号码的职工" in body and person_haidian.name not in body


def test_the_registry_checks_refuse_months_outside_the_employment(signed_in, employer_chaoyang, person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2019-12")
    with nothing_written():
        r = signed_in.post("/portal/employer/cases/new/", {**BACK_PAYMENT, "id_number": person_chaoyang.id_number})
    assert r.status_code == 400 and "2019-11" in r.content.decode()


def test_the_commitment_is_signed_online_and_its_hash_kept(signed_in, employee):
    case = _submit(signed_in, employee)
    case.requires = [*case.requires, "commitment_letter"] if "commitment_letter" not in case.requires else case.requires
    Case.objects.filter(pk=case.pk).update(requires=case.requires)
    with nothing_written():
        r = signed_in.post(f"/portal/employer/cases/{case.pk}/commitment/", {})
    assert r.status_code == 400 and 'id="agree-error"' in r.content.decode()
    r = signed_in.post(f"/portal/employer/cases/{case.pk}/commitment/", {"agree": "1"})
    assert r.status_code == 302
    letter = CommitmentLetter.objects.get(case=case)
    assert letter.captured_by is None and letter.signer == "北京朝阳测试科技有限公司（经办人：单位管理员）"
    assert letter.sha256 == commitment_digest(case=letter.case, text=letter.text, signer=letter.signer,
                                              signed_at=letter.signed_at)
    assert case.transitions.filter(action="commitment_letter", actor_label__startswith="网上办事").exists()
    page = signed_in.get(f"/portal/employer/cases/{case.pk}/").content.decode()
    assert letter.sha256 in page
    with nothing_written():
        r = signed_in.post(f"/portal/employer/cases/{case.pk}/commitment/", {"agree": "1"})
    assert r.status_code == 409 or r.status_code == 400


def test_a_document_is_uploaded_and_read_back_only_by_its_employer(client, signed_in, settings, employee,
                                                                   admin_haidian):
    case = _submit(signed_in, employee)
    f = io.BytesIO(PDF)
    f.name = "contract.pdf"
    r = signed_in.post(f"/portal/employer/cases/{case.pk}/documents/", {"name": "劳动合同", "file": f})
    assert r.status_code == 302
    doc = Document.objects.get(case=case)
    assert doc.uploaded_by is None and doc.name == "劳动合同"
    assert AuditEvent.objects.get(model="cases.Document", object_pk=str(doc.pk)).actor_label.startswith("网上办事：")
    r = signed_in.get(f"/portal/employer/cases/{case.pk}/documents/{doc.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    other = client.__class__()
    sign_in_employer(other, settings, admin_haidian)
    assert other.get(f"/portal/employer/cases/{case.pk}/documents/{doc.pk}/").status_code == 404
    bad = io.BytesIO(b"MZ not a pdf")
    bad.name = "x.pdf"
    with nothing_written():
        r = signed_in.post(f"/portal/employer/cases/{case.pk}/documents/", {"name": "假文件", "file": bad})
    assert r.status_code == 400 and "只接受PDF、JPEG、PNG文件" in r.content.decode()


def test_after_the_clerk_handles_it_the_employer_sees_the_decision_bill_and_messages(
        signed_in, employee, clerk_chaoyang, reviewer_chaoyang):
    case = _submit(signed_in, employee)
    if "commitment_letter" in case.requires:
        assert signed_in.post(f"/portal/employer/cases/{case.pk}/commitment/", {"agree": "1"}).status_code == 302
    case.refresh_from_db()
    done = finish(case, clerk_chaoyang, reviewer_chaoyang)
    assert done.status == "completed"
    page = signed_in.get(f"/portal/employer/cases/{case.pk}/").content.decode()
    assert "已办结" in page and "办结结果" in page
    bill = signed_in.get("/portal/employer/account/").content.decode()
    assert "2019-11" in bill and "2019-12" in bill and "缴费期限" in bill
    from shebao.collection.services import payment_reference

    assert payment_reference(employee.spells.get().employer) in bill
    msgs = signed_in.get("/portal/employer/messages/").content.decode()
    assert "您的申请已收到" in msgs and "当前状态：已办结" in msgs


def test_a_document_may_be_read_by_its_own_applicant_and_the_districts_staff_only(
        employee, admin_chaoyang, admin_haidian, clerk_chaoyang, clerk_haidian):
    from shebao.cases.documents import document_may_read
    from shebao.cases.services import case_submit, document_attach
    from shebao.portal.access import employer_actor, person_actor

    own = employer_actor(admin_chaoyang)
    case, _ = case_submit(actor=own, business="monthly_report_back_payment", channel="online",
                          employer=admin_chaoyang.employer, applicant_kind="employer",
                          details=valid_details("monthly_report_back_payment", employer=admin_chaoyang.employer))
    doc = document_attach(case=case, actor=own, name="材料", stream=io.BytesIO(PDF))
    assert document_may_read(user=own, document=doc)
    assert document_may_read(user=clerk_chaoyang, document=doc)
    assert not document_may_read(user=employer_actor(admin_haidian), document=doc)
    assert not document_may_read(user=person_actor(employee), document=doc)  # named in no case of hers
    assert not document_may_read(user=clerk_haidian, document=doc)


def test_an_applicant_may_not_submit_for_another_or_by_the_counter(admin_chaoyang, employer_haidian, employee):
    from shebao.cases.services import case_submit
    from shebao.core.errors import DomainError
    from shebao.core.permissions import ActionRefused
    from shebao.portal.access import employer_actor, person_actor

    own = employer_actor(admin_chaoyang)
    with nothing_written():
        with pytest.raises(ActionRefused):
            case_submit(actor=own, business="monthly_report_back_payment", channel="online", employer=employer_haidian,
                        applicant_kind="employer")
        with pytest.raises(DomainError):
            case_submit(actor=own, business="monthly_report_back_payment", channel="counter",
                        employer=admin_chaoyang.employer, applicant_kind="employer")
        with pytest.raises(ActionRefused):  # a person applies for themself, never as the employer
            case_submit(actor=person_actor(employee), business="monthly_report_back_payment", channel="online",
                        employer=admin_chaoyang.employer, applicant_kind="employer")
