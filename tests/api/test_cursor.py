"""Cursors and filters of every API list (F13, and bad-input review D5 before it).

Every list is found in the OpenAPI document, so a new list is covered without being named here:
- a cursor-paged list (it offers ``cursor``) takes only the cursors it handed out: a hand-made cursor
  (even at a real position), a changed one, one of another list, or garbage is 400 problem details
  keyed ``cursor``, "分页游标无效" in Chinese (it was 404, or honoured), and nothing is written;
- a filter with a fixed set of values (an ``enum`` in the document) refuses any other value with 400
  naming the allowed values (an unknown ``status`` answered an empty list).
"""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from drf_spectacular.generators import SchemaGenerator

from shebao.cases.models import Case
from tests import personas
from tests.cases.conftest import client_for

PROBLEM = "application/problem+json"


SCHEMA = SchemaGenerator().get_schema(request=None, public=True)


def _operations() -> list[tuple[str, dict]]:
    return [(path, ops["get"]) for path, ops in sorted(SCHEMA["paths"].items())
            if path.startswith("/api/v1/") and "get" in ops]


def _answers_a_page(operation: dict) -> bool:
    ref = (operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
           .get("schema", {}).get("$ref", ""))
    component = SCHEMA["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else {}
    return {"next", "results"} <= set(component.get("properties", {}))


OPERATIONS = _operations()
PAGED = [path for path, op in OPERATIONS if any(p["name"] == "cursor" for p in op.get("parameters", []))]
ENUMS = [(path, p["name"], p["schema"]["enum"]) for path, op in OPERATIONS for p in op.get("parameters", [])
         if p.get("in") == "query" and "enum" in p.get("schema", {})]


def test_the_lists_are_found():
    """The walk below sees the lists F13 was found on (and so any new one)."""
    assert {"/api/v1/cases/", "/api/v1/persons/", "/api/v1/employers/", "/api/v1/benefits/retirees/",
            "/api/v1/relief/deferrals/"} <= set(PAGED)
    # Every list that answers a cursor page offers its cursor and page size in the document.
    for path, operation in OPERATIONS:
        if _answers_a_page(operation):
            names = {p["name"] for p in operation.get("parameters", [])}
            assert {"cursor", "page_size"} <= names, path
    assert {("/api/v1/cases/", "status"), ("/api/v1/cases/", "mode"), ("/api/v1/cases/", "business"),
            ("/api/v1/cases/flags/", "stage"), ("/api/v1/benefits/retirees/", "status"),
            ("/api/v1/relief/deferrals/", "status")} <= {(path, name) for path, name, _ in ENUMS}


def _address(path: str, employer) -> str:
    """The list's address, its path parameters filled with an object of the kind the segment before
    names (the employer given; a retiree made here). A new kind of nested list needs a line here."""
    def filled(match: re.Match) -> str:
        segment = match.group(1)
        if segment == "employers":
            return f"{segment}/{employer.pk}"
        if segment == "retirees":
            import datetime as dt

            from tests.benefits.conftest import declare

            retiree = declare("翻页退休", birth=dt.date(1959, 10, 15), serial=31, declared_on=dt.date(2019, 10, 1))
            return f"{segment}/{retiree.pk}"
        raise AssertionError(f"give {path} an object for its {segment}")

    return re.sub(r"(\w+)/\{\w+\}", filled, path)


def _refused(r, field: str) -> str:
    assert r.status_code == 400, (r.status_code, r.content[:300])
    assert r["Content-Type"] == PROBLEM
    entries = [e for e in r.json()["errors"] if e["field"] == field]
    assert entries, r.json()
    return entries[0]["reason_zh"]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGED)
@pytest.mark.parametrize("cursor", ["p=abc", "p=1e5", "p=99999999999999999999999", "p=%00", "p=--1", "r=1&p=x",
                                    "p=1", "o=5", "", "not base64!"])
def test_a_cursor_not_handed_out_is_400_in_chinese(municipal_admin, employer_chaoyang, path, cursor):
    before = Case.objects.count()
    value = _b64(cursor) if "=" in cursor else cursor
    r = client_for(municipal_admin).get(_address(path, employer_chaoyang), {"cursor": value})
    if cursor == "":  # an empty cursor is a cursor that was not handed out either
        assert r.status_code == 400
    assert "分页游标无效" in _refused(r, "cursor")
    assert Case.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGED)
def test_a_signed_cursor_of_another_list_or_changed_is_refused(municipal_admin, employer_chaoyang, path):
    people = [personas.make_person(personas.numbered("翻页", serial), serial=40 + serial) for serial in range(2)]
    c = client_for(municipal_admin)
    handed = c.get("/api/v1/persons/", {"page_size": "1"}).json()["next"]
    token = parse_qs(urlsplit(handed).query)["cursor"][0]
    address = _address(path, employer_chaoyang)
    if path != "/api/v1/persons/":  # a cursor of the person list is not this list's
        assert "分页游标无效" in _refused(c.get(address, {"cursor": token}), "cursor")
    value, _, signature = token.rpartition(":")
    for forged in (_b64(f"p={people[1].pk}") + ":" + signature,  # another position under the signature
                   value + ":" + ("B" if signature[0] == "A" else "A") + signature[1:]):  # a changed signature
        assert "分页游标无效" in _refused(c.get(address, {"cursor": forged}), "cursor")


@pytest.mark.django_db
def test_a_handed_out_cursor_pages_and_a_hand_made_one_at_a_real_position_does_not(municipal_admin):
    people = [personas.make_person(personas.numbered("翻页", serial), serial=40 + serial) for serial in range(3)]
    c = client_for(municipal_admin)
    first = c.get("/api/v1/persons/", {"page_size": "1"}).json()
    second = c.get(first["next"])
    assert second.status_code == 200
    assert [row["id"] for row in first["results"] + second.json()["results"]] == [p.pk for p in people[:2]]
    r = c.get("/api/v1/persons/", {"cursor": _b64(f"p={people[0].pk}")})  # F13: this was honoured
    assert "分页游标无效" in _refused(r, "cursor")


@pytest.mark.django_db
@pytest.mark.parametrize("path, name, allowed", ENUMS)
def test_an_unknown_filter_value_is_400_naming_the_allowed_values(municipal_admin, employer_chaoyang, path, name,
                                                                  allowed):
    c, address = client_for(municipal_admin), _address(path, employer_chaoyang)
    reason = _refused(c.get(address, {name: "no-such-value"}), name)
    assert "无效" in reason and all(value in reason for value in allowed), reason
    # Each allowed value is taken (200), as is no value at all.
    for value in allowed[:3]:
        assert c.get(address, {name: value}).status_code == 200, value
    assert c.get(address, {name: ""}).status_code == 200


@pytest.mark.django_db
def test_a_yes_no_filter_takes_only_true_or_false(municipal_admin):
    c = client_for(municipal_admin)
    assert "true（是）" in _refused(c.get("/api/v1/cases/", {"flagged": "maybe"}), "flagged")
    assert c.get("/api/v1/cases/", {"flagged": "TRUE"}).status_code == 200


@pytest.mark.django_db
def test_a_cursor_is_for_the_filters_it_was_handed_out_with(municipal_admin):
    """review-input7 F9: a cursor of ?business=refund was honoured on the unfiltered list, which silently
    skipped every case before its position. A cursor is signed for its list's path and its filters; the
    page size may change between pages."""
    for serial in range(3):
        personas.make_person(personas.numbered("筛选", serial), serial=60 + serial)
    c = client_for(municipal_admin)
    first = c.get("/api/v1/persons/", {"page_size": "1", "q": "筛选"}).json()
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    assert c.get("/api/v1/persons/", {"cursor": cursor, "q": "筛选", "page_size": "2"}).status_code == 200
    for other in ({}, {"q": "筛"}):
        assert "分页游标无效" in _refused(c.get("/api/v1/persons/", {"cursor": cursor, **other}), "cursor"), other
    # A parameter the list does not read is refused by name (api.query), before the cursor is read.
    assert "不认识的查询参数“extra”" in _refused(
        c.get("/api/v1/persons/", {"cursor": cursor, "q": "筛选", "extra": "1"}), "extra")


@pytest.mark.django_db
def test_a_filter_given_twice_is_told_so_not_called_unknown(municipal_admin):
    """review-input7 F10: ?status=submitted&status=in_review was refused as if in_review were unknown."""
    c = client_for(municipal_admin)
    said = _refused(c.get("/api/v1/cases/?status=submitted&status=in_review"), "status")
    assert "只能给一个值，收到2个" in said and "无效" not in said
    said = _refused(c.get("/api/v1/cases/?flagged=true&flagged=false"), "flagged")
    assert "只能给一个值，收到2个" in said
