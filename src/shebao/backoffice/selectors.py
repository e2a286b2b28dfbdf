"""Reads for the back-office pages: queues with filters, capped counts, and indexed ordering.

No list counts more than it can show: counts per filter stop at `COUNT_CAP` (shown as "1000+"),
and paging reads one row beyond the page instead of counting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet

from shebao.cases import selectors as case_selectors
from shebao.cases.models import Case, Channel, Mode, Status
from shebao.core import clock

COUNT_CAP = 1000
PAGE_SIZE = 50
OPEN_STATUSES = case_selectors.OPEN_STATUSES
NEAR_DEADLINE_DAYS = 3

# Queue order: clause 9's medical-staff work-injury cases first (priority), then by deadline.
QUEUE_ORDER = (F("priority").desc(), F("deadline").asc(nulls_last=True), F("pk").asc())


@dataclass(frozen=True)
class QueueFilter:
    scope: str = "office"  # "mine" | "office"
    business: str = ""
    mode: str = ""
    status: str = "open"  # a status, "open" or "all"
    channel: str = ""
    deadline: str = ""  # "overdue" | "soon" | ""
    q: str = ""  # a case number ("123" or "#123"), or the applicant's name / pinyin initials

    @property
    def case_number(self) -> int | None:
        """The case number the search names, or None when it names an applicant."""
        text = self.q.lstrip("#＃").strip()
        if text.isascii() and text.isdigit() and len(text) <= 18:
            return int(text)
        return None

    @classmethod
    def from_query(cls, q: Any) -> QueueFilter:
        def pick(name: str, allowed: list[str] | None, default: str = "") -> str:
            value = (q.get(name) or default).strip()
            return value if (allowed is None or value in allowed) else default

        return cls(
            scope=pick("scope", ["mine", "office"], "office"),
            business=pick("business", None)[:60],
            mode=pick("mode", list(Mode.values)),
            status=pick("status", ["open", "all", *Status.values], "open"),
            channel=pick("channel", list(Channel.values)),
            deadline=pick("deadline", ["overdue", "soon"]),
            q=" ".join(pick("q", None).split())[:60],
        )


def _applicant_match(q: str) -> Q:
    """An applicant named by what a clerk types: the start of a person's name or their pinyin
    initials (张三 → zs), or part of an employer's name."""
    match = Q(person__name__startswith=q) | Q(employer__name__contains=q)
    if q.isascii() and q.isalpha():
        match |= Q(person__name_initials__startswith=q.lower())
    return match


def queue(*, user: Any, f: QueueFilter, today: dt.date | None = None) -> QuerySet[Case]:
    """The user's queue under the filter. A case number finds that case whatever the other
    filters say (a clerk who types a number wants that case); a name narrows the filtered queue."""
    today = today or clock.today()
    qs = case_selectors.case_list(user=user)
    if f.case_number is not None:
        return qs.filter(pk=f.case_number)
    if f.q:
        qs = qs.filter(_applicant_match(f.q))
    if f.scope == "mine":
        qs = qs.filter(assignee=user)
    if f.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif f.status != "all":
        qs = qs.filter(status=f.status)
    if f.business:
        qs = qs.filter(business=f.business)
    if f.mode:
        qs = qs.filter(mode=f.mode)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.deadline == "overdue":
        qs = qs.filter(deadline__lt=today)
    elif f.deadline == "soon":
        qs = qs.filter(deadline__gte=today, deadline__lte=today + dt.timedelta(days=NEAR_DEADLINE_DAYS))
    return qs


def capped_count(qs: QuerySet) -> tuple[int, bool]:
    """(count, capped): counts at most COUNT_CAP + 1 rows, so the cost is bounded."""
    n = qs[: COUNT_CAP + 1].count()
    return min(n, COUNT_CAP), n > COUNT_CAP


# The queue's pages: no further (the offset scan grows with the page); a filter narrows instead.
QUEUE_PAGES = 200


def queue_page(qs: QuerySet[Case], *, page: int) -> tuple[list[Case], bool]:
    start = (page - 1) * PAGE_SIZE
    rows = list(
        qs.order_by(*QUEUE_ORDER)[start: start + PAGE_SIZE + 1]
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def status_counts(*, user: Any, f: QueueFilter) -> list[tuple[str, str, int, bool]]:
    """Counts of the open statuses under the other filters: (value, label, count, capped).

    Without narrowing filters each status is counted on the (office, status, …) index, capped at
    COUNT_CAP. With them, one query groups at most COUNT_CAP + 1 matching rows: exact counts when
    the filters leave no more than that, else one "1000+" total, so the page never scans an office.
    """
    narrowing = f.business or f.mode or f.channel or f.deadline or f.scope == "mine" or f.q
    if not narrowing:
        out = []
        for value in OPEN_STATUSES:
            n, capped = capped_count(queue(user=user, f=QueueFilter(**{**f.__dict__, "status": value})))
            if n:
                out.append((value, Status(value).label, n, capped))
        return out
    sample = list(queue(user=user, f=f).order_by().values_list("status", flat=True)[: COUNT_CAP + 1])
    if len(sample) > COUNT_CAP:
        return [("", "全部", COUNT_CAP, True)]
    counts: dict[str, int] = {}
    for status in sample:
        counts[status] = counts.get(status, 0) + 1
    return [(v, Status(v).label, counts[v], False) for v in Status.values if counts.get(v)]


def business_choices() -> list[tuple[str, str]]:
    from shebao.rules import BUSINESSES

    return [(b.code, b.zh) for b in BUSINESSES]
