"""A forged cursor is 404 "invalid cursor" in Chinese on every cursor-paged list, never a 500: its
position reached the query as given (bad-input review D5: ?cursor=cD1hYmM=, base64 of p=abc)."""

from __future__ import annotations

import base64

import pytest

from shebao.cases.models import Case
from tests import personas
from tests.cases.conftest import client_for

PROBLEM = "application/problem+json"


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


LISTS = ["/api/v1/cases/", "/api/v1/persons/", "/api/v1/employers/", "/api/v1/benefits/retirees/",
         "/api/v1/benefits/payroll-runs/"]


@pytest.mark.django_db
@pytest.mark.parametrize("address", LISTS)
@pytest.mark.parametrize("position", ["p=abc", "p=1e5", "p=99999999999999999999999", "p=%00", "p=--1", "r=1&p=x"])
def test_a_forged_cursor_is_refused_as_invalid_not_a_server_error(municipal_admin, address, position):
    before = Case.objects.count()
    r = client_for(municipal_admin).get(address, {"cursor": _cursor(position)})
    assert r.status_code == 404, (address, position, r.status_code, r.content[:300])
    assert r["Content-Type"] == PROBLEM and "分页游标无效" in r.json()["detail"]
    assert Case.objects.count() == before


@pytest.mark.django_db
def test_a_cursor_at_a_real_position_still_pages(municipal_admin):
    people = [personas.make_person(f"翻页{serial}", serial=40 + serial) for serial in range(3)]
    c = client_for(municipal_admin)
    r = c.get("/api/v1/persons/", {"cursor": _cursor(f"p={people[0].pk}")})
    assert r.status_code == 200
    ids = [row["id"] for row in r.json()["results"]]
    assert people[0].pk not in ids and people[1].pk in ids and people[2].pk in ids
