"""The API's one cursor pagination: DRF's CursorPagination with the cursor's position checked.

A cursor is a base64 query parameter the client sends back; DRF decodes it and filters on its position
as given, so a forged cursor (``?cursor=cD1hYmM=``, base64 of ``p=abc``) reached the query and answered
500 on every list (bad-input review D5). Here the position must be a value of the ordering field (an
integer within a 64-bit column, a month ``YYYY-MM``, …) before any query runs; anything else is 404
"invalid cursor" in Chinese, as DRF answers an undecodable one.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

_INTEGER = re.compile(r"-?\d{1,18}")
INVALID = "分页游标无效，请从第一页重新查询"


class CheckedCursorPagination(CursorPagination):
    """CursorPagination whose cursor position is checked against the ordering field first (404 if not)."""

    invalid_cursor_message = INVALID

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        cursor = self.decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            self._check_position(queryset, cursor.position, request, view)
        return super().paginate_queryset(queryset, request, view)

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
