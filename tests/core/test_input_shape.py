"""Issue 16 §1: input that reached the database unchecked. Every input is checked against a declared
shape before anything is written (core.inputs, api.fields, api.parsers): control characters and lone
surrogates, text longer than its column, dates of no plausible year, ids beyond a 64-bit column,
unknown keys in stored objects, bodies nested without end. Each refusal is a 4xx with a Chinese reason
(problem details in the API) and writes nothing, no file either.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from shebao.cases.models import Case, Document
from shebao.collection.importers import REMITTANCE_COLUMNS, ImportRefused, import_remittances
from shebao.core import inputs
from shebao.registry.models import Person
from tests import personas
from tests.cases.conftest import client_for, submit, upload
from tests.nothing_written import nothing_written
from tests.personas import SETUP

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"
    settings.SHEBAO_BANK_FILE_DIR = tmp_path / "bank"


def _bearer(username: str) -> APIClient:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", user=username, name="网上服务平台受理", stdout=out, stderr=err)
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}")
    return c


def _refused(r, status: int = 400) -> dict:
    assert r.status_code == status, r.content.decode()[:2000]
    assert r["Content-Type"] == PROBLEM
    body = r.json()
    assert body["status"] == status and body["title"]
    return body


def _ok_body(employer) -> dict:
    return {"business": "monthly_report_back_payment", "channel": "online", "employer": employer.pk,
            "applied_on": "2020-02-10", "facts": {"period": {"from": "2019-10", "to": "2019-12"}}}


# --- Control characters and lone surrogates, anywhere in a body -------------------------------------
BAD_TEXT = ["\ud800", "a\x00b", "\udfff x", "x\x1by"]


@pytest.mark.parametrize("bad", BAD_TEXT)
@pytest.mark.parametrize("where", ["person_key", "person_value", "period", "manual_operation", "wechat"])
@pytest.mark.parametrize("path", ["drf", "plain"])
def test_a_control_character_or_lone_surrogate_anywhere_is_refused_and_nothing_stored(
        clerk_chaoyang, employer_chaoyang, bad, where, path):
    body = _ok_body(employer_chaoyang)
    if where == "person_key":
        body["facts"]["person"] = {bad: "x"}
    elif where == "person_value":
        body["facts"]["person"] = {"category": bad}
    elif where == "period":
        body["facts"]["period"]["from"] = bad
    elif where == "manual_operation":
        body["manual_operation"] = bad
    else:
        body["contact_wechat"] = bad
    client = client_for(clerk_chaoyang) if path == "drf" else _bearer(clerk_chaoyang.username)
    # json.dumps writes a lone surrogate as the escape \ud800, as an attacker's client would.
    with nothing_written():
        r = client.post("/api/v1/cases/", json.dumps(body), content_type="application/json")
    _refused(r)
    # The case lists still answer (a stored surrogate once broke them for the whole district).
    assert client_for(clerk_chaoyang).get("/api/v1/cases/").status_code == 200


def test_the_model_guard_refuses_what_a_column_cannot_hold_on_every_path(person_chaoyang):
    for name in ("王\x00伟", "\ud800", "王" * 101):
        person_chaoyang.name = name
        with pytest.raises(ValidationError) as e, nothing_written():
            person_chaoyang.save()
        assert "姓名" in str(e.value.message_dict["name"])
    assert Person.objects.get(pk=person_chaoyang.pk).name != "王" * 101


# --- The declared shape of facts: unknown keys refused, never echoed ------------------------------------
def test_unknown_person_facts_are_refused_and_not_echoed(clerk_chaoyang, employer_chaoyang):
    body = _ok_body(employer_chaoyang)
    body["facts"]["person"] = {"id_number": "110105197505010011", "phone": "13812345678"}
    for client in (client_for(clerk_chaoyang), _bearer(clerk_chaoyang.username)):
        with nothing_written():
            r = client.post("/api/v1/cases/", body, format="json")
        problem = _refused(r)
        text = r.content.decode()
        assert "110105197505010011" not in text and "13812345678" not in text
        assert {e["field"] for e in problem["errors"]} == {"facts.person.id_number", "facts.person.phone"}
        assert all("不认识" in e["reason_zh"] for e in problem["errors"])


def test_an_unknown_fact_is_refused(clerk_chaoyang, employer_chaoyang):
    body = _ok_body(employer_chaoyang)
    body["facts"]["note"] = "随便写"
    with nothing_written():
        r = submit(client_for(clerk_chaoyang), **body)
    assert _refused(r)["errors"][0]["field"] == "facts.note"


def test_the_service_refuses_unknown_facts_whatever_the_path(employer_chaoyang, clerk_chaoyang):
    from shebao.cases.services import case_submit
    from shebao.core.errors import DomainError

    with pytest.raises(DomainError) as e, nothing_written():
        case_submit(actor=clerk_chaoyang, business="monthly_report_back_payment", channel="counter",
                    employer=employer_chaoyang, applied_on=dt.date(2020, 2, 10),
                    facts={"period": {"from": "2019-10", "to": "2019-12"}, "person": {"id_number": "1"}})
    assert e.value.field == "facts.person.id_number"


# --- Text longer than its column (lengths from the model) ----------------------------------------------
@pytest.mark.parametrize(("field", "length"), [("contact_wechat", 65), ("business", 61), ("manual_operation", 20_001)])
def test_text_longer_than_its_column_is_refused(clerk_chaoyang, employer_chaoyang, field, length):
    body = {**_ok_body(employer_chaoyang), field: "微" * length}
    with nothing_written():
        r = submit(client_for(clerk_chaoyang), **body)
    (error,) = _refused(r)["errors"]
    assert error["field"] == field


@pytest.fixture
def refund_case(clerk_chaoyang, person_chaoyang, employer_chaoyang):
    from shebao.cases.services import case_submit
    from tests.cases.conftest import employ, valid_details
    from tests.collection.conftest import book_due

    # What the refund's content names: 张三's employer and its paid due.
    employ(person_chaoyang, employer_chaoyang)
    book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    case, _ = case_submit(actor=clerk_chaoyang, business="refund", channel="counter", person=person_chaoyang,
                          applied_on=dt.date(2020, 2, 10), details=valid_details(
                              "refund", person=person_chaoyang, facts={"refund_kind": "base_difference"},
                              applied_on=dt.date(2020, 2, 10)))
    return case


@pytest.mark.parametrize(("url", "body"), [
    ("commitment-letter", {"text": "承诺属实", "signer": "张" * 101}),
    ("commitment-letter", {"text": "承诺属实", "signer": "张三", "signed_at": "0001-01-01T00:00:00"}),
    ("commitment-letter", {"text": "承诺属实", "signer": "张三", "signed_at": "9999-12-31T23:59:59"}),
    ("phone-checks", {"outcome": "confirmed", "note": "备" * 201}),
    ("phone-checks", {"outcome": "confirmed", "called_at": "0001-01-01T00:00:00"}),
    ("phone-checks", {"outcome": "confirmed", "called_at": "9999-12-31T23:59:59+08:00"}),
    ("flags", {"kind": "manual_operation", "description": "x\x00"}),
    ("transitions", {"action": "reject", "reason": "\x00"}),
])
def test_api_steps_refuse_what_the_database_cannot_hold(clerk_chaoyang, refund_case, url, body):
    with nothing_written():
        r = client_for(clerk_chaoyang).post(f"/api/v1/cases/{refund_case.pk}/{url}/", body, format="json")
    _refused(r)
    refund_case.refresh_from_db()
    assert refund_case.status == "submitted"


def test_an_upload_name_longer_than_its_column_leaves_no_row_and_no_file(clerk_chaoyang, refund_case, settings):
    with nothing_written():
        r = client_for(clerk_chaoyang).post(f"/api/v1/cases/{refund_case.pk}/documents/",
                                            {"file": upload(), "name": "材" * 101}, format="multipart")
    _refused(r)


def test_an_upload_whose_transaction_rolls_back_leaves_no_file(clerk_chaoyang, refund_case, settings, monkeypatch):
    from shebao.cases import services

    def fail(*args, **kwargs):
        raise RuntimeError("the audit row could not be written")

    monkeypatch.setattr(services, "_record_event", fail)
    with pytest.raises(RuntimeError):
        services.document_attach(case=refund_case, actor=clerk_chaoyang, name="身份证", stream=upload())
    assert not Document.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not [p for p in media.rglob("*") if p.is_file()]


# --- Dates of no plausible year --------------------------------------------------------------------------
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
@pytest.mark.parametrize("path", ["drf", "plain"])
def test_an_applied_on_of_no_plausible_year_is_refused(clerk_chaoyang, employer_chaoyang, day, path):
    client = client_for(clerk_chaoyang) if path == "drf" else _bearer(clerk_chaoyang.username)
    with nothing_written():
        r = client.post("/api/v1/cases/", {**_ok_body(employer_chaoyang), "applied_on": day}, format="json")
    (error,) = _refused(r)["errors"]
    assert error["field"] == "applied_on" and "不是有效的日期" in error["reason_zh"]


@pytest.mark.parametrize("ahead", [1, 285])
def test_an_application_received_after_today_is_refused(clerk_chaoyang, employer_chaoyang, ahead):
    """Review-input12 F4: the API took applied_on 2020-12-01 on 2020-02-20 (the front desk refused it)."""
    from shebao.core import clock

    day = (clock.today() + dt.timedelta(days=ahead)).isoformat()
    with nothing_written():
        r = client_for(clerk_chaoyang).post("/api/v1/cases/", {**_ok_body(employer_chaoyang), "applied_on": day},
                                            format="json")
    (error,) = _refused(r)["errors"]
    assert error["field"] == "applied_on" and "晚于今天" in error["reason_zh"]


@pytest.mark.parametrize(("url", "field"), [("commitment-letter", "signed_at"), ("phone-checks", "called_at")])
def test_a_signature_or_a_call_after_today_is_refused(clerk_chaoyang, refund_case, url, field):
    """Review-input12 F4: a call dated 2020-12-01 and a letter signed 2021-01-15 were stored on 2020-02-20."""
    from shebao.core import clock

    at = f"{clock.today() + dt.timedelta(days=2)}T10:00:00+08:00"
    body = {"text": "承诺属实", "signer": "张三"} if url == "commitment-letter" else {"outcome": "confirmed"}
    with nothing_written():
        r = client_for(clerk_chaoyang).post(f"/api/v1/cases/{refund_case.pk}/{url}/", {**body, field: at},
                                            format="json")
    problem = _refused(r)
    assert "晚于今天" in json.dumps(problem, ensure_ascii=False)


def _statement(line: str) -> bytes:
    return (",".join(REMITTANCE_COLUMNS) + "\n" + line + "\n").encode()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1900/1/1"])
def test_a_remittance_value_date_of_no_plausible_year_refuses_the_file(db, day):
    with nothing_written(), pytest.raises(ImportRefused) as e:
        import_remittances(actor=SETUP, data=_statement(f"R1,{day},100.00,某公司,,,社保费"), filename="x.csv")
    assert e.value.errors[0][0] == 2 and "不是有效的日期" in e.value.errors[0][1]


def test_a_remittance_value_date_after_today_refuses_the_file(db):
    """Review-input12 F4: a statement line dated 2020-03-10 was booked on 2020-02-20."""
    from shebao.core import clock

    day = (clock.today() + dt.timedelta(days=1)).isoformat()
    with nothing_written(), pytest.raises(ImportRefused) as e:
        import_remittances(actor=SETUP, data=_statement(f"R1,{day},100.00,某公司,,,社保费"), filename="x.csv")
    assert e.value.errors[0][0] == 2 and "晚于今天" in e.value.errors[0][1]


@pytest.fixture
def auditor(db):
    return personas.make_staff("auditor_cy", role=personas.Role.AUDITOR, office_code="110105",
                               display_name="朝阳区稽核员")


@pytest.mark.parametrize("moment", ["0001-01-01", "0001-01-01T00:00", "9999-12-31T23:59", "1000-01-01T08:00"])
def test_an_audit_contact_of_no_plausible_year_is_refused_on_the_page(client, auditor, employer_chaoyang, moment):
    from shebao.operations.services import audit_case_register

    with override_settings(SHEBAO_TODAY=dt.date(2020, 4, 1)):
        case = audit_case_register(actor=auditor, source="hotline_12345", employer=employer_chaoyang,
                                   summary="拖欠职工社会保险费", complainant_name="王小明",
                                   complainant_phone="13812345678", open_now=False)
        client.force_login(auditor)
        with nothing_written():
            r = client.post(reverse("backoffice:audit_contact", args=[case.pk]), {
                "channel": "email", "party": "employer", "contact_person": "单位人事", "notes": "请提供工资表",
                "contacted_at": moment})
    assert r.status_code == 400 and "联系时间" in r.content.decode()


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_an_assessment_as_of_no_plausible_year_is_refused(db, as_of):
    from shebao.collection.jobs import assessment_start

    with nothing_written(), pytest.raises(ValidationError, match="核定日"):
        assessment_start(as_of=dt.date.fromisoformat(as_of), actor=SETUP, inline=True)


# --- Integers: ids, pages ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [2**63, 2**63 - 1 + 1, 10**30, 0, -1])
@pytest.mark.parametrize("path", ["drf", "plain"])
def test_an_employer_id_out_of_range_is_refused(clerk_chaoyang, employer_chaoyang, value, path):
    client = client_for(clerk_chaoyang) if path == "drf" else _bearer(clerk_chaoyang.username)
    with nothing_written():
        r = client.post("/api/v1/cases/", {**_ok_body(employer_chaoyang), "employer": value}, format="json")
    assert _refused(r)["errors"][0]["field"] == "employer"


@pytest.mark.parametrize("url", ["/api/v1/cases/99999999999999999999/", "/api/v1/employers/99999999999999999999/",
                                 "/api/v1/persons/9223372036854775808/", "/office/cases/99999999999999999999/",
                                 "/collection/employers/99999999999999999999/"])
def test_an_id_beyond_the_column_in_an_address_is_not_found(client, clerk_chaoyang, url):
    client.force_login(clerk_chaoyang)
    r = (client_for(clerk_chaoyang) if url.startswith("/api/") else client).get(url)
    assert r.status_code == 404


def test_no_route_takes_an_unbounded_integer():
    """Every keyed address uses <id:…> (at most 18 digits), never Django's unbounded <int:…>."""
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.pattern.converters

    from django.urls.converters import IntConverter

    # Django admin's own view-on-site shortcut (admin/r/<int:content_type_id>/…) and django-otp's TOTP device
    # admin (admin/otp_totp/totpdevice/<int:pk>/config/, …/qrcode/) are the libraries' routes, not ours.
    third_party = ("admin/r/", "admin/otp_totp/")
    unbounded = [route for route, converters in walk(get_resolver().url_patterns)
                 if any(isinstance(c, IntConverter) for c in converters.values())
                 and not route.startswith(third_party)]
    assert unbounded == []


@pytest.mark.parametrize("page", ["1" + "0" * 30, "abc", "0", "-1"])
def test_a_page_number_out_of_range_is_400_in_chinese(client, clerk_chaoyang, page):
    client.force_login(clerk_chaoyang)
    r = client.get("/persons/", {"q": "张", "page": page})
    assert r.status_code == 400 and "页码" in r.content.decode()


@pytest.mark.parametrize("value", ["abc", "9" * 30, "1.5"])
def test_a_remittance_matched_to_employer_abc_is_400_in_chinese(client, collection_clerk, value):
    from shebao.collection.models import BankFile, RemittanceLine

    bank_file = BankFile.objects.create(kind=BankFile.Kind.REMITTANCE_STATEMENT, sha256="0" * 64, filename="x.csv",
                                        lines=1, imported_by_label="test")
    line = RemittanceLine.objects.create(bank_file=bank_file, line_no=2, bank_reference="R1",
                                         value_date=dt.date(2020, 2, 18), amount_fen=100)
    client.force_login(collection_clerk)
    with nothing_written():
        r = client.post(reverse("collection:remittance_line_match", args=[line.pk]), {"employer": value})
    assert r.status_code == 400 and "单位" in r.content.decode()
    line.refresh_from_db()
    assert line.status == "unmatched"


@pytest.mark.parametrize("value", ["abc", "9" * 30])
def test_a_document_for_owed_abc_is_400_in_chinese(client, clerk_chaoyang, refund_case, value):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:case_document", args=[refund_case.pk]),
                        {"owed": value, "file": upload()}, HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and "应补材料" in r.content.decode()


# --- Pages: text ----------------------------------------------------------------------------------------
def test_a_rejection_with_a_nul_reason_is_refused_on_the_page(client, clerk_chaoyang, refund_case):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:case_act", args=[refund_case.pk, "reject"]),
                        {"version": refund_case.version, "reason": "\x00"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and "控制字符" in r.content.decode()
    refund_case.refresh_from_db()
    assert refund_case.status == "submitted"


def test_a_flag_with_nul_bytes_is_refused_on_the_page(client, clerk_chaoyang, refund_case):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:case_flag", args=[refund_case.pk]),
                        {"kind": "manual_operation", "description": "\x00" * 10}, HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and "控制字符" in r.content.decode()


@pytest.mark.parametrize(("field", "value", "said"), [("contact_phone", "1" * 1000, "通知手机应为11位手机号码"),
                                                      ("manual_operation", "a\x00b", "控制字符")])
def test_the_front_desk_refuses_a_phone_of_1000_digits_and_nul_bytes(client, clerk_chaoyang, person_chaoyang,
                                                                     field, value, said):
    client.force_login(clerk_chaoyang)
    with nothing_written(shown=person_chaoyang):
        r = client.post(reverse("backoffice:front_desk"), {
            "business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
            "refund_kind": "base_difference", "token": "t-x", "do": "save", field: value})
    assert r.status_code == 400 and said in r.content.decode()
    assert not Case.objects.exists()


# --- Bodies nested without end ---------------------------------------------------------------------------
@pytest.mark.parametrize("opener", ["[", "{\"a\":"])
@pytest.mark.parametrize("path", ["drf", "plain"])
def test_a_body_of_100000_nested_brackets_is_400(clerk_chaoyang, opener, path):
    closer = "]" if opener == "[" else "}"
    body = opener * 100_000 + "1" + closer * 100_000
    client = client_for(clerk_chaoyang) if path == "drf" else _bearer(clerk_chaoyang.username)
    with nothing_written():
        r = client.post("/api/v1/cases/", body, content_type="application/json")
    _refused(r)


def test_json_depth_and_text_checks_are_iterative():
    deep: object = 1
    for _ in range(200_000):
        deep = [deep]
    assert "嵌套" in inputs.json_problem(deep)
    assert inputs.json_problem({"a": ["b", {"c": "d"}]}) == ""


def _json_problem_reference(value: object, depth: int = 1, max_depth: int = inputs.JSON_MAX_DEPTH) -> bool:
    """The rule json_problem applies, written the plain recursive way: True when the value is refused."""
    import math
    from collections.abc import Mapping

    if depth > max_depth:
        return True
    if isinstance(value, str):
        return bool(inputs.text_problem(value))
    if isinstance(value, Mapping):
        return any(isinstance(k, str) and bool(inputs.text_problem(k)) for k in value) or any(
            _json_problem_reference(v, depth + 1, max_depth) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_json_problem_reference(v, depth + 1, max_depth) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return not -inputs.INT_MAX - 1 <= value <= inputs.INT_MAX
    if isinstance(value, float):
        return not math.isfinite(value)
    return False


_json_text = st.text(alphabet=st.sampled_from(["a", "王", "\x00", "\x1f", "\x7f", "\ud800", "\t", " "]), max_size=4)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**64), max_value=2**64) | st.floats() | _json_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_json_text, inner, max_size=3), max_leaves=12)


@given(_json_values, st.integers(min_value=1, max_value=5))
def test_json_problem_refuses_exactly_what_the_plain_rule_refuses(value, max_depth):
    # The save guard's fast path (exact types first) must judge as the plain rule does.
    assert bool(inputs.json_problem(value, max_depth=max_depth)) == _json_problem_reference(value, max_depth=max_depth)
