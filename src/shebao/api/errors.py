"""Errors as JSON problem details (RFC 9457): a type, a title, and per field the reason in Chinese and English.

`problem_exception_handler` is the API's ONE mapper from a refused call to an answer (DRF's
EXCEPTION_HANDLER): a domain error (core.errors, ActionRefused included) answers its own status,
code and problem type with its Chinese text as the detail; Django's ValidationError, PermissionDenied
and Http404 become DRF's, and DRF's own become problem details.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from shebao.core.errors import DomainError

TITLES = {
    400: ("请求数据有误", "The request is invalid"),
    401: ("请先登录", "Authentication required"),
    403: ("无权进行此操作", "Permission denied"),
    404: ("未找到", "Not found"),
    405: ("不支持此方法", "Method not allowed"),
    409: ("与当前状态冲突", "Conflict with the current state"),
    415: ("不支持的内容类型", "Unsupported media type"),
    422: ("无法处理", "Unprocessable"),
    428: ("缺少读取时的版本号", "Precondition required"),
    413: ("请求内容过大", "Request body too large"),
    429: ("请求过于频繁", "Too many requests"),
    500: ("系统出错", "Internal server error"),
    503: ("服务繁忙，请稍后再试", "Service unavailable, try again shortly"),
}
CSRF_FAILED = ("缺少或无效的CSRF令牌：以浏览器登录会话调用接口时，须在X-CSRFToken请求头中附上页面的CSRF令牌；"
               "系统对接请使用API密钥（Authorization: Bearer）")
# Seconds a client waits before retrying when the database is unavailable or busy (503).
RETRY_AFTER_SECONDS = 5


class PayloadTooLarge(exceptions.APIException):
    """413: a body over the configured limit (DATA_UPLOAD_MAX_MEMORY_SIZE), refused before it is read whole."""

    status_code = 413
    default_detail = "请求内容过大，超过了允许的大小"
    default_code = "payload_too_large"


def database_unavailable(exc: BaseException) -> bool:
    """The database is down, unreachable or too busy to answer (connection refused, SQLite locked):
    a 503 the client may retry, never a 500."""
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, "" if key == "non_field_errors" and not prefix else name))
    elif isinstance(detail, list):
        for item in detail:
            out.extend(_flatten(item, prefix))
    else:
        code = getattr(detail, "code", "invalid")
        out.append({"field": prefix, "code": str(code), "reason_zh": _in_chinese(str(detail), str(code)),
                    "reason_en": str(code).replace("_", " ")})
    return out


# DRF's messages its Chinese catalogue lacks (review-input10 F8: a body of null answered "No data
# provided"), by their code; any other message without a Chinese character is named as unreadable.
_ZH_BY_CODE = {
    "null": "请求内容为空（null）：请提交JSON对象",
    "invalid": "请求内容格式不正确",
    "required": "该项为必填项",
    "parse_error": "请求内容不是有效的JSON",
}


def _in_chinese(text: str, code: str) -> str:
    """`text` when it is Chinese already, else the Chinese words of its code (the English kept in brackets)."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    return f"{_ZH_BY_CODE.get(code, '请求内容不正确')}（{text}）" if text else _ZH_BY_CODE.get(code, "请求内容不正确")


def validation_detail(errors: list[dict[str, str]]) -> str:
    """The problem's `detail`: the first error's Chinese reason, and how many more the `errors` list
    holds (review-input10 F8: a client showing `detail` showed nothing for a refused field)."""
    if not errors:
        return "请求内容不正确"
    first = errors[0]
    where = f"{first['field']}：" if first["field"] else ""
    more = f"（另有{len(errors) - 1}处错误，见errors）" if len(errors) > 1 else ""
    return f"{where}{first['reason_zh']}{more}"


def problem(status_code: int, *, errors: list[dict[str, str]] | None = None, detail: str = "",
            code: str = "") -> Response:
    zh, en = TITLES.get(status_code, ("错误", "Error"))
    body: dict[str, Any] = {
        "type": f"https://shebao.invalid/problems/{code or status_code}",
        "title": zh,
        "title_en": en,
        "status": status_code,
    }
    if errors and not detail:
        detail = validation_detail(errors)  # every problem has a Chinese detail (review-input10 F8)
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, content_type="application/problem+json")


def domain_problem(exc: DomainError) -> Response:
    """A refused service call as problem details: the kind's status and type, an entry per field at
    fault (its code, the reason in Chinese and English), and the Chinese reason as the detail."""
    errors = [{"field": field, "code": exc.code, "reason_zh": zh, "reason_en": en} for field, zh, en in exc.entries()]
    return problem(exc.status, errors=errors, detail=exc.zh, code=exc.problem)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        # Django's limits of a form, said as what they are (review-input12 F11), not "bad request"
        from shebao.web.errors import form_limit_detail

        return problem(400, detail=form_limit_detail(exc), code="too_many_fields")
    elif database_unavailable(exc):
        resp = problem(503, detail="数据库暂时不可用或繁忙，请稍后重试", code="service_unavailable")
        resp["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return resp
    if isinstance(exc, DomainError):
        return domain_problem(exc)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        # DRF's session authentication: its English reason reached the client (review-input12 F16)
        return problem(403, detail=CSRF_FAILED, code="csrf_failed")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return problem(status.HTTP_400_BAD_REQUEST, errors=_flatten(exc.detail), code="validation")
    detail = exc.detail if isinstance(exc, exceptions.APIException) else ""
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else ""
    code = str(code) if isinstance(code, str) else ""
    resp = problem(response.status_code, detail=_in_chinese(str(detail), code), code=code)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            resp[header] = response[header]
    return resp
