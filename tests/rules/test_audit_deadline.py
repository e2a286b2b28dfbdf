"""An audit case's deadline in working days (7.1, Reading 7.1): values counted by hand on the 2020
calendar (the notices of 2019-11-21 and 2020-01-27), then properties against a day-by-day count."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.rules import load_policy
from shebao.rules.audit import Suspension, audit_deadline, audit_time_limit
from shebao.rules.cli import main
from shebao.rules.working_days import CalendarError

D = date.fromisoformat


def test_sixty_working_days_run_past_the_extended_spring_festival() -> None:
    # Opened Mon 2020-01-20: 21, 22, 23 (3); 01-24..02-02 holiday; Feb 3-28 (20) = 23; March (22) = 45;
    # Apr 1-3 (3) = 48; Apr 4-6 Qingming; Apr 7-10 (4) = 52; Apr 13-17 = 57; Apr 20, 21, 22 = 60.
    # Without the extension (01-31 worked, 02-01 a make-up Saturday) it would end two days sooner.
    assert audit_deadline(D("2020-01-20"), time_limit=60) == _r("2020-04-22", 60)


def test_ninety_working_days_count_the_make_up_saturday_and_sunday_of_may_day() -> None:
    # From 60 on 04-22: Apr 23, 24 (62), Sun 04-26 made up (63), Apr 27-30 (67); May 1-5 off;
    # May 6, 7, 8 (70), Sat 05-09 made up (71), May 11-29 (86), Jun 1, 2, 3, 4 = 90.
    assert audit_deadline(D("2020-01-20"), time_limit=90) == _r("2020-06-04", 90)


def test_a_suspension_from_before_to_after_national_day_leaves_out_only_its_working_days() -> None:
    # Opened Tue 2020-09-01: Sep 2-25 (18), Sun 09-27 made up (19); suspended 09-28..10-09, which
    # leaves out Sep 28, 29, 30 and Oct 9 (the holiday Oct 1-8 is no working day anyway);
    # Sat 10-10 made up (20), Oct 12-30 (35), November (40 more would be Nov 2-27: 55), Nov 30 (56),
    # Dec 1-4 = 60. Unsuspended it is 2020-11-30: four working days sooner.
    suspended = [Suspension(D("2020-09-28"), D("2020-10-09"))]
    assert audit_deadline(D("2020-09-01"), time_limit=60) == _r("2020-11-30", 60)
    assert audit_deadline(D("2020-09-01"), time_limit=60, suspensions=suspended) == _r("2020-12-04", 60)


def test_the_7_1_suspension_leaves_the_deadline_open_until_resumption_is_announced() -> None:
    # Opened Fri 2020-01-10: Jan 13-17 (5), Sun 01-19 made up (6), Jan 20-23 (10); holiday to 02-02;
    # suspended from 02-03 with no end: 10 working days counted, the deadline unknown.
    open_7_1 = [Suspension(D("2020-02-03"), None)]
    assert audit_deadline(D("2020-01-10"), time_limit=60, suspensions=open_7_1) == _r(None, 10)
    # Resumption announced for 2020-04-30: May 1-5 off; May 6-8 (13), Sat 05-09 (14), May 11-29 (29),
    # Jun 1-24 (47); Jun 25-27 Dragon Boat; Sun 06-28 made up (48), Jun 29-30 (50), Jul 1-3 (53),
    # Jul 6-10 (58), Jul 13, 14 = 60.
    resumed = [Suspension(D("2020-02-03"), D("2020-04-30"))]
    assert audit_deadline(D("2020-01-10"), time_limit=60, suspensions=resumed) == _r("2020-07-14", 60)


def test_a_case_opened_during_an_open_suspension_has_counted_nothing() -> None:
    assert audit_deadline(D("2020-02-10"), time_limit=60, suspensions=[Suspension(D("2020-02-03"))]) == _r(None, 0)


def test_a_suspension_after_the_deadline_changes_nothing() -> None:
    later = [Suspension(D("2020-04-23"), None)]
    assert audit_deadline(D("2020-01-20"), time_limit=60, suspensions=later) == _r("2020-04-22", 60)
    # ...but one starting on the deadline itself moves it: 04-22 is then suspended.
    on_it = [Suspension(D("2020-04-22"), D("2020-04-22"))]
    assert audit_deadline(D("2020-01-20"), time_limit=60, suspensions=on_it) == _r("2020-04-23", 60)


def test_overlapping_and_touching_suspensions_count_each_day_once() -> None:
    one = [Suspension(D("2020-09-28"), D("2020-10-09"))]
    split = [Suspension(D("2020-10-01"), D("2020-10-09")), Suspension(D("2020-09-28"), D("2020-09-30")),
             Suspension(D("2020-09-29"), D("2020-10-02"))]
    assert audit_deadline(D("2020-09-01"), time_limit=60, suspensions=split) == audit_deadline(
        D("2020-09-01"), time_limit=60, suspensions=one)


def test_a_count_that_runs_past_the_known_years_is_an_error() -> None:
    with pytest.raises(CalendarError):
        audit_deadline(D("2026-11-02"), time_limit=90)


def test_the_time_limit_is_the_packs_sixty_or_ninety_working_days() -> None:
    policy = load_policy()
    assert audit_time_limit(policy, opened_on=D("2020-01-20"), extended=False) == 60
    assert audit_time_limit(policy, opened_on=D("2020-01-20"), extended=True) == 90
    what_if = load_policy(overrides={"audit.extension_working_days": 10})
    assert audit_time_limit(what_if, opened_on=D("2020-01-20"), extended=True) == 70


def _r(deadline: str | None, working_days: int) -> Any:
    from shebao.rules.audit import AuditDeadline

    return AuditDeadline(None if deadline is None else D(deadline), working_days)


# Properties against a plain day-by-day count on the package itself.
def _naive(opened: date, limit: int, suspensions: list[Suspension]) -> tuple[date | None, int]:
    def suspended(d: date) -> bool:
        return any(s.start <= d and (s.end is None or d <= s.end) for s in suspensions)

    counted, d = 0, opened
    while True:
        d += timedelta(days=1)
        if suspended(d):
            if any(s.end is None and s.start <= d for s in suspensions):
                return None, counted
            continue
        if chinese_calendar.is_workday(d):
            counted += 1
            if counted == limit:
                return d, counted


@st.composite
def cases(draw: Any) -> tuple[date, int, list[Suspension]]:
    opened = draw(st.dates(date(2019, 6, 1), date(2021, 12, 31)))
    limit = draw(st.sampled_from([1, 2, 5, 60, 90]))
    suspensions = []
    for _ in range(draw(st.integers(0, 3))):
        start = opened + timedelta(days=draw(st.integers(-30, 150)))
        end = None if draw(st.integers(0, 4)) == 0 else start + timedelta(days=draw(st.integers(0, 60)))
        suspensions.append(Suspension(start, end))
    return opened, limit, suspensions


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_deadline_is_the_limit_th_counted_day_of_a_plain_count(case: Any) -> None:
    opened, limit, suspensions = case
    r = audit_deadline(opened, time_limit=limit, suspensions=suspensions)
    assert (r.deadline, r.working_days) == _naive(opened, limit, suspensions)
    if r.deadline is not None:
        assert r.deadline > opened and chinese_calendar.is_workday(r.deadline)
        assert r.working_days == limit
    else:
        assert 0 <= r.working_days < limit


@settings(max_examples=200, deadline=None)
@given(cases(), st.dates(date(2019, 6, 1), date(2021, 12, 31)), st.integers(0, 40))
def test_one_more_suspension_never_brings_the_deadline_forward(case: Any, start: date, days: int) -> None:
    opened, limit, suspensions = case
    before = audit_deadline(opened, time_limit=limit, suspensions=suspensions)
    after = audit_deadline(opened, time_limit=limit,
                           suspensions=[*suspensions, Suspension(start, start + timedelta(days=days))])
    # An unknown deadline (an open suspension) is later than any day.
    if before.deadline is None:
        assert after.deadline is None and after.working_days <= before.working_days
    elif after.deadline is not None:
        assert after.deadline >= before.deadline


def run(lines: list[Any]) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    rc = main(["audit_deadline"], stdin=io.StringIO(text), stdout=out)
    return rc, [json.loads(x) for x in out.getvalue().splitlines()]


def test_the_command_answers_each_case_in_order_with_the_packs_limits() -> None:
    rc, got = run([
        {"id": "plain", "opened_on": "2020-01-20", "extended": False, "suspensions": []},
        {"id": "extended", "opened_on": "2020-01-20", "extended": True, "suspensions": []},
        {"id": "national-day", "opened_on": "2020-09-01", "extended": False,
         "suspensions": [{"from": "2020-09-28", "to": "2020-10-09"}]},
        {"id": "7.1-open", "opened_on": "2020-01-10", "extended": True,
         "suspensions": [{"from": "2020-02-03", "to": None}]},
        {"id": "7.1-resumed", "opened_on": "2020-01-10", "extended": False,
         "suspensions": [{"from": "2020-02-03", "to": "2020-04-30"}]},
    ])
    assert rc == 0
    assert got == [
        {"id": "plain", "deadline": "2020-04-22", "working_days": 60},
        {"id": "extended", "deadline": "2020-06-04", "working_days": 90},
        {"id": "national-day", "deadline": "2020-12-04", "working_days": 60},
        {"id": "7.1-open", "deadline": None, "working_days": 10},
        {"id": "7.1-resumed", "deadline": "2020-07-14", "working_days": 60},
    ]


@pytest.mark.parametrize(("line", "error"), [
    ({"id": 1, "extended": False}, "缺少字段 opened_on"),
    ({"id": 1, "opened_on": "2020-02-30"}, "opened_on：须为日期"),
    ({"id": 1, "opened_on": "2020-01-10", "extended": "yes"}, "extended 须为 true 或 false"),
    ({"id": 1, "opened_on": "2020-01-10", "suspensions": {"from": "2020-02-03"}}, "suspensions 须为列表"),
    ({"id": 1, "opened_on": "2020-01-10", "suspensions": [{"to": "2020-02-03"}]}, "缺少字段 from"),
    ({"id": 1, "opened_on": "2020-01-10", "suspensions": [{"from": "2020-02-03", "end": None}]}, "未知字段"),
    ({"id": 1, "opened_on": "2020-01-10", "suspensions": [{"from": "2020-02-03", "to": "2020-02-01"}]},
     "结束日 2020-02-01 早于开始日 2020-02-03"),
    ({"id": 1, "opened_on": "2026-11-02", "extended": True}, "超出已录入的工作日历"),
    ({"id": 1, "opened_on": "2003-06-02"}, "尚无 audit.time_limit_working_days 的取值"),
    ({"id": 1, "opened_on": "2020-01-10", "closed": True}, "未知字段"),
    ("{oops", "不是有效的 JSON"),
])
def test_a_bad_case_gets_a_chinese_error_and_the_next_is_still_answered(line: Any, error: str) -> None:
    rc, got = run([line, {"id": 2, "opened_on": "2020-01-20"}])
    assert rc == 1
    assert error in got[0]["error"] and set(got[0]) == {"id", "error"}
    assert got[1] == {"id": 2, "deadline": "2020-04-22", "working_days": 60}


def test_the_audit_deadline_command_runs_as_a_subprocess_without_django() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "shebao", "audit_deadline"], check=False, capture_output=True,
                          text=True, timeout=60, input='{"id": "a", "opened_on": "2020-01-17", "extended": false}\n')
    assert proc.returncode == 0, proc.stderr
    # Opened on the Friday before the make-up Sunday 01-19: 01-19 and 01-20..23 count (5), two more
    # than from 01-20, so the 60th working day is two before 2020-04-22.
    assert json.loads(proc.stdout) == {"id": "a", "deadline": "2020-04-20", "working_days": 60}
