"""Objects of 朝阳区 for the keyed routes of the domain apps, used by tests/core/test_district_line.py.

Each new route that takes a key gets its entry here, so the district-line test covers it.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from shebao.cases.models import Case, Document, Flag, OwedDocument


def extra_objects(*, person: Any, employer: Any) -> dict[str, dict[str, object]]:
    case = Case.objects.create(
        business="person_change", business_zh="参保人员信息变更", applicant_kind="person", person=person,
        channel="counter", applied_on="2020-03-02", facts={}, mode="deferred_documents", clauses=["1.3a"],
        requires=["documents_later"], explanation_zh="欧阳秘密的申请", pack="beijing-2020-epidemic",
        pack_version="test", office=person.district, status="documents_outstanding",
    )
    doc = Document(case=case, name="欧阳秘密的材料", content_type="application/pdf", size=10, sha256="0" * 64)
    doc.file.save("secret.pdf", ContentFile(b"%PDF-1.4 secret"), save=False)
    doc.save()
    owed = OwedDocument.objects.create(case=case, name="户口簿", kind="deferred")
    flag = Flag.objects.create(case=case, office=case.office, kind="manual_operation", description="手工", stage="queued")
    c = {"pk": case.pk}
    from tests.collection.district_line_objects import collection_objects

    audit = _audit_case(employer=employer)
    a = {"pk": audit.pk}
    hall, incident, inspection = _hall_objects(employer=employer)
    message = _outreach(employer=employer)
    h = {"pk": hall.pk}

    from tests.benefits.district_line_objects import benefits_objects

    order = _card_order(case=case, person=person)
    export = _export_job()
    declaration = _declaration(employer=employer, person=person)
    return {
        "backoffice:declaration": {"pk": declaration.pk}, "backoffice:declaration_act": {"pk": declaration.pk},
        **collection_objects(person=person, employer=employer),
        **benefits_objects(person=person, employer=employer),
        "backoffice:card_order": {"pk": order.pk}, "backoffice:card_certificate": {"pk": order.pk},
        "backoffice:employer_statement": {"pk": employer.pk},
        "backoffice:employer_portal_accounts": {"pk": employer.pk},
        "backoffice:export_job": {"pk": export.pk}, "backoffice:export_job_file": {"pk": export.pk},
        "case-detail": c, "case-transition": c, "case-details": c, "case-letter": c, "case-phone-check": c, "case-documents": c,
        "case-flag-raise": c, "case-document-content": {"pk": case.pk, "doc": doc.pk},
        "case-owed-exchange": {"pk": case.pk, "owed": owed.pk}, "case-owed-review": {"pk": case.pk, "owed": owed.pk},
        "case-flag-step": {"pk": flag.pk},
        "backoffice:case_detail": c, "backoffice:case_act": {"pk": case.pk, "action": "complete"},
        "backoffice:case_letter": c, "backoffice:case_phone_check": c, "backoffice:case_document": c,
        "backoffice:case_assess": c, "backoffice:case_correct": c,
        "backoffice:case_change_reveal": {"pk": case.pk, "item": "address"},
        "backoffice:case_flag": c, "backoffice:case_receipt": c,
        "backoffice:document_download": {"pk": case.pk, "doc_pk": doc.pk},
        "backoffice:case_owed": {"pk": case.pk, "owed_pk": owed.pk},
        "backoffice:flag_step": {"pk": flag.pk},
        "backoffice:audit_case": a, "backoffice:audit_case_act": {"pk": audit.pk, "action": "open"},
        "backoffice:audit_contact": a, "backoffice:audit_reveal": {"pk": audit.pk, "field": "complainant_name"},
        "backoffice:audit_letter": a,
        "backoffice:hall_day": h, "backoffice:hall_incident_new": h, "backoffice:hall_duty": h,
        "backoffice:hall_inspect": h, "backoffice:incident": {"pk": incident.pk},
        "backoffice:incident_update": {"pk": incident.pk}, "backoffice:incident_acknowledge": {"pk": incident.pk},
        "backoffice:inspection": {"pk": inspection.pk},
        "backoffice:finding_fix": {"pk": inspection.pk, "finding_pk": inspection.findings.get().pk},
        **{f"backoffice:{name}": {"pk": message.pk}
           for name in ("outreach", "outreach_approve", "outreach_reject", "outreach_letters")},
    }


def _export_job() -> Any:
    """A 朝阳区 clerk's background export of their queue (the secret person's case in it), finished."""
    from shebao.reports.jobs import export_start
    from tests import personas

    clerk = personas.make_staff("export_chaoyang_dl", role="district_clerk", office_code="110105")
    return export_start(actor=clerk, kind="queue", params={}, inline=True)


def _audit_case(*, employer: Any) -> Any:
    """A 朝阳区 complaint (7.3) whose complainant is the secret person, opened so every action applies."""
    from shebao.operations.models import AuditCase, Source, State
    from tests import personas

    registrar = personas.make_staff("audit_chaoyang_dl", role="auditor", office_code="110105")
    return AuditCase.objects.create(
        source=Source.HOTLINE_12345, district=employer.district, employer=employer,
        complainant_name="欧阳秘密", complainant_phone="13812345678", summary="欧阳秘密投诉北京朝阳保密测试有限公司",
        state=State.OPENED, registered_on="2020-01-10", opened_on="2020-01-10", created_by=registrar)


def _hall_objects(*, employer: Any) -> tuple[Any, Any, Any]:
    """朝阳区's hall (the district center), an incident naming the secret person, an inspection with a finding."""
    from django.utils import timezone

    from shebao.operations.models import Finding, Incident, Inspection
    from tests import personas

    hall = employer.district
    leader = personas.make_staff("leader_chaoyang_dl", role="leader", office_code="110105")
    incident = Incident.objects.create(
        kind=Incident.Kind.STAFF, hall=hall, district=hall, occurred_at=timezone.now(), reported_at=timezone.now(),
        description="工作人员欧阳秘密发热", reported_by=leader)
    inspection = Inspection.objects.create(hall=hall, district=hall, day="2020-01-10", inspector=leader,
                                           checklist={"posters": False}, notes="欧阳秘密检查")
    Finding.objects.create(inspection=inspection, item="posters", finding="海报缺失")
    return hall, incident, inspection


def _declaration(*, employer: Any, person: Any) -> Any:
    """A 朝阳区 employer's staged monthly declaration whose one row names the secret person."""
    from shebao.collection.models import Declaration, DeclarationRow
    from shebao.core import clock

    d = Declaration.objects.create(employer=employer, month="2020-02", filename="欧阳秘密.csv", sha256="0" * 64,
                                   rows=1, staged_by_label="setup", staged_at=clock.now())
    DeclarationRow.objects.create(declaration=d, line_no=2, id_number=person.id_number, name=person.name,
                                  change="stay", base_fen=800000, person=person)
    return d


def _card_order(*, case: Any, person: Any) -> Any:
    """A 朝阳区 replacement card (5.1) of the secret person, not yet made, so every step applies."""
    from shebao.cards.models import CardOrder
    from shebao.core import clock

    return CardOrder.objects.create(
        case=case, person=person, office=case.office, reason="lost", recipient_name="欧阳秘密",
        recipient_phone="13812345678", postal_address="北京市朝阳区欧阳秘密家1号", certificate_code="SECRETCODE23",
        certificate_issued_on="2020-03-02", ordered_at=clock.now())


def _outreach(*, employer: Any) -> Any:
    """A 朝阳区 message whose title and body name the secret employer, still a draft."""
    from django.utils import timezone

    from shebao.operations.models import Outreach
    from tests import personas

    maker = personas.make_staff("outreach_chaoyang_dl", role="district_clerk", office_code="110105")
    return Outreach.objects.create(
        title=f"致{employer.name}", audience="district_employers", district=employer.district, channels=["sms"],
        purpose="service", subject="提示", body=f"{employer.name}：请网上办理", maker=maker, made_at=timezone.now())
