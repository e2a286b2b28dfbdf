"""One domain error type (core.errors) and one mapper per front end (issue 14 §2): every kind is built
the same way, and the API and the pages answer the same refusal with the same status and text."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shebao.api.errors import problem_exception_handler
from shebao.backoffice.errors import refusal, refusal_text
from shebao.cases.workflows import (
    GuardFailed,
    IllegalTransition,
    LiftDateImplausible,
    LiftNeedsConfirmation,
    NotAllowed,
    StaleCase,
)
from shebao.core.errors import Conflict, DomainError, IdempotencyMismatch, Unprocessable, UploadRefused
from shebao.core.permissions import ActionRefused

# (kind, status, code, problem type, default field)
KINDS = [
    (DomainError, 400, "invalid", "validation", ""),
    (UploadRefused, 400, "invalid_upload", "upload", "file"),
    (Conflict, 409, "conflict", "conflict", "action"),
    (IllegalTransition, 409, "illegal_transition", "illegal_transition", "action"),
    (StaleCase, 409, "stale", "stale", "action"),
    (Unprocessable, 422, "unprocessable", "unprocessable", "action"),
    (GuardFailed, 422, "precondition_failed", "precondition_failed", "action"),
    (LiftNeedsConfirmation, 422, "needs_confirmation", "needs_confirmation", "action"),
    (LiftDateImplausible, 422, "implausible_date", "implausible_date", "action"),
    (IdempotencyMismatch, 422, "idempotency_mismatch", "idempotency_mismatch", "Idempotency-Key"),
    (NotAllowed, 403, "role_not_allowed", "role_not_allowed", "action"),
    (ActionRefused, 403, "role_not_allowed", "role_not_allowed", "action"),
]


def _api(exc: Exception) -> tuple[int, dict]:
    response = problem_exception_handler(exc, {})
    assert response is not None
    response.accepted_renderer = None
    return response.status_code, json.loads(json.dumps(response.data, default=str))


@pytest.mark.parametrize(("kind", "status", "code", "problem", "default_field"), KINDS,
                         ids=[k[0].__name__ for k in KINDS])
def test_every_kind_is_built_alike_and_answered_alike_by_both_front_ends(kind, status, code, problem, default_field):
    exc = kind("不能这样办理", "not like this", field="facts.period.from")
    assert issubclass(kind, DomainError)
    assert (exc.zh, exc.en, exc.field, exc.status, exc.code, str(exc)) == (
        "不能这样办理", "not like this", "facts.period.from", status, code, "不能这样办理")
    assert kind("不能这样办理", "not like this").field == default_field
    api_status, body = _api(exc)
    assert api_status == status
    assert body["type"].endswith(f"/{problem}") and body["status"] == status and body["detail"] == "不能这样办理"
    assert body["errors"] == [{"field": "facts.period.from", "code": code, "reason_zh": "不能这样办理",
                               "reason_en": "not like this"}]
    assert refusal_text(exc) == ("不能这样办理", status)


def test_a_kind_that_names_several_fields_is_answered_with_each():
    class Several(DomainError):
        def entries(self):
            return [("details.amount_fen", "金额无效", "bad amount"), ("person", "须指明参保人员", "person needed")]

    exc = Several("金额无效", "bad amount", field="details.amount_fen")
    status, body = _api(exc)
    assert status == 400 and [e["field"] for e in body["errors"]] == ["details.amount_fen", "person"]
    assert refusal(exc).messages == ["金额无效", "须指明参保人员"] and refusal_text(exc) == ("金额无效；须指明参保人员", 400)


def test_the_pages_map_djangos_refusals_too_and_re_raise_anything_else():
    assert refusal_text(PermissionDenied("只能办理本区的申请")) == ("只能办理本区的申请", 403)
    assert refusal_text(PermissionDenied()) == ("无权进行此操作", 403)
    assert refusal(ValidationError({"summary": "须填写摘要", "phone": "电话无效"})).messages == ["须填写摘要", "电话无效"]
    assert refusal_text(ValidationError({"version": "已被他人修改，请刷新"})) == ("已被他人修改，请刷新", 409)
    with pytest.raises(KeyError):
        refusal(KeyError("not a refusal"))
