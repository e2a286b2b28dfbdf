"""A refusal tells its reader a road they can take (review-input5 F9).

The query guard's refusal of a number in an address said "接口请用 POST /api/v1/persons/search/" on the
portal too, where an employer's session cannot reach the staff API. The refusal names the road of its
audience: the API its search endpoint, the back office its search box, the portal its own forms.
"""

from __future__ import annotations

import pytest

from shebao.core.middleware import NUMBER_IN_URL, WHERE_INSTEAD

PHONE = "13800138000"


@pytest.mark.django_db
def test_the_portal_refusal_names_the_portals_forms_not_the_staff_api(client):
    r = client.get("/portal/employer/cases/", {"business": PHONE})
    assert r.status_code == 400
    body = r.content.decode()
    assert NUMBER_IN_URL in body and WHERE_INSTEAD["portal"] in body
    assert "api/v1" not in body and "查询框" not in body and "系统管理员" not in body
    assert "返回网上办事首页" in body and PHONE not in body


@pytest.mark.django_db
def test_the_back_office_refusal_names_the_search_box_not_the_api(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.get("/office/queue/", {"q": PHONE})
    assert r.status_code == 400
    body = r.content.decode()
    assert NUMBER_IN_URL in body and WHERE_INSTEAD["staff"] in body and "api/v1" not in body
    assert PHONE not in body


@pytest.mark.django_db
def test_the_api_refusal_names_the_search_endpoint(clerk_chaoyang):
    from tests.cases.conftest import client_for

    r = client_for(clerk_chaoyang).get("/api/v1/cases/", {"business": PHONE})
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    reason = r.json()["errors"][0]["reason_zh"]
    assert NUMBER_IN_URL in reason and "POST /api/v1/persons/search/" in reason and "查询框" not in reason
    assert r.json()["errors"][0]["code"] == "personal_number_in_url"
