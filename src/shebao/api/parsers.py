"""The API's JSON parser: a body is refused (400, problem details) before any view sees it when it
nests deeper than `core.inputs.JSON_MAX_DEPTH`, or holds a NUL, another control character or a lone
surrogate in any string or key (issue 16 §1: ``{"person": {"x": "\\ud800"}}`` was stored on SQLite and
broke every case list; 100,000 nested brackets raised RecursionError). A string value holding a character
of the invisible table (core.invisible) is a 400 validation problem at its field (``details.insured_name``:
第1位是不可见的字符U+3164（韩文填充符）…), not an unreadable body. An object naming a key twice
(``{"employer": 1, "employer": 2}``) is refused at that key (review F5: the last one won silently, so a
client and a proxy could read two different requests from one body).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers
from rest_framework.utils import json as strict_json

from shebao.api.errors import PayloadTooLarge
from shebao.core.inputs import JSON_MAX_KEYS, json_problem, json_text_problem_at
from shebao.core.json_once import JsonDuplicateKey as DuplicateKey
from shebao.core.json_once import json_object_once as _pairs_once


class _TooManyKeys(Exception):
    pass


def json_loads_checked(text: str) -> Any:
    """``text`` read as DRF reads JSON (no NaN or Infinity), no object naming a key twice (ValidationError
    at that key), then checked (`core.inputs.json_problem`).
    Raises DRF's ValidationError at the field of a string holding a character no one can see or a control
    character (`core.inputs.json_text_problem_at`), else ValueError with the Chinese reason."""
    keys = 0

    def pairs_counted(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal keys
        keys += len(pairs)
        if keys > JSON_MAX_KEYS:  # refused before any serializer reads a key (review-input12 F7)
            raise _TooManyKeys
        return _pairs_once(pairs)

    try:
        value = strict_json.loads(text, object_pairs_hook=pairs_counted)
    except RecursionError:
        raise ValueError("JSON嵌套层数过多") from None
    except _TooManyKeys:
        raise ValueError(f"请求内容的项目过多（超过{JSON_MAX_KEYS}个），请检查后重新提交") from None
    except DuplicateKey as e:
        from shebao.core.inputs import strip_bad_text
        from shebao.core.masking import mask_text

        key = mask_text(strip_bad_text(e.key)[:40]) or "（空）"
        raise exceptions.ValidationError(
            {key: [f"项目“{key}”在同一对象中出现了不止一次：每个项目只能填写一次，请删去重复的项目"]}) from None
    problem = json_problem(value, check_ints=False)  # an integer is its field's to judge (api.fields.IdField)
    if problem:
        path, at = json_text_problem_at(value)
        if path:
            # a character no one can see in a string: said at its field (details.insured_name), as a
            # form says it beside the box (review-input9 F1), not as an unreadable body
            detail: Any = [f"{_label_of(value, path)}{at}"]
            for key in reversed(path):
                detail = {key: detail}
            raise exceptions.ValidationError(detail)
        raise ValueError(f"请求内容{problem}")
    return value


def _label_of(body: Any, path: tuple[str, ...]) -> str:
    """The Chinese label of the field at ``path`` of an application's content (``details.diagnosed_on``:
    确诊日期, by the body's business when it names one), or ``""``: the English key alone is no name a
    person reads (bad-input review 16, 2)."""
    if len(path) < 2 or path[0] != "details":
        return ""
    from shebao.rules.business_fields import details_label

    business = body.get("business") if isinstance(body, dict) else None
    return details_label(path[1:], business if isinstance(business, str) else None)


class NotUtf8(exceptions.APIException):
    """415: a body declared in another character set than UTF-8."""

    status_code = 415
    default_code = "unsupported_charset"


def utf8_only(parser_context: dict | None) -> str:
    """"utf-8", or NotUtf8 (415, Chinese) when the request declares another charset: a JSON body is
    UTF-8 (RFC 8259 §8.1) and so is every form the API takes; ``charset=latin-1`` was obeyed, so the
    same bytes read as other text than a client meant (review-input12 F11)."""
    import codecs

    declared = str((parser_context or {}).get("encoding") or "utf-8")
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        name = ""
    if name != "utf-8":
        shown = "".join(c for c in declared if c.isascii() and c.isprintable())[:40]
        raise NotUtf8(f"请求内容须为UTF-8编码，不接受字符集“{shown}”：请去掉Content-Type中的charset或改为charset=utf-8")
    return "utf-8"


class CheckedFormParser(parsers.FormParser):
    """DRF's FormParser, UTF-8 only (`utf8_only`)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        utf8_only(parser_context)
        return super().parse(stream, media_type, parser_context)


class CheckedMultiPartParser(parsers.MultiPartParser):
    """DRF's MultiPartParser, UTF-8 only (`utf8_only`)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        utf8_only(parser_context)
        return super().parse(stream, media_type, parser_context)


class CheckedJSONParser(parsers.JSONParser):
    """DRF's JSONParser plus `json_loads_checked`'s refusals (ParseError: 400 problem details), UTF-8
    only (`utf8_only`)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        parser_context = parser_context or {}
        encoding = utf8_only(parser_context)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        data = stream.read(limit + 1 if limit is not None else -1) if stream is not None else b""
        if limit is not None and len(data) > limit:
            raise PayloadTooLarge()
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise exceptions.ParseError("请求内容不是有效的UTF-8文字") from None
        try:
            return json_loads_checked(text)
        except ValueError as e:
            message = str(e)
            if not any("\u4e00" <= ch <= "\u9fff" for ch in message):
                message = "请求内容不是有效的JSON"
            raise exceptions.ParseError(message) from None
