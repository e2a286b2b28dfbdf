"""A 20-year rights record (4.1) in the portal is shown a year at a time (issue 15's bench: a person
with 240 months drew 240 tables, 300 KB, most of a second per request): the totals are the whole
record's, the months one year's (the latest by default, ``?year=`` for another), and the page asks the
database as many times for 240 months as for 12."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shebao.registry.models import Contribution
from shebao.rules.dates import month_index, month_str
from tests.portal.conftest import sign_in_person

pytestmark = pytest.mark.django_db


def record(person, employer, months: int, last: str = "2020-06") -> None:
    rows = []
    for k in range(months):
        m = month_str(month_index(last) - months + 1 + k)
        y, mo = int(m[:4]), int(m[5:])
        rows.append(Contribution(
            person=person, employer=employer, month=m, pension_base_fen=800_000, pension_employer_fen=128_000,
            pension_personal_fen=64_000, unemployment_base_fen=800_000, unemployment_employer_fen=6_400,
            unemployment_personal_fen=1_600, medical_base_fen=800_000, medical_employer_fen=80_000,
            medical_personal_fen=16_300, maternity_base_fen=800_000, maternity_employer_fen=6_400,
            work_injury_base_fen=800_000, work_injury_employer_fen=1_600,
            paid_on=dt.date(y + (mo == 12), mo % 12 + 1, 10)))
    Contribution.objects.bulk_create(rows)


def _get(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        r = client.get(url)
    assert r.status_code == 200
    return r.content.decode(), len(queries)


def test_twenty_years_are_shown_a_year_at_a_time_with_the_whole_totals(client, settings, insured, employer_chaoyang,
                                                                       insured_haidian):
    settings.SHEBAO_TODAY = dt.date(2020, 7, 20)
    record(insured_haidian, employer_chaoyang, 12)
    sign_in_person(client, settings, insured_haidian)
    _get(client, "/portal/person/rights/")  # warm: the session and the policy's caches
    _page, short = _get(client, "/portal/person/rights/")
    record(insured, employer_chaoyang, 240)
    other = type(client)()
    sign_in_person(other, settings, insured)
    _get(other, "/portal/person/rights/")
    page, long = _get(other, "/portal/person/rights/")
    assert long == short  # the queries do not grow with the record
    months = re.findall(r'<section class="item" aria-label="(\d{4}-\d\d)">', page)
    assert months == [f"2020-{m:02d}" for m in range(6, 0, -1)]  # the latest year, newest first
    assert "累计缴费240个月" in page and "逐月记录（2020年）" in page
    assert re.findall(r'<a href="\?year=(\d{4})"', page) == [str(y) for y in range(2020, 1999, -1)]
    page, _ = _get(other, "/portal/person/rights/?year=2005")
    assert re.findall(r'aria-label="(\d{4}-\d\d)"', page) == [f"2005-{m:02d}" for m in range(12, 0, -1)]
    assert "累计缴费240个月" in page and 'aria-current="page"><strong>2005年' in page
    page, _ = _get(other, "/portal/person/rights/?year=1999")  # a year without months: the latest
    assert "逐月记录（2020年）" in page
    assert len(page) < 60_000
