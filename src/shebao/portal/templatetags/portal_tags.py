"""Template helpers of the portal's pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """`errors|get_item:name`: the value under a key computed in the template ("" when absent)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
