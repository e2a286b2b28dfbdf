"""What an announcement would change, gathered from every domain before it is published.

Each domain contributes a preview (cases: documents falling due, postponed cases resumed, flags
entering review; collection: employers whose late fees change). The page shows them side by
side; publishing runs the same domains' apply functions in the announcement's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class EffectSection:
    title: str
    count: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


def lift_preview(*, lifted_on: dt.date, user: Any) -> list[EffectSection]:
    sections: list[EffectSection] = []
    from shebao.cases import services as case_services

    preview = case_services.epidemic_lift_preview(lifted_on=lifted_on)
    sections.extend(_case_sections(preview))
    sections.extend(_collection_sections(lifted_on=lifted_on))
    return sections


def _case_sections(preview: Any) -> list[EffectSection]:
    data = preview if isinstance(preview, dict) else getattr(preview, "__dict__", {})
    titles = {
        "documents_due": "容缺材料将确定补交期限的申请（第1.3条）",
        "owed_dated": "容缺材料将确定补交期限的申请（第1.3条）",
        "postponed_resumed": "将恢复办理的暂缓申请（第4.2条）",
        "resumed": "将恢复办理的暂缓申请（第4.2条）",
        "flags_queued": "进入复核队列的手工应急操作（第7.4条）",
        "review_queue": "进入复核队列的手工应急操作（第7.4条）",
    }
    out = []
    for key, value in data.items():
        if key not in titles:
            continue
        rows = list(value) if isinstance(value, (list, tuple)) else []
        count = value if isinstance(value, int) else len(rows)
        out.append(EffectSection(titles[key], count, [r if isinstance(r, dict) else {"项目": str(r)}
                                                      for r in rows[:20]]))
    return out


def _collection_sections(*, lifted_on: dt.date) -> list[EffectSection]:
    try:
        from shebao.collection import services as collection_services
    except ImportError:
        return []
    what_if = getattr(collection_services, "assessment_what_if", None)
    if what_if is None:
        return []
    result = what_if(as_of=dt.date.today(), lifted_on=lifted_on)
    data = result if isinstance(result, dict) else getattr(result, "__dict__", {})
    affected = data.get("employers_affected", 0)
    return [EffectSection("滞纳金将发生变化的单位（第0.3条）", int(affected or 0), [],
                          note=f"新增滞纳金 {data.get('fees_added_fen', 0)} 分，减少 {data.get('fees_removed_fen', 0)} 分")]
