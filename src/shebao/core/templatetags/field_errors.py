"""A form error is shown at its input: ``{% invalid field_errors "name" %}`` inside the input's tag
marks it (``aria-invalid="true" aria-describedby="error-name"``), ``{% field_error field_errors "name" %}``
after it prints the message with that id. The summary at the top of the page (``backoffice/_error_summary.html``)
only repeats them, with a link to each input.

``field_errors`` is a dict ``{input name: Chinese message}`` (`backoffice.errors.Refusal.fields`, or
`Refusal.at(prefix)` on a page with several forms); a missing or empty dict renders nothing.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


def _message(field_errors: Any, name: str) -> str:
    if not field_errors or not hasattr(field_errors, "get"):
        return ""
    found = field_errors.get(name)
    if isinstance(found, (list, tuple)):
        return "；".join(str(m) for m in found)
    return str(found or "")


@register.simple_tag
def invalid(field_errors: Any, name: str) -> str:
    """The attributes of an input at fault: `` aria-invalid="true" aria-describedby="error-<name>"``, or ""."""
    if not _message(field_errors, name):
        return ""
    return format_html(' aria-invalid="true" aria-describedby="error-{}"', name)


@register.simple_tag
def field_error(field_errors: Any, name: str) -> str:
    """The message of an input at fault, placed right after it: ``<span class="bad field-error"
    id="error-<name>">…</span>``, or ""."""
    text = _message(field_errors, name)
    if not text:
        return ""
    return format_html('<span class="bad field-error" id="error-{}">{}</span>', name, text)
