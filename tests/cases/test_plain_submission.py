"""A system's plain submission (API key, plain JSON) skips DRF's machinery; it must answer exactly as
DRF does, and leave to DRF everything that is not plain, refusals included."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from shebao.api import cases as api
from shebao.cases.models import Case
from shebao.staff.services import api_token_create
from tests.personas import SETUP

HEADERS = ("Content-Type", "Allow", "Vary", "Idempotent-Replayed", "X-Frame-Options", "X-Content-Type-Options",
           "Content-Language")


@pytest.fixture
def key_client(clerk_chaoyang):
    _token, key = api_token_create(actor=SETUP, user=clerk_chaoyang, name="intake")
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return c


@pytest.fixture
def paths(monkeypatch):
    """Calls the API once with the plain path allowed and once with it switched off (DRF alone);
    returns both answers and whether the plain path answered the first."""
    real = api._plain_submission

    def call(client, body, key, *, content=None, **extra):
        answered = []

        def spy(request, view):
            response = real(request, view)
            answered.append(response is not None)
            return response

        out = []
        for plain, suffix in ((True, "plain"), (False, "drf")):
            monkeypatch.setattr(api, "_plain_submission", spy if plain else (lambda request, view: None))
            kw = {"HTTP_IDEMPOTENCY_KEY": f"{key}-{suffix}"} if key else {}
            if content is not None:
                r = client.post("/api/v1/cases/", content, content_type="application/json", **kw, **extra)
            else:
                r = client.post("/api/v1/cases/", body, format="json", **kw, **extra)
            out.append(r)
        monkeypatch.setattr(api, "_plain_submission", real)
        return out[0], out[1], bool(answered and answered[0])

    return call


def _same(a, b) -> None:
    assert a.status_code == b.status_code
    for h in HEADERS:
        assert a.get(h) == b.get(h), h
    ja, jb = json.loads(a.content), json.loads(b.content)
    if isinstance(ja, dict) and "id" in ja:
        assert a["Location"] == f"/api/v1/cases/{ja['id']}/" and b["Location"] == f"/api/v1/cases/{jb['id']}/"
        for noise in ("id", "created_at"):
            ja.pop(noise), jb.pop(noise)
    assert ja == jb


def test_a_plain_submission_and_its_retry_answer_as_drf_does(key_client, employer_chaoyang, paths):
    body = {"business": "monthly_report_back_payment", "channel": "online", "employer": employer_chaoyang.pk,
            "applied_on": "2020-02-10", "contact_phone": "13800138000",
            "facts": {"period": {"from": "2020-01", "to": "2020-01"}}}
    plain, drf, taken = paths(key_client, body, "k1")
    assert taken and plain.status_code == 201
    _same(plain, drf)
    retry_plain, retry_drf, taken = paths(key_client, body, "k1")  # the same keys again
    assert taken and retry_plain.status_code == 200 and retry_plain["Idempotent-Replayed"] == "true"
    _same(retry_plain, retry_drf)
    assert Case.objects.count() == 2  # one per key, nothing doubled
    assert json.loads(retry_plain.content)["id"] == json.loads(plain.content)["id"]


@pytest.mark.parametrize("case", ["other_district", "bad_body", "unknown_business", "not_json", "nan", "form",
                                  "long_key", "bad_key", "inactive", "query", "big_body"])
def test_anything_not_plain_is_left_to_drf_and_answered_alike(key_client, employer_chaoyang, employer_haidian,
                                                              clerk_chaoyang, paths, settings, case):
    body = {"business": "monthly_report_back_payment", "channel": "online", "employer": employer_chaoyang.pk}
    key, content, extra, client = "k2", None, {}, key_client
    if case == "other_district":
        body["employer"] = employer_haidian.pk
    elif case == "bad_body":
        body["channel"] = "telepathy"
    elif case == "unknown_business":
        body["business"] = "no_such_business"  # refused by the service (a DomainError), not the input check
    elif case == "not_json":
        content = "{not json"
    elif case == "nan":
        content = json.dumps({**body, "facts": {"person": {"age": float("nan")}}})
    elif case == "long_key":
        key = "k" * 120
    elif case == "bad_key":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Bearer shb_wrong")
    elif case == "inactive":
        clerk_chaoyang.is_active = False
        clerk_chaoyang.save(update_fields=["is_active"])
    elif case == "query":
        extra = {"QUERY_STRING": "format=json"}
    elif case == "big_body":  # over Django's in-memory limit: answered as DRF answers it (Django's 400)
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50
    if case == "form":
        plain = key_client.post("/api/v1/cases/", body, HTTP_IDEMPOTENCY_KEY="k-form")
        assert plain.status_code == 201  # multipart works through DRF as before
        return
    plain, drf, taken = paths(client, body, key, content=content, **extra)
    assert not taken
    if case == "big_body":
        assert plain.status_code == drf.status_code == 400 and plain.content == drf.content
        return
    if case == "query":
        assert plain.status_code == 201
        json.loads(plain.content)
        return
    assert plain.status_code >= 400
    _same(plain, drf)
