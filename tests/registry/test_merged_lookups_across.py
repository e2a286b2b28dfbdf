"""Look-ups by number that did not follow a merge yet (issue 16, left open at stop 18):

* the auditors' read trail looked up by ID number lists the reads of every record of that person (a
  record registered twice and merged, the record kept, a 15-digit number as its 18-character form);
* a back-payment's lines, the insured registration's "already employed here" check and a work-injury
  exchange file read a merged record's number as the record kept's (its spells and contributions moved).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from shebao.cases.checks import CHECKS, CheckContext
from shebao.core.reads import personal_data_read
from shebao.registry.models import EmploymentSpell, Person
from shebao.registry.selectors import merge_group, people_by_number
from tests import personas
from tests.collection.conftest import contribution
from tests.registry.merged import business_date, merged  # noqa: F401 - the day
from tests.registry.test_person_merge import twice_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_page() -> Client:
    auditor = personas.make_staff("auditor_city", role=personas.Role.AUDITOR, office_code="110000",
                                  display_name="市中心稽核员")
    c = Client()
    c.force_login(auditor)
    return c


def _reads(html: str) -> int:
    return html.count('<td data-label="查看内容">')


def test_the_read_trail_by_number_lists_the_reads_of_every_record_of_the_person(auditor_page, clerk_chaoyang):
    holder = personas.make_person("杜竹", birth=dt.date(1965, 7, 13), male=False, serial=18)
    twice = twice_of(holder)
    other = personas.make_person("旁人", serial=19)
    personal_data_read(actor=clerk_chaoyang, subject=holder, what="持证记录的一次查看")
    personal_data_read(actor=clerk_chaoyang, subject=twice, what="重复记录的一次查看")
    personal_data_read(actor=clerk_chaoyang, subject=other, what="旁人的一次查看")
    merged(twice, holder)
    assert merge_group([twice]) == merge_group([holder.pk]) == sorted([holder.pk, twice.pk])
    url = reverse("backoffice:personal_data_reads")
    for number in (twice.id_number, holder.id_number):  # the merged record's number, the kept one's
        html = auditor_page.post(url, {"subject": number}).content.decode()
        assert _reads(html) == 2 and "持证记录的一次查看" in html and "重复记录的一次查看" in html
        assert "旁人的一次查看" not in html and number not in html
    # A chain of merges: a third record merged into the second before it was merged.
    third = Person.objects.create(id_type="passport", id_number="E77001122", name="杜竹", gender=holder.gender,
                                  birth_date=holder.birth_date, district=holder.district)
    personal_data_read(actor=clerk_chaoyang, subject=third, what="第三条记录的一次查看")
    merged(third, twice)
    html = auditor_page.post(url, {"subject": holder.id_number}).content.decode()
    assert _reads(html) == 3 and "第三条记录的一次查看" in html


def test_the_read_trail_reads_a_15_digit_number_as_its_18_character_form(auditor_page, clerk_chaoyang):
    holder = personas.make_person("杜竹", birth=dt.date(1965, 7, 13), male=False, serial=18)
    personal_data_read(actor=clerk_chaoyang, subject=holder, what="一次查看")
    short = holder.id_number[:6] + holder.id_number[8:17]
    html = auditor_page.post(reverse("backoffice:personal_data_reads"), {"subject": short}).content.decode()
    assert _reads(html) == 1


def test_case_checks_and_back_payments_read_a_merged_number_as_the_record_kept(employer_chaoyang):
    holder = personas.make_person("杜竹", birth=dt.date(1965, 7, 13), male=False, serial=18)
    twice = twice_of(holder)
    EmploymentSpell.objects.create(person=holder, employer=employer_chaoyang, from_month="2019-01")
    merged(twice, holder)
    assert people_by_number([twice.id_number, "110105000000000000"]) == {twice.id_number: holder}
    ctx = CheckContext(business="insured_registration", employer=employer_chaoyang, person=None,
                       details={"insured_id_number": twice.id_number}, applied_on=dt.date(2020, 2, 20))
    [refusal] = CHECKS["insured_not_yet_employed_here"](ctx)
    assert "无需重复登记" in refusal.zh
    # A monthly back-payment line by the merged number: employed (the spell is on the record kept) and
    # the month already paid (a contribution on the record kept) are both seen.
    contribution(holder, employer_chaoyang, "2019-05", 800_000)
    ctx = CheckContext(business="back_payment", employer=employer_chaoyang, person=None,
                       details={"lines": [{"id_number": twice.id_number, "base_fen": 800000}],
                                "months": ["2019-05"]}, applied_on=dt.date(2020, 2, 20))
    assert CHECKS["people_employed_in_months"](ctx) == []
    [paid] = CHECKS["months_not_contributed"](ctx)
    assert "杜竹 2019-05" in paid.zh and "不能重复补缴" in paid.zh
