"""The API's one cursor pagination: DRF's CursorPagination with the cursor's position checked.

A cursor is a base64 query parameter the client sends back; DRF decodes it and filters on its position
as given, so a forged cursor (``?cursor=cD1hYmM=``, base64 of ``p=abc``) reached the query and answered
500 on every list (bad-input review D5), and a hand-made one at a real position was honoured (F13).
Now every cursor this API hands out is signed (an HMAC under SECRET_KEY, salted with the list's
path, `django.core.signing`), so a cursor that was not handed out by this list, or was changed, is
refused before it is decoded; and its position must still be a value of the ordering field (an
integer within a 64-bit column, a month ``YYYY-MM``, …) before any query runs. Either refusal is 400
problem details keyed ``cursor``, "分页游标无效" in Chinese (it was a 404, as if the list did not exist).

A filter whose values are a fixed set (``status``, ``mode``, ``stage`` …) is read through
`choice_param`: a value outside the set is 400 naming the allowed values, never an empty list.

The other paging parameters are checked too, never ignored (review-input5 F8: ``?page=13800138000``
answered the first page and was copied into ``next``, so a client asking for page 2 got page 1 without
being told): ``page_size`` is honoured within 1..MAX_PAGE_SIZE, anything else in it is 400; a
page-number or offset parameter (``page``, ``offset``, ``limit``, ``per_page``) is 400 naming the
cursor; a list answered whole refuses them all (``check_paging(paged=False)``).
"""

from __future__ import annotations

import re
from base64 import b64decode, b64encode
from typing import Any
from urllib import parse

from django.conf import settings
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.utils.urls import replace_query_param

_INTEGER = re.compile(r"-?\d{1,18}")
INVALID = "分页游标无效，请从第一页重新查询"
MAX_PAGE_SIZE = 200
# Paging styles this API does not page by: a client that sends one is told, not answered page 1.
OTHER_STYLES = ("page", "offset", "limit", "per_page")
NOT_BY_NUMBER = "本接口按游标分页，不接受{name}参数：翻页请使用上一页答复中的 next 地址（cursor 参数）"
NOT_PAGED = "此列表一次答复全部结果，不分页，不接受{name}参数"


def check_paging(request: Any, *, paged: bool = True, max_page_size: int = MAX_PAGE_SIZE) -> int | None:
    """Refuse a paging parameter the list does not honour, and read ``page_size``.

    Answers the page size asked for (1..max_page_size) or None when none was given (or it is empty). A ``page``,
    ``offset``, ``limit`` or ``per_page`` (and any paging parameter of a list answered whole,
    ``paged=False``) raises DRF's ValidationError keyed by the parameter: 400 problem details in
    Chinese. A value is echoed masked and cut (core.masking.mask_text), as core.inputs.page_number does.
    """
    from shebao.core.masking import mask_text

    query = request.query_params
    names = OTHER_STYLES if paged else (*OTHER_STYLES, "page_size", "cursor")
    errors = {name: (NOT_BY_NUMBER if paged else NOT_PAGED).format(name=name) for name in names if name in query}
    size = None
    if paged and "page_size" in query:
        for raw in query.getlist("page_size"):
            text = str(raw).strip()
            if not text:  # an empty field (a form left blank) asks for no size: the default
                continue
            if not (text.isascii() and text.isdigit()) or len(text) > 6 or not 1 <= int(text) <= max_page_size:
                errors["page_size"] = (f"每页条数“{mask_text(text[:40])[:20]}”无效，"
                                       f"应为1至{max_page_size}的整数（不填为{api_page_size()}）")
                break
            size = int(text)
    if errors:
        raise ApiValidationError(errors)
    return size


def choice_param(request: Any, name: str, choices: Any, *, label: str) -> str | None:
    """The query parameter `name` when it is one of `choices` (a Django ``TextChoices`` class, a list
    of (value, Chinese label) pairs, or a list of values; `label` is the filter's Chinese name), None when absent or empty; any other value raises DRF's ValidationError keyed by
    `name` (400 problem details) naming the allowed values with their Chinese labels (F13: an unknown
    ``status`` answered an empty list, as if nothing had that status). The value is echoed masked and
    cut (core.masking.mask_text)."""
    from shebao.core.masking import mask_text

    values = request.query_params.getlist(name)
    if not values or all(not str(v).strip() for v in values):
        return None
    pairs = list(getattr(choices, "choices", choices))
    pairs = [p if isinstance(p, tuple) else (p, "") for p in pairs]
    allowed, labels = [v for v, _ in pairs], dict(pairs)
    value = str(values[-1]).strip()
    if len(values) > 1:  # review-input7 F10: two good values were refused as if the last were unknown
        raise ApiValidationError({name: f"{label}（参数{name}）只能给一个值，收到{len(values)}个"})
    if value not in allowed:
        shown = "、".join(f"{v}（{labels[v]}）" if labels.get(v) else v for v in allowed)
        raise ApiValidationError({name: f"{label}（参数{name}）“{mask_text(value[:40])[:20]}”无效，可选值：{shown}"})
    return value


def date_param(request: Any, name: str, *, label: str) -> Any:
    """The query parameter `name` as a business date (``YYYY-MM-DD``, full-width digits read), None when
    absent or empty. Given twice, a day the calendar does not have (日期“2020-02-30”不存在：2020年2月只有29天),
    another shape, or a day outside the plausible business range (1990 .. a year after today) is 400
    problem details of the validation type (review-input14 6: ``?on=9999-12-31`` answered an empty list,
    2020-02-30 was called a format error, ２０２０-02-01 was refused, ``on`` twice was taken)."""
    from shebao.core import clock
    from shebao.core.inputs import business_date_problem, date_text_problem
    from shebao.core.normalize import normalize_date_text

    values = request.query_params.getlist(name)
    if not values or all(not str(v).strip() for v in values):
        return None
    if len(values) > 1:
        raise ApiValidationError({name: f"{label}（参数{name}）只能给一个值，收到{len(values)}个"})
    text = normalize_date_text(values[-1])
    if why := date_text_problem(text, label=label):
        raise ApiValidationError({name: why})
    import datetime as dt

    day = dt.date.fromisoformat(text)
    if why := business_date_problem(day, today=clock.today()):
        raise ApiValidationError({name: f"{label}“{text}”{why}"})
    return day


def bool_param(request: Any, name: str, *, label: str) -> bool | None:
    """The query parameter `name` as a yes/no filter: ``true`` or ``false`` (any case), None when
    absent or empty; anything else is 400 naming the two values, never taken as "no filter"."""
    from shebao.core.masking import mask_text

    raw = [str(v).strip().lower() for v in request.query_params.getlist(name)]
    if not raw or all(not v for v in raw):
        return None
    if len(raw) > 1:
        raise ApiValidationError({name: f"{label}（参数{name}）只能给一个值，收到{len(raw)}个"})
    if raw[-1] not in ("true", "false"):
        raise ApiValidationError({name: f"{label}（参数{name}）“{mask_text(raw[-1][:40])[:20]}”无效，"
                                        "可选值：true（是）、false（否）"})
    return raw[-1] == "true"


def api_page_size() -> int:
    """The API's default page size (settings.REST_FRAMEWORK["PAGE_SIZE"])."""
    from rest_framework.settings import api_settings

    return int(api_settings.PAGE_SIZE or 50)


def page_parameters() -> list[Any]:
    """The OpenAPI parameters of a cursor page (``cursor``, ``page_size``), for a list written as an
    APIView that pages by hand (drf-spectacular adds them itself only to a generic list view); their
    Chinese descriptions and the size's bounds are added by shebao.api.docs."""
    from drf_spectacular.utils import OpenApiParameter

    return [OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)]


def _invalid_cursor() -> ApiValidationError:
    return ApiValidationError({"cursor": INVALID})


# Parameters that may change between the pages of one walk; every other parameter is a filter, and a
# cursor is signed for its list's path AND its filters (review-input7 F9: a cursor of ?business=refund
# was honoured on the unfiltered list, which silently skipped the cases before its position).
_NOT_FILTERS = frozenset({"cursor", "page_size"})


def _signer(path: str, query: Any) -> signing.Signer:
    """The signer of a list's cursors: its path and its filters (``query``: a QueryDict or parse_qs
    mapping of the request's parameters), in a canonical order."""
    getlist = query.getlist if hasattr(query, "getlist") else query.get
    filters = sorted((k, v) for k in query if k not in _NOT_FILTERS for v in getlist(k))
    # Signed with SECRET_KEY; verified under it or any of SECRET_KEY_FALLBACKS, so a rotated key does
    # not send every client in the middle of a walk back to page one (issue 16).
    return signing.Signer(salt=f"shebao.api.cursor:{path}?{parse.urlencode(filters)}",
                          fallback_keys=settings.SECRET_KEY_FALLBACKS)


class CheckedCursorPagination(CursorPagination):
    """CursorPagination whose cursors are signed for their list and whose position is checked against
    the ordering field before any query (400 problem details keyed ``cursor`` if not)."""

    invalid_cursor_message = INVALID
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def encode_cursor(self, cursor: Cursor) -> str:
        """DRF's cursor (base64 of o/r/p), signed for this list's path."""
        tokens: dict[str, str] = {}
        if cursor.offset != 0:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        encoded = b64encode(parse.urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")
        url = parse.urlsplit(self.base_url)
        query = parse.parse_qs(url.query, keep_blank_values=True)
        return replace_query_param(self.base_url, self.cursor_query_param,
                                   _signer(url.path, query).sign(encoded))

    def decode_cursor(self, request: Any) -> Cursor | None:
        """The cursor of the request, None without one; 400 (`cursor`) unless it is one this list
        handed out, unchanged."""
        values = request.query_params.getlist(self.cursor_query_param)
        if not values:
            return None
        if len(values) > 1:
            raise _invalid_cursor()
        try:
            encoded = _signer(request.path, request.query_params).unsign(str(values[0]))
            tokens = parse.parse_qs(b64decode(encoded.encode("ascii")).decode("ascii"), keep_blank_values=True)
            offset = int(tokens.get("o", ["0"])[0])
            reverse = tokens.get("r", ["0"])[0]
            position = tokens.get("p", [None])[0]
        except (signing.BadSignature, TypeError, ValueError, UnicodeError):
            raise _invalid_cursor() from None
        if not 0 <= offset <= self.offset_cutoff or reverse not in ("0", "1"):
            raise _invalid_cursor()
        return Cursor(offset=offset, reverse=reverse == "1", position=position)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        check_paging(request, max_page_size=self.max_page_size)
        cursor = self.decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            self._check_position(queryset, cursor.position, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Any) -> int:
        """The checked ``page_size`` (check_paging ran first), else the list's own size."""
        size = check_paging(request, max_page_size=self.max_page_size)
        return size if size is not None else self.page_size

    def _check_position(self, queryset: Any, position: str, request: Any, view: Any) -> None:
        model = queryset.model
        ordering = self.get_ordering(request, queryset, view)
        name = ordering[0].lstrip("-") if ordering else "pk"
        try:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        except FieldDoesNotExist:
            return
        if isinstance(field, models.IntegerField | models.AutoField | models.BigAutoField):
            if not _INTEGER.fullmatch(position):
                raise _invalid_cursor()
            return
        try:
            field.clean(field.to_python(position), None)
        except (ValidationError, TypeError, ValueError):
            raise _invalid_cursor() from None
