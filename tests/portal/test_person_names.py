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
                                        ("王 五", "第2位的空格"), ("·", "第1位的间隔号“·”不能在姓名开头"), ("张-", "第2位“-”")])
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


# --- One name rule by document type, on every road (issue 17) -------------------------------------------------
# A 居民身份证 name has no space (王 五 is a typing slip: the message says to delete it; a minority name joins its
# parts with “·”); a passport's or a foreign permanent resident's name keeps its spaces and hyphens.
def _number(serial: int = 123) -> str:
    from shebao.registry.checks import id_check_character

    first17 = f"11010519900101{serial:03d}"
    return first17 + id_check_character(first17)


def _registration(name: str, id_type: str = "citizen_id", **extra: str) -> dict[str, str]:
    foreign = {} if id_type == "citizen_id" else {"insured_gender": "female", "insured_birth_date": "1990-01-01"}
    number = _number() if id_type == "citizen_id" else "E12345678"
    return {"insured_id_type": id_type, "insured_id_number": number, "insured_name": name,
            "insured_mobile": "13700001111", "category": "standard", "start_month": "2020-02", "base_fen": "7000",
            **foreign, **extra}


@pytest.mark.parametrize("name, id_type, said", [
    ("王 五", "citizen_id", "第2位的空格请删除：居民身份证上的姓名不含空格"),
    ("阿依古丽 买买提", "citizen_id", "第5位的空格请删除：居民身份证上的姓名不含空格"),
    ("王 五", "passport", "第2位的空格请删除：姓名中汉字前后不能有空格"),
    ("王 五", "", "第2位的空格请删除"),
    ("Anna -Maria", "passport", "第5位的空格不是姓名用字"),
])
def test_a_space_is_refused_by_the_documents_rule_saying_to_delete_it(name, id_type, said):
    assert said in person_name_problem(name, id_type=id_type)


@pytest.mark.parametrize("name, id_type", [
    ("阿卜杜拉·买买提", "citizen_id"), ("王五", "citizen_id"), ("Anna Maria", "passport"),
    ("Jean-Luc O'Brien", "foreign_permit"), ("Maria da Silva", "hmt_permit"), ("阿卜杜拉·买买提", "passport")])
def test_names_as_their_documents_spell_them_are_taken(name, id_type):
    assert person_name_problem(name, id_type=id_type) == ""


def test_the_registration_definition_holds_the_name_to_its_document_type():
    refused = details_validate("insured_registration", {**_registration("阿依古丽 买买提"), "base_fen": 700000},
                               today=TODAY)
    said = {e.field: e.zh for e in refused.errors}
    assert said["insured_name"].startswith("姓名第5位的空格请删除：居民身份证上的姓名不含空格") and "insured_name" not in refused.details
    taken = details_validate("insured_registration", {**_registration("Anna Maria", "passport"), "base_fen": 700000},
                             today=TODAY)
    assert "insured_name" not in {e.field for e in taken.errors} and taken.details["insured_name"] == "Anna Maria"


def test_the_api_registration_and_change_refuse_a_space_on_a_citizen_id(clerk_chaoyang, employer_chaoyang,
                                                                        person_chaoyang):
    api = client_for(clerk_chaoyang)
    with nothing_written():
        r = api_submit(api, business="insured_registration", channel="counter", employer=employer_chaoyang.pk,
                       applied_on="2020-02-20", details={**_registration("王 五"), "base_fen": 700000})
    assert r.status_code == 400, r.content.decode()
    fields = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert "居民身份证上的姓名不含空格" in fields["details.insured_name"] and "请删除" in fields["details.insured_name"]
    assert person_chaoyang.id_type == "citizen_id"
    with nothing_written():
        r = api_submit(api, business="person_change", channel="counter", person=person_chaoyang.pk,
                       applied_on="2020-02-20", details={"changes": {"name": "阿依古丽 买买提"}})
    assert r.status_code == 400, r.content.decode()
    fields = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert "新姓名第5位的空格请删除" in fields["details.changes.name"]
    r = api_submit(api, business="insured_registration", channel="counter", employer=employer_chaoyang.pk,
                   applied_on="2020-02-20", details={**_registration("Anna Maria", "passport"), "base_fen": 700000})
    assert r.status_code == 201, r.content.decode()
    assert Case.objects.get().details["insured_name"] == "Anna Maria"


def test_the_front_desk_page_refuses_a_space_on_a_citizen_id_at_the_name(client, clerk_chaoyang, employer_chaoyang):
    from django.urls import reverse
    from lxml import html as lxml_html

    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:front_desk"), {
            "business": "insured_registration", "applicant_kind": "employer", "credit_code": employer_chaoyang.credit_code,
            **_registration("王 五"), "token": "t-name", "do": "save"})
    assert r.status_code == 400
    doc = lxml_html.fromstring(r.content.decode())
    box = doc.get_element_by_id("bf-insured_name")
    assert box.get("aria-invalid") == "true" and box.get("value") == "王 五"
    said = doc.get_element_by_id(box.get("aria-describedby")).text_content()
    assert "第2位的空格请删除" in said and "居民身份证" in said


def test_the_employer_portal_refuses_a_space_on_a_citizen_id_and_takes_a_passports(client, settings, admin_chaoyang,
                                                                                    employer_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    with nothing_written():
        r = client.post("/portal/employer/cases/new/", {
            "business": "insured_registration", **_registration("王 五"), "token": "v-name"})
    assert r.status_code == 400 and "第2位的空格请删除：居民身份证上的姓名不含空格" in r.content.decode()
    r = client.post("/portal/employer/cases/new/", {
        "business": "insured_registration", **_registration("Anna Maria", "passport"), "token": "v-name2"})
    assert r.status_code in (200, 302), r.content.decode()[:2000]
    assert Case.objects.get().details["insured_name"] == "Anna Maria"
