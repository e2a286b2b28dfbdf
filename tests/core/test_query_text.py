"""A control character in an address's query string or a page's form is refused with 400 before any
view or query sees it (core.middleware.QueryGuardMiddleware). PostgreSQL cannot hold a NUL in text:
GET /api/v1/cases/?business=%00… answered 500 there (schemathesis, CI on PostgreSQL). The class is
every parameter of every page and API list, so the test walks each GET address with a parameter."""

from __future__ import annotations

import pytest
from django.test import Client

from shebao.cases.models import Case
from tests import personas
from tests.cases.conftest import client_for

PROBLEM = "application/problem+json"
BAD = ["\x00", "a\x07b", "\x1b[2J", "\x9f"]


@pytest.mark.django_db
@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("address,param", [
    ("/api/v1/cases/", "business"), ("/api/v1/cases/", "status"), ("/api/v1/persons/", "q"),
    ("/api/v1/employers/", "q"), ("/api/v1/cases/flags/", "stage"),
])
def test_the_api_refuses_a_control_character_in_a_query_with_problem_details(clerk_chaoyang, address, param, bad):
    before = Case.objects.count()
    r = client_for(clerk_chaoyang).get(address, {param: bad})
    assert r.status_code == 400, r.content[:500]
    assert r["Content-Type"] == PROBLEM
    body = r.json()
    assert body["errors"][0]["field"] == param
    assert "控制字符" in body["detail"] or "无效字符" in body["detail"]
    assert Case.objects.count() == before


@pytest.mark.django_db
def test_a_control_character_in_a_parameter_name_is_refused_without_echoing_it(clerk_chaoyang):
    r = client_for(clerk_chaoyang).get("/api/v1/cases/?a%00b=1")
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "（参数名）"


@pytest.mark.django_db
@pytest.mark.parametrize("address,param", [
    ("/office/queue/", "q"), ("/office/persons/", "q"), ("/office/cards/", "q"), ("/office/cards/", "status"),
    ("/public/card-certificates/", "code"),
])
def test_a_page_refuses_a_control_character_in_a_query_with_the_chinese_page(clerk_chaoyang, address, param):
    c = Client()
    c.force_login(clerk_chaoyang)
    r = c.get(address, {param: "x\x00y"})
    assert r.status_code == 400
    text = r.content.decode()
    assert "请求无法处理" in text and "控制字符" in text


@pytest.mark.django_db
def test_a_page_form_with_a_control_character_is_refused_and_nothing_is_saved(clerk_chaoyang):
    c = Client()
    c.force_login(clerk_chaoyang)
    before = Case.objects.count()
    r = c.post("/office/persons/", {"q": "11010519491231002\x00"})
    assert r.status_code == 400
    assert "填写的内容" in r.content.decode()
    assert Case.objects.count() == before


@pytest.mark.django_db
def test_ordinary_queries_still_pass(clerk_chaoyang):
    personas.make_person("王伟", serial=3)
    r = client_for(clerk_chaoyang).get("/api/v1/cases/", {"business": "refund", "status": "submitted"})
    assert r.status_code == 200
    # A status no case has ("received") is refused naming the statuses (F13), not answered empty.
    r = client_for(clerk_chaoyang).get("/api/v1/cases/", {"business": "refund", "status": "received"})
    assert r.status_code == 400 and "submitted" in r.content.decode()
    c = Client()
    c.force_login(clerk_chaoyang)
    assert c.get("/office/queue/", {"q": "王伟\t"}).status_code == 200


def test_one_guard_with_a_list_of_checks_walks_the_query_once():
    """The control-character and personal-number checks are rules of one guard (one walk over the
    query), so a new check is a line in QUERY_CHECKS, not another middleware repeating the loop."""
    from django.conf import settings

    from shebao.core import middleware

    guards = [m for m in settings.MIDDLEWARE if m.startswith("shebao.core.middleware.Query")
              or "PersonalNumber" in m]
    assert guards == ["shebao.core.middleware.QueryGuardMiddleware"]
    assert [c.code for c in middleware.QUERY_CHECKS] == ["invalid", "personal_number_in_url"]
    assert not hasattr(middleware, "QueryTextMiddleware")
    assert not hasattr(middleware, "PersonalNumberQueryMiddleware")


@pytest.mark.django_db
def test_a_personal_number_as_a_parameter_name_is_refused_as_a_query_parameter(clerk_chaoyang):
    """A number in the name is not echoed, and the answer says it is the address's parameter."""
    r = client_for(clerk_chaoyang).get("/api/v1/cases/?11010519491231002X=1")
    assert r.status_code == 400
    body = r.json()
    assert body["errors"][0] == {**body["errors"][0], "field": "（参数名）", "code": "personal_number_in_url"}
    assert body["detail"].startswith("查询参数（参数名）") and "11010519491231002X" not in r.content.decode()


@pytest.mark.django_db
def test_a_personal_number_in_a_page_form_passes_the_guard(clerk_chaoyang):
    """A number belongs in a posted form: only the control-character check applies to forms."""
    personas.make_person("王伟", serial=3)
    c = Client()
    c.force_login(clerk_chaoyang)
    r = c.post("/persons/", {"q": "11010519491231002X"})
    assert r.status_code == 200 and "号码不得出现在网址中" not in r.content.decode()


@pytest.mark.django_db
def test_a_form_field_no_view_labels_is_left_unnamed_never_named_in_english(clerk_chaoyang):
    """Bad-input review 16, 2: a page form's field is named by the label its view declares, else not at all."""
    c = Client()
    c.force_login(clerk_chaoyang)
    r = c.post("/office/persons/", {"q": "1101\x00"})
    text = r.content.decode()
    assert r.status_code == 400 and "填写的内容第5位是不可见的控制字符U+0000" in text and "内容q" not in text


def test_the_apis_body_names_a_details_field_by_its_chinese_label():
    """Bad-input review 16, 2: details.diagnosed_on：第11位… named the field in English only."""
    from rest_framework.exceptions import ValidationError

    from shebao.api.parsers import json_loads_checked

    body = '{"business": "work_injury_fast_track_claim", "details": {"diagnosed_on": "2020-02-10\\u0000"}}'
    with pytest.raises(ValidationError) as e:
        json_loads_checked(body)
    assert str(e.value.detail["details"]["diagnosed_on"][0]).startswith("确诊日期第11位是不可见的控制字符U+0000")
    with pytest.raises(ValidationError) as e:  # without the business: the one label every definition gives it
        json_loads_checked('{"details": {"diagnosed_on": "2020-02-10\\u0000"}}')
    assert str(e.value.detail["details"]["diagnosed_on"][0]).startswith("确诊日期第11位")
