"""Template filters that turn stored codes into the catalog's Chinese names (core.labels)."""

from __future__ import annotations

from django import template

from shebao.core import labels

register = template.Library()


@register.filter
def zh(value: str | None, enum: str) -> str:
    """{{ r|zh:"requirement" }}: the catalog's Chinese name of a value of that enum."""
    return labels.enum_zh(enum, value)


@register.simple_tag
def policy_zh(pack: str, version: str = "") -> str:
    """{% policy_zh case.pack case.pack_version %}: 《the pack's title》（版本…）."""
    return labels.policy_zh(pack, version)


@register.filter
def announcement_titles(ids: list[str] | None) -> str:
    """{{ run.announcements|announcement_titles }}: the applied announcements by their titles."""
    return "、".join(f"《{t}》" for t in labels.announcement_titles_zh(ids or []))

