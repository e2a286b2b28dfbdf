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


@register.simple_tag
def field_input(field: Any) -> str:
    """A form field's input; at fault, marked and tied to its message: ``aria-invalid="true"`` and
    ``aria-describedby="<id>-error"`` (the message `portal/_field.html` prints), so the focus the
    shared form script moves to the first input at fault (web/forms.js) reads out why (review-user6 F5)."""
    if not field.errors:
        return field.as_widget()
    return field.as_widget(attrs={"aria-invalid": "true", "aria-describedby": f"{field.id_for_label}-error"})
