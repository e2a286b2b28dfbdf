"""`{% if user|collection_may:"collection.bank_result.import" %}`: pages show only what a role may do."""

from __future__ import annotations

from typing import Any

from django import template

from shebao.collection.permissions import collection_may as _may

register = template.Library()


@register.filter
def collection_may(user: Any, action: str) -> bool:
    return _may(user, action)
