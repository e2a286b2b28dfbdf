"""The period a statement or a report is asked for (对账截止日、统计期间、月报月份), checked before anything
is printed (bad-input review E14).

A statement or report shows what has happened. A period is refused, with a Chinese reason naming
the parameter, when it

- is not a date (``YYYY-MM-DD``) or a month (``YYYY-MM``; full-width digits are read as ASCII),
- lies outside the plausible business dates (core.inputs.business_date_range),
- lies after the business date (core.clock): a statement "as of" next year prints today's amounts
  under next year's date, a report of next month has no figures yet,
- ends before the first record the report is made from (``first``, given by the caller: an
  employer's first due or payment, the first tallied day): a leaders' monthly report for 1990-01,
  thirty years before any data, is an empty page that looks like a finding.

Every PDF and report period parameter goes through `report_day` / `report_month` / `check_period`;
tests/reports/test_periods.py tries each view with the same bad periods.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django.core.exceptions import ValidationError

from shebao.core.inputs import business_date_problem, read_date
from shebao.core.normalize import normalize_date_text

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: message} if field else message)


def report_day(raw: object, *, label: str, today: dt.date, default: dt.date | None = None,
               first: dt.date | None = None, first_what: str = "最早的记录", field: str = "") -> dt.date:
    """The day ``raw`` (``YYYY-MM-DD``) of a statement or report: `default` when empty (ValidationError
    "请填写…" when there is none), else a date within the plausible business dates, not after `today`
    and not before `first` (when given; `first_what` names what `first` is, e.g. "该单位最早的缴费记录").

    ValidationError in Chinese naming `label`, keyed by `field` when given."""
    text = normalize_date_text(raw)
    if not text:
        if default is None:
            raise _refuse(field, f"请填写{label}")
        return default
    try:  # a day the calendar does not have is said so, as everywhere (core.inputs.date_text_problem)
        day = read_date(text, label=label, plausible=False)  # the range: check_period, below
    except ValueError as e:
        raise _refuse(field, str(e)) from None
    assert day is not None
    check_period(day, day, label=label, today=today, first=first, first_what=first_what, field=field, shown=text)
    return day


def report_month(raw: object, *, label: str, today: dt.date, default: str | None = None,
                 first: dt.date | None = None, first_what: str = "最早的记录", field: str = "") -> str:
    """The month ``raw`` (``YYYY-MM``) of a report, as ``YYYY-MM``: `default` when empty, else a month
    whose first day is a plausible business date, that has begun by `today` and that does not end
    before `first` (when given). ValidationError in Chinese naming `label` otherwise."""
    text = normalize_date_text(raw)
    if not text:
        if default is None:
            raise _refuse(field, f"请填写{label}")
        text = default
    m = _MONTH.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise _refuse(field, f"{label}“{text[:20]}”应为“年-月”，如2020-02")
    start = dt.date(int(m.group(1)), int(m.group(2)), 1)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])  # 9999-12 has no next month
    check_period(start, end, label=label, today=today, first=first, first_what=first_what, field=field,
                 shown=text)
    return text


def check_period(start: dt.date, end: dt.date, *, label: str, today: dt.date, first: dt.date | None = None,
                 first_what: str = "最早的记录", field: str = "", shown: str = "") -> None:
    """ValidationError (Chinese, naming `label`) unless the period `start`..`end` (inclusive) is made of
    plausible business dates, has begun by `today` and does not end before `first` (when given).

    A period that reaches past today (a month in progress, a range ending today) is fine: what has
    happened so far is reported. `shown` is how the period is written in the message, what was typed
    (default: the dates), quoted as core.inputs.read_date quotes it: 对账截止日“0001-01-01”早于…, never
    strftime's 1-01-01 (bad-input review 16, 4)."""
    what = f"“{shown}”" if shown else (f"“{start.isoformat()}”" if start == end
                                     else f"“{start.isoformat()}”至“{end.isoformat()}”")
    for day in (start, end):
        problem = business_date_problem(day, today=today)
        if problem:
            raise _refuse(field, f"{label}{what}{problem}")
    if start > today:
        if start == end:
            message = f"{label}{what}晚于今天（{today:%Y-%m-%d}），只能查看已经发生的业务"
        else:
            message = f"{label}{what}尚未开始（今天是{today:%Y-%m-%d}），还没有数据"
        raise _refuse(field, message)
    if first is not None and end < first:
        raise _refuse(field, f"{label}{what}早于{first_what}（{first:%Y-%m-%d}），此前没有数据，请核对")


__all__ = ["check_period", "report_day", "report_month"]
