"""Issue 16 §2 and §5: every API error is problem details (application/problem+json), never HTML or
Django's text page: a server error (500), an oversized body (413), the database down or busy (503 with
Retry-After); the pages say "service busy, try again" in Chinese on 503. The OpenAPI document says so
too: the Bearer key scheme, the paginated case list, the workflow table as an array, 4xx answers.
"""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import override_settings

from tests.cases.conftest import client_for
from tests.nothing_written import nothing_written

PROBLEM = "application/problem+json"


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.content[:500]
    assert r["Content-Type"] == PROBLEM
    body = json.loads(r.content)
    assert body["status"] == status and body["title"] and "<html" not in r.content.decode().lower()
    return body


def _boom(exc: BaseException):
    def raise_(*args, **kwargs):
        raise exc
    return raise_


@pytest.mark.parametrize("debug", [True, False])
def test_a_server_error_in_the_api_is_problem_details_not_a_debug_page(clerk_chaoyang, monkeypatch, debug):
    from shebao.cases import selectors

    monkeypatch.setattr(selectors, "case_list", _boom(RuntimeError("a bug")))
    with override_settings(DEBUG=debug):
        r = client_for(clerk_chaoyang).get("/api/v1/cases/")
    body = _problem(r, 500)
    assert body["title"] == "系统出错" and "a bug" not in r.content.decode()


@pytest.mark.parametrize("debug", [True, False])
def test_the_database_down_is_503_with_retry_after_in_the_api(clerk_chaoyang, monkeypatch, debug):
    from shebao.cases import selectors

    monkeypatch.setattr(selectors, "case_list", _boom(OperationalError("connection refused")))
    with override_settings(DEBUG=debug):
        r = client_for(clerk_chaoyang).get("/api/v1/cases/")
    body = _problem(r, 503)
    assert r["Retry-After"].isdigit() and "稍后" in body["title"] + body.get("detail", "")


@pytest.mark.parametrize("debug", [True, False])
def test_the_database_down_is_a_chinese_service_busy_page(client, clerk_chaoyang, monkeypatch, debug):
    from shebao.backoffice import selectors

    client.force_login(clerk_chaoyang)
    monkeypatch.setattr(selectors, "queue", _boom(OperationalError("database is locked")))
    with override_settings(DEBUG=debug):
        r = client.get("/office/queue/")
    assert r.status_code == 503 and r["Retry-After"].isdigit()
    assert r["Content-Type"].startswith("text/html")
    page = r.content.decode()
    assert "服务繁忙，请稍后再试" in page and "OperationalError" not in page


def test_a_database_error_raised_outside_a_view_is_503_too(rf):
    from shebao.web.errors import server_error

    request = rf.get("/office/queue/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        r = server_error(request)
    assert r.status_code == 503 and "服务繁忙" in r.content.decode()
    request = rf.get("/api/v1/cases/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        r = server_error(request)
    _problem(r, 503)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2000)
def test_an_oversized_json_body_is_413_problem_details_and_writes_nothing(clerk_chaoyang, employer_chaoyang):
    body = {"business": "monthly_report_back_payment", "channel": "online", "employer": employer_chaoyang.pk,
            "applied_on": "2020-02-10", "manual_operation": "手" * 3000}
    with nothing_written():
        r = client_for(clerk_chaoyang).post("/api/v1/cases/", body, format="json")
    _problem(r, 413)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2000)
def test_an_oversized_form_body_is_413_problem_details(clerk_chaoyang):
    with nothing_written():
        r = client_for(clerk_chaoyang).post("/api/v1/cases/", {"business": "x" * 5000, "channel": "online"})
    _problem(r, 413)


def test_an_unknown_api_address_is_problem_details(clerk_chaoyang):
    _problem(client_for(clerk_chaoyang).get("/api/v1/nothing-here/"), 404)


@pytest.mark.parametrize("address", ["/api/v1/nothing-here/", "/api/v1/persons/-1/", "/api/v1/persons/1.0/",
                                     "/api/v1/persons/999999/"])
def test_every_not_found_is_one_type_of_problem_in_readable_chinese(clerk_chaoyang, address):
    """review-input11 F6: an address no route matched (a person id of -1 or 1.0) answered type problems/404
    in \\u escapes, a missing person problems/not_found: a client telling them apart by type saw two kinds."""
    r = client_for(clerk_chaoyang).get(address)
    body = _problem(r, 404)
    assert body["type"].endswith("/problems/not_found") and "\\u" not in r.content.decode()
    assert body["title"] == "未找到" or "未找到" in body.get("detail", "")


# --- The OpenAPI document ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_the_document_describes_the_bearer_key_scheme(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["apiKey"].items()
    operation = schema["paths"]["/api/v1/cases/"]["post"]
    assert {"apiKey": []} in operation["security"]


def test_the_case_list_is_a_cursor_page_and_the_workflow_table_an_array(schema):
    ref = schema["paths"]["/api/v1/cases/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"next", "previous", "results"}
    assert page["properties"]["results"]["type"] == "array"
    table = schema["paths"]["/api/v1/cases/workflows/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert table["schema"]["type"] == "array"


def test_every_operation_documents_its_errors_as_problem_details(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("400", "401", "403", "404", "500", "503"):
                assert status in responses, (method, path, status)
                content = responses[status]["content"]
                assert list(content) == [PROBLEM], (method, path, status)
            assert "Retry-After" in responses["503"]["headers"]
            if method == "post":
                assert {"409", "413", "415"} <= set(responses), (method, path)


def test_limits_and_enums_are_documented(schema):
    submit = schema["components"]["schemas"]["Submit"]["properties"]
    assert submit["employer"]["maximum"] == 2**63 - 1 and submit["employer"]["minimum"] == 1
    assert submit["contact_wechat"]["maxLength"] == 64 and submit["business"]["maxLength"] == 60
    assert "$ref" in submit["channel"]  # an enum component
    person = schema["components"]["schemas"]["Facts"]["properties"]["person"]
    assert person["additionalProperties"] is False and "gender" in person["properties"]
