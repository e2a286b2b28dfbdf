"""Deferred documents (1.3, 2.3) and remote documents (1.4, 2.2), end to end through the API."""

from __future__ import annotations

import datetime as dt

from shebao.cases.models import Flag
from tests.cases.conftest import JPEG, act, client_for, example, submit, upload
from tests.nothing_written import nothing_written


def test_a_deferred_case_cannot_complete_while_documents_are_owed(cy, rv, city, person_chaoyang):
    ex = example("p11")
    case = submit(cy, business=ex["business"], channel="email", person=person_chaoyang.pk,
                  applied_on=ex["applied_on"], facts={"fields": ex["fields"]}).json()
    assert (case["mode"], case["clauses"]) == ("deferred_documents", ["1.3a"])
    accepted = act(cy, case["id"], "accept", documents_owed=["变更申请表", "户口簿复印件"]).json()
    assert accepted["status"] == "documents_outstanding"
    owed = {o["name"]: o for o in accepted["owed_documents"]}
    assert set(owed) == {"变更申请表", "户口簿复印件"}
    assert all(o["due_on"] is None for o in owed.values())  # the epidemic is not lifted yet

    with nothing_written():
        refused = act(rv, case["id"], "complete")
    assert refused.status_code == 422
    assert "变更申请表" in refused.json()["errors"][0]["reason_zh"]

    # One by upload, one by a data-exchange record (2.3); each then reviewed.
    r = cy.post(f"/api/v1/cases/{case['id']}/documents/",
                {"file": upload("form.jpg", JPEG), "owed_document": owed["变更申请表"]["id"]}, format="multipart")
    assert r.status_code == 201
    r = cy.post(f"/api/v1/cases/{case['id']}/owed-documents/{owed['户口簿复印件']['id']}/exchange/",
                {"source": "市公安局人口信息共享", "reference": "GA-2020-0001"}, format="json")
    assert r.status_code == 200
    with nothing_written():
        refused = act(rv, case["id"], "complete")
    assert refused.status_code == 422  # received is not yet reviewed

    for o in owed.values():
        r = rv.post(f"/api/v1/cases/{case['id']}/owed-documents/{o['id']}/review/", {"accepted": True},
                    format="json")
        assert r.status_code == 200
    done = act(rv, case["id"], "complete").json()
    assert done["status"] == "completed"
    assert {o["state"] for o in done["owed_documents"]} == {"accepted"}


def test_the_lift_dates_owed_lists_and_overdue_ones_surface(cy, city, person_chaoyang):
    case = submit(cy, business="person_change", channel="online", person=person_chaoyang.pk,
                  applied_on="2020-03-02", facts={"fields": ["address"]}).json()
    owed = act(cy, case["id"], "accept").json()["owed_documents"]
    preview = city.get("/api/v1/cases/epidemic-lift/preview/?lifted_on=2020-04-30").json()
    assert (preview["owed_lists_dated"], preview["owed_documents_dated"]) == (1, len(owed)) and owed
    assert preview["examples"]["owed_lists_dated"] == [case["id"]] and preview["documents_due_on"] == "2020-07-30"
    assert preview["by_district"] == {"110105": {"name": "朝阳区社会保险基金管理中心", "owed_lists_dated": 1,
                                                         "postponed_resumed": 0, "flags_queued": 0}}
    r = city.post("/api/v1/cases/epidemic-lift/", {"lifted_on": "2020-04-30"}, format="json")
    assert r.status_code == 200, r.json()
    detail = cy.get(f"/api/v1/cases/{case['id']}/").json()
    assert detail["documents_due_on"] == "2020-07-30"  # lifted + 3 months, Civil Code way
    assert {o["due_on"] for o in detail["owed_documents"]} == {"2020-07-30"}
    assert cy.get("/api/v1/cases/owed-documents/overdue/?on=2020-07-30").json() == []
    overdue = cy.get("/api/v1/cases/owed-documents/overdue/?on=2020-07-31").json()
    assert {o["case"] for o in overdue} == {case["id"]}


def test_remote_documents_are_handled_first_then_reviewed_after_the_lift(
        cy, rv, city, employer_chaoyang, municipal_admin):
    ex = example("p13")
    case = submit(cy, business=ex["business"], channel="fax", employer=employer_chaoyang.pk,
                  applied_on=ex["applied_on"], facts={"person": ex["person"]}).json()
    assert (case["mode"], case["clauses"]) == ("remote_documents", ["1.4"])

    with nothing_written():
        refused = act(cy, case["id"], "accept", outcome="已登记")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "documents"
    r = cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload(), "source": "fax", "name": "护照复印件"},
                format="multipart")
    assert r.status_code == 201
    done = act(cy, case["id"], "accept", outcome="已依传真材料办理参保登记").json()
    assert done["status"] == "completed" and done["remote_review_required"] and done["flagged"]
    (flag,) = done["flags"]
    assert flag["kind"] == "remote_documents" and flag["stage"] == "flagged"

    # 7.4: the review queue opens only when the epidemic is lifted.
    with nothing_written():
        early = rv.post(f"/api/v1/cases/flags/{flag['id']}/steps/", {"step": "review", "outcome": "原件一致",
                                                                     "version": flag["version"]}, format="json")
    assert early.status_code == 409 and "疫情解除" in early.json()["errors"][0]["reason_zh"]
    city.post("/api/v1/cases/epidemic-lift/", {"lifted_on": "2020-04-30"}, format="json")
    queue = cy.get("/api/v1/cases/flags/?stage=queued").json()
    assert [f["id"] for f in queue] == [flag["id"]]
    for step, outcome, client in (("review", "原件与传真件一致", rv), ("settle", "无需更正", rv),
                                  ("audit", "内审通过", None)):
        if client is None:
            with nothing_written():
                refused = cy.post(f"/api/v1/cases/flags/{flag['id']}/steps/", {
                    "step": step, "outcome": outcome, "version": Flag.objects.get(pk=flag["id"]).version},
                    format="json")
            assert refused.status_code == 403
            client = client_for(municipal_admin)
        r = client.post(f"/api/v1/cases/flags/{flag['id']}/steps/", {
            "step": step, "outcome": outcome, "version": Flag.objects.get(pk=flag["id"]).version}, format="json")
        assert r.status_code == 200, r.json()
    f = Flag.objects.get(pk=flag["id"])
    assert (f.stage, f.review_outcome, f.settle_outcome, f.audit_outcome) == (
        "audited", "原件与传真件一致", "无需更正", "内审通过")


def test_an_operation_done_by_hand_is_flagged(cy, employer_chaoyang):
    case = submit(cy, business="monthly_report_back_payment", channel="counter", employer=employer_chaoyang.pk,
                  applied_on=str(dt.date(2020, 2, 10)), manual_operation="系统故障期间手工开具补缴票据").json()
    assert case["flagged"]
    r = cy.post(f"/api/v1/cases/{case['id']}/flags/", {"kind": "outside_system", "description": "线下收取现金"},
                format="json")
    assert r.status_code == 201
    assert Flag.objects.filter(case_id=case["id"]).count() == 2
