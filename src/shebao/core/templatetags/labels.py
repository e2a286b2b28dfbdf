"""Template filters that turn stored codes into the catalog's Chinese names (core.labels)."""

from __future__ import annotations

from typing import Any

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


@register.simple_tag
def clauses_cited(clauses: Any, pack: str, version: str = "") -> str:
    """{% clauses_cited case.clauses case.pack case.pack_version %}: the clauses with the pack that has
    them, the ordinary rules by their own title (`core.labels.clauses_cited_zh`)."""
    return labels.clauses_cited_zh(clauses or (), pack, version)


@register.filter
def announcement_titles(ids: list[str] | None) -> str:
    """{{ run.announcements|announcement_titles }}: the applied announcements by their titles."""
    return "、".join(f"《{t}》" for t in labels.announcement_titles_zh(ids or []))



@register.simple_tag(takes_context=True)
def staff_name(context: template.Context, label: str | None) -> str:
    """{% staff_name run.created_by_label %}: the staff member's name (朝阳区复核员) for an actor label
    that is a username; a system job's or an applicant's label (系统作业：…) is shown as it is.

    Audit rows, ledger entries and files keep the username (`permissions.actor_label`), which stays the
    key the audit search uses; pages show people by name (review-user3 U13). Looked up once per label
    and page render.
    """
    if not label:
        return ""
    cache = context.render_context.setdefault("staff_names", {})
    if label not in cache:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=label).only("username", "display_name").first()
        cache[label] = str(user) if user is not None else label
    return cache[label]


@register.filter
def district_short(name: str | None) -> str:
    """{{ employer.district.name|district_short }}: 朝阳区, as 所属区 says it (not the agency's full name,
    朝阳区社会保险基金管理中心: review-user14 (15))."""
    from shebao.registry.offices import short_name

    return short_name(name or "")
