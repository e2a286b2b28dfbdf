"""The policy in force: the configured pack plus every published announcement, in order.

Announcements are rows of `core.Announcement`; publishing one is adding data, never code. The
policy is cached per process and rebuilt when the set of announcements changes: each call reads how
many announcements there are (one indexed query), so every request sees an announcement the moment it
is committed. An API call with a key gets that count with its key's read (`state_annotations`,
`remember_state`: one round trip instead of two on the submission's path); the count then holds for
the rest of that request, as of its start, unless the request itself writes an announcement.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, IntegerField, Max
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from shebao.core.models import Announcement

_lock = threading.Lock()
_cache: dict[tuple[str, int, int], Any] = {}
# (pack, count, newest id) read earlier in this request; None outside requests and after a change.
_request_state: contextvars.ContextVar[tuple[str, int, int] | None] = contextvars.ContextVar(
    "shebao_policy_state", default=None)


def policy_pack_name() -> str:
    return getattr(settings, "SHEBAO_POLICY_PACK", "beijing-2020-epidemic")


def _apply(policy: Any, *, changes: Mapping[str, Any], effective: str | None, ident: str, title: str,
           clause: str, document: str = "") -> Any:
    from shebao.rules.policy import Reference

    return policy.with_announcement(dict(changes), effective=effective, id=ident, title=title,
                                    reference=Reference(document or title or "公告", clause or "0.1"))


def announcement_document(ann: Announcement) -> str:
    """How a published announcement is cited (a value's reference, a decision's basis): its title and
    the day it was published, in Chinese."""
    from shebao.rules.wording import date_zh

    day = timezone.localdate(ann.published_at) if ann.published_at else None
    return f"{ann.title}（{date_zh(day)}发布）" if day else ann.title


def _compiled(policy: Any) -> Any:
    from shebao.rules.tables import compile_tables

    compile_tables(policy)
    return policy


def _announcements_state(pack: str) -> tuple[int, int]:
    """How many announcements the pack has and the newest id: a change of either means a new policy."""
    state = Announcement.objects.filter(pack=pack).aggregate(n=Count("pk"), last=Coalesce(Max("pk"), 0))
    return int(state["n"]), int(state["last"])


def state_annotations() -> dict[str, Any]:
    """The configured pack's announcement state as two annotations (`policy_announcements`,
    `policy_newest`) of another query, read in the same statement; hand them to `remember_state`.
    Written as RawSQL (Django's public expression for a fixed SQL fragment): a scalar subquery over a
    handful of rows, which the ORM's Subquery/Coalesce/Count would compile anew on every request."""
    table = connection.ops.quote_name(Announcement._meta.db_table)
    pack = policy_pack_name()
    return {
        "policy_announcements": RawSQL(f"SELECT COUNT(*) FROM {table} WHERE pack = %s", (pack,),
                                       output_field=IntegerField()),
        "policy_newest": RawSQL(f"SELECT COALESCE(MAX(id), 0) FROM {table} WHERE pack = %s", (pack,),
                                output_field=IntegerField()),
    }


def remember_state(count: int, newest: int) -> None:
    """The state read by `state_annotations` holds for the rest of this request."""
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
        # Publication order is the order of the rows (their ids), not of the time stamps: a training
        # copy's business clock may be set back between two publications.
        rows = list(Announcement.objects.filter(pack=name).order_by("pk"))
        for ann in rows:
            policy = _apply(policy, changes={ann.parameter: ann.value},
                            effective=ann.effective_from.isoformat() if ann.effective_from else None,
                            ident=f"announcement-{ann.pk}", title=ann.title, clause=ann.clause,
                            document=announcement_document(ann))
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


def policy_what_if(*, lifted_on: dt.date, pack: str | None = None) -> Any:
    """The policy in force plus a hypothetical announcement of the lifted date `lifted_on` (0.3)."""
    return policy_with({"epidemic.lifted_on": lifted_on.isoformat()}, pack=pack, title="假设公告：疫情解除日期")


def epidemic_lifted_on(*, pack: str | None = None) -> dt.date | None:
    """The lifted date of the policy in force (0.3), or None: every reader outside the rules asks here
    (the rules' own reader is `shebao.rules.epidemic_lifted_on`)."""
    from shebao.rules import epidemic_lifted_on as lifted_on_in

    return lifted_on_in(current_policy(pack=pack))


@transaction.atomic
def announcement_publish(
    *, actor: Any, parameter: str, value: Any, title: str, clause: str = "",
    effective_from: dt.date | None = None, pack: str | None = None,
) -> Announcement:
    """Publish an announcement after checking that the pack accepts it (name, type, range)."""
    from shebao.rules.yamlload import PackError

    name = pack or policy_pack_name()
    from shebao.core.permissions import actor_user, require

    require(actor, "announcement.publish")
    try:
        _apply(current_policy(pack=name), changes={parameter: value},
               effective=effective_from.isoformat() if effective_from else None, ident="check", title=title,
               clause=clause)
    except (PackError, KeyError, ValueError) as e:
        raise ValidationError({"value": f"公告内容无效：{e}"}) from None
    # Stored under the parameter's own name, never an alias: a reader queries one spelling.
    ann = Announcement.objects.create(
        published_by=actor_user(actor), pack=name,
        parameter=current_policy(pack=name).canonical_name(parameter), value=value, effective_from=effective_from, clause=clause, title=title,
    )
    from shebao.core.audit import audit_create

    audit_create(actor=actor, instance=ann, reason=f"发布政策公告（第{clause or '0.1'}条）")
    return ann


# --- Reading the policy in plain Chinese (0.1: "及时向社会通告") -------------------------------------


@dataclass(frozen=True)
class PublishedAnnouncement:
    """A stored announcement as people read it: what it says (written from the policy), its clause,
    whether it is still in force, and which earlier announcements it corrects."""

    row: Announcement
    text: str
    clause_zh: str
    in_force: bool
    corrects: tuple[Announcement, ...]
    corrected_by: Announcement | None


def _covers(later: Announcement, earlier: Announcement) -> bool:
    """A later announcement corrects an earlier one when it sets the same parameter from the same
    date (or, both undated, amends the same value) and, for a month map, names every month it named."""
    if (later.parameter, later.effective_from) != (earlier.parameter, earlier.effective_from):
        return False
    if isinstance(earlier.value, dict):
        return isinstance(later.value, dict) and set(earlier.value) <= set(later.value)
    return True


def announcements_published(*, pack: str | None = None) -> list[PublishedAnnouncement]:
    """Every announcement of the pack, newest first, each with its text and whether it is in force.

    Nothing is lost on a correction: the corrected announcement stays, marked with the one that
    corrected it.
    """
    from shebao.rules.wording import announcement_text, clause_zh

    name = pack or policy_pack_name()
    policy = current_policy(pack=name)
    rows = list(Announcement.objects.filter(pack=name).select_related("published_by").order_by("pk"))
    corrected_by: dict[int, Announcement] = {}
    corrects: dict[int, list[Announcement]] = {}
    for i, earlier in enumerate(rows):
        for later in rows[i + 1:]:
            if _covers(later, earlier):
                corrected_by[earlier.pk] = later
                corrects.setdefault(later.pk, []).append(earlier)
                break
    out = []
    for row in reversed(rows):
        try:
            text = announcement_text(policy, row.parameter, row.value,
                                     effective=row.effective_from.isoformat() if row.effective_from else None)
        except (KeyError, ValueError, TypeError):
            text = "（该公告的参数已不在现行政策包中）"
        out.append(PublishedAnnouncement(row, text, clause_zh(row.clause or "0.1"), row.pk not in corrected_by,
                                         tuple(corrects.get(row.pk, ())), corrected_by.get(row.pk)))
    return out


def policy_statements(*, pack: str | None = None) -> list[Any]:
    """The sentences about the policy in force (`shebao.rules.wording.Sentence`), in the pack's order."""
    from shebao.rules.wording import policy_sentences

    return policy_sentences(current_policy(pack=pack))


def policy_title(*, pack: str | None = None) -> str:
    """The Chinese title of the pack in force (the notice the policy comes from)."""
    policy = current_policy(pack=pack)
    return str(policy.title.get("zh") or "现行社会保险经办政策")
