"""Every endpoint of the API refuses what it does not read (issue 16, review-input9 F4/F5, review-user9 F4).

The test walks the OpenAPI document (every operation the API has; a new one is walked without being
listed here) with records of 朝阳区 for its path (tests/core/test_district_line.py's objects):

* every operation with a request body: a key the body does not declare is 400 problem details naming
  the key in Chinese (code ``unknown_field``), and nothing is stored (no row, no file);
* every operation: a query parameter the view does not read is 400 naming it; and the parameters each
  view reads (`api.query.KnownQueryParams.query_params`) are exactly those its operation documents;
* statically: every request body is an `api.fields.StrictSerializer` (nested objects included), and
  every yes/no in one is JSON true/false only.
"""

from __future__ import annotations

import re

import pytest
from django.urls import resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.test import APIClient

from shebao.api.fields import StrictBooleanField, StrictSerializer
from shebao.api.query import ALWAYS, KnownQueryParams
from tests.nothing_written import nothing_written

UNKNOWN = "zz_unbekannt"
PROBLEM = "application/problem+json"


def _operations() -> list[tuple[str, str, dict]]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()
            if path.startswith("/api/v1/")]


def _match(path: str):
    return resolve(re.sub(r"\{\w+\}", "1", path))


def _view(match) -> tuple[type, str | None]:
    cls = getattr(match.func, "cls", None) or match.func.view_class
    return cls, getattr(match.func, "actions", None)


def _url(path: str, objects: dict) -> str:
    match = _match(path)
    if not match.kwargs:
        return path
    return reverse(match.url_name, kwargs=objects[match.url_name])


def _clients(*users) -> list[APIClient]:
    out = []
    for u in users:
        c = APIClient()
        c.force_authenticate(u)
        out.append(c)
    return out


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _first_not_refused(clients, call):
    """The answer of the first user the action admits (a 403 is another role's action)."""
    for c in clients:
        r = call(c)
        if r.status_code != 403:
            return r
    return r


@pytest.fixture
def objects(db):
    from tests.core.test_district_line import _chaoyang_objects

    return _chaoyang_objects()


def test_every_request_body_refuses_an_unknown_key_by_name_and_stores_nothing(
        objects, municipal_admin, reviewer_chaoyang, clerk_chaoyang, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    clients = _clients(municipal_admin, reviewer_chaoyang, clerk_chaoyang)
    walked = []
    for path, method, op in _operations():
        if "requestBody" not in op:
            continue
        url = _url(path, objects)
        multipart = "multipart/form-data" in op["requestBody"]["content"]
        with nothing_written():
            r = _first_not_refused(clients, lambda c, m=method, u=url, mp=multipart: getattr(c, m)(
                u, {UNKNOWN: "1"}, format="multipart" if mp else "json"))
        assert r.status_code == 400, (method, url, r.status_code, r.content[:300])
        assert r["Content-Type"].startswith(PROBLEM)
        named = [e for e in r.json()["errors"] if e["field"] == UNKNOWN]
        assert named and named[0]["code"] == "unknown_field", (method, url, r.json())
        assert f"不认识的项目“{UNKNOWN}”" in named[0]["reason_zh"] and _chinese(named[0]["reason_zh"])
        assert _chinese(r.json().get("detail", "")), (method, url, r.json())  # review-input10 F8
        walked.append(f"{method} {path}")
    assert len(walked) >= 20, walked


def test_every_json_body_of_null_is_refused_in_chinese_with_a_detail_and_stores_nothing(
        objects, municipal_admin, reviewer_chaoyang, clerk_chaoyang, settings, tmp_path):
    """review-input10 F8: a body of null answered reason_zh "No data provided" (DRF's words, which its
    Chinese catalogue lacks) and no detail. Every JSON body of every operation is walked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    clients = _clients(municipal_admin, reviewer_chaoyang, clerk_chaoyang)
    walked = []
    for path, method, op in _operations():
        if "application/json" not in op.get("requestBody", {}).get("content", {}):
            continue
        url = _url(path, objects)
        with nothing_written():
            r = _first_not_refused(clients, lambda c, m=method, u=url: getattr(c, m)(
                u, "null", content_type="application/json"))
        assert r.status_code == 400, (method, url, r.status_code, r.content[:300])
        body = r.json()
        assert _chinese(body.get("detail", "")), (method, url, body)
        assert all(_chinese(e["reason_zh"]) for e in body.get("errors", [])), (method, url, body)
        walked.append(f"{method} {path}")
    assert len(walked) >= 15, walked


def test_every_operation_refuses_a_query_parameter_it_does_not_read(
        objects, municipal_admin, reviewer_chaoyang, clerk_chaoyang):
    clients = _clients(municipal_admin, reviewer_chaoyang, clerk_chaoyang)
    walked = []
    for path, method, _op in _operations():
        url = _url(path, objects)
        with nothing_written():
            r = _first_not_refused(clients, lambda c, m=method, u=url: getattr(c, m)(
                f"{u}?{UNKNOWN}=1", {}, format="json"))
        assert r.status_code == 400, (method, url, r.status_code, r.content[:300])
        assert r["Content-Type"].startswith(PROBLEM)
        [entry] = [e for e in r.json()["errors"] if e["field"] == UNKNOWN]
        assert f"不认识的查询参数“{UNKNOWN}”" in entry["reason_zh"], entry
        assert _chinese(r.json().get("detail", "")), (method, url, r.json())
        walked.append(f"{method} {path}")
    assert len(walked) >= 40, walked


def test_each_view_reads_exactly_the_query_parameters_its_operation_documents():
    for path, method, op in _operations():
        cls, actions = _view(_match(path))
        assert issubclass(cls, KnownQueryParams), f"{cls.__name__} ({path}) is not a KnownQueryParams"
        key = actions[method] if actions else method
        reads = set(cls.query_params.get(key, ())) | set(ALWAYS)
        documented = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"} | set(ALWAYS)
        assert reads == documented, (method, path, sorted(reads), sorted(documented))


def _bodies(serializer: serializers.Serializer, where: str):
    yield where, serializer
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.Serializer):
            yield from _bodies(field, f"{where}.{name}")


def test_every_request_body_is_strict_and_its_yes_no_fields_take_json_booleans_only():
    from drf_spectacular.generators import SchemaGenerator as Generator

    generator = Generator()
    generator._initialise_endpoints()
    seen = 0
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        if not path.startswith("/api/v1/") or method.lower() not in ("post", "put", "patch"):
            continue
        view.request = None
        body = view.schema.get_request_serializer()
        if isinstance(body, dict):
            body = next(iter(body.values()))
        if body is None:
            continue
        body = body() if isinstance(body, type) else body
        for where, s in _bodies(body, f"{method} {path}"):
            assert isinstance(s, StrictSerializer), f"{where}: {type(s).__name__} is not a StrictSerializer"
            for name, field in s.fields.items():
                if isinstance(field, serializers.BooleanField) and not field.read_only:
                    assert isinstance(field, StrictBooleanField), f"{where}.{name} is not a StrictBooleanField"
        seen += 1
    assert seen >= 20
