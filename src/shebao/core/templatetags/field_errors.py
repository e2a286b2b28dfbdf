"""A form error is shown at its input: ``{% invalid field_errors "name" %}`` inside the input's tag
marks it (``aria-invalid="true" aria-describedby="error-name"``), ``{% field_error field_errors "name" %}``
after it prints the message with that id. The summary at the top of the page (``backoffice/_error_summary.html``)
only repeats them, with a link to each input.

A box drawn again without a character no one can see (`core.masking.shown_text`) has, after its
message, the text as it was posted with that character marked by its code point
(`core.masking.typed_marked`: 填写的是：王[U+3164]五), so the position the message names can be seen
(review F2). Read from the request's POST by the input's name (``changes.<field>`` is ``new_<field>``).

``field_errors`` is a dict ``{input name: Chinese message}`` (`backoffice.errors.Refusal.fields`, or
`Refusal.at(prefix)` on a page with several forms); a missing or empty dict renders nothing.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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


def _typed(context: Any, name: str) -> str:
    request = context.get("request") if hasattr(context, "get") else None
    if request is None or request.method != "POST":
        return ""
    from shebao.core.masking import typed_marked

    posted = f"new_{name.removeprefix('changes.')}" if name.startswith("changes.") else name
    for value in request.POST.getlist(posted):
        if marked := typed_marked(value):
            return marked
    return ""


@register.simple_tag(takes_context=True)
def typed_mark(context: Any, name: str) -> str:
    """``<span class="typed-marked">填写的是：王<mark>U+3164</mark>五</span>`` when the input ``name`` was
    posted holding a character no one can see, else "": for the forms that print their own messages
    (the portals' business fields and Django forms)."""
    typed = _typed(context, name)
    # typed_marked escapes the text it shows
    return format_html('<span class="typed-marked">填写的是：{}</span>', mark_safe(typed)) if typed else ""


@register.simple_tag(takes_context=True)
def field_error(context: Any, field_errors: Any, name: str) -> str:
    """The message of an input at fault, placed right after it: ``<span class="bad field-error"
    id="error-<name>">…</span>``, or "". When the posted value holds a character no one can see, the
    text as typed follows with the character marked (``<span class="typed-marked">``)."""
    text = _message(field_errors, name)
    if not text:
        return ""
    return format_html('<span class="bad field-error" id="error-{}">{}{}</span>', name, text, typed_mark(context, name))
