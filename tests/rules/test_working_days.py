"""The official calendar of working days: the State Council's notices, 2020's extension, make-up days,
and no guess for a year nobody has published."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from shebao.rules import PackError
from shebao.rules.working_days import CalendarError, build_calendar, official_calendar

CAL = official_calendar()


def test_the_2020_spring_festival_holiday_runs_to_the_extended_end_on_february_2() -> None:
    # 国务院办公厅关于延长2020年春节假期的通知 (2020-01-27): the holiday from 01-24 through 02-02.
    for d in range(24, 32):
        assert not CAL.is_working_day(date(2020, 1, d))
    assert not CAL.is_working_day(date(2020, 2, 1))  # the make-up Saturday the extension cancelled
    assert not CAL.is_working_day(date(2020, 2, 2))
    assert CAL.is_working_day(date(2020, 2, 3))  # Reading 7.1: the first working day after it


def test_weekend_days_made_working_days_count_and_weekday_holidays_do_not() -> None:
    for made_up in ("2020-01-19", "2020-04-26", "2020-05-09", "2020-06-28", "2020-09-27", "2020-10-10"):
        assert CAL.is_working_day(date.fromisoformat(made_up)), made_up
    for off in ("2020-01-01", "2020-04-06", "2020-05-04", "2020-05-05", "2020-06-25", "2020-06-26",
                "2020-10-08"):
        assert not CAL.is_working_day(date.fromisoformat(off)), off
    assert CAL.is_working_day(date(2020, 3, 2)) and not CAL.is_working_day(date(2020, 3, 7))


def test_counting_starts_the_day_after_the_event_the_civil_code_way() -> None:
    # art. 201: the Friday itself is not counted; the next working day is the make-up Sunday 01-19.
    assert CAL.nth_working_day_after(date(2020, 1, 17), 1) == date(2020, 1, 19)
    # On a working day: the day itself still does not count.
    assert CAL.nth_working_day_after(date(2020, 2, 3), 1) == date(2020, 2, 4)
    # From inside the holiday: the first working day after it.
    assert CAL.nth_working_day_after(date(2020, 1, 25), 1) == date(2020, 2, 3)


def test_working_days_are_counted_with_both_ends_included() -> None:
    # 2020-09-27 (make-up Sunday) .. 2020-10-10 (make-up Saturday): 27, 28, 29, 30, 9, 10 = 6
    assert CAL.count(date(2020, 9, 27), date(2020, 10, 10)) == 6
    assert CAL.count(date(2020, 10, 1), date(2020, 10, 8)) == 0
    assert CAL.count(date(2020, 10, 2), date(2020, 10, 1)) == 0


def test_every_day_of_every_known_year_is_what_the_package_says() -> None:
    day, end = date(min(CAL.years), 1, 1), date(max(CAL.years), 12, 31)
    assert min(CAL.years) <= 2020 <= max(CAL.years)
    while day <= end:
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_a_day_of_a_year_nobody_has_published_is_an_error_not_a_guess() -> None:
    after = date(max(CAL.years) + 1, 3, 2)  # a Tuesday in 2027: a guess would say "working"
    with pytest.raises(CalendarError, match=f"{after.year}年"):
        CAL.is_working_day(after)
    with pytest.raises(CalendarError):
        CAL.is_working_day(date(min(CAL.years) - 1, 6, 1))
    with pytest.raises(CalendarError, match="超出已录入的工作日历"):
        CAL.nth_working_day_after(date(max(CAL.years), 12, 30), 5)


YEAR_2027 = """years:
  2027:
    source: "a test notice"
    holidays: ["2027-01-01"]
    workdays: ["2027-01-09"]
"""


def test_a_year_the_package_lacks_is_pack_data_with_its_source(tmp_path: Path) -> None:
    f = tmp_path / "calendar.yaml"
    f.write_text(YEAR_2027)
    cal = build_calendar(f)
    assert cal.sources[2027] == "a test notice" and cal.sources[2020] == "chinesecalendar"
    assert not cal.is_working_day(date(2027, 1, 1))  # a Friday made a holiday
    assert cal.is_working_day(date(2027, 1, 9))  # a Saturday made a working day
    assert cal.is_working_day(date(2027, 1, 4)) and not cal.is_working_day(date(2027, 1, 10))
    # 2026-12-31 (Thu) -> the first working day after: 2027-01-01 is off, 01-02/03 weekend -> 01-04
    assert cal.nth_working_day_after(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_a_gap_year_between_known_years_is_still_unknown(tmp_path: Path) -> None:
    f = tmp_path / "calendar.yaml"
    f.write_text('years:\n  2028:\n    source: "a test notice"\n    holidays: ["2028-01-03"]\n    workdays: []\n')
    cal = build_calendar(f)
    with pytest.raises(CalendarError, match="2027年"):
        cal.nth_working_day_after(date(2026, 12, 30), 10)
    with pytest.raises(CalendarError, match="2027年"):
        cal.count(date(2026, 12, 1), date(2028, 1, 31))


@pytest.mark.parametrize(("text", "reason"), [
    (YEAR_2027.replace('    source: "a test notice"\n', ""), "source"),
    (YEAR_2027.replace('"2027-01-01"', '"2027-01-02"'), "is a weekend day"),
    (YEAR_2027.replace('"2027-01-09"', '"2027-01-08"'), "is a weekday"),
    (YEAR_2027.replace('"2027-01-09"', '"2026-01-10"'), "not in 2027"),
    (YEAR_2027.replace('"2027-01-09"', '"2027-02-30"'), "not a date"),
    ("days: []\n", "years"),
])
def test_a_malformed_calendar_year_is_refused_with_its_reason(tmp_path: Path, text: str, reason: str) -> None:
    f = tmp_path / "calendar.yaml"
    f.write_text(text)
    with pytest.raises(PackError, match=reason):
        build_calendar(f)


def test_the_shipped_pack_lists_no_year_the_package_already_has() -> None:
    # A listed year replaces the package's whole year: only a year it lacks or a correction belongs.
    assert all(source == "chinesecalendar" for source in CAL.sources.values())
