"""The one rule for a person's name (core.person_name) on every road that stores one (review-input9 F1-F3,
review-user9 F1): a name of Hangul fillers is refused naming the character and where, in Chinese, with
nothing stored; a 间隔号 typed as •, ・ or ･ is stored as U+00B7; a 居民身份证 name holds Han characters
only. Roads: the registry's service (behind the desk, the portals, the API and the commands), the API's
registration, the front desk page, the employer portal, the insured person's portal (the card's
recipient), and the pairing of people registered twice and the merge's basis (the normalised names
pair)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from lxml import html as lxml_html

from shebao.cases.models import Case
from shebao.registry.duplicates import registered_twice
from shebao.registry.merge import pair_basis
from shebao.registry.models import Person
from shebao.registry.selectors import person_search
from shebao.registry.services import person_register, person_update
from tests import personas
from tests.cases.conftest import client_for
from tests.cases.conftest import submit as api_submit
from tests.nothing_written import nothing_written
from tests.portal.conftest import identity_checked, sign_in_employer, sign_in_person
from tests.portal.test_person_names import _registration

pytestmark = pytest.mark.django_db
TODAY = dt.date(2020, 2, 20)
FILLED = "\u3164\u3164"  # two HANGUL FILLERs: category Lo, shown as nothing
FILLER_SAID = "第1位是不可见的字符U+3164（韩文填充符），不能填写该字符"


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.SHEBAO_TODAY = TODAY


def test_the_service_refuses_fillers_and_stores_the_middle_dot(clerk_chaoyang, chaoyang):
    number = personas.citizen_id("110105", dt.date(1980, 1, 1), 7, male=True)
    for name, said in [(FILLED, "姓名" + FILLER_SAID), ("\u115f\u1160", "姓名第1位是不可见的字符U+115F（韩文初声填充符）"),
                       ("王\uffa0", "姓名第2位是不可见的字符U+FFA0（半角韩文填充符）"), ("王\u200d五", "姓名第2位是不可见的字符U+200D"),
                       ("·王五", "姓名第1位的间隔号“·”不能在姓名开头"), ("王五•", "姓名第3位的间隔号“·”不能在姓名末尾"),
                       ("王••五", "姓名第3位又是一个间隔号"), ("王Ｋ", "姓名第2位“K”不是姓名用字：居民身份证上的姓名只由汉字组成")]:
        with nothing_written(), pytest.raises(ValidationError) as e:
            person_register(actor=clerk_chaoyang, id_number=number, name=name, district=chaoyang)
        assert e.value.message_dict["name"][0].startswith(said), (name, e.value.message_dict)
    p = person_register(actor=clerk_chaoyang, id_number=number, name=" 阿依古丽 ･ 买买提", district=chaoyang)
    p.refresh_from_db()
    assert p.name == "阿依古丽·买买提" and p.name_initials == "aygl·mmt"
    with nothing_written(), pytest.raises(ValidationError) as e:
        person_update(actor=clerk_chaoyang, person=p, name="阿依古丽\u3164", reason="本人申请")
    assert e.value.message_dict["name"][0].startswith("姓名第5位是不可见的字符U+3164（韩文填充符）")
    person_update(actor=clerk_chaoyang, person=p, name="王𠮷", reason="本人申请")
    p.refresh_from_db()
    assert p.name == "王𠮷"


def test_the_api_registration_refuses_fillers_as_problem_details_and_stores_the_middle_dot(clerk_chaoyang,
                                                                                          employer_chaoyang):
    api = client_for(clerk_chaoyang)
    with nothing_written():
        r = api_submit(api, business="insured_registration", channel="counter", employer=employer_chaoyang.pk,
                       applied_on="2020-02-20", details={**_registration(FILLED), "base_fen": 700000})
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json"), r.content.decode()
    fields = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    # said at the field by the body's reading (api.parsers), before any view sees it
    # named by its Chinese label, not details.insured_name alone (bad-input review 16, 2)
    assert fields["details.insured_name"].startswith("姓名第1位是不可见的字符U+3164（韩文填充符），请删除"), fields
    r = api_submit(api, business="insured_registration", channel="counter", employer=employer_chaoyang.pk,
                   applied_on="2020-02-20", details={**_registration("阿依古丽•买买提"), "base_fen": 700000})
    assert r.status_code == 201, r.content.decode()
    assert Case.objects.get().details["insured_name"] == "阿依古丽·买买提"


def test_the_front_desk_refuses_fillers_at_the_name_and_stores_the_middle_dot(client, clerk_chaoyang,
                                                                              employer_chaoyang):
    client.force_login(clerk_chaoyang)
    form = {"business": "insured_registration", "applicant_kind": "employer",
            "credit_code": employer_chaoyang.credit_code, "do": "save"}
    with nothing_written():
        r = client.post(reverse("backoffice:front_desk"), {**form, **_registration(FILLED), "token": "t-f1"})
    assert r.status_code == 400
    doc = lxml_html.fromstring(r.content.decode())
    box = doc.get_element_by_id("bf-insured_name")
    assert box.get("aria-invalid") == "true" and "\u3164" not in (box.get("value") or "")
    said = doc.get_element_by_id(box.get("aria-describedby")).text_content()
    assert FILLER_SAID in said, said
    r = client.post(reverse("backoffice:front_desk"), {**form, **_registration("阿依古丽・买买提"), "token": "t-f2"})
    assert r.status_code in (200, 302), r.content.decode()[:2000]
    assert Case.objects.get().details["insured_name"] == "阿依古丽·买买提"


def test_the_employer_portal_refuses_fillers_and_latin_on_a_citizen_id_and_stores_the_middle_dot(
        client, settings, admin_chaoyang, employer_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    for name, said in [(FILLED, FILLER_SAID), ("Anna", "第1位“A”不是姓名用字：居民身份证上的姓名只由汉字组成")]:
        with nothing_written():
            r = client.post("/portal/employer/cases/new/", {"business": "insured_registration",
                                                            **_registration(name), "token": f"v-{name}"})
        assert r.status_code == 400 and said in r.content.decode()
    r = client.post("/portal/employer/cases/new/", {"business": "insured_registration",
                                                    **_registration("阿依古丽‧买买提"), "token": "v-dot"})
    assert r.status_code in (200, 302), r.content.decode()[:2000]
    assert Case.objects.get().details["insured_name"] == "阿依古丽·买买提"


def test_the_insured_portal_card_recipient_refuses_fillers_and_stores_the_middle_dot(client, settings, insured):
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    card = {"reason": "lost", "recipient_phone": "13900139000", "postal_address": "北京市朝阳区朝阳门外大街1号院2单元301",
            "postal_code": "100020"}
    with nothing_written():
        r = client.post("/portal/person/card/", {**card, "recipient_name": FILLED, "submission": "c1"})
    assert r.status_code == 400
    said = lxml_html.fromstring(r.content.decode()).get_element_by_id("bf-recipient_name-error").text_content()
    assert FILLER_SAID in said and "\u3164" not in r.content.decode()
    r = client.post("/portal/person/card/", {**card, "recipient_name": "阿依古丽∙买买提", "submission": "c2"})
    assert r.status_code == 302
    assert Case.objects.get().details["recipient_name"] == "阿依古丽·买买提"


def test_people_registered_twice_pair_whatever_their_middle_dot(clerk_chaoyang):
    """review-user9 F1: 张·三 under 居民身份证 and 张•三 (stored before the rule) under a passport with a
    citizen ID number of the same birth date were not paired."""
    born = dt.date(1980, 2, 3)
    holder = personas.make_person("张·三", serial=31, birth=born)
    other = Person.objects.create(id_type="passport", id_number=personas.citizen_id("110105", born, 32, male=True),
                                  name="张三", gender="male", birth_date=born, district=personas.office("110105"))
    Person.objects.filter(pk=other.pk).update(name="张•三")  # as a road stored it before the rule
    other.refresh_from_db()
    rows = {r.person.pk: r.twins for r in registered_twice()}
    assert rows[other.pk] == [holder]
    assert "姓名相同" in pair_basis(other, holder)
    assert list(person_search(user=clerk_chaoyang, query="张・三")) == [holder]
