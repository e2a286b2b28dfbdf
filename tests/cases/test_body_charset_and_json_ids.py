"""Bodies the API used to take on a reading the client did not mean (review-input12 F11): more than
1,000 form fields answered Django's generic refusal, a body declared ``charset=latin-1`` was decoded as
Latin-1, and JSON ``"person": "141"`` was read as person 141. Each is a problem+json 4xx in Chinese,
nothing stored.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.nothing_written import nothing_written

URL = "/api/v1/cases/"


def _body(person) -> dict:
    return {"business": "refund", "channel": "counter", "applicant_kind": "person", "person": person.pk,
            "applied_on": "2020-02-10"}


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.content[:300]
    assert r["Content-Type"].startswith("application/problem+json")
    return r.json()


def test_more_form_fields_than_django_takes_are_said_so(cy, person_chaoyang, settings):
    many = urlencode([(f"f{i}", "1") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 100)])
    with nothing_written():
        r = cy.generic("POST", URL, many, content_type="application/x-www-form-urlencoded")
    problem = _problem(r, 400)
    assert problem["detail"] == f"提交的表单项目过多（超过{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}个），请检查后重新提交"


@pytest.mark.parametrize("content_type", ["application/json; charset=latin-1", "application/json; charset=gbk",
                                          "application/x-www-form-urlencoded; charset=iso-8859-1"])
def test_a_body_declared_in_another_charset_than_utf8_is_refused(cy, person_chaoyang, content_type):
    body = _body(person_chaoyang)
    data = (json.dumps(body) if "json" in content_type else urlencode(body)).encode("latin-1")
    with nothing_written():
        r = cy.generic("POST", URL, data, content_type=content_type)
    # a JSON body is refused by the API's parser (415); a form Django itself refuses to read (400)
    problem = _problem(r, 415 if "json" in content_type else 400)
    assert problem["detail"].startswith("请求内容须为UTF-8编码，不接受")


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/json; charset=UTF8",
                                          "application/json"])
def test_utf8_declared_or_not_is_read(cy, person_chaoyang, content_type):
    r = cy.generic("POST", URL, json.dumps(_body(person_chaoyang)), content_type=content_type)
    problem = _problem(r, 400)  # read, and refused for the refund's missing details, not the charset
    assert problem["type"].endswith("/validation") and "person" not in {e["field"] for e in problem["errors"]}


@pytest.mark.parametrize("value", ["141", " 141", "1e2", ""])
def test_a_json_string_for_an_id_is_refused_at_its_field(cy, person_chaoyang, value):
    body = dict(_body(person_chaoyang), person=value or str(person_chaoyang.pk))
    with nothing_written():
        r = cy.generic("POST", URL, json.dumps(body), content_type="application/json")
    errors = {e["field"]: e for e in _problem(r, 400)["errors"]}
    assert errors["person"]["code"] == "not_an_integer"
    assert errors["person"]["reason_zh"].startswith("应为JSON整数（不加引号，如141），不接受文字“")


def test_a_forms_digits_for_an_id_are_still_an_id(cy, person_chaoyang):
    r = cy.generic("POST", URL, urlencode(_body(person_chaoyang)), content_type="application/x-www-form-urlencoded")
    problem = _problem(r, 400)
    assert "person" not in {e["field"] for e in problem["errors"]}
