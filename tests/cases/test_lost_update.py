"""A change to a versioned record through the API carries the version its client read (review-input12
F13, a lost update): a transition, a correction of the content and a flag's step without it are refused
(428, nothing written); with a version no longer current they are refused naming the current one (409);
the case's answers carry its version as the ETag, which If-Match sends back. The OpenAPI document says so.
"""

from __future__ import annotations

import pytest

from shebao.cases.models import Case, CaseTransition, Flag
from shebao.cases.services import flag_raise
from tests.cases.conftest import act, submit, valid_details
from tests.nothing_written import nothing_written

pytestmark = pytest.mark.django_db


def _case(cy, employer):
    return submit(cy, business="monthly_report_back_payment", channel="counter", employer=employer.pk,
                  applied_on="2020-02-10").json()


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.content
    assert r["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body
    return body


def test_a_transition_without_the_version_read_is_refused_and_nothing_moves(cy, employer_chaoyang):
    case = _case(cy, employer_chaoyang)
    steps = CaseTransition.objects.filter(case_id=case["id"]).count()
    with nothing_written():
        r = act(cy, case["id"], "accept", outcome="甲办理", version=None)
    body = _problem(r, 428)
    assert "版本号" in body["detail"] and "If-Match" in body["detail"] and body["errors"][0]["field"] == "version"
    stored = Case.objects.get(pk=case["id"])
    assert (stored.status, stored.version, stored.outcome) == (case["status"], case["version"], "")
    assert CaseTransition.objects.filter(case_id=case["id"]).count() == steps


def test_the_etag_read_goes_back_as_if_match_and_a_stale_one_is_told_the_current_version(cy, employer_chaoyang):
    case = _case(cy, employer_chaoyang)
    read = cy.get(f"/api/v1/cases/{case['id']}/")
    assert read["ETag"] == f'"{case["version"]}"'
    # Someone else moves the case meanwhile (a correction bumps the version; the case stays open).
    content = valid_details("monthly_report_back_payment", employer=employer_chaoyang, applied_on="2020-02-10")
    other = cy.patch(f"/api/v1/cases/{case['id']}/details/", {"details": content, "reason": "补报明细"},
                     format="json", HTTP_IF_MATCH=read["ETag"])
    assert other.status_code == 200 and other["ETag"] == f'"{case["version"] + 1}"'
    with nothing_written():
        r = cy.post(f"/api/v1/cases/{case['id']}/transitions/", {"action": "accept", "outcome": "甲办理"},
                    format="json", HTTP_IF_MATCH=read["ETag"])
    body = _problem(r, 409)
    assert f"当前版本{case['version'] + 1}" in body["detail"] and f"版本{case['version']}" in body["detail"]
    assert Case.objects.get(pk=case["id"]).outcome == ""
    # A weak tag never matches under If-Match (RFC 9110 13.1.1; review-input13 F10), nor a broken quote.
    for odd in (f'W/{other["ETag"]}', other["ETag"][:-1], f'"{other["ETag"]}"', f'"0{case["version"] + 1}"'):
        with nothing_written():
            r = cy.post(f"/api/v1/cases/{case['id']}/transitions/", {"action": "accept", "outcome": "甲办理"},
                        format="json", HTTP_IF_MATCH=odd)
        assert _problem(r, 400)["errors"][0]["field"] == "If-Match", odd
    # The version read now moves it, once.
    ok = cy.post(f"/api/v1/cases/{case['id']}/transitions/", {"action": "accept", "outcome": "甲办理"},
                 format="json", HTTP_IF_MATCH=other["ETag"])
    assert ok.status_code == 200 and ok.json()["outcome"] == "甲办理" and ok["ETag"] == f'"{case["version"] + 2}"'


@pytest.mark.parametrize("if_match", ["*", "abc", '"3", "4"'])
def test_an_if_match_that_is_not_a_version_is_refused(cy, employer_chaoyang, if_match):
    case = _case(cy, employer_chaoyang)
    with nothing_written():
        r = cy.post(f"/api/v1/cases/{case['id']}/transitions/", {"action": "accept", "outcome": "甲"},
                    format="json", HTTP_IF_MATCH=if_match)
    body = _problem(r, 400)
    assert body["errors"][0]["field"] == "If-Match" and "版本号" in body["detail"]


def test_a_version_and_an_if_match_that_differ_are_refused(cy, employer_chaoyang):
    case = _case(cy, employer_chaoyang)
    with nothing_written():
        r = cy.post(f"/api/v1/cases/{case['id']}/transitions/",
                    {"action": "accept", "outcome": "甲", "version": case["version"]},
                    format="json", HTTP_IF_MATCH=f'"{case["version"] + 1}"')
    assert _problem(r, 400)["errors"][0]["field"] == "version"


def test_a_correction_and_a_flags_step_need_the_version_too(cy, employer_chaoyang, clerk_chaoyang):
    case = _case(cy, employer_chaoyang)
    content = valid_details("monthly_report_back_payment", employer=employer_chaoyang, applied_on="2020-02-10")
    with nothing_written():
        r = cy.patch(f"/api/v1/cases/{case['id']}/details/", {"details": content, "reason": "补报"}, format="json")
    assert "申请版本号" in _problem(r, 428)["detail"]
    flag = flag_raise(actor=clerk_chaoyang, case=Case.objects.get(pk=case["id"]), kind="manual_operation",
                      description="手工记账")
    with nothing_written():
        r = cy.post(f"/api/v1/cases/flags/{flag.pk}/steps/", {"step": "review", "outcome": "已复核"}, format="json")
    assert "标记版本号" in _problem(r, 428)["detail"]
    with nothing_written():
        r = cy.post(f"/api/v1/cases/flags/{flag.pk}/steps/", {"step": "review", "outcome": "已复核",
                                                               "version": flag.version + 3}, format="json")
    assert f"当前版本{flag.version}" in _problem(r, 409)["detail"]
    assert Flag.objects.get(pk=flag.pk).version == flag.version


def test_the_openapi_document_says_which_changes_need_the_version(client, clerk_chaoyang):
    import json

    client.force_login(clerk_chaoyang)
    r = client.get("/api/schema/openapi/", {"format": "json"})
    assert r.status_code == 200
    doc = json.loads(r.content)
    paths = doc["paths"]
    for path, method in (("/api/v1/cases/{id}/transitions/", "post"), ("/api/v1/cases/{id}/details/", "patch"),
                         ("/api/v1/cases/flags/{id}/steps/", "post")):
        op = paths[path][method]
        assert "428" in op["responses"] and "409" in op["responses"], path
        assert any(p["name"] == "If-Match" for p in op.get("parameters", [])), path
    assert "428" not in paths["/api/v1/cases/{id}/commitment-letter/"]["post"]["responses"]
    assert "428" in doc["info"]["description"]


def test_who_may_not_make_the_step_is_told_so_before_the_version_is_asked(cy, employer_chaoyang):
    case = _case(cy, employer_chaoyang)
    with nothing_written():
        r = act(cy, case["id"], "complete", version=None)  # a clerk: 办结 is the reviewers'
    assert "区经办人员无权办结" in _problem(r, 403)["detail"]
