"""One rule for a person's name by document type (issue 17), held where every road registers or renames a
person: `registry.services.person_register` and `person_update` (behind the front desk, the portals, the
API's applications, the demo and its command). A 居民身份证 name has no space: 王 五 is refused with a
message that says to delete it; a passport's or a foreign permanent resident's name keeps its spaces and
hyphens. The roads that submit an application (page, portal, API) are in tests/portal/test_person_names.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from shebao.core.inputs import person_name_problem
from shebao.registry import names
from shebao.registry.models import Person
from shebao.registry.services import person_register, person_update
from tests import personas
from tests.nothing_written import nothing_written


@pytest.mark.parametrize("name, said", [
    ("王 五", "姓名第2位的空格请删除：居民身份证上的姓名不含空格（少数民族姓名各部分之间用间隔号“·”）"),
    ("阿依古丽 买买提", "姓名第5位的空格请删除：居民身份证上的姓名不含空格"),
    ("Anna", "姓名第1位“A”不是姓名用字：居民身份证上的姓名只由汉字组成"),
    ("王五3", "姓名第3位“3”不是姓名用字"),
])
def test_registration_refuses_a_citizen_id_name_at_the_name(db, clerk_chaoyang, chaoyang, name, said):
    number = personas.citizen_id("110105", dt.date(1980, 1, 1), 7, male=True)
    with nothing_written(), pytest.raises(ValidationError) as e:
        person_register(actor=clerk_chaoyang, id_number=number, name=name, district=chaoyang)
    assert said in e.value.message_dict["name"][0]
    assert not Person.objects.exists()


@pytest.mark.parametrize("id_type, number, name", [
    ("passport", "E12345678", "Anna Maria"), ("foreign_permit", "USA110090010190", "Jean-Luc O'Brien"),
    ("passport", "E12345679", "Maria da Silva")])
def test_registration_keeps_the_spaces_of_a_name_on_a_foreign_document(db, clerk_chaoyang, chaoyang, id_type,
                                                                         number, name):
    p = person_register(actor=clerk_chaoyang, id_type=id_type, id_number=number, name=name, district=chaoyang,
                        gender="female", birth_date=dt.date(1990, 1, 1))
    p.refresh_from_db()
    assert p.name == name


def test_a_passport_name_with_a_space_between_han_characters_is_refused(db, clerk_chaoyang, chaoyang):
    with nothing_written(), pytest.raises(ValidationError) as e:
        person_register(actor=clerk_chaoyang, id_type="passport", id_number="E12345678", name="王 五",
                        district=chaoyang, gender="male", birth_date=dt.date(1990, 1, 1))
    assert e.value.message_dict["name"] == ["姓名第2位的空格请删除：姓名中汉字前后不能有空格"]


def test_a_rename_is_held_to_the_rule_and_an_old_name_leaves_the_other_data_changeable(db, clerk_chaoyang,
                                                                                       person_chaoyang):
    assert person_chaoyang.id_type == "citizen_id"
    with nothing_written(), pytest.raises(ValidationError) as e:
        person_update(actor=clerk_chaoyang, person=person_chaoyang, name="王 五", reason="本人申请")
    assert "请删除" in e.value.message_dict["name"][0]
    # a name registered before the rule (as the data may hold it) does not stop a change of the phone
    Person.objects.filter(pk=person_chaoyang.pk).update(name="王 五")
    p = person_update(actor=clerk_chaoyang, person=Person.objects.get(pk=person_chaoyang.pk), phone="13900001111",
                      reason="本人来电")
    assert (p.name, p.phone) == ("王 五", "13900001111")
    p = person_update(actor=clerk_chaoyang, person=p, name="王五", reason="本人申请更正姓名")
    assert Person.objects.get(pk=p.pk).name == "王五"


def test_the_generators_names_are_names_the_rule_takes():
    """The generator (registry.generator, the command `generate` and the demo's bulk people) writes below the
    services: its names, a surname and one or two given characters of its tables, are names a 居民身份证
    holds, so nothing it writes would be refused on the way in (the demo's own people go through
    person_register, staff.demo_benefits)."""
    for part in names.SURNAMES + names.GIVEN:
        assert person_name_problem(part, id_type="citizen_id") == "", part
