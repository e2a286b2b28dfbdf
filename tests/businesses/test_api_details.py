"""The API takes the same fields as the front desk (`details`, the business's definition) and its
OpenAPI document shows them per business; refusals are problem details naming each field."""

from __future__ import annotations

import json

from shebao.cases.models import Case
from tests.businesses.test_refund import refund_details
from tests.cases.conftest import client_for, submit
from tests.nothing_written import nothing_written


def test_the_openapi_document_shows_each_business_fields(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)  # the document is for signed-in staff and systems
    doc = json.loads(client.get("/api/schema/openapi/", {"format": "json"}).content)
    details = doc["components"]["schemas"]["Submit"]["properties"]["details"]
    variants = {v["title"]: v for v in details["oneOf"]}
    refund = variants["退费（含基数差退费）"]
    assert set(refund["required"]) == {"refund_kind", "amount_fen", "dues", "payee_name", "bank_name", "bank_account"}
    assert refund["properties"]["amount_fen"]["type"] == "integer"
    assert refund["properties"]["refund_kind"]["enum"] == ["overpayment", "base_difference", "other"]
    assert "changes" in variants["参保人员信息变更"]["properties"]


def test_a_refund_submitted_through_the_api_carries_its_content_masked_in_the_answer(
        clerk_chaoyang, person_chaoyang, paid_due):
    api = client_for(clerk_chaoyang)
    r = submit(api, business="refund", channel="online", person=person_chaoyang.pk, applied_on="2020-03-02",
               details=refund_details(paid_due))
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["details"]["amount_fen"] == 30_000 and body["details"]["bank_account"] != "6222020000001234567"
    assert body["facts"]["refund_kind"] == "overpayment"
    assert Case.objects.get(pk=body["id"]).details["bank_account"] == "6222020000001234567"


def test_the_api_names_every_refused_field(clerk_chaoyang, person_chaoyang, paid_due):
    api = client_for(clerk_chaoyang)
    details = refund_details(paid_due, amount_fen="many", bank_account="12")
    with nothing_written():
        r = submit(api, business="refund", channel="online", person=person_chaoyang.pk, applied_on="2020-03-02",
                   details=details)
    assert r.status_code == 400
    errors = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert set(errors) == {"details.amount_fen", "details.bank_account"}
    assert "退费金额应为以分为单位的整数，如500000表示5000.00元" in errors["details.amount_fen"]
