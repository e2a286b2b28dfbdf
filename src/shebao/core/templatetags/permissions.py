"""`{% if user|may:"announcement.publish" %}`: a page asks the permission table what to show.

Loaded for every template (settings: TEMPLATES OPTIONS builtins), so a template needs no `{% load %}`.
"""

from __future__ import annotations

from typing import Any

from django import template

from shebao.core import permissions

register = template.Library()


@register.filter
def may(user: Any, action: str) -> bool:
    """Whether `user` may make `action` of the table (core/permissions.py); an unknown action is an error."""
    return permissions.may(user, action)
