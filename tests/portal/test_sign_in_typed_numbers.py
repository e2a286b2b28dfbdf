"""A person signs in with the number as it is written on their card (review-input6 F7: a 15-digit
first-generation number found nobody), and a refused number is said without putting what cannot be
shown into the page (F12: a raw U+202E before the number was echoed, and `echo` quoted a value that
looked right)."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from shebao.core.masking import echo, echo_quotes
from shebao.portal import signin
from shebao.portal.models import SignInEvent
from shebao.registry.models import EmploymentSpell
from tests.nothing_written import nothing_written
from tests.portal.conftest import sign_in_employer, sms_codes

pytestmark = pytest.mark.django_db
SIGN_IN = "/portal/person/sign-in/"


def fifteen(number: str) -> str:
    """The first-generation form of an 18-character citizen ID of someone born in the 1900s."""
    assert number[6:8] == "19"
    return number[:6] + number[8:17]


def test_a_fifteen_digit_number_signs_in_as_its_eighteen_digit_person(client, settings, insured):
    r = client.post(SIGN_IN, {"id_number": fifteen(insured.id_number)})
    assert r.status_code == 302
    codes = sms_codes(settings, insured.phone)
    assert len(codes) == 1  # the code went to the registered person's mobile
    r = client.post("/portal/person/sign-in/code/", {"code": codes[-1]})
    assert r.status_code == 302 and r["Location"] == "/portal/person/"
    event = SignInEvent.objects.filter(outcome=SignInEvent.Outcome.SIGNED_IN).get()
    assert event.subject == signin.person_lock_key(insured.id_number)  # one number, one count of failures
    assert event.subject_label == insured.id_number_masked


def test_the_fifteen_and_the_eighteen_digits_of_one_card_share_their_lockout(insured):
    short, full = fifteen(insured.id_number), insured.id_number
    assert signin.person_number(short) == full == signin.person_number(full.lower())
    assert signin.person_pending(short) == signin.person_pending(full)
    assert signin.person_for_id_number(short) == insured


def test_an_unregistered_fifteen_digit_number_gets_the_same_answer(client, settings, insured):
    other = fifteen(insured.id_number)[:-3] + "999"
    r = client.post(SIGN_IN, {"id_number": other})
    assert r.status_code == 302 and sms_codes(settings) == []


@pytest.mark.parametrize("control", ["\u202e", "\u200b", "\u2066"])
def test_an_invisible_character_is_named_by_its_code_point_not_put_in_the_page(client, insured, control):
    with nothing_written():
        r = client.post(SIGN_IN, {"id_number": control + insured.id_number})
    page = r.content.decode()
    assert r.status_code == 400
    assert control not in page
    doc = lxml_html.fromstring(page)
    box = doc.get_element_by_id("id_id_number")
    assert box.get("aria-invalid") == "true"
    said = doc.get_element_by_id(box.get("aria-describedby")).text_content()
    assert f"第1位是不可见的字符U+{ord(control):04X}" in said, said
    assert box.get("value") == insured.id_number  # drawn again without it, as the message says


def test_the_employer_form_names_an_invisible_character_in_the_number(client, settings, admin_chaoyang,
                                                                   employer_chaoyang, person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    sign_in_employer(client, settings, admin_chaoyang)
    with nothing_written():
        r = client.post("/portal/employer/cases/new/", {
            "business": "person_change", "id_number": "\u202e" + person_chaoyang.id_number, "token": "t",
            "fields": ["phone"], "new_phone": "010-88886666"})
    page = r.content.decode()
    assert r.status_code == 400 and "\u202e" not in page
    assert "证件号码第1位是不可见的字符U+202E" in page and "本单位没有该证件号码的职工" not in page


def test_an_echo_says_what_it_did_not_show():
    assert echo("\u202e2020-02") == "2020-02〔另有1个不可见字符未显示：U+202E〕"
    assert echo("2020-02") == "2020-02"
    said = echo_quotes("发放月份应为“年-月”，填写的是“\u202e20\u200b20-02”")
    assert "\u202e" not in said and "\u200b" not in said
    assert said.endswith("“2020-02〔另有2个不可见字符未显示：U+202E、U+200B〕”")


@pytest.mark.parametrize("typed", ["cut", "cut_x", "sixteen"])
def test_a_citizen_id_short_of_a_digit_is_refused_before_any_code_is_sent(client, settings, insured, typed):
    """review-user13 (7): 17 digits went on to "验证码已发送". The number is checked first: said in
    Chinese at the box, no code made, sent or stored, no sign-in event."""
    from shebao.portal.models import SignInCode

    number = {"cut": insured.id_number[:17], "cut_x": insured.id_number[:16] + "X",
              "sixteen": insured.id_number[:16]}[typed]
    with nothing_written():
        r = client.post(SIGN_IN, {"id_number": number})
    assert r.status_code == 400
    doc = lxml_html.fromstring(r.content.decode())
    box = doc.get_element_by_id("id_id_number")
    said = doc.get_element_by_id(box.get("aria-describedby")).text_content()
    assert f"公民身份号码应为18位，现为{len(number)}位" in said, said  # the glossary's one term (review-user14 (14))
    assert sms_codes(settings) == [] and not SignInCode.objects.exists() and not SignInEvent.objects.exists()
    assert "portal_person_pending" not in client.session


def test_a_wrong_check_digit_is_said_without_the_digit_that_would_pass(client, settings, insured):
    """review-user14 (14): a wrong check digit read 公民身份号码第18位校验码错误：应为“6”，实为“7”: a second term
    for the document beside 居民身份证号码, and the digit that would pass, inviting the user to "correct"
    the last digit rather than find the typo."""
    number = insured.id_number[:17] + ("1" if insured.id_number[17] != "1" else "2")
    with nothing_written():
        r = client.post(SIGN_IN, {"id_number": number})
    assert r.status_code == 400
    doc = lxml_html.fromstring(r.content.decode())
    said = doc.get_element_by_id(doc.get_element_by_id("id_id_number").get("aria-describedby")).text_content()
    assert "公民身份号码第18位校验码与前17位不符" in said, said
    assert "应为" not in said and "实为" not in said
    assert "居民身份证号码" not in said
