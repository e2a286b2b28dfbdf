"""Review findings as classes: a registration or a change takes only plausible months and dates and a
document number that fits its document type (each refused naming its field, nothing written)."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.services import DetailsRefused
from shebao.registry.checks import id_check_character, id_number_problem
from tests import personas
from tests.businesses.test_registry_effects import registration
from tests.businesses.walk import complete, submit
from tests.nothing_written import nothing_written

APPLIED = dt.date(2020, 2, 20)


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.SHEBAO_TODAY = APPLIED


def gb11643(first17: str) -> str:
    return first17 + id_check_character(first17)


def wrong_check(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


MAINLAND = gb11643("11010519900101123")
HK_RESIDENCE = gb11643("81000019900101123")


@pytest.mark.parametrize(("id_type", "number", "ok"), [
    ("citizen_id", MAINLAND, True), ("citizen_id", "ABCDE", False), ("citizen_id", wrong_check(MAINLAND), False),
    ("hmt_permit", MAINLAND, False), ("passport", MAINLAND, False), ("foreign_permit", MAINLAND, False),
    ("hmt_permit", HK_RESIDENCE, True), ("hmt_permit", "H12345678", True), ("hmt_permit", "M1234567801", True),
    ("hmt_permit", "12345678", True), ("hmt_permit", "ABCDE", False), ("hmt_permit", wrong_check(HK_RESIDENCE), False),
    ("foreign_permit", "USA123456789012", True), ("foreign_permit", gb11643("93000019900101123"), True),
    ("foreign_permit", "ABCDEFGH", False), ("passport", "E12345678", True), ("passport", "AB", False),
])
def test_a_document_number_must_fit_its_type(id_type, number, ok):
    assert (id_number_problem(id_type, number) == "") == ok


@pytest.mark.parametrize(("more", "field", "reason"), [
    ({"start_month": "1900-01"}, "details.start_month", "1951-01"),
    ({"start_month": "2100-12"}, "details.start_month", "晚于本月"),
    ({"start_month": "2020-03"}, "details.start_month", "晚于本月"),
    ({"insured_birth_date": "2030-01-01"}, "details.insured_birth_date", "晚于今天"),
    ({"insured_birth_date": "2015-01-01", "start_month": "2019-01"}, "details.start_month", "年满16周岁"),
    ({"insured_id_type": "citizen_id", "insured_id_number": gb11643("11010520150101123"), "category": "standard",
      "insured_birth_date": "2015-01-01",
      "start_month": "2019-01"}, "details.start_month", "年满16周岁"),
    ({"insured_id_number": MAINLAND}, "details.insured_id_number", "证件类型应为居民身份证"),
    ({"insured_id_type": "passport", "insured_id_number": MAINLAND, "category": "foreigner"},
     "details.insured_id_number", "证件类型应为居民身份证"),
])
def test_an_implausible_registration_is_refused_naming_the_field(clerk_chaoyang, employer_chaoyang, more, field,
                                                                  reason):
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
               details=registration(**more))
    assert any(e.field == field and reason in e.zh for e in refused.value.errors), refused.value.errors


@pytest.mark.parametrize(("changes", "field", "reason"), [
    ({"id_number": "ABCDE"}, "details.changes.id_number", "公民身份号码"),
    ({"id_number": wrong_check(gb11643("11010519750501001"))}, "details.changes.id_number", "校验码"),
    ({"id_number": gb11643("11010519800101001"), "birth_date": "1975-05-01"}, "details.changes.birth_date",
     "新证件号码第7至14位为1980-01-01，所填为1975-05-01"),  # review-input5 F6: not "无需变更"
    ({"birth_date": "1980-01-01"}, "details.changes.birth_date", "出生日期须与居民身份证号码一致"),
    ({"birth_date": "2099-01-01"}, "details.changes.birth_date", "晚于今天"),
    ({"employment_start": "2100-12"}, "details.changes.employment_start", "晚于本月"),
    ({"employment_start": "1985-01"}, "details.changes.employment_start", "年满16周岁"),
    ({"gender": "female"}, "details.changes.gender", "性别须与居民身份证号码"),
])
def test_an_implausible_change_is_refused_naming_the_field(clerk_chaoyang, person_chaoyang, changes, field, reason):
    assert person_chaoyang.id_type == "citizen_id" and person_chaoyang.birth_date == dt.date(1975, 5, 1)
    if "id_number" in changes and changes["id_number"][:17] == person_chaoyang.id_number[:17]:
        assert changes["id_number"] != person_chaoyang.id_number
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
               details={"changes": changes})
    assert any(e.field == field and reason in e.zh for e in refused.value.errors), refused.value.errors


def test_a_number_of_another_person_is_refused_and_a_consistent_change_completes(
        clerk_chaoyang, reviewer_chaoyang, person_chaoyang):
    other = personas.make_person("王五", serial=5)
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
               details={"changes": {"id_number": other.id_number}})
    assert "已登记为其他参保人员" in refused.value.errors[0].zh and "王五" not in refused.value.errors[0].zh
    new_number = personas.citizen_id("110105", dt.date(1976, 6, 2), 9, male=True)
    case = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
                  details={"changes": {"id_number": new_number, "birth_date": "1976-06-02"}})
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    person_chaoyang.refresh_from_db()
    assert (person_chaoyang.id_number, person_chaoyang.birth_date) == (new_number, dt.date(1976, 6, 2))
