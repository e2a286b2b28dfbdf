"""Merging people registered twice through the API (issue 16, left open at stop 18): the pairs a
reviewer may merge (GET /api/v1/persons/registered-twice/), the merge (POST …/{id}/merge/) and its undo
(POST …/{id}/unmerge/), through the same services as the staff page (`registry.merge`); refusals as
problem details in Chinese with nothing changed; the OpenAPI document describes all three."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from shebao.core.models import AuditEvent
from shebao.registry.models import Contribution, EmploymentSpell, Person, PersonMerge
from tests import personas
from tests.collection.conftest import contribution
from tests.nothing_written import nothing_written
from tests.registry.test_person_merge import twice_of

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.fixture
def pair(employer_chaoyang):
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    contribution(twice, employer_chaoyang, "2019-02", 800_000)
    EmploymentSpell.objects.create(person=twice, employer=employer_chaoyang, from_month="2019-02")
    return holder, twice


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.content.decode()[:500]
    assert r["Content-Type"].startswith("application/problem+json")
    return r.json()


def test_a_reviewer_lists_the_pairs_masked_and_a_clerk_is_refused(reviewer_chaoyang, clerk_chaoyang, pair):
    holder, twice = pair
    r = api(reviewer_chaoyang).get("/api/v1/persons/registered-twice/")
    assert r.status_code == 200
    [row] = r.json()["results"]
    assert (row["listed"]["id"], row["twin"]["id"], row["keeps"], r.json()["more"]) == (
        twice.pk, holder.pk, [holder.pk], False)
    assert "证件号码相同" in row["basis"] and row["refused"] == ""
    assert holder.id_number not in r.content.decode() and row["twin"]["id_number"] == holder.id_number_masked
    body = _problem(api(clerk_chaoyang).get("/api/v1/persons/registered-twice/"), 403)
    assert "无权合并重复登记的参保人员" in body["detail"]


def test_a_merge_through_the_api_moves_the_rows_and_audits(reviewer_chaoyang, pair):
    holder, twice = pair
    r = api(reviewer_chaoyang).post(f"/api/v1/persons/{holder.pk}/merge/",
                                    {"other": twice.pk, "reason": "核实身份证原件，为同一人"}, format="json")
    assert r.status_code == 200, r.content.decode()
    assert r.json() == {"keep": holder.pk, "other": twice.pk,
                        "moved": {"registry.EmploymentSpell": 1, "registry.Contribution": 1}}
    twice.refresh_from_db()
    assert twice.merged_into == holder and Contribution.objects.get().person == holder
    assert PersonMerge.objects.get().other == twice
    assert AuditEvent.objects.filter(model="registry.Person", object_pk=str(holder.pk),
                                     changes__merged_from=[None, twice.pk]).exists()
    assert api(reviewer_chaoyang).get("/api/v1/persons/registered-twice/").json()["results"] == []


@pytest.mark.parametrize("body,status,field,says", [
    ({"other": "abc", "reason": "核实身份证原件"}, 400, "other", ""),
    ({"other": 2**70, "reason": "核实身份证原件"}, 400, "other", ""),
    ({"reason": "核实身份证原件"}, 400, "other", ""),
    # A reason too short, blank or too long is an input fault (400 at `reason`), not a conflict
    # (review-input9 F6: U+3000 five times or "错" answered 409).
    ({"other": "TWICE", "reason": ""}, 400, "reason", "请填写合并理由"),
    ({"other": "TWICE", "reason": "\u3000" * 5}, 400, "reason", "请填写合并理由"),
    ({"other": "TWICE", "reason": "错"}, 400, "reason", "至少4个字"),
    ({"other": "TWICE", "reason": "核" * 201}, 400, "reason", "不能超过200个字符"),
    ({"other": "HOLDER", "reason": "核实身份证原件"}, 409, "other", "同一人员"),
    # Unknown keys, a float or a bool for the id: refused by name, nothing merged (review-input9 F4).
    ({"other": "TWICE", "reason": "核实身份证原件", "keep": "HOLDER", "dry_run": True}, 400, "dry_run",
     "不认识的项目“dry_run”"),
    ({"other": "TWICE", "reason": "核实身份证原件", "x": 1}, 400, "x", "可填：other、reason"),
    ({"other": 2007.0, "reason": "核实身份证原件"}, 400, "other", "应为整数"),
    ({"other": True, "reason": "核实身份证原件"}, 400, "other", "应为整数"),
    ({"other": "ELSEWHERE", "reason": "核实身份证原件"}, 400, "other", "不在本人可见范围内"),
])
def test_a_refused_merge_is_a_chinese_problem_and_changes_nothing(reviewer_chaoyang, pair, body, status, field, says):
    holder, twice = pair
    elsewhere = personas.make_person("王五", district_code="110108", serial=9)
    ids = {"TWICE": twice.pk, "HOLDER": holder.pk, "ELSEWHERE": elsewhere.pk}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    with nothing_written():
        r = api(reviewer_chaoyang).post(f"/api/v1/persons/{holder.pk}/merge/", body, format="json")
    problem = _problem(r, status)
    assert field in {e["field"] for e in problem["errors"]}
    assert says in json.dumps(problem, ensure_ascii=False)
    assert all(any("\u4e00" <= c <= "\u9fff" for c in e["reason_zh"]) for e in problem["errors"])


def test_a_conflicting_merge_names_the_months_and_the_wrong_hands_are_refused(reviewer_chaoyang, clerk_chaoyang,
                                                                            employer_chaoyang, pair):
    holder, twice = pair
    contribution(holder, employer_chaoyang, "2019-02", 800_000)
    with nothing_written():
        problem = _problem(api(reviewer_chaoyang).post(f"/api/v1/persons/{holder.pk}/merge/",
                                                       {"other": twice.pk, "reason": "核实身份证原件"}, format="json"), 409)
    assert "2019-02" in problem["detail"] and "不能合并" in problem["detail"]
    with nothing_written():
        r = api(clerk_chaoyang).post(f"/api/v1/persons/{holder.pk}/merge/",
                                     {"other": twice.pk, "reason": "核实身份证原件"}, format="json")
    assert _problem(r, 403)["detail"]
    # Another district's reviewer does not find the record at all.
    reviewer_haidian = personas.make_staff("reviewer_hd", role=personas.Role.DISTRICT_REVIEWER, office_code="110108",
                                           display_name="海淀区复核员")
    with nothing_written():
        r = api(reviewer_haidian).post(f"/api/v1/persons/{holder.pk}/merge/",
                                       {"other": twice.pk, "reason": "核实身份证原件"}, format="json")
    assert r.status_code == 404


def test_a_merge_is_undone_through_the_api_and_an_unrecorded_one_is_refused_with_the_reason(reviewer_chaoyang,
                                                                                            pair):
    holder, twice = pair
    c = api(reviewer_chaoyang)
    c.post(f"/api/v1/persons/{holder.pk}/merge/", {"other": twice.pk, "reason": "核实身份证原件"}, format="json")
    r = c.post(f"/api/v1/persons/{twice.pk}/unmerge/", {"reason": "合并有误，撤销"}, format="json")
    assert r.status_code == 200, r.content.decode()
    assert r.json() == {"person": twice.pk, "kept": holder.pk,
                        "moved_back": {"registry.Contribution": 1, "registry.EmploymentSpell": 1}}
    twice.refresh_from_db()
    assert twice.merged_into is None and Contribution.objects.get().person == twice
    # Not merged any more: refused.
    assert "未被合并" in _problem(c.post(f"/api/v1/persons/{twice.pk}/unmerge/", {"reason": "再撤销一次"},
                                         format="json"), 409)["detail"]
    # An unknown key is refused by name (review-input9 F4: {"other": 5} was taken without a word).
    c.post(f"/api/v1/persons/{holder.pk}/merge/", {"other": twice.pk, "reason": "核实身份证原件"}, format="json")
    with nothing_written():
        problem = _problem(c.post(f"/api/v1/persons/{twice.pk}/unmerge/", {"reason": "合并有误，撤销", "other": 5},
                                  format="json"), 400)
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("other", "unknown_field")]
    # Called on the record kept: told that the undo is called on the merged record, named by id
    # (review-user9 F4: "未被合并，无需撤销" under field `other`).
    with nothing_written():
        problem = _problem(c.post(f"/api/v1/persons/{holder.pk}/unmerge/", {"reason": "合并有误，撤销"},
                                  format="json"), 409)
    assert f"人员#{holder.pk}是合并时保留的记录" in problem["detail"]
    assert f"撤销合并应对被合并的记录办理（人员#{twice.pk}）" in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["person"]
    # A reason too short is an input fault.
    with nothing_written():
        problem = _problem(c.post(f"/api/v1/persons/{twice.pk}/unmerge/", {"reason": "错"}, format="json"), 400)
    assert [e["field"] for e in problem["errors"]] == ["reason"]
    c.post(f"/api/v1/persons/{twice.pk}/unmerge/", {"reason": "合并有误，撤销"}, format="json")
    # A merge made before merges recorded their rows: refused, and told why.
    c.post(f"/api/v1/persons/{holder.pk}/merge/", {"other": twice.pk, "reason": "核实身份证原件"}, format="json")
    PersonMerge.objects.filter(undone_at__isnull=True).delete()
    with nothing_written():
        problem = _problem(c.post(f"/api/v1/persons/{twice.pk}/unmerge/", {"reason": "合并有误，撤销"},
                                  format="json"), 409)
    assert "不能自动撤销" in problem["detail"] and "审计记录" in problem["detail"]
    assert Person.objects.get(pk=twice.pk).merged_into_id == holder.pk


def test_the_openapi_document_describes_the_merge_operations(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    doc = json.loads(client.get("/api/schema/openapi/", {"format": "json"}).content)
    paths = doc["paths"]
    listing = paths["/api/v1/persons/registered-twice/"]["get"]
    merge_op = paths["/api/v1/persons/{id}/merge/"]["post"]
    unmerge_op = paths["/api/v1/persons/{id}/unmerge/"]["post"]
    assert listing["summary"] == "列出重复登记的参保人员" and merge_op["summary"] == "合并重复登记的参保人员"
    assert unmerge_op["summary"] == "撤销合并"
    for op in (merge_op, unmerge_op):
        assert {"200", "400", "403", "404", "409"} <= set(op["responses"])
        assert "application/problem+json" in op["responses"]["409"]["content"]
    schemas = doc["components"]["schemas"]
    ref = merge_op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schemas[ref]["properties"]) == {"other", "reason"} and set(schemas[ref]["required"]) == {
        "other", "reason"}
    listed = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schemas[listed]["properties"]) == {"results", "more"}
    moved = merge_op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schemas[moved]["properties"]) == {"keep", "other", "moved"}


def test_merging_a_record_already_merged_names_other(reviewer_chaoyang, pair):
    """review-input9 F6: a merged shell sent as `other` was named under `keep`."""
    holder, twice = pair
    c = api(reviewer_chaoyang)
    assert c.post(f"/api/v1/persons/{holder.pk}/merge/", {"other": twice.pk, "reason": "核实身份证原件"},
                  format="json").status_code == 200
    third = personas.make_person("王五", serial=8)
    with nothing_written():
        problem = _problem(c.post(f"/api/v1/persons/{third.pk}/merge/", {"other": twice.pk, "reason": "核实身份证原件"},
                                  format="json"), 409)
    assert [e["field"] for e in problem["errors"]] == ["other"]
    assert f"人员#{twice.pk}已于此前合并至人员#{holder.pk}" in problem["detail"]
