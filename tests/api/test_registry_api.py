"""The registry API: scoped, masked, problem details, and a recorded reveal."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from shebao.core.models import PersonalDataAccess
from tests.nothing_written import nothing_written


def client_for(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_the_api_needs_authentication_and_says_so_as_a_problem(db):
    r = APIClient().get("/api/v1/persons/")
    assert r.status_code in (401, 403)
    assert r["Content-Type"].startswith("application/problem+json")
    assert r.json()["title"] in ("请先登录", "无权进行此操作")


def test_a_clerk_lists_only_their_districts_people_masked(db, clerk_chaoyang, person_chaoyang, person_haidian):
    r = client_for(clerk_chaoyang).get("/api/v1/persons/")
    assert r.status_code == 200
    rows = r.json()["results"]
    assert [p["id"] for p in rows] == [person_chaoyang.pk]
    assert rows[0]["id_number"] == person_chaoyang.id_number_masked
    assert person_chaoyang.id_number not in r.content.decode()
    assert rows[0]["account_type"] == "general"


def test_another_districts_person_is_not_found(db, clerk_haidian, person_chaoyang):
    c = client_for(clerk_haidian)
    with nothing_written():
        refused = c.get(f"/api/v1/persons/{person_chaoyang.pk}/")
    assert refused.status_code == 404
    with nothing_written():
        r = c.post(f"/api/v1/persons/{person_chaoyang.pk}/reveal/", {"field": "id_number", "reason": "看看"})
    assert r.status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_reveal_returns_the_value_and_records_the_read(db, clerk_chaoyang, person_chaoyang):
    r = client_for(clerk_chaoyang).post(f"/api/v1/persons/{person_chaoyang.pk}/reveal/",
                                        {"field": "phone", "reason": "回访"}, format="json")
    assert r.status_code == 200 and r.json() == {"field": "phone", "value": "13812345678"}
    assert PersonalDataAccess.objects.get().reason == "回访"


def test_a_reveal_without_reason_is_a_problem_naming_the_field(db, clerk_chaoyang, person_chaoyang):
    with nothing_written():
        r = client_for(clerk_chaoyang).post(f"/api/v1/persons/{person_chaoyang.pk}/reveal/",
                                            {"field": "phone", "reason": ""}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == 400 and body["errors"][0]["field"] == "reason"
    assert "原因" in body["errors"][0]["reason_zh"]


def test_employers_are_searchable_by_credit_code_with_bank_accounts_masked(db, clerk_chaoyang):
    from tests.personas import make_employer

    e = make_employer(bank_account="6222021234567890123")
    r = client_for(clerk_chaoyang).get("/api/v1/employers/", {"q": e.credit_code})
    assert [row["id"] for row in r.json()["results"]] == [e.pk]
    assert r.json()["results"][0]["bank_account"] == "6222***********0123"


def test_the_openapi_document_is_served(db, clerk_chaoyang):
    r = client_for(clerk_chaoyang).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    assert "/api/v1/persons/" in r.content.decode()


@pytest.mark.parametrize("body", [[None, None], ["phone"], 12, "phone", {"field": ["phone"], "reason": "回访"}])
def test_a_reveal_whose_body_is_not_an_object_of_texts_is_a_400_problem(db, clerk_chaoyang, person_chaoyang, body):
    # Found by the schemathesis run: a JSON array body answered 500 ('list' object has no attribute 'get').
    with nothing_written():
        r = client_for(clerk_chaoyang).post(f"/api/v1/persons/{person_chaoyang.pk}/reveal/", body, format="json")
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")


# Issue 16 §4: a search by personal number is posted, never put in an address (access logs keep it).

def test_the_number_search_is_a_post_and_finds_by_full_number_last_four_and_start(
        db, clerk_chaoyang, person_chaoyang, person_haidian):
    c = client_for(clerk_chaoyang)
    for q in (person_chaoyang.id_number, person_chaoyang.id_number[-4:], person_chaoyang.id_number[:10]):
        r = c.post("/api/v1/persons/search/", {"q": q}, format="json")
        assert r.status_code == 200, r.content
        assert [p["id"] for p in r.json()["results"]] == [person_chaoyang.pk]
        assert r.json()["more"] is False
        assert person_chaoyang.id_number not in r.content.decode()  # masked in the answer
    # Another district's person is not found by number either.
    r = c.post("/api/v1/persons/search/", {"q": person_haidian.id_number}, format="json")
    assert r.status_code == 200 and r.json()["results"] == []


@pytest.mark.parametrize("q", ["6113", "110105", "张3"])
def test_a_number_in_the_get_search_is_refused_with_a_chinese_problem(db, clerk_chaoyang, person_chaoyang, q):
    r = client_for(clerk_chaoyang).get("/api/v1/persons/", {"q": q})
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["errors"][0]["field"] == "q" and "POST /api/v1/persons/search/" in body["errors"][0]["reason_zh"]


def test_a_name_search_by_get_still_works(db, clerk_chaoyang, person_chaoyang):
    r = client_for(clerk_chaoyang).get("/api/v1/persons/", {"q": person_chaoyang.name})
    assert r.status_code == 200 and [p["id"] for p in r.json()["results"]] == [person_chaoyang.pk]


@pytest.mark.parametrize("path,param", [
    ("/api/v1/persons/", "q"), ("/api/v1/employers/", "q"), ("/api/v1/cases/", "business"),
    ("/persons/", "q"), ("/employers/", "q"), ("/office/cards/", "q"), ("/office/front-desk/", "id_number"),
])
@pytest.mark.parametrize("number", ["11010519491231002X", "138 1234 5678", "6222020200112233445", "１３８１２３４５６７８"])
def test_any_address_holding_an_id_phone_or_account_number_is_refused(
        db, client, clerk_chaoyang, person_chaoyang, path, param, number):
    """The class, not one endpoint: every page and API list refuses a personal number in its query
    string with 400 (problem details for the API, the Chinese 400 page for pages), never echoing it."""
    client.force_login(clerk_chaoyang)
    r = client.get(path, {param: number})
    assert r.status_code == 400, (path, r.status_code)
    text = r.content.decode()
    assert "号码不得出现在网址中" in text and number not in text
    if path.startswith("/api/"):
        assert r["Content-Type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["code"] == "personal_number_in_url"


def test_an_employers_credit_code_may_still_be_searched_by_get(db, clerk_chaoyang, employer_chaoyang):
    r = client_for(clerk_chaoyang).get("/api/v1/employers/", {"q": employer_chaoyang.credit_code})
    assert r.status_code == 200 and [e["id"] for e in r.json()["results"]] == [employer_chaoyang.pk]


def test_the_openapi_document_describes_the_post_search_and_the_get_limit(db, clerk_chaoyang):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    search = schema["paths"]["/api/v1/persons/search/"]["post"]
    assert "q" in str(search["requestBody"]) and "请求体" in search["description"]
    listing = schema["paths"]["/api/v1/persons/"]["get"]
    q = next(p for p in listing["parameters"] if p["name"] == "q")
    assert "POST /api/v1/persons/search/" in q["description"]
