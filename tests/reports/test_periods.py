"""Statements and reports for implausible periods are refused, on every PDF and report address
(bad-input review E14, as a class: core.periods).

A statement as of a day after today, a report of a month not yet begun, and a report or statement of
a period before the first record it is made from each get 400 and a Chinese reason naming the
parameter; nothing is printed and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.collection.models import RightsStatement
from shebao.core.periods import check_period, report_day, report_month
from shebao.reports.tallies import tallies_refresh
from tests import personas
from tests.collection.conftest import book_due, contribution

TODAY = dt.date(2020, 2, 20)


@pytest.fixture
def books(db, settings):
    settings.SHEBAO_TODAY = TODAY.isoformat()
    employer = personas.make_employer("北京朝阳期间测试有限公司", serial=471)
    book_due(employer, "2019-11", 100_000)
    book_due(employer, "2019-12", 100_000)
    tallies_refresh(full=True)
    return employer


def _text(r) -> str:
    return r.content.decode()


def test_the_statement_pdf_and_account_page_refuse_a_day_after_today_or_before_the_books(client, clerk_chaoyang,
                                                                                        books):
    client.force_login(clerk_chaoyang)
    pdf = reverse("backoffice:employer_statement", args=[books.pk])
    page = reverse("collection:employer_account", args=[books.pk])
    # The review's case: one day short of a year ahead printed today's amounts under next year's date.
    for as_of, words in (("2021-02-20", "晚于今天"), ("2020-02-21", "晚于今天"), ("1995-01-01", "最早的缴费记录"),
                         ("2019-10-31", "2019-11-01"), ("２０２１－０１－０１", "晚于今天")):
        r = client.get(pdf, {"as_of": as_of})
        assert r.status_code == 400 and r["Content-Type"].startswith("text/plain"), (as_of, r.status_code)
        assert "对账截止日" in _text(r) and words in _text(r), (as_of, _text(r))
        r = client.get(page, {"as_of": as_of})
        assert r.status_code == 400 and words in _text(r), as_of
        assert r.context["as_of"] == TODAY  # the page shows today's account, not the refused day's
    for as_of in ("2020-02-20", "2019-11-01", ""):
        r = client.get(pdf, {"as_of": as_of})
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf", as_of


def test_a_refused_period_quotes_what_was_typed(client, clerk_chaoyang, leader, books):
    """Bad-input review 16, 4: ?as_of=0001-01-01 said 对账截止日1-01-01早于1990-01-01 (strftime's
    reformatting), ?month=9999-12 月份9999-12晚于… unquoted: what was typed is quoted as read_date does."""
    client.force_login(clerk_chaoyang)
    for url in (reverse("backoffice:employer_statement", args=[books.pk]),
                reverse("collection:employer_account", args=[books.pk])):
        r = client.get(url, {"as_of": "0001-01-01"})
        assert r.status_code == 400 and "对账截止日“0001-01-01”早于1990-01-01" in _text(r), _text(r)[:300]
    client.force_login(leader)
    r = client.get(reverse("backoffice:dashboard_monthly"), {"month": "9999-12"})
    assert r.status_code == 400 and "月份“9999-12”晚于" in _text(r), _text(r)[:300]


def test_the_monthly_report_refuses_a_month_before_any_data_or_not_begun(client, leader, books):
    client.force_login(leader)
    url = reverse("backoffice:dashboard_monthly")
    for month, words in (("1990-01", "最早的统计数据"), ("2019-10", "2019-11-01"), ("2020-03", "尚未开始"),
                         ("2020-13", "应为"), ("0001-01", "不是有效的日期")):
        r = client.get(url, {"month": month})
        assert r.status_code == 400 and "月份" in _text(r) and words in _text(r), (month, _text(r)[:200])
    for month in ("2019-11", "2020-02", "２０２０－０１"):
        r = client.get(url, {"month": month})
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf", month


def test_the_dashboard_refuses_a_period_that_ends_before_any_data(client, leader, books):
    client.force_login(leader)
    for name in ("dashboard", "dashboard_export", "dashboard_cases"):
        extra = {"dashboard_cases": {"figure": "applied"}, "dashboard_export": {"table": "figures"}}.get(name, {})
        params = {"start": "1990-01-01", "end": "1990-12-31", "grain": "month", **extra}
        r = client.get(reverse(f"backoffice:{name}"), params)
        assert r.status_code == 400 and "最早的统计数据" in _text(r), (name, _text(r)[:200])
    # A period reaching back before the first data but ending after it is shown.
    r = client.get(reverse("backoffice:dashboard"), {"start": "2019-01-01", "end": "2020-02-20", "grain": "month"})
    assert r.status_code == 200


def test_a_rights_statement_before_the_persons_first_month_is_refused_and_nothing_written(
        client, clerk_chaoyang, person_chaoyang, employer_chaoyang, settings):
    settings.SHEBAO_TODAY = TODAY.isoformat()
    contribution(person_chaoyang, employer_chaoyang, "2019-03", 800_000, paid_on=dt.date(2019, 4, 10))
    client.force_login(clerk_chaoyang)
    url = reverse("collection:person_rights_statement", args=[person_chaoyang.pk])
    for as_of in ("2019-02-28", "2021-01-01"):
        r = client.post(url, {"as_of": as_of}, follow=True)
        assert RightsStatement.objects.count() == 0, as_of
        assert "权益记录单的截止日" in _text(r), as_of
    r = client.get(reverse("collection:person_rights", args=[person_chaoyang.pk]), {"as_of": "2018-01-01"})
    assert r.status_code == 400 and "本人最早的缴费记录（2019-03-01）" in _text(r)
    r = client.post(url, {"as_of": "2019-03-31"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert RightsStatement.objects.get().as_of == dt.date(2019, 3, 31)


def test_the_rules_of_a_period_named_in_chinese():
    with pytest.raises(ValidationError, match="请填写截止日"):
        report_day("", label="截止日", today=TODAY)
    assert report_day(" ２０２０－０２－２０ ", label="截止日", today=TODAY) == TODAY
    with pytest.raises(ValidationError, match="截止日“2020-2-1”格式错误，应为年-月-日"):
        report_day("2020-2-1", label="截止日", today=TODAY)
    with pytest.raises(ValidationError, match="截止日“2020-02-30”不存在：2020年2月只有29天"):  # as every date is said
        report_day("2020-02-30", label="截止日", today=TODAY)
    assert report_month("", label="月份", today=TODAY, default="2020-02") == "2020-02"
    with pytest.raises(ValidationError, match="尚未开始"):
        report_month("2020-03", label="月份", today=TODAY)
    for edge in ("9999-12", "0001-01"):  # the last month of the calendar has no next month to count from
        with pytest.raises(ValidationError, match="不是有效的日期"):
            report_month(edge, label="月份", today=TODAY)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a loaded machine is slow, not the rule
@given(start=st.dates(dt.date(1985, 1, 1), dt.date(2025, 12, 31)), length=st.integers(0, 400),
       first=st.one_of(st.none(), st.dates(dt.date(1995, 1, 1), dt.date(2020, 2, 20))))
def test_a_period_passes_exactly_when_it_has_begun_and_does_not_end_before_the_first_record(start, length, first):
    end = start + dt.timedelta(days=length)
    plausible = dt.date(1990, 1, 1) <= start and end <= dt.date(2021, 2, 20)
    expected = plausible and start <= TODAY and (first is None or end >= first)
    try:
        check_period(start, end, label="统计期间", today=TODAY, first=first)
    except ValidationError as e:
        assert not expected and e.messages[0].startswith("统计期间")
    else:
        assert expected
