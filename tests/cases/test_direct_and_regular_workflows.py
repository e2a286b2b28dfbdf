"""Direct handling (1.1) and regular handling, end to end through the API."""

from __future__ import annotations

from shebao.cases.models import Case, CaseTransition, OutboxMessage
from shebao.core.models import AuditEvent
from tests.cases.conftest import act, example, submit, upload
from tests.nothing_written import nothing_written


def test_a_monthly_report_back_payment_is_completed_on_acceptance(cy, employer_chaoyang, clerk_chaoyang):
    ex = example("p01")
    r = submit(cy, business=ex["business"], channel="online", employer=employer_chaoyang.pk,
               applied_on=ex["applied_on"], contact_email="hr@example.com")
    assert r.status_code == 201, r.json()
    case = r.json()
    assert (case["mode"], case["clauses"], case["workflow"], case["status"]) == ("direct", ["1.1a"], "direct",
                                                                                  "submitted")
    assert case["office"]["code"] == "110105" and case["pack_version"]
    assert "1.1a" in case["explanation_zh"]

    with nothing_written():
        refused = act(cy, case["id"], "accept")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "outcome"

    done = act(cy, case["id"], "accept", outcome="已按月报补缴入账，票据号20200210-01")
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "completed" and body["outcome"].startswith("已按月报补缴")
    assert [t["action"] for t in body["transitions"]] == ["submit", "accept"]
    assert body["transitions"][1]["actor"] == clerk_chaoyang.username
    assert body["transitions"][1]["from"] == "submitted" and body["transitions"][1]["to"] == "completed"
    assert list(OutboxMessage.objects.filter(case_id=case["id"]).values_list("event", flat=True)) == [
        "submitted", "accept"]
    assert AuditEvent.objects.filter(model="cases.Case", object_pk=str(case["id"])).count() == 2


def test_a_completed_case_refuses_another_step_in_chinese(cy, employer_chaoyang):
    case = submit(cy, business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk,
                  applied_on="2020-02-10").json()
    act(cy, case["id"], "accept", outcome="入账")
    with nothing_written():
        again = act(cy, case["id"], "accept", outcome="入账")
    assert again.status_code == 409
    assert again["Content-Type"].startswith("application/problem+json")
    assert "已办结" in again.json()["errors"][0]["reason_zh"]
    assert CaseTransition.objects.filter(case_id=case["id"]).count() == 2


def test_a_regular_change_needs_its_documents_and_a_reason_to_reject(cy, rv, person_chaoyang):
    ex = example("p12")
    case = submit(cy, business=ex["business"], channel="online", person=person_chaoyang.pk,
                  applied_on=ex["applied_on"], facts={"fields": ex["fields"]}).json()
    assert (case["mode"], case["workflow"]) == ("regular", "regular")
    accepted = act(cy, case["id"], "accept").json()
    assert accepted["status"] == "in_review"
    owed = accepted["owed_documents"]
    assert owed and all(o["kind"] == "required" and o["state"] == "owed" for o in owed)

    with nothing_written():
        refused = act(rv, case["id"], "approve")
    assert refused.status_code == 422
    for o in owed:
        r = cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload(), "owed_document": o["id"]},
                    format="multipart")
        assert r.status_code == 201, r.json()
    approved = act(rv, case["id"], "approve")
    assert approved.status_code == 200 and approved.json()["status"] == "completed"


def test_a_rejection_needs_a_reason_and_tells_the_applicant(cy, person_chaoyang):
    case = submit(cy, business="person_change", channel="online", person=person_chaoyang.pk,
                  applied_on="2020-03-02", facts={"fields": ["phone", "ethnicity"]}).json()
    with nothing_written():
        no_reason = act(cy, case["id"], "reject")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    rejected = act(cy, case["id"], "reject", reason="民族变更须本人持户口簿到窗口办理")
    assert rejected.json()["status"] == "rejected"
    msg = OutboxMessage.objects.filter(case_id=case["id"], event="reject").get()
    assert msg.channel == "sms" and "民族变更须本人" in msg.body
    assert Case.objects.get(pk=case["id"]).rejection_reason.startswith("民族变更")


def test_a_leader_reads_but_cannot_act(cy, leader, employer_chaoyang):
    from tests.cases.conftest import client_for

    case = submit(cy, business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk,
                  applied_on="2020-02-10").json()
    lc = client_for(leader)
    assert lc.get(f"/api/v1/cases/{case['id']}/").status_code == 200
    with nothing_written():
        r = act(lc, case["id"], "accept", outcome="x")
    assert r.status_code == 403 and "无权" in r.json()["errors"][0]["reason_zh"]
    with nothing_written():
        refused = submit(lc, business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk
                      )
    assert refused.status_code == 403


def test_the_hand_written_case_summary_matches_the_declared_serializer(cy, rv, clerk_chaoyang, employer_chaoyang,
                                                                       person_chaoyang):
    """CaseSerializer writes its output by hand for speed; it must say exactly what the generic
    ModelSerializer would say from the declared fields (which also give the OpenAPI schema)."""
    from rest_framework import serializers
    from rest_framework.test import APIRequestFactory

    from shebao.api.cases import CaseDetailSerializer, CaseSerializer

    direct = submit(cy, business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk,
                    applied_on="2020-02-10", contact_phone="13800138000").json()
    submit(cy, key="summary-key", business="monthly_report_back_payment", channel="online",
           employer=employer_chaoyang.pk, applied_on="2020-02-10", facts={"declared_by": "employer"})
    act(cy, direct["id"], "accept", outcome="入账")
    ex = example("p12")
    regular = submit(cy, business=ex["business"], channel="counter", person=person_chaoyang.pk,
                     applied_on=ex["applied_on"], facts={"fields": ex["fields"]}).json()
    act(cy, regular["id"], "accept")
    request = APIRequestFactory().get("/")
    request.user = clerk_chaoyang
    from shebao.cases.services import _existing

    replayed = _existing(clerk_chaoyang, "summary-key", "")
    for case in [*Case.objects.filter(pk__in=[direct["id"], regular["id"]]), replayed]:
        for cls in (CaseSerializer, CaseDetailSerializer):
            ser = cls(case, context={"request": request})
            fast = ser.to_representation(case)
            generic = serializers.ModelSerializer.to_representation(ser, case)
            assert fast == dict(generic)
            assert list(fast) == list(cls.Meta.fields)
    assert Case.objects.get(pk=direct["id"]).completed_at is not None
    assert Case.objects.get(pk=regular["id"]).assignee_id == clerk_chaoyang.pk
