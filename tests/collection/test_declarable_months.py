"""The months a monthly declaration (月报) offers are those the employer can declare: from its registration
(or its first booked month, when earlier) up to the business month, not yet declared, assessed or
contributed (review-user4 U10: an employer whose books start in 2019-07 was offered 2019-02..06 and told
nothing about the current month)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shebao.collection.declarations import (
    declarable_months,
    declaration_stage,
    first_declarable_month,
    month_problems,
)
from shebao.registry.models import Employer
from shebao.rules.dates import month_add
from tests.collection.conftest import book_due
from tests.nothing_written import nothing_written
from tests.portal.conftest import make_admin, sign_in_employer

ROSTER = "证件号码,姓名,变动类型,缴费基数（元）\n110105198001010011,张三,在职,8000\n".encode()


@pytest.fixture(autouse=True)
def _business_date(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


def window() -> list[str]:
    return [month_add("2020-02", -i) for i in range(13)]


def registered(employer: Employer, day: dt.date) -> Employer:
    Employer.objects.filter(pk=employer.pk).update(created_at=timezone.make_aware(dt.datetime.combine(day, dt.time())))
    employer.refresh_from_db()
    return employer


def test_months_before_the_books_start_are_not_offered_nor_accepted(employer_chaoyang, clerk_chaoyang):
    employer = registered(employer_chaoyang, dt.date(2020, 2, 20))  # entered on the business date
    for month in ("2019-07", "2019-08", "2019-09", "2019-10", "2019-11", "2019-12", "2020-01"):
        book_due(employer, month, 1000)  # migrated books from 2019-07
    assert first_declarable_month(employer=employer) == "2019-07"
    assert declarable_months(employer=employer) == ["2020-02"]
    with nothing_written(), pytest.raises(ValidationError, match="2019-06早于.*参保登记的2019-07，不能申报"):
        declaration_stage(employer=employer, month="2019-06", data=ROSTER, filename="r.csv", actor=clerk_chaoyang)
    book_due(employer, "2020-02", 1000)
    assert declarable_months(employer=employer) == []


@pytest.mark.parametrize("registered_on, taken, offered", [
    (dt.date(2019, 10, 31), [], ["2020-02", "2020-01", "2019-12", "2019-11", "2019-10"]),
    (dt.date(2019, 10, 1), ["2020-02", "2019-11"], ["2020-01", "2019-12", "2019-10"]),
    (dt.date(2018, 1, 1), ["2020-02"], [m for m in window() if m != "2020-02"]),  # the 12 months back only
    (dt.date(2020, 2, 20), [], ["2020-02"]),
])
def test_offered_months_are_exactly_those_the_stage_accepts(employer_chaoyang, registered_on, taken, offered):
    employer = registered(employer_chaoyang, registered_on)
    for month in taken:
        book_due(employer, month, 1000)
    assert declarable_months(employer=employer) == offered
    for month in window():  # the form and the upload agree on every month of the window
        assert (month in offered) == (month_problems(employer=employer, month=month) == []), month


def test_a_registration_stamped_after_the_business_date_bounds_nothing(employer_chaoyang):
    employer = registered(employer_chaoyang, dt.date(2026, 11, 30))  # a training copy's records
    assert first_declarable_month(employer=employer) is None
    assert declarable_months(employer=employer) == window()


def test_the_portal_says_why_this_month_is_not_offered(client, settings, employer_chaoyang):
    employer = registered(employer_chaoyang, dt.date(2019, 12, 5))
    book_due(employer, "2020-02", 1000)
    sign_in_employer(client, settings, make_admin(employer))
    page = client.get("/portal/employer/declarations/").content.decode()
    # The oldest month still open is chosen: it is the one running late (review-user5 F9).
    assert '<option value="2019-12" selected>' in page and '<option value="2020-01">' in page
    assert 'value="2019-11"' not in page and 'value="2020-02"' not in page
    assert "本单位参保登记的2019-12起" in page and "本月（2020-02）不可申报" in page and "应缴费款已核定" in page
    # said once, without the employer's name and the month the sentence already carries
    assert page.count("应缴费款已核定") == 1 and f"{employer.name}2020-02" not in page


def _contribution_reads(fn) -> tuple[object, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        got = fn()
    return got, [q["sql"] for q in captured.captured_queries if "registry_contribution" in q["sql"]]


def test_the_window_is_answered_without_reading_the_contributions_before_it(employer_chaoyang, person_chaoyang):
    """Asked about the window only (`not_before`), a start the registration or a due already sets at or
    before it is answered without reading the contributions (on PostgreSQL every monthly partition
    would be planned); a start only the contributions give is still found, before the window or in it."""
    from tests.collection.conftest import contribution

    employer = registered(employer_chaoyang, dt.date(2018, 1, 1))
    got, reads = _contribution_reads(lambda: first_declarable_month(employer=employer, not_before="2019-02"))
    assert got == "2018-01" and reads == []
    got, reads = _contribution_reads(lambda: declarable_months(employer=employer))
    assert got == window() and all("month" in sql for sql in reads)  # the window's months named

    employer = registered(employer_chaoyang, dt.date(2020, 2, 20))  # entered late: migrated records
    contribution(person_chaoyang, employer, "2019-10", 800_000)
    assert first_declarable_month(employer=employer, not_before="2019-02") == "2019-10"
    assert first_declarable_month(employer=employer) == "2019-10"
    assert declarable_months(employer=employer) == ["2020-02", "2020-01", "2019-12", "2019-11"]
    contribution(person_chaoyang, employer, "2018-05", 800_000)
    assert first_declarable_month(employer=employer, not_before="2019-02") == "2018-05"
    assert declarable_months(employer=employer) == ["2020-02", "2020-01", "2019-12", "2019-11", "2019-09",
                                                    "2019-08", "2019-07", "2019-06", "2019-05", "2019-04",
                                                    "2019-03", "2019-02"]
    assert month_problems(employer=employer, month="2018-04") != [] and month_problems(employer=employer,
                                                                                       month="2018-06") == []
