"""The policy in force: the configured pack plus every published announcement, in order.

Announcements are rows of `core.Announcement`; publishing one is adding data, never code. The
policy is cached per process and rebuilt when the set of announcements changes: each call reads how
many announcements there are (one indexed query), so every request sees an announcement the moment it
is committed. An API call with a key gets that count with its key's read (`state_columns`,
`remember_state`: one round trip instead of two on the submission's path); the count then holds for
the rest of that request, as of its start, unless the request itself writes an announcement.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from shebao.core.fastsql import hot_cursor
from shebao.core.models import Announcement

_lock = threading.Lock()
_cache: dict[tuple[str, int, int], Any] = {}
# (pack, count, newest id) read earlier in this request; None outside requests and after a change.
_request_state: contextvars.ContextVar[tuple[str, int, int] | None] = contextvars.ContextVar(
    "shebao_policy_state", default=None)


def policy_pack_name() -> str:
    return getattr(settings, "SHEBAO_POLICY_PACK", "beijing-2020-epidemic")


def _apply(policy: Any, *, changes: Mapping[str, Any], effective: str | None, ident: str, title: str,
           clause: str) -> Any:
    from shebao.rules.policy import Reference

    return policy.with_announcement(dict(changes), effective=effective, id=ident, title=title,
                                    reference=Reference(title or "公告", clause or "0.1"))


def _compiled(policy: Any) -> Any:
    from shebao.rules.tables import compile_tables

    compile_tables(policy)
    return policy


_STATE_OF = ("COUNT(*)", "COALESCE(MAX(id), 0)")  # of the pack's announcements: how many, the newest id
_STATE_SQL = f"SELECT {', '.join(_STATE_OF)} FROM {Announcement._meta.db_table} WHERE pack = %s"


def _announcements_state(pack: str) -> tuple[int, int]:
    """How many announcements the pack has and the newest id: a change of either means a new policy.

    Plain SQL over a table of a handful of rows: every submission asks this, and the ORM's
    compilation of the aggregate cost more than the query itself.
    """
    with hot_cursor() as cursor:
        cursor.execute(_STATE_SQL, [pack])
        n, last = cursor.fetchone()
    return int(n), int(last)


def state_columns() -> tuple[list[str], list[Any]]:
    """Two scalar subqueries (with their parameters) that read the configured pack's announcement
    state within another statement; hand what they return to `remember_state`."""
    table = Announcement._meta.db_table
    return ([f"(SELECT {of} FROM {table} WHERE pack = %s)" for of in _STATE_OF],
            [policy_pack_name()] * len(_STATE_OF))


def remember_state(count: int, newest: int) -> None:
    """The state read by `state_columns` holds for the rest of this request."""
    _request_state.set((policy_pack_name(), int(count), int(newest)))


def forget_state(**_: Any) -> None:
    """At each request's start and end, and when this process writes an announcement."""
    _request_state.set(None)


def current_policy(*, pack: str | None = None) -> Any:
    """The pack with every stored announcement applied."""
    from shebao.rules.policy import load_policy

    name = pack or policy_pack_name()
    remembered = _request_state.get()
    key = remembered if remembered is not None and remembered[0] == name else (name, *_announcements_state(name))
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    policy = load_policy(name)
    if key[1]:
        rows = list(Announcement.objects.filter(pack=name).order_by("published_at", "pk"))
        for ann in rows:
            policy = _apply(policy, changes={ann.parameter: ann.value},
                            effective=ann.effective_from.isoformat() if ann.effective_from else None,
                            ident=f"announcement-{ann.pk}", title=ann.title, clause=ann.clause)
        policy = _compiled(policy)
        # Filed under what was read, not what was asked for: an announcement published between the
        # state's read (with the key, at the request's start) and this one must not be cached under
        # the older state.
        key = (name, len(rows), max((ann.pk for ann in rows), default=0))
    with _lock:
        _cache.clear()
        _cache[key] = policy
    return policy


def policy_with(changes: Mapping[str, Any], *, pack: str | None = None, title: str = "假设公告") -> Any:
    """The policy in force plus a hypothetical announcement (a what-if), never stored."""
    return _compiled(_apply(current_policy(pack=pack), changes=changes, effective=None, ident="what-if",
                            title=title, clause="0.1"))


def epidemic_lifted_on(*, pack: str | None = None) -> dt.date | None:
    value = current_policy(pack=pack).value("epidemic_lifted_on")
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@transaction.atomic
def announcement_publish(
    *, actor: Any, parameter: str, value: Any, title: str, clause: str = "",
    effective_from: dt.date | None = None, pack: str | None = None,
) -> Announcement:
    """Publish an announcement after checking that the pack accepts it (name, type, range)."""
    from shebao.rules.yamlload import PackError

    name = pack or policy_pack_name()
    if actor is not None and not (getattr(actor, "sees_whole_city", False) or getattr(actor, "is_superuser", False)):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("只有市中心工作人员可以发布公告")
    try:
        _apply(current_policy(pack=name), changes={parameter: value},
               effective=effective_from.isoformat() if effective_from else None, ident="check", title=title,
               clause=clause)
    except (PackError, KeyError, ValueError) as e:
        raise ValidationError({"value": f"公告内容无效：{e}"}) from None
    ann = Announcement.objects.create(
        published_by=actor if getattr(actor, "is_authenticated", False) else None, pack=name,
        parameter=parameter, value=value, effective_from=effective_from, clause=clause, title=title,
    )
    from shebao.core.audit import audit_create

    audit_create(actor=actor, instance=ann, reason=f"发布政策公告（第{clause or '0.1'}条）")
    return ann
