"""District scoping: a district's staff see and change only their district's data.

Every selector that returns registry or case rows filters through `scope_queryset`, naming the
path from the model to its district; the municipal center sees all, and an account with no
office sees nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet


def user_sees_all(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or bool(getattr(user, "sees_whole_city", False))


def scope_queryset(qs: QuerySet, *, user: Any, district_path: str = "district") -> QuerySet:
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    if user_sees_all(user):
        return qs
    district = user.district
    if district is None:
        return qs.none()
    return qs.filter(**{district_path: district})


def user_may_see_district(user: Any, district_id: int | None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user_sees_all(user):
        return True
    district = user.district
    return district is not None and district.pk == district_id
