"""The official calendar of working days (Reading 7.1): the State Council's yearly holiday notices.

A day is a working day when it is a weekday that is not a public holiday, or a weekend day made a
working day to make up for a holiday (调休). The notices come from the ``chinesecalendar`` package
(import name ``chinese_calendar``; it carries every notice from 2004 on, including the General
Office's notice of 2020-01-27 that extended the Spring Festival holiday to 2020-02-02, which also
cancelled the make-up working day of Saturday 2020-02-01). A year the package lacks, or a change it
has not caught up with, is pack data with its source (``packs/base/calendar.yaml``). A day of a
year neither knows is an error (:class:`CalendarError`), never a guess from the weekdays.

>>> cal = official_calendar()
>>> [cal.is_working_day(date(2020, 1, d)) for d in (19, 31)] + [cal.is_working_day(date(2020, 2, 3))]
[True, False, True]
>>> cal.nth_working_day_after(date(2020, 1, 23), 1)   # the holiday and its extension are skipped
datetime.date(2020, 2, 3)
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from .dates import InputError, parse_date
from .yamlload import Located, PackError, load_yaml

CALENDAR_FILE = Path(__file__).parent / "packs" / "base" / "calendar.yaml"


class CalendarError(InputError):
    """A day of a year whose official calendar is not known (neither the package nor the pack)."""


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days of the known years, as sorted ordinals (``date.toordinal()``).

    ``years`` are the years whose official calendar is known; ``sources`` says where each year's
    days come from (the package, or the pack's source of that year).
    """

    years: frozenset[int]
    working: tuple[int, ...]
    sources: dict[int, str] = field(default_factory=dict, compare=False)

    def check_known(self, first: date, last: date) -> None:
        """Raise :class:`CalendarError` unless every year from ``first`` to ``last`` is known."""
        for year in range(first.year, last.year + 1):
            if year not in self.years:
                raise CalendarError(
                    f"{year}年的国务院节假日安排未录入工作日历（已录入{min(self.years)}—{max(self.years)}年），"
                    "无法按工作日计算")

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day; :class:`CalendarError` for a year not known."""
        self.check_known(day, day)
        o = day.toordinal()
        i = bisect.bisect_left(self.working, o)
        return i < len(self.working) and self.working[i] == o

    def count(self, first: date, last: date) -> int:
        """Working days from ``first`` through ``last`` (both included; 0 when ``last < first``)."""
        if last < first:
            return 0
        self.check_known(first, last)
        return bisect.bisect_right(self.working, last.toordinal()) - bisect.bisect_left(
            self.working, first.toordinal())

    def nth_working_day_from(self, first: date, n: int) -> date:
        """The ``n``-th working day counting from ``first`` itself (``n >= 1``)."""
        if n < 1:
            raise ValueError("n >= 1")
        self.check_known(first, first)
        i = bisect.bisect_left(self.working, first.toordinal()) + n - 1
        if i >= len(self.working):
            raise CalendarError(f"自{first.isoformat()}起第{n}个工作日超出已录入的工作日历"
                                f"（已录入{min(self.years)}—{max(self.years)}年），无法计算")
        day = date.fromordinal(self.working[i])
        self.check_known(first, day)  # a gap year in between is unknown too
        return day

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day``, the Civil Code way (art. 201: the day an
        event happens is not counted; counting starts on the next day)."""
        return self.nth_working_day_from(day + timedelta(days=1), n)


def _package_years() -> tuple[dict[int, set[date]], dict[int, set[date]], range]:
    import chinese_calendar

    holidays: dict[int, set[date]] = {}
    makeup: dict[int, set[date]] = {}
    for d in chinese_calendar.holidays:
        holidays.setdefault(d.year, set()).add(d)
    for d in chinese_calendar.workdays:
        makeup.setdefault(d.year, set()).add(d)
    # The package's own range: the years of its holiday table (it refuses every other year).
    return holidays, makeup, range(min(holidays), max(holidays) + 1)


def _pack_years(path: Path) -> dict[int, tuple[str, set[date], set[date]]]:
    """Years listed in the pack: year -> (source, holidays, make-up working days)."""
    data = load_yaml(path) if path.is_file() else None
    if data is None:
        return {}
    if not isinstance(data, Located) or set(data) != {"years"} or not isinstance(data["years"], dict):
        raise PackError(path, 1, "expected a mapping with 'years: {YEAR: {source, holidays, workdays}}'")
    out = {}
    for key, entry in data["years"].items():
        where = data["years"] if isinstance(data["years"], Located) else data
        if not (isinstance(key, str) and len(key) == 4 and key.isdigit()):
            raise where.error(f"year {key!r}: expected a year such as 2027", key)
        year = int(key)
        if not isinstance(entry, Located) or set(entry) != {"source", "holidays", "workdays"}:
            raise where.error(f"year {year}: expected {{source, holidays, workdays}}", key)
        if not isinstance(entry["source"], str) or not entry["source"].strip():
            raise entry.error(f"year {year}: the source (the State Council's notice) is required", "source")
        days: list[set[date]] = []
        for key in ("holidays", "workdays"):
            raw = entry[key]
            if not isinstance(raw, list):
                raise entry.error(f"year {year}: {key} is a list of dates", key)
            parsed = set()
            for s in raw:
                try:
                    d = parse_date(s, key)
                except InputError as exc:
                    raise entry.error(f"year {year}: {exc}", key) from None
                if d.year != year:
                    raise entry.error(f"year {year}: {s} is not in {year}", key)
                weekend = d.weekday() >= 5
                if (key == "holidays") == weekend:
                    kind = "a weekend day" if weekend else "a weekday"
                    raise entry.error(f"year {year}: {s} in {key} is {kind}; holidays are weekdays off, "
                                      "workdays are weekend days worked", key)
                parsed.add(d)
            days.append(parsed)
        out[year] = (entry["source"], days[0], days[1])
    return out


def build_calendar(path: Path = CALENDAR_FILE) -> WorkingCalendar:
    """The package's years, with the pack's years (``path``) replacing or adding whole years."""
    holidays, makeup, package_range = _package_years()
    sources = {y: "chinesecalendar" for y in package_range}
    listed = _pack_years(path)
    for year, (source, off, worked) in listed.items():
        holidays[year], makeup[year], sources[year] = off, worked, source
    working: list[int] = []
    for year in sorted(sources):
        day, end = date(year, 1, 1), date(year, 12, 31)
        off, worked = holidays.get(year, set()), makeup.get(year, set())
        while day <= end:
            if day in worked or (day.weekday() < 5 and day not in off):
                working.append(day.toordinal())
            day += timedelta(days=1)
    return WorkingCalendar(frozenset(sources), tuple(working), sources)


@lru_cache(maxsize=1)
def official_calendar() -> WorkingCalendar:
    """The official calendar (built once per process)."""
    return build_calendar()
