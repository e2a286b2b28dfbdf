"""The API's one cursor pagination: DRF's CursorPagination with the cursor's position checked.

A cursor is a base64 query parameter the client sends back; DRF decodes it and filters on its position
as given, so a forged cursor (``?cursor=cD1hYmM=``, base64 of ``p=abc``) reached the query and answered
500 on every list (bad-input review D5). Here the position must be a value of the ordering field (an
integer within a 64-bit column, a month ``YYYY-MM``, …) before any query runs; anything else is 404
"invalid cursor" in Chinese, as DRF answers an undecodable one.

The other paging parameters are checked too, never ignored (review-input5 F8: ``?page=13800138000``
answered the first page and was copied into ``next``, so a client asking for page 2 got page 1 without
being told): ``page_size`` is honoured within 1..MAX_PAGE_SIZE, anything else in it is 400; a
page-number or offset parameter (``page``, ``offset``, ``limit``, ``per_page``) is 400 naming the
cursor; a list answered whole refuses them all (``check_paging(paged=False)``).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.pagination import CursorPagination

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


def api_page_size() -> int:
    """The API's default page size (settings.REST_FRAMEWORK["PAGE_SIZE"])."""
    from rest_framework.settings import api_settings

    return int(api_settings.PAGE_SIZE or 50)


class CheckedCursorPagination(CursorPagination):
    """CursorPagination whose cursor position is checked against the ordering field first (404 if not)."""

    invalid_cursor_message = INVALID
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

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
                raise NotFound(INVALID)
            return
        try:
            field.clean(field.to_python(position), None)
        except (ValidationError, TypeError, ValueError):
            raise NotFound(INVALID) from None
