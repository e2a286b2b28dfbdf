"""A body of many unknown keys gets a small answer, fast (review-input12 F7): 200,000 unknown keys took
35 s and the answer repeated the list of the keys taken for each (6 MB). A body of more than
`core.inputs.JSON_MAX_KEYS` keys is refused by the parser before any serializer reads it; a refusal names
at most `api.fields.UNKNOWN_LISTED` unknown keys, says the keys taken once and counts the rest.
"""

from __future__ import annotations

import json
import time

import pytest

from shebao.api.fields import UNKNOWN_LISTED
from shebao.core.inputs import JSON_MAX_KEYS
from tests.nothing_written import nothing_written


def _post(client, body: dict):
    return client.generic("POST", "/api/v1/cases/", json.dumps(body), content_type="application/json")


def _base(person) -> dict:
    return {"business": "refund", "channel": "counter", "applicant_kind": "person", "person": person.pk,
            "applied_on": "2020-02-10"}


@pytest.mark.parametrize("where", ["top", "nested"])
def test_a_body_of_200000_keys_is_refused_at_once(cy, person_chaoyang, where):
    junk = {f"k{i:06d}": i for i in range(200_000)}
    body = {**_base(person_chaoyang), **junk} if where == "top" else {**_base(person_chaoyang), "details": junk}
    started = time.monotonic()
    with nothing_written():
        r = _post(cy, body)
    assert time.monotonic() - started < 15  # 35 s before
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    assert f"项目过多（超过{JSON_MAX_KEYS}个）" in r.json()["detail"]
    assert len(r.content) < 4_000


def test_unknown_keys_are_named_up_to_the_cap_and_the_keys_taken_said_once(cy, person_chaoyang):
    junk = {f"x{i:04d}": i for i in range(5_000)}
    with nothing_written():
        r = _post(cy, {**_base(person_chaoyang), **junk})
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    errors = r.json()["errors"]
    unknown = [e for e in errors if e["code"] == "unknown_field"]
    assert len(unknown) == UNKNOWN_LISTED + 1, len(unknown)
    assert sum("可填：" in e["reason_zh"] for e in errors) == 1  # (and the detail quotes the first entry)
    assert any(e["reason_zh"] == f"另有{5_000 - UNKNOWN_LISTED}个不认识的项目未逐一列出" for e in unknown)
    assert len(r.content) < 16_000, len(r.content)


def test_a_few_unknown_keys_are_each_named(cy, person_chaoyang):
    r = _post(cy, {**_base(person_chaoyang), "dry_run": True, "zz": 1})
    errors = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert r.status_code == 400
    assert errors["dry_run"].startswith("不认识的项目“dry_run”，可填：") and errors["zz"] == "不认识的项目“zz”"
