"""An audit case's deadline in working days, moved by its suspensions (7.1, Reading 7.1).

The time limit is the labour-inspection rule's (劳动保障监察条例 第十七条): ``audit.time_limit_working_days``
(60) from opening, ``audit.extension_working_days`` (30) more when extended: pack parameters read
on the day the case was opened. Days are counted on the official calendar of working days
(:mod:`.working_days`), the Civil Code way (art. 201): the day of opening is not counted, counting
starts the next day. The days of a suspension, from its first through its last day, are not
counted (7.1: the deadline is extended, 顺延, by the working days suspended); a suspension not yet
ended (no ``end``: resumption not announced) leaves the deadline unknown.

>>> r = audit_deadline(date(2020, 1, 10), time_limit=60, suspensions=[Suspension(date(2020, 2, 3), None)])
>>> (r.deadline, r.working_days)
(None, 10)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .dates import InputError
from .policy import Policy
from .working_days import CalendarError, WorkingCalendar, official_calendar


@dataclass(frozen=True)
class Suspension:
    """Work on the case stopped from ``start`` through ``end`` (both included); ``end`` ``None``:
    not resumed yet."""

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise InputError(f"中止期间的结束日 {self.end.isoformat()} 早于开始日 {self.start.isoformat()}")


@dataclass(frozen=True)
class AuditDeadline:
    """``deadline``: the last day of the time limit (a working day), ``None`` while a suspension that
    began before it has not ended.

    ``working_days``: the working days counted from the day after opening, suspended days left out:
    up to and including the deadline (the time limit itself, 60 or 90), or, when the deadline is
    unknown, up to the day the open suspension began (the time limit minus these is what is left
    when work resumes).
    """

    deadline: date | None
    working_days: int


def audit_time_limit(policy: Policy, *, opened_on: date, extended: bool) -> int:
    """Working days of an audit case's time limit from the pack, in force on the day of opening:
    ``audit.time_limit_working_days`` plus ``audit.extension_working_days`` when extended."""
    limit = 0
    for name in ("audit.time_limit_working_days", "audit.extension_working_days")[: 2 if extended else 1]:
        value = policy.value(name, opened_on)
        if value is None:
            first = policy.parameter(name).first_effective()
            raise InputError(f"开案日 {opened_on.isoformat()} 尚无 {name} 的取值（该规定自 {first} 起施行）")
        limit += value
    return limit


def _merged(suspensions: Iterable[Suspension]) -> list[tuple[date, date | None]]:
    """Suspensions sorted and merged where they overlap or touch; an open one absorbs the rest."""
    out: list[tuple[date, date | None]] = []
    for s in sorted(suspensions, key=lambda s: s.start):
        if out:
            start, end = out[-1]
            if end is None:
                break
            if s.start <= end + timedelta(days=1):
                out[-1] = (start, None if s.end is None else max(end, s.end))
                continue
        out.append((s.start, s.end))
    return out


def audit_deadline(
    opened_on: date, *, time_limit: int, suspensions: Iterable[Suspension] = (),
    calendar: WorkingCalendar | None = None,
) -> AuditDeadline:
    """The deadline of a case opened on ``opened_on`` with ``time_limit`` working days (>= 1).

    Raises :class:`~.working_days.CalendarError` when the count needs a day of a year whose official
    calendar is not known.
    """
    if time_limit < 1:
        raise InputError(f"期限须至少为1个工作日，收到 {time_limit}")
    cal = calendar or official_calendar()
    cur = opened_on + timedelta(days=1)  # Civil Code art. 201: the day of opening is not counted
    cal.check_known(opened_on, cur)
    needed = time_limit
    for start, end in _merged(suspensions):
        if end is not None and end < cur:
            continue
        if start > cur:
            try:
                candidate: date | None = cal.nth_working_day_from(cur, needed)
            except CalendarError:
                candidate = None  # past the known years: counting up to the suspension says more
            if candidate is not None and candidate < start:
                return AuditDeadline(candidate, time_limit)
            needed -= cal.count(cur, start - timedelta(days=1))
        if end is None:
            return AuditDeadline(None, time_limit - needed)
        cur = max(cur, end + timedelta(days=1))
    return AuditDeadline(cal.nth_working_day_from(cur, needed), time_limit)
