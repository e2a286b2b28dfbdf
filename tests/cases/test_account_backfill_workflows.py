"""Account backfill (4.2): postponed until joint review resumes; near retirement by post."""

from __future__ import annotations

from shebao.cases.models import Case, EpidemicLift, Mailing
from shebao.core.models import Announcement
from tests.cases.conftest import act, submit, upload
from tests.nothing_written import nothing_written


def _backfill(client, employer, person):
    return submit(client, business="account_backfill", channel="post", employer=employer.pk, person=person.pk,
                  applicant_kind="employer", applied_on="2020-02-20").json()


def test_a_postponed_backfill_waits_for_the_lift_then_continues_as_regular(
        cy, rv, city, employer_chaoyang, backfill_person_far):
    case = _backfill(cy, employer_chaoyang, backfill_person_far)
    assert (case["mode"], case["clauses"], case["workflow"]) == ("postponed", ["4.2"], "postponed")
    assert act(cy, case["id"], "accept").json()["status"] == "postponed"
    with nothing_written():
        early = act(city, case["id"], "resume")
    assert early.status_code == 422 and "联审" in early.json()["errors"][0]["reason_zh"]

    preview = city.get("/api/v1/cases/epidemic-lift/preview/?lifted_on=2020-04-30").json()
    assert preview["postponed_resumed"] == 1 and not preview["already_applied"]
    assert preview["examples"]["postponed_resumed"] == [case["id"]]
    assert preview["by_district"]["110105"]["postponed_resumed"] == 1 and "110108" not in preview["by_district"]
    assert Case.objects.get(pk=case["id"]).status == "postponed"  # a preview changes nothing
    assert not Announcement.objects.exists()

    assert city.post("/api/v1/cases/epidemic-lift/", {"lifted_on": "2020-04-30"}, format="json").status_code == 200
    resumed = cy.get(f"/api/v1/cases/{case['id']}/").json()
    assert resumed["status"] == "in_review" and resumed["resumed_on"] == "2020-04-30"
    assert resumed["transitions"][-1]["action"] == "resume" and resumed["transitions"][-1]["actor"] == "系统作业：疫情解除后恢复联审"

    # Applying again is a no-op: one announcement, one run, one resume.
    assert city.post("/api/v1/cases/epidemic-lift/", {"lifted_on": "2020-04-30"}, format="json").status_code == 200
    assert Announcement.objects.count() == 1 and EpidemicLift.objects.count() == 1
    assert [t["action"] for t in cy.get(f"/api/v1/cases/{case['id']}/").json()["transitions"]].count("resume") == 1
    assert city.get("/api/v1/cases/epidemic-lift/preview/?lifted_on=2020-04-30").json()["already_applied"]

    with nothing_written():
        refused = act(rv, case["id"], "approve")
    assert refused.status_code == 422  # regular: documents first
    for o in resumed["owed_documents"]:
        cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload(), "owed_document": o["id"]},
                format="multipart")
    assert act(rv, case["id"], "approve").json()["status"] == "completed"


def test_only_the_municipal_center_lifts_the_epidemic(cy, clerk_chaoyang):
    with nothing_written():
        refused = cy.post("/api/v1/cases/epidemic-lift/", {"lifted_on": "2020-04-30"}, format="json")
    assert refused.status_code == 403
    with nothing_written():
        refused = cy.get("/api/v1/cases/epidemic-lift/preview/?lifted_on=2020-04-30")
    assert refused.status_code == 403


def test_a_near_retirement_backfill_tracks_each_mailing_and_the_originals(
        cy, rv, city, employer_chaoyang, backfill_person_near, clerk_chaoyang):
    case = _backfill(cy, employer_chaoyang, backfill_person_near)
    assert case["workflow"] == "near_retirement"
    assert case["requires"] == ["commitment_letter", "copies_by_post", "documents_later"]
    cy.post(f"/api/v1/cases/{case['id']}/commitment-letter/", {"text": "承诺复印件与原件一致，原件疫情后补交。",
                                                              "signer": "单位经办人 孙七"}, format="json")
    c = act(cy, case["id"], "accept").json()
    assert c["status"] == "awaiting_copies"
    assert [o["kind"] for o in c["owed_documents"]] == ["original"]

    assert act(cy, case["id"], "district_receive", tracking_number="EMS1001").json()["status"] == "district_received"
    with nothing_written():
        refused = act(cy, case["id"], "district_review")
    assert refused.status_code == 403  # the reviewer reviews
    assert act(rv, case["id"], "district_review").json()["status"] == "district_reviewed"
    with nothing_written():
        refused = act(cy, case["id"], "mail_to_center")
    assert refused.status_code == 422  # needs a tracking number
    assert act(cy, case["id"], "mail_to_center", tracking_number="EMS2002").json()["status"] == "mailed_to_center"
    with nothing_written():
        refused = act(cy, case["id"], "center_receive")
    assert refused.status_code == 403  # the center receives
    assert act(city, case["id"], "center_receive").json()["status"] == "center_received"
    # The center approves: a district reviewer is told so before the version is asked (review-input13 F4:
    # without a version 428, with a stale one 409, and only with the current one 403), and before the body
    # is judged (F11: an unknown key was told 400).
    for version in (None, 0, Case.objects.get(pk=case["id"]).version):
        for extra in ({}, {"colour": "red"}):
            with nothing_written():
                refused = act(rv, case["id"], "approve", version=version, **extra)
            assert refused.status_code == 403 and "无权" in refused.json()["detail"], (version, refused.content)
    approved = act(city, case["id"], "approve").json()
    assert approved["status"] == "originals_owed"
    legs = {m["leg"]: m for m in approved["mailings"]}
    assert legs["employer_to_district"]["tracking_number"] == "EMS1001" and legs["employer_to_district"]["received_at"]
    assert legs["district_to_center"]["tracking_number"] == "EMS2002" and legs["district_to_center"]["received_at"]
    assert Mailing.objects.filter(case_id=case["id"], received_by__isnull=False).count() == 2

    with nothing_written():
        refused = act(rv, case["id"], "complete")
    assert refused.status_code == 422  # the originals are still owed
    (orig,) = approved["owed_documents"]
    cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload(), "owed_document": orig["id"],
                                                       "source": "post"}, format="multipart")
    rv.post(f"/api/v1/cases/{case['id']}/owed-documents/{orig['id']}/review/", {"accepted": True}, format="json")
    assert act(rv, case["id"], "complete").json()["status"] == "completed"
