"""The portal's case lists load what they show (issue 15's bench: an employer's 50-case list took
~2 ms a case, decrypting each application's content, its three contact fields and the named
person's record): a list row reads `cases.selectors.LIST_FIELDS` and the person's name only, and the
page asks the database as many times for 50 cases as for 5."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shebao.cases.models import Case
from shebao.cases.selectors import applicant_case_rows
from shebao.portal.access import employer_actor
from tests.portal.conftest import sign_in_employer, sign_in_person

pytestmark = pytest.mark.django_db


def _cases(n: int, **who) -> None:
    office = (who.get("employer") or who["person"]).district
    for _ in range(n):
        Case.objects.create(business="individual_back_payment", business_zh="个人补缴（单位申报）", channel="online",
                            applied_on=dt.date(2020, 7, 1), mode="regular", explanation_zh="依规定办理。", pack="p",
                            pack_version="1", office=office, status="in_review", contact_phone="13800138000",
                            details={"bases": [{"month": "2020-01", "base_fen": 800_000}]}, **who)


def _queries(client, url: str) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as q:
        r = client.get(url)
    assert r.status_code == 200
    return len(q), r.content.decode()


def test_the_employers_list_reads_each_row_once_and_no_content(client, settings, admin_chaoyang, employer_chaoyang,
                                                                person_chaoyang):
    settings.SHEBAO_TODAY = dt.date(2020, 7, 20)
    _cases(5, applicant_kind="employer", employer=employer_chaoyang, person=person_chaoyang)
    sign_in_employer(client, settings, admin_chaoyang)
    few, _ = _queries(client, "/portal/employer/cases/")
    _cases(45, applicant_kind="employer", employer=employer_chaoyang, person=person_chaoyang)
    many, page = _queries(client, "/portal/employer/cases/")
    assert many == few and page.count("（申请编号") == 50 and f"职工 {person_chaoyang.name}" in page
    rows = list(applicant_case_rows(actor=employer_actor(admin_chaoyang)))
    assert len(rows) == 50
    assert {"details", "contact_phone", "facts", "explanation_zh"} <= rows[0].get_deferred_fields()
    assert {"id_number", "phone"} <= rows[0].person.get_deferred_fields()


def test_the_persons_list_reads_each_row_once(client, settings, insured):
    settings.SHEBAO_TODAY = dt.date(2020, 7, 20)
    _cases(2, applicant_kind="person", person=insured)
    sign_in_person(client, settings, insured)
    few, _ = _queries(client, "/portal/person/cases/")
    _cases(30, applicant_kind="person", person=insured)
    many, page = _queries(client, "/portal/person/cases/")
    assert many == few and page.count("（申请编号") == 32
