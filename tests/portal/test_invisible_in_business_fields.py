"""A character no one can see, typed into an ordinary business field, is named where it is and is not
drawn back into the box (review-input7 F7): 通讯地址 ``北京市\u200b朝阳区`` was answered "新值不能超过200个字符，
且不能含控制字符" and redrawn with the U+200B in it, so the person, told about 200 characters, could not
see what to delete. Now every field of every business definition (the portal's forms, the front desk,
the API's content) says "第4位是不可见的字符U+200B（零宽空格）", as the sign-in boxes do (one function:
`core.masking.invisible_problem` / `char_named`), and the page draws the value without it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from shebao.cases.models import Case
from shebao.core.masking import invisible_problem
from shebao.registry.models import EmploymentSpell
from shebao.rules.business_fields import definitions, details_validate
from tests.nothing_written import nothing_written
from tests.portal.conftest import identity_checked, sign_in_employer, sign_in_person

pytestmark = pytest.mark.django_db
NEW = "/portal/employer/cases/new/"
CARD = {"reason": "lost", "recipient_name": "王小明", "recipient_phone": "13900139000",
        "postal_address": "北京市朝阳区朝阳门外大街1号院2单元301", "postal_code": "100020"}
# A value of each type with the character after its first character (a list type: its first item).
TYPED = {"text": "北京市朝阳区", "mobile": "13900139000", "bank_account": "6217000010001234567",
         "id_number": "110105196507131772", "month": "2019-01", "date": "2019-01-02", "fen": "500000",
         "int": "3", "choice": "x", "months": ["2019-01"], "ids": ["1"]}
INVISIBLE = {"\u200b": "U+200B（零宽空格）", "\u202e": "U+202E（从右向左覆盖）", "\u00ad": "U+00AD（软连字符）",
             "\u2060": "U+2060（词连接符）", "\ufeff": "U+FEFF（零宽不换行空格）", "\x07": "U+0007（控制字符）"}


def _with(value, ch: str):
    if isinstance(value, list):
        return [value[0][:1] + ch + value[0][1:]]
    return value[:1] + ch + value[1:]


def _fields_of_every_definition():
    for code, d in sorted(definitions().items()):
        for spec in d.applicant_fields:
            if spec.type in TYPED:
                yield code, spec


@pytest.mark.parametrize(("code", "name"), [(c, s.name) for c, s in _fields_of_every_definition()])
def test_every_typed_field_of_every_business_names_the_invisible_character(code, name):
    """The class: whatever the field's type (text, mobile, account, number, month, date, amount, a
    list of months or numbers), the refusal names the character and its place, not the type's rule."""
    spec = next(s for s in definitions()[code].applicant_fields if s.name == name)
    checked = details_validate(code, {name: _with(TYPED[spec.type], "\u202e")}, today=dt.date(2020, 2, 20))
    said = [e.zh for e in checked.errors if e.field == name]
    assert said and "第2位是不可见的字符U+202E（从右向左覆盖）" in said[0], (code, name, said)
    assert "\u202e" not in said[0]


@pytest.mark.parametrize(("ch", "named"), sorted(INVISIBLE.items()))
def test_each_invisible_character_is_named_by_code_point_and_chinese_name(ch, named):
    assert invisible_problem(f"北京市{ch}朝阳区", "通讯地址") == (
        f"通讯地址第4位是不可见的字符{named}，不能填写该字符，请核对后重新提交")
    assert invisible_problem("北京市 朝阳区\t1号", "通讯地址") == ""  # spaces and a tab are seen (or read as spaces)


def test_an_item_of_a_change_of_data_is_named_too():
    checked = details_validate("person_change", {"changes": {"address": "北京市\u200b朝阳区", "name": "张\u00ad三",
                                                              "mobile": "13900139015\u2060"}},
                               today=dt.date(2020, 2, 20))
    said = {e.field: e.zh for e in checked.errors}
    assert said["changes.address"].startswith("通讯地址：第4位是不可见的字符U+200B（零宽空格）")
    assert said["changes.name"].startswith("姓名：第2位是不可见的字符U+00AD（软连字符）")
    assert said["changes.mobile"].startswith("手机号码：第12位是不可见的字符U+2060（词连接符）")


def _box(page: str, name: str) -> str:
    return lxml_html.fromstring(page).xpath(f'//input[@name="{name}"]')[0].get("value")


def test_the_person_card_form_names_it_and_draws_the_address_without_it(client, settings, insured):
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    with nothing_written():
        r = client.post("/portal/person/card/", {**CARD, "postal_address": "北京市\u202e朝阳区朝阳门外大街1号",
                                                  "recipient_name": "王\u200b小明", "submission": "i1"})
    page = r.content.decode()
    assert r.status_code == 400 and "\u202e" not in page and "\u200b" not in page
    errors = lxml_html.fromstring(page)
    assert "第4位是不可见的字符U+202E（从右向左覆盖）" in errors.get_element_by_id("bf-postal_address-error").text_content()
    assert "第2位是不可见的字符U+200B（零宽空格）" in errors.get_element_by_id("bf-recipient_name-error").text_content()
    assert _box(page, "postal_address") == "北京市朝阳区朝阳门外大街1号" and _box(page, "recipient_name") == "王小明"
    # The box as drawn is sent again: the application goes through.
    r = client.post("/portal/person/card/", {**CARD, "postal_address": _box(page, "postal_address"),
                                              "recipient_name": _box(page, "recipient_name"), "submission": "i2"})
    assert r.status_code == 302 and Case.objects.get().details["postal_address"] == "北京市朝阳区朝阳门外大街1号"


def test_the_employer_change_of_data_names_it_and_draws_the_values_without_it(client, settings, admin_chaoyang,
                                                                              employer_chaoyang, person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    sign_in_employer(client, settings, admin_chaoyang)
    with nothing_written():
        r = client.post(NEW, {"business": "person_change", "id_number": person_chaoyang.id_number, "token": "v1",
                              "fields": ["address", "name", "mobile"], "new_address": "北京市\u200b朝阳区",
                              "new_name": "张\u00ad三", "new_mobile": "１３９００１３９０１５\u2060"})
    page = r.content.decode()
    assert r.status_code == 400
    for ch in ("\u200b", "\u00ad", "\u2060"):
        assert ch not in page
    assert "通讯地址：第4位是不可见的字符U+200B（零宽空格）" in page and "不能含控制字符" not in page
    assert "姓名：第2位是不可见的字符U+00AD（软连字符）" in page
    assert "手机号码：第12位是不可见的字符U+2060（词连接符）" in page and "应为11位" not in page
    assert (_box(page, "new_address"), _box(page, "new_name"), _box(page, "new_mobile")) == (
        "北京市朝阳区", "张三", "１３９００１３９０１５")


def test_the_front_desk_names_it_and_draws_every_box_without_it(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    with nothing_written(shown=person_chaoyang):
        r = client.post(reverse("backoffice:front_desk"), {
            "business": "person_change", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
            "fields": ["address"], "new_address": "北京市\u200b朝阳区", "contact_phone": "13900139015\u2060",
            "token": "t-i", "do": "save"})
    page = r.content.decode()
    assert r.status_code == 400 and "\u200b" not in page and "\u2060" not in page
    assert "通讯地址：第4位是不可见的字符U+200B（零宽空格）" in page
    assert "通知手机第12位是不可见的字符U+2060（词连接符）" in page
    assert _box(page, "new_address") == "北京市朝阳区" and _box(page, "contact_phone") == "13900139015"


def test_the_front_desk_names_it_in_the_number_instead_of_not_finding_the_person(client, clerk_chaoyang,
                                                                                  person_chaoyang):
    client.force_login(clerk_chaoyang)
    typed = person_chaoyang.id_number[:6] + "\u200b" + person_chaoyang.id_number[6:]
    r = client.post(reverse("backoffice:front_desk"), {"business": "person_change", "applicant_kind": "person",
                                                       "id_number": typed, "token": "t-n", "do": "save"})
    page = r.content.decode()
    assert "证件号码第7位是不可见的字符U+200B（零宽空格）" in page and "本区没有该证件号码" not in page
    assert _box(page, "id_number") == person_chaoyang.id_number


def test_an_amount_typed_at_the_desk_names_it(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:front_desk"), {
        "business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
        "amount_fen": "100\u202e0", "token": "t-a", "do": "save"})
    page = r.content.decode()
    assert "第4位是不可见的字符U+202E（从右向左覆盖）" in page and "\u202e" not in page
    assert "应为金额" not in page


def test_the_sign_in_box_names_it_the_same_way(client, settings, insured):
    r = client.post("/portal/person/sign-in/", {"id_number": "\u202e" + insured.id_number})
    page = r.content.decode()
    assert "证件号码第1位是不可见的字符U+202E（从右向左覆盖）" in page and "\u202e" not in page
