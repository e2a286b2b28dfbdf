"""/api/schema/ for people: Swagger UI and Redoc from the installed package (offline), the document's
words in Chinese; for systems: the OpenAPI document, as before."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from shebao.api import docs

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def client(client, clerk_chaoyang):
    """The documents are for signed-in staff (tests/core/test_deploy.py shows the sign-in asked for)."""
    client.force_login(clerk_chaoyang)
    return client


def document(client: Client) -> dict:
    r = client.get("/api/schema/openapi/", {"format": "json"})
    assert r.status_code == 200
    return json.loads(r.content)


def test_a_browser_gets_interactive_documentation_not_a_download(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.get("/api/schema/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in r
    html = r.content.decode()
    assert "swagger-ui" in html.lower() and "社保经办 REST API" in html
    assert "/api/schema/openapi/" in html
    # Everything it loads comes from this site (the sidecar package), never from the internet.
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


def test_redoc_is_served_from_the_site_too(client):
    html = client.get("/api/schema/redoc/").content.decode()
    assert "redoc" in html.lower()
    assert all(a.startswith("/") for a in re.findall(r'(?:src|href)="([^"]+)"', html))


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/vnd.oai.openapi+json",
                                    "application/vnd.oai.openapi"])
def test_a_system_still_gets_the_document(client, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    r = client.get("/api/schema/", **headers)
    assert r.status_code == 200 and "/api/v1/cases/" in r.content.decode()
    assert not r["Content-Type"].startswith("text/html")


def test_every_operation_and_parameter_is_described_in_chinese(client):
    doc = document(client)
    assert doc["info"]["title"] == "社保经办 REST API" and "第" not in doc["info"]["title"]
    assert CJK.search(doc["info"]["description"])
    tags = {t["name"] for t in doc["tags"]}
    assert all(CJK.search(t["description"]) for t in doc["tags"])
    operations = [(m, p, o) for p, ops in doc["paths"].items() for m, o in ops.items()]
    assert len(operations) >= 20
    for method, path, op in operations:
        assert CJK.search(op["summary"]) and CJK.search(op["description"]), (method, path)
        assert op["tags"] and set(op["tags"]) <= tags, (method, path)
        # No developer's docstring leaks through (they are English code comments).
        assert not re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", op["description"].replace("`", "")), (method, path)
        for parameter in op.get("parameters", []):
            assert CJK.search(parameter["description"]), (method, path, parameter["name"])
    for name, component in doc["components"]["schemas"].items():
        for prop, spec in component.get("properties", {}).items():
            text = spec.get("description", "")
            assert not re.search(r"[A-Za-z]{3,} [a-z]{2,}", text) or CJK.search(text), (name, prop, text)
    schemes = doc["components"]["securitySchemes"]
    assert schemes["apiKey"]["scheme"] == "bearer" and CJK.search(schemes["apiKey"]["description"])


def test_a_new_operation_without_chinese_words_is_reported(client, monkeypatch):
    monkeypatch.delitem(docs.OPERATIONS, ("get", "/api/v1/persons/"))
    with pytest.raises(KeyError, match="/api/v1/persons/"):
        docs.chinese_descriptions({"paths": {"/api/v1/persons/": {"get": {}}}}, None, None, True)
    # Served, the document answers 500 as problem details (never an HTML page); the log names the operation.
    r = client.get("/api/schema/openapi/", {"format": "json"})
    assert r.status_code == 500 and r["Content-Type"] == "application/problem+json"


def test_the_case_content_correction_and_its_problems_are_documented(client):
    """PATCH /api/v1/cases/{id}/details/ (a case registered without its content, filled in or corrected)
    and the case detail's content_problems are in the document, in Chinese."""
    doc = document(client)
    op = doc["paths"]["/api/v1/cases/{id}/details/"]["patch"]
    assert op["summary"] == "补正申请内容" and CJK.search(op["description"])
    assert "200" in op["responses"]
    schemas = doc["components"]["schemas"]
    problems = schemas["CaseDetail"]["properties"]["content_problems"]
    assert problems["type"] == "array" and CJK.search(problems.get("description", "")), problems
    body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"details", "reason", "version"} <= set(schemas[body]["properties"])
    assert all(CJK.search(p.get("description", "")) for p in schemas[body]["properties"].values())
