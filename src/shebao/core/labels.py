"""Chinese names for what the database stores as codes: catalog enum values, policy packs and
announcements. Pages, receipts and the API read names from here (and the catalog behind it), never
show a code to a clerk or an applicant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from shebao.rules.catalog import catalog
from shebao.rules.catalog import label as catalog_label

_ANNOUNCEMENT_ROW = re.compile(r"^announcement-(\d+)$")


def enum_zh(enum: str, value: str | None) -> str:
    """The catalog's Chinese name of ``value`` of ``enum``; empty for an empty value.

    A value the catalog does not know is shown as 未知（…）rather than failing the page: the
    catalog test (tests/core/test_chinese_text.py) keeps every stored value named.
    """
    if not value:
        return ""
    try:
        return catalog_label(enum, value)
    except KeyError:
        if enum in catalog().labels:
            return f"未知（{value}）"
        raise


@lru_cache(maxsize=16)
def pack_title_zh(pack: str) -> str:
    """The Chinese title of a policy pack (``pack.yaml`` title.zh), e.g. the notice of 2020-01-31."""
    from shebao.rules.policy import load_policy

    try:
        policy = load_policy(pack)
    except Exception:  # a pack since removed: still name it, as a pack
        return f"政策包（{pack}）"
    return policy.title.get("zh") or f"政策包（{pack}）"


def policy_zh(pack: str, version: str = "") -> str:
    """A pack and its version as a sentence: 《title》（版本 2020.01.31）."""
    title = pack_title_zh(pack)
    return f"《{title}》" + (f"（版本{version}）" if version else "")


BASE_PACK = "base"


def clauses_cited_zh(clauses: Iterable[str], pack: str, version: str = "") -> str:
    """What a decision rests on, as one sentence: the document that has its clauses, named by its title,
    then the clauses; and the ordinary rules where it rests on those (``base``, or no clause at all).
    ``("1.1b", "0.2"), "beijing-2020-epidemic"`` → ``北京市社会保险基金管理中心2020年1月31日通知第1.1b条、第0.2条``;
    ``("1.1b", "base")`` adds ``；北京市社会保险常态规则``. No pack version (a release of the rules, not
    something a reader cites) and no brackets around a title that may hold its own (review-user12 F5:
    the clause, then the notice's title and its version, each in brackets inside the clause's own,
    read as doubled closing brackets and jargon).
    review-user11 F8: a case decided by the ordinary rules is never attributed to the emergency notice;
    the staff page printed 第base条. ``version`` is accepted and not said."""
    from shebao.rules.wording import clause_zh

    clauses = [c for c in clauses if c]
    own = [clause_zh(c) for c in clauses if c != BASE_PACK]
    parts = [f"{pack_title_zh(pack)}{'、'.join(own)}"] if own else []
    if (BASE_PACK in clauses or not own) and not (own and pack == BASE_PACK):
        parts.append(pack_title_zh(BASE_PACK))
    return "；".join(parts)


def announcement_titles_zh(ids: Iterable[str], *, pack: str | None = None) -> list[str]:
    """Titles of the announcements applied to a policy, from their ids.

    ``announcement-N`` is the published row N (``core.Announcement``); any other id is one of the
    pack's own announcements (``announcements.yaml``). An id whose row is gone is named by number.
    """
    from shebao.core.models import Announcement

    ids = list(ids)
    rows = {m.group(1): None for i in ids if (m := _ANNOUNCEMENT_ROW.match(str(i)))}
    titles = dict(Announcement.objects.filter(pk__in=[int(k) for k in rows]).values_list("pk", "title")) \
        if rows else {}
    pack_titles: dict[str, str] = {}
    if any(not _ANNOUNCEMENT_ROW.match(str(i)) for i in ids):
        from shebao.core.policy import policy_pack_name
        from shebao.rules.policy import load_policy

        pack_titles = {a.id: a.title for a in load_policy(pack or policy_pack_name()).announcements}
    out = []
    for i in ids:
        m = _ANNOUNCEMENT_ROW.match(str(i))
        if m:
            out.append(titles.get(int(m.group(1))) or f"第{m.group(1)}号公告")
        else:
            out.append(pack_titles.get(str(i)) or "公告")
    return out

