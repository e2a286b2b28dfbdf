"""One rule for a person's name and a phone (review-input8 F5): 😀😀 was approved into the registry as a
name, 12345 and 任😀 were taken as names, 😀 as a phone, and 王😀 as the 户名 a death's payment would go to
the bank under. core.inputs.person_name_problem (Han characters of every plane, letters, the middle dot,
a space or hyphen inside a Latin name) and phone_problem now hold every box where a name or phone is
typed: a person change over the API and the employer portal, a registration's and a card's names, a
death's payee, a survivor, the name corrected on a failed payment."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.models import Case
from shebao.core.inputs import person_name_problem, phone_problem
from shebao.registry.models import EmploymentSpell
from shebao.rules.business_fields import details_validate
from tests.cases.conftest import client_for
from tests.cases.conftest import submit as api_submit
from tests.nothing_written import nothing_written
from tests.portal.conftest import sign_in_employer

pytestmark = pytest.mark.django_db
TODAY = dt.date(2020, 2, 20)


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.SHEBAO_TODAY = TODAY


@pytest.mark.parametrize("name", ["张三", "𠮷田", "𠀀", "阿卜杜拉·买买提", "玛丽•居里", "Jean-Luc O'Brien", "Anna Maria"])
def test_names_people_have_are_taken(name):
    assert person_name_problem(name) == ""


@pytest.mark.parametrize("name, said", [("😀😀", "第1位“😀”不是姓名用字"), ("12345", "第1位“1”不是姓名用字"),
                                        ("任😀", "第2位“😀”不是姓名用字"), ("王三3", "第3位“3”"),
                                        ("王 五", "第2位的空格"), ("·", "应含汉字或字母"), ("张-", "第2位“-”")])
def test_what_is_no_name_is_refused_where_it_is(name, said):
    assert said in person_name_problem(name)


@pytest.mark.parametrize("phone, ok", [("010-65123456", True), ("13812345678", True), ("+86 138 1234 5678", True),
                                       ("😀", False), ("12", False), ("电话", False)])
def test_a_phone_is_digits(phone, ok):
    assert (phone_problem(phone) == "") is ok


@pytest.mark.parametrize("code, details, field", [
    ("person_change", {"changes": {"name": "😀😀"}}, "changes.name"),
    ("person_change", {"changes": {"phone": "😀"}}, "changes.phone"),
    ("insured_registration", {"insured_name": "12345"}, "insured_name"),
    ("card_replacement", {"recipient_name": "王😀"}, "recipient_name"),
])
def test_the_business_definitions_refuse_them(code, details, field):
    checked = details_validate(code, details, today=TODAY)
    said = [e.zh for e in checked.errors if e.field == field]
    assert said and ("不是姓名用字" in said[0] or "电话号码" in said[0]), checked.errors


def test_the_api_person_change_refuses_an_emoji_name_and_takes_a_rare_character(clerk_chaoyang, person_chaoyang):
    for changes, field in [({"name": "😀😀"}, "details.changes.name"), ({"name": "12345"}, "details.changes.name"),
                           ({"phone": "😀"}, "details.changes.phone")]:
        with nothing_written():
            r = api_submit(client_for(clerk_chaoyang), business="person_change", channel="counter",
                           person=person_chaoyang.pk, applied_on="2020-02-20", details={"changes": changes})
        assert r.status_code == 400, r.content.decode()
        fields = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
        assert "不是姓名用字" in fields[field] or "电话号码" in fields[field]
    r = api_submit(client_for(clerk_chaoyang), business="person_change", channel="counter",
                   person=person_chaoyang.pk, applied_on="2020-02-20",
                   details={"changes": {"name": "𠮷田", "phone": "010-65123456"}})
    assert r.status_code == 201, r.content.decode()
    assert Case.objects.get().details["changes"] == {"name": "𠮷田", "phone": "010-65123456"}


def test_the_employer_portal_refuses_an_emoji_name(client, settings, admin_chaoyang, employer_chaoyang,
                                                   person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    sign_in_employer(client, settings, admin_chaoyang)
    with nothing_written():
        r = client.post("/portal/employer/cases/new/", {
            "business": "person_change", "id_number": person_chaoyang.id_number, "token": "v1",
            "fields": ["name"], "new_name": "任😀"})
    assert r.status_code == 400 and "姓名：新姓名第2位“😀”不是姓名用字" in r.content.decode()
    assert not Case.objects.exists()
