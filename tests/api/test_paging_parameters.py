"""An API list never ignores a paging parameter (review-input5 F8).

``GET /api/v1/persons/?page=13800138000`` answered the first page and copied ``page`` into ``next``:
a client asking for page 2 got page 1 without being told. Every list of the API is walked here: a
cursor-paged list honours ``page_size`` (1..200) and refuses anything else in it, refuses a page
number or an offset with problem details naming the cursor; a list answered whole refuses them all.
"""

from __future__ import annotations

import pytest

from shebao.api.pagination import MAX_PAGE_SIZE
from tests import personas
from tests.cases.conftest import client_for

PROBLEM = "application/problem+json"
PAGED = ["/api/v1/cases/", "/api/v1/persons/", "/api/v1/employers/", "/api/v1/benefits/retirees/",
         "/api/v1/benefits/payroll-runs/", "/api/v1/benefits/work-injury-awards/", "/api/v1/relief/deferrals/"]
WHOLE = ["/api/v1/cases/flags/", "/api/v1/cases/owed-documents/overdue/", "/api/v1/relief/packs/"]


def _refused(r, field: str) -> str:
    assert r.status_code == 400, (r.status_code, r.content[:300])
    assert r["Content-Type"] == PROBLEM
    body = r.json()
    entries = [e for e in body["errors"] if e["field"] == field]
    assert entries, body
    assert "next" not in body
    return entries[0]["reason_zh"]


@pytest.mark.django_db
@pytest.mark.parametrize("address", PAGED)
@pytest.mark.parametrize("name, value", [("page", "2"), ("page", "13800138000"), ("offset", "50"),
                                         ("limit", "10"), ("per_page", "20")])
def test_a_page_number_or_offset_is_refused_naming_the_cursor(municipal_admin, address, name, value):
    reason = _refused(client_for(municipal_admin).get(address, {name: value}), name)
    assert "游标" in reason and "next" in reason and name in reason
    assert "13800138000" not in reason


@pytest.mark.django_db
@pytest.mark.parametrize("address", PAGED)
@pytest.mark.parametrize("value", ["0", "-1", "abc", "13800138000", "２", "1.5", str(MAX_PAGE_SIZE + 1), ""])
def test_a_bad_page_size_is_refused_masked(municipal_admin, address, value):
    r = client_for(municipal_admin).get(address, {"page_size": value})
    if value == "":
        assert r.status_code == 200  # an empty field is no size asked for: the default
        return
    reason = _refused(r, "page_size")
    assert f"1至{MAX_PAGE_SIZE}" in reason
    assert "13800138000" not in reason  # a phone-like figure is echoed masked


@pytest.mark.django_db
@pytest.mark.parametrize("address", WHOLE)
@pytest.mark.parametrize("name", ["page", "page_size", "cursor", "offset"])
def test_a_list_answered_whole_refuses_a_page(municipal_admin, address, name):
    reason = _refused(client_for(municipal_admin).get(address, {name: "2"}), name)
    assert "不分页" in reason


@pytest.mark.django_db
def test_page_size_is_honoured_and_carried_into_next(municipal_admin):
    people = [personas.make_person(personas.numbered("分页", serial), serial=60 + serial) for serial in range(3)]
    c = client_for(municipal_admin)
    first = c.get("/api/v1/persons/", {"page_size": "2"})
    assert first.status_code == 200
    body = first.json()
    assert [row["id"] for row in body["results"]] == [p.pk for p in people[:2]]
    assert "page_size=2" in body["next"] and "page=" not in body["next"].replace("page_size=", "")
    second = c.get(body["next"])
    assert [row["id"] for row in second.json()["results"]] == [people[2].pk]


@pytest.mark.django_db
def test_the_document_offers_page_size_with_its_bounds():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    params = {p["name"]: p for p in schema["paths"]["/api/v1/persons/"]["get"]["parameters"]}
    assert "page_size" in params and "cursor" in params
    assert params["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
    assert "next" in params["page_size"]["description"]
