"""The API says what is wrong in Chinese (review-input12 F16): a date of 2020-02-30 was called a format
error, and DRF's "CSRF Failed: CSRF token missing." reached a browser-session client in English.
"""

from __future__ import annotations

import json

from rest_framework.test import APIClient

from shebao.api.errors import CSRF_FAILED
from tests.nothing_written import nothing_written


def _body(person, applied_on: str) -> dict:
    return {"business": "refund", "channel": "counter", "applicant_kind": "person", "person": person.pk,
            "applied_on": applied_on}


def test_a_day_the_calendar_lacks_is_said_not_to_exist(cy, person_chaoyang):
    with nothing_written():
        r = cy.generic("POST", "/api/v1/cases/", json.dumps(_body(person_chaoyang, "2020-02-30")),
                       content_type="application/json")
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert errors["applied_on"]["reason_zh"] == "日期“2020-02-30”不存在：2020年2月只有29天"


def test_a_session_call_without_its_csrf_token_is_refused_in_chinese(clerk_chaoyang, person_chaoyang):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.generic("POST", "/api/v1/cases/", json.dumps(_body(person_chaoyang, "2020-02-10")),
                           content_type="application/json")
    assert r.status_code == 403 and r["Content-Type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["detail"] == CSRF_FAILED and "CSRF Failed" not in r.content.decode()
    assert problem["type"].endswith("/csrf_failed")
