"""An id is ASCII digits alone on every road (review F5): "3010.0", full-width "４８" and " 48 " were
read as 3010 and 48 (DRF's IntegerField drops ".0", Python's int reads full-width digits and spaces),
so a slip named another record than the one meant; a JSON object naming a key twice kept the last
value silently. Each is refused, said why in Chinese: problem details naming the field in the API, the
form's message on a page, the command's error; nothing is written."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from shebao.core.inputs import command_id, digits_problem, form_id, id_problem, id_text, number_text
from tests import personas
from tests.collection.test_money_out_second_person import chaoyang_payer_line  # noqa: F401 - a fixture
from tests.nothing_written import nothing_written

LOOSE = {"3010.0": "应为整数，不能带小数点", "４８": "应为半角数字0-9，不接受全角数字", " 48 ": "前后不能有空格",
         "48 ": "前后不能有空格", "1e3": "只能由数字0-9组成", "+48": "只能由数字0-9组成"}


def test_the_one_reading_of_an_id():
    for raw, why in LOOSE.items():
        assert id_problem(raw) == why and id_text(raw) is None and number_text(raw) is None, raw
        assert digits_problem(raw) == why
        with pytest.raises(ValidationError) as refused:
            form_id({"employer": raw}, "employer", label="单位")
        assert refused.value.message_dict == {"employer": [f"单位编号“{raw}”无效：{why}"]}
    assert id_problem("48") == "" and id_text("48") == 48 and form_id({"e": "48"}, "e", label="单位") == 48
    assert id_problem(48) == "" and id_problem(48.0) == "应为整数编号" and id_problem(True) == "应为整数编号"
    assert id_problem("0") == id_problem(str(2**63)) == id_problem("9" * 40) == "超出编号的范围"
    assert number_text("0") == 0 and number_text("7") == 7
    assert command_id("48") == 48
    with pytest.raises(Exception, match="编号“４８”无效：应为半角数字0-9"):
        command_id("４８")


def _api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def _field_reason(r, field: str) -> str:
    assert r.status_code == 400, r.content[:400]
    assert r["Content-Type"].startswith("application/problem+json")
    found = [e for e in r.json()["errors"] if e["field"] == field]
    assert found, r.json()
    return found[0]["reason_zh"]


def _said_for(fmt: str, raw: str) -> str:
    """A form field is text, so a loose id is refused for what is wrong with the text; a JSON id is a
    number, so any JSON string is refused as text, quoted as sent (review-input12 F11)."""
    return f"应为JSON整数（不加引号，如141），不接受文字“{raw}”" if fmt == "json" else LOOSE[raw]


@pytest.mark.parametrize("raw", list(LOOSE))
def test_the_api_refuses_a_loose_id_in_a_body_naming_the_field(clerk_chaoyang, employer_chaoyang, raw):
    """A case's employer and person, sent as form data or JSON strings: 400 at the field, nothing stored."""
    api = _api(clerk_chaoyang)
    for field in ("employer", "person"):
        body = {"business": "refund", "channel": "counter", "applicant_kind": "employer", field: raw}
        for fmt in ("json", "multipart"):
            with nothing_written():
                said = _field_reason(api.post("/api/v1/cases/", body, format=fmt), field)
            assert _said_for(fmt, raw) in said, (field, fmt, said)


def test_the_api_refuses_a_loose_id_in_the_merge(reviewer_chaoyang):
    holder = personas.make_person("张三", serial=3)
    api = _api(reviewer_chaoyang)
    for raw in LOOSE:
        with nothing_written():
            said = _field_reason(api.post(f"/api/v1/persons/{holder.pk}/merge/",
                                          {"other": raw, "reason": "核实身份证原件"}, format="json"), "other")
        assert _said_for("json", raw) in said, said


def test_a_json_object_naming_a_key_twice_is_refused_at_the_key(clerk_chaoyang, employer_chaoyang):
    api = _api(clerk_chaoyang)
    body = ('{"business": "refund", "channel": "counter", "applicant_kind": "employer", '
            f'"employer": {employer_chaoyang.pk}, "employer": {employer_chaoyang.pk + 1}}}')
    with nothing_written():
        said = _field_reason(api.generic("POST", "/api/v1/cases/", body, content_type="application/json"),
                             "employer")
    assert said == "项目“employer”在同一对象中出现了不止一次：每个项目只能填写一次，请删去重复的项目"
    nested = '{"business": "refund", "channel": "counter", "facts": {"person": {"gender": "male", "gender": "female"}}}'
    with nothing_written():
        said = _field_reason(api.generic("POST", "/api/v1/cases/", nested, content_type="application/json"), "gender")
    assert "出现了不止一次" in said
    assert json.loads('{"a": 1, "a": 2}') == {"a": 2}  # what the standard reader does: the last wins


def test_a_business_fields_ids_are_digits_alone():
    """The refund's dues (type ``ids``): a JSON integer or ASCII digits; an amount may still be typed
    full-width at the desk, an id not."""
    import datetime as dt

    from shebao.rules.business_fields import _Bad, _one, definition

    spec = next(f for f in definition("refund").fields if f.name == "dues")

    assert _one(spec, [12, "13"], "所退费款", dt.date(2020, 2, 20)) == [12, 13]
    for raw, why in LOOSE.items():
        with pytest.raises(_Bad) as refused:
            _one(spec, [raw], "所退费款", dt.date(2020, 2, 20))
        assert refused.value.zh == f"所退费款中的编号“{raw[:20]}”无效：{why}"


def test_a_page_form_refuses_a_loose_id(client, collection_clerk, chaoyang_payer_line):  # noqa: F811
    """The match request's employer (core.inputs.form_id): 400 with the Chinese reason, nothing written."""
    line_pk = chaoyang_payer_line.pk
    client.force_login(collection_clerk)
    for raw, why in LOOSE.items():
        with nothing_written():
            r = client.post(f"/collection/remittances/{line_pk}/match-request/",
                            {"employer": raw, "reason": "核对"})
        assert r.status_code == 400, (raw, r.status_code)
        assert f"单位编号“{raw}”无效：{why}" in r.content.decode(), raw


def test_a_command_refuses_a_loose_id(collection_clerk):
    for raw, why in LOOSE.items():
        with pytest.raises(CommandError, match=re.escape(f"编号“{raw}”无效：{why}")), nothing_written():
            call_command("reverse_payment", "--payment", raw, "--user", collection_clerk.username)
