"""A first-generation 15-digit ID number is the person's 18-character one (GB 11643-1999 §8: "19"
before the year, the check character added), wherever a person is looked up by number: the staff
search, the front desk, the employer portal and the roster (review-input4 F8: 110105650713225 found
nobody anywhere). An 18-character number that fails its check says so where it found nobody.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from shebao.collection.declarations import declaration_stage
from shebao.registry.checks import id_check_character, legacy_citizen_id, lookup_numbers, parse_citizen_id
from shebao.registry.models import EmploymentSpell
from shebao.registry.selectors import person_search
from tests import personas
from tests.collection.test_declarations import csv_bytes
from tests.nothing_written import nothing_written


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


def fifteen(number: str) -> str:
    return number[:6] + number[8:17]


@given(birth=st.dates(dt.date(1900, 1, 1), dt.date(1999, 12, 31)), seq=st.integers(0, 999))
def test_the_15_digit_number_becomes_the_18_character_one(birth, seq):
    first17 = f"110105{birth:%Y%m%d}{seq:03d}"
    number = first17 + id_check_character(first17)
    assert legacy_citizen_id(fifteen(number)) == number
    assert legacy_citizen_id(" ".join([fifteen(number)[:6], fifteen(number)[6:]])) == number  # typed in groups
    assert legacy_citizen_id(number) is None
    cid = parse_citizen_id(number, today=dt.date(2020, 2, 20)) if birth.year >= 1905 else None
    if cid is not None:
        assert cid.birth_date == birth


@pytest.mark.parametrize("value", ["110105651313225", "11010565071322", "1101056507132X5", "E12345678901234"])
def test_what_is_not_a_first_generation_number_is_left_alone(value):
    assert legacy_citizen_id(value) is None
    assert len(lookup_numbers(value)) == 1


def test_the_staff_search_finds_the_person_by_the_old_number(db, clerk_chaoyang):
    person = personas.make_person("黄凤飘", birth=dt.date(1965, 7, 13), serial=7)
    assert list(person_search(user=clerk_chaoyang, query=fifteen(person.id_number))) == [person]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in fifteen(person.id_number))
    assert list(person_search(user=clerk_chaoyang, query=full_width)) == [person]


def test_the_desk_finds_the_person_by_the_old_number_and_names_a_wrong_check_digit(client, clerk_chaoyang):
    person = personas.make_person("黄凤飘", birth=dt.date(1965, 7, 13), serial=7)
    client.force_login(clerk_chaoyang)
    form = {"business": "person_change", "applicant_kind": "person", "fields": ["mobile"],
            "new_mobile": "139 0000 1111", "do": "save"}
    r = client.post(reverse("backoffice:front_desk"), {**form, "id_number": fifteen(person.id_number), "token": "a"})
    assert r.status_code == 302, r.content.decode()[:1500]
    wrong = person.id_number[:17] + ("1" if person.id_number[17] != "1" else "2")
    with nothing_written():
        r = client.post(reverse("backoffice:front_desk"), {**form, "id_number": wrong, "token": "b"})
    html = r.content.decode()
    assert r.status_code == 400 and "本区没有该证件号码的参保人员" in html and "第18位校验码与前17位不符" in html


def test_the_employer_portal_finds_its_employee_by_the_old_number(db, employer_chaoyang):
    from shebao.portal.employer import _employee

    person = personas.make_person("黄凤飘", birth=dt.date(1965, 7, 13), serial=7)
    EmploymentSpell.objects.create(person=person, employer=employer_chaoyang, from_month="2019-01")
    assert _employee(employer_chaoyang, fifteen(person.id_number)) == person
    stranger = personas.make_person("王五", birth=dt.date(1966, 8, 14), serial=9)  # never employed here
    assert _employee(employer_chaoyang, fifteen(stranger.id_number)) is None


def test_the_roster_reads_the_old_number_as_the_person(db, clerk_chaoyang, employer_chaoyang):
    person = personas.make_person("黄凤飘", birth=dt.date(1965, 7, 13), serial=7)
    EmploymentSpell.objects.create(person=person, employer=employer_chaoyang, from_month="2019-01")
    declaration = declaration_stage(employer=employer_chaoyang, month="2020-02",
                                    data=csv_bytes([f"{fifteen(person.id_number)},黄凤飘,在职,8000"]),
                                    filename="r.csv", actor=clerk_chaoyang)
    assert (declaration.rows, declaration.error_rows, declaration.contributors) == (1, 0, 1)
