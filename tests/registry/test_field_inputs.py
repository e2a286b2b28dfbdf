"""Real-world inputs to the registry (issue 12): text normalised at the boundary, plausible ID
numbers, legacy credit codes by recorded override, names searched as clerks type them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, pinyin

from shebao.core.models import AuditEvent
from shebao.core.normalize import normalize_code, normalize_phone
from shebao.registry.checks import CodeError, division_name, id_check_character, parse_citizen_id
from shebao.registry.models import Employer, Person
from shebao.registry.names import SURNAME_READINGS, name_initials, name_words
from shebao.registry.selectors import employer_search, person_search
from shebao.registry.services import employer_register, person_register
from tests import personas

FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def with_check(first17: str) -> str:
    return first17 + id_check_character(first17)


# --- 1. Text at the boundary ------------------------------------------------------------------
def test_a_full_width_id_number_is_the_same_person_stored_once_in_ascii(db, clerk_chaoyang, chaoyang):
    person_register(actor=clerk_chaoyang, id_number="11010519750607319X", name="张伟", district=chaoyang)
    with pytest.raises(ValidationError) as e:
        person_register(actor=clerk_chaoyang, id_number="１１０１０５１９７５０６０７３１９X", name="张伟",
                        district=chaoyang)
    assert "id_number" in e.value.message_dict
    assert list(Person.objects.values_list("id_number", flat=True)) == ["11010519750607319X"]
    found = person_search(user=clerk_chaoyang, query="１１０１０５１９７５０６０７３１９ｘ")
    assert [p.id_number for p in found] == ["11010519750607319X"]


def test_a_full_width_id_number_registers_in_ascii(db, clerk_chaoyang, chaoyang):
    p = person_register(actor=clerk_chaoyang, id_number=" １１０１０５ １９７５０６０７ ３１９ｘ ", name="　张伟 ",
                        district=chaoyang, phone="+86 138-1234-5678")
    p.refresh_from_db()
    assert (p.id_number, p.id_last4, p.name, p.phone) == ("11010519750607319X", "319X", "张伟", "13812345678")


@given(st.lists(st.sampled_from([" ", "\u3000", "-", "\u2013", ""]), min_size=17, max_size=17),
       st.booleans(), st.booleans())
def test_every_layout_of_an_id_number_normalises_to_one_number(separators, full_width, lower):
    number = "11010519750607319X"
    text = "".join(c + s for c, s in zip(number, [*separators, ""]))
    if full_width:
        text = text.translate(FULL_WIDTH)
    if lower:
        text = text.lower()
    assert normalize_code(text) == number
    assert parse_citizen_id(text).number == number


@pytest.mark.parametrize("text", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
                                  "0086 13812345678", "+86-138-1234-5678", "１３８１２３４５６７８", "（+86）13812345678"])
def test_every_layout_of_a_mobile_number_normalises_to_eleven_digits(text):
    assert normalize_phone(text) == "13812345678"


def test_a_lower_case_or_full_width_credit_code_finds_the_employer(db, clerk_chaoyang):
    employer = personas.make_employer()
    for query in (employer.credit_code.lower(), employer.credit_code.translate(
            str.maketrans("0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ")),
            f" {employer.credit_code[:8]} {employer.credit_code[8:]} "):
        assert list(employer_search(user=clerk_chaoyang, query=query)) == [employer]


def test_a_credit_code_registered_in_lower_case_is_stored_in_upper_case(db, clerk_chaoyang, chaoyang):
    code = personas.credit_code(77)
    employer = employer_register(actor=clerk_chaoyang, credit_code=code.lower(), name="北京小写代码有限公司",
                                 district=chaoyang, bank_account="6222 0202 0011 2233 445")
    employer.refresh_from_db()
    assert (employer.credit_code, employer.bank_account) == (code, "6222020200112233445")


# --- 2. Plausibility of ID numbers ------------------------------------------------------------
def test_a_birth_date_in_the_future_is_refused(db, clerk_chaoyang, chaoyang):
    with pytest.raises(CodeError) as e:
        parse_citizen_id("110105203105016125", today=dt.date(2026, 11, 30))
    assert e.value.reason == "future_birth_date" and "晚于今天" in str(e.value)
    with pytest.raises(ValidationError):
        person_register(actor=clerk_chaoyang, id_number="110105203105016125", name="王未来", district=chaoyang)
    assert not Person.objects.exists() and not AuditEvent.objects.filter(model="registry.Person").exists()


@pytest.mark.parametrize("number", ["000000199001016137", "999999199001016151"])
def test_an_address_code_that_never_existed_is_refused(number):
    with pytest.raises(CodeError) as e:
        parse_citizen_id(number)
    assert e.value.reason == "unknown_region" and "行政区划" in str(e.value)


def test_an_abolished_code_still_printed_on_cards_is_accepted():
    assert parse_citizen_id("110103197001016170").region == "110103"
    assert division_name("110103") == "崇文区"


def test_an_abolished_code_is_refused_for_someone_born_after_it_was_abolished():
    with pytest.raises(CodeError) as e:
        parse_citizen_id(with_check("11010320120101617"))  # 崇文区 was merged into 东城区 in 2010
    assert e.value.reason == "region_abolished"


@pytest.mark.parametrize(("region", "year", "ok"), [
    ("110103", 1970, True), ("110103", 2010, True), ("110103", 2011, False),   # 崇文区 until 2010
    ("110229", 1980, True), ("110229", 2016, False),                            # 延庆县 until 2015
    ("110119", 1960, True), ("110119", 2020, True),                             # 延庆区 since 2015
    ("110115", 1950, True), ("440305", 1985, True), ("350203", 1990, True),
    ("110302", 1990, False), ("110000", 1990, True), ("123456", 1990, False),
])
def test_address_codes_by_the_years_they_were_in_use(region, year, ok):
    number = with_check(f"{region}{year}0101123")
    if ok:
        assert parse_citizen_id(number, today=dt.date(2026, 1, 1)).region == region
    else:
        with pytest.raises(CodeError):
            parse_citizen_id(number, today=dt.date(2026, 1, 1))


@given(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_a_birth_date_is_plausible_only_between_130_years_ago_and_today(birth):
    today = dt.date(2026, 11, 30)
    number = with_check(f"110105{birth:%Y%m%d}123")
    plausible = birth <= today and today.year - birth.year <= 130
    try:
        parse_citizen_id(number, today=today)
        assert plausible
    except CodeError as e:
        assert not plausible and e.reason in ("future_birth_date", "bad_birth_date")


# --- 3. Legacy credit codes -------------------------------------------------------------------
LEGACY = "91350203M0001QKT19"


def test_a_legacy_credit_code_is_refused_without_a_reason(db, clerk_chaoyang, chaoyang):
    with pytest.raises(ValidationError) as e:
        employer_register(actor=clerk_chaoyang, credit_code=LEGACY, name="厦门存量代码公司", district=chaoyang)
    assert "例外原因" in str(e.value)
    assert not Employer.objects.filter(credit_code=LEGACY).exists()


def test_staff_register_a_legacy_credit_code_with_a_recorded_override_and_a_warning(db, clerk_chaoyang, chaoyang):
    employer = employer_register(actor=clerk_chaoyang, credit_code=LEGACY.lower(), name="厦门存量代码公司",
                                 district=chaoyang, credit_code_override_reason="2015年厦门市发放的营业执照，经核对原件")
    employer.refresh_from_db()
    assert employer.credit_code == LEGACY
    assert (employer.credit_code_override_by, employer.credit_code_override_reason) == (
        clerk_chaoyang, "2015年厦门市发放的营业执照，经核对原件")
    assert employer.credit_code_override_at is not None
    assert "未通过GB 32100" in employer.credit_code_warning and clerk_chaoyang.username in employer.credit_code_warning
    event = AuditEvent.objects.get(model="registry.Employer", object_pk=str(employer.pk))
    assert "credit_code_override_reason" in event.changes


def test_an_override_does_not_excuse_any_other_fault(db, clerk_chaoyang, chaoyang):
    for bad in ("91350203M0001QKT1", "91350203M0001QKTI9", "X1350203M0001QKT19", "9135A203M0001QKT19"):
        with pytest.raises(ValidationError):
            employer_register(actor=clerk_chaoyang, credit_code=bad, name="坏代码公司", district=chaoyang,
                              credit_code_override_reason="经核对原件无误")
    assert not Employer.objects.filter(name="坏代码公司").exists()


def test_a_system_job_cannot_override_a_check_character(db, chaoyang):
    with pytest.raises(PermissionDenied):
        employer_register(actor=None, credit_code=LEGACY, name="厦门存量代码公司", district=chaoyang,
                          credit_code_override_reason="经核对原件无误")
    assert not Employer.objects.filter(credit_code=LEGACY).exists()


def test_a_valid_code_registers_without_a_warning(db, clerk_chaoyang, chaoyang):
    employer = personas.make_employer()
    assert employer.credit_code_warning == "" and employer.credit_code_override_by is None


# --- 4. Names ---------------------------------------------------------------------------------
def test_surnames_read_as_surnames_are_found_by_their_initials(db, clerk_chaoyang):
    shan = personas.make_person("单伟", serial=1)
    zeng = personas.make_person("曾敏", serial=2)
    assert list(person_search(user=clerk_chaoyang, query="sw")) == [shan]
    assert list(person_search(user=clerk_chaoyang, query="zm")) == [zeng]
    assert (shan.name_initials, zeng.name_initials) == ("sw", "zm")


@pytest.mark.parametrize(("name", "initials"), [
    ("单伟", "sw"), ("曾敏", "zm"), ("解放", "xf"), ("查良镛", "zly"), ("仇英", "qy"), ("区丽", "ol"),
    ("朴智", "pz"), ("翟强", "zq"), ("盖伟", "gw"), ("覃芳", "qf"), ("缪平", "mp"), ("瞿秋白", "qqb"),
    ("繁星", "px"), ("种师道", "csd"), ("冼星海", "xxh"), ("尉迟恭", "ycg"), ("万俟卨", "mqx"),
    ("单于伟", "cyw"), ("长孙无忌", "zswj"), ("欧阳修", "oyx"), ("诸葛亮", "zgl"), ("乐嘉", "yj"),
    ("张三", "zs"), ("王芳", "wf"), ("曾曾", "zc"),
])
def test_many_surnames_give_their_surname_initials(name, initials):
    assert name_initials(name) == initials


@pytest.mark.parametrize("surname", sorted(SURNAME_READINGS))
def test_every_surname_reading_is_one_of_the_characters_readings(surname):
    syllables = SURNAME_READINGS[surname].split()
    assert len(syllables) == len(surname)
    for char, syllable in zip(surname, syllables):
        assert syllable in pinyin(char, heteronym=True, style=Style.NORMAL)[0]


@settings(max_examples=200)
@given(st.text(st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF), min_size=1, max_size=3))
def test_every_character_of_a_name_gives_its_initial_or_itself(given_name):
    initials = name_initials("王" + given_name)
    assert initials[0] == "w" and len(initials) == 1 + len(given_name)
    for char, initial in zip(given_name, initials[1:]):
        has_pinyin = pinyin(char, style=Style.FIRST_LETTER, errors=lambda _: ["?"])[0][0] != "?"
        assert initial == char if not has_pinyin else initial.isascii() and initial.isalpha()


def test_a_name_with_an_extension_b_character_keeps_it(db, clerk_chaoyang):
    person = personas.make_person("王𠮷")
    assert person.name == "王𠮷" and person.name_initials == "w𠮷"
    assert list(person_search(user=clerk_chaoyang, query="王𠮷")) == [person]


def test_a_latin_name_is_found_by_each_word_and_by_initials(db, clerk_chaoyang, chaoyang):
    p = person_register(actor=clerk_chaoyang, id_type="passport", id_number="e12345678", name="John  Ronald SMITH",
                        district=chaoyang, gender="male", birth_date=dt.date(1980, 1, 1), category="foreigner")
    assert p.id_number == "E12345678"
    for query in ("john", "Ronald", "SMITH", "smi", "jrs", "JR"):
        assert list(person_search(user=clerk_chaoyang, query=query)) == [p], query
    assert not person_search(user=clerk_chaoyang, query="ohn").exists()


def test_a_renamed_foreigner_is_found_by_the_new_words_only(db, clerk_chaoyang, chaoyang):
    from shebao.registry.services import person_update

    p = person_register(actor=clerk_chaoyang, id_type="passport", id_number="E1", name="Anna Maria",
                        district=chaoyang, gender="female", birth_date=dt.date(1980, 1, 1))
    person_update(actor=clerk_chaoyang, person=p, name="Anna Berg", reason="更名")
    assert list(person_search(user=clerk_chaoyang, query="berg")) == [p]
    assert not person_search(user=clerk_chaoyang, query="maria").exists()


@given(st.lists(st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12),
                min_size=1, max_size=4))
def test_every_word_of_a_latin_name_is_a_search_word(words):
    name = " ".join(words)
    assert set(w.lower() for w in words) <= set(name_words(name))
    assert name_initials(name) == "".join(w[0] for w in words).lower()


# --- 3. Legacy credit codes in the admin, the API and the employer's page ---------------------
def _admin(user):
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["registry", "core"]))
    return user


def _admin_add(client, **extra):
    return client.post("/admin/registry/employer/add/", {
        "credit_code": LEGACY, "name": "厦门存量代码公司", "district": personas.office("110105").pk,
        "payment_method": "remittance", "bank_name": "", "industry_class": 1, **extra})


def test_the_admin_refuses_a_legacy_code_without_a_reason(client, municipal_admin):
    client.force_login(_admin(municipal_admin))
    r = _admin_add(client)
    assert r.status_code == 200 and "例外原因" in r.content.decode()
    assert not Employer.objects.filter(credit_code=LEGACY).exists()
    assert not AuditEvent.objects.filter(model="registry.Employer").exists()


def test_the_admin_records_who_overrode_a_legacy_code_and_when(client, municipal_admin):
    client.force_login(_admin(municipal_admin))
    r = _admin_add(client, credit_code=LEGACY.lower(), credit_code_override_reason="核对2015年营业执照原件")
    assert r.status_code == 302, r.content.decode()[:3000]
    employer = Employer.objects.get(credit_code=LEGACY)
    assert (employer.credit_code_override_by, employer.credit_code_override_reason) == (
        municipal_admin, "核对2015年营业执照原件")
    assert AuditEvent.objects.get(model="registry.Employer", action="create").actor == municipal_admin


def test_the_warning_shows_on_the_employer_page_and_in_the_api(client, clerk_chaoyang, chaoyang):
    from rest_framework.test import APIClient

    employer = employer_register(actor=clerk_chaoyang, credit_code=LEGACY, name="厦门存量代码公司",
                                 district=chaoyang, credit_code_override_reason="核对2015年营业执照原件")
    client.force_login(clerk_chaoyang)
    page = client.get(reverse("web:employer_detail", args=[employer.pk])).content.decode()
    assert "未通过GB 32100校验位检验" in page and "核对2015年营业执照原件" in page
    api = APIClient()
    api.force_authenticate(clerk_chaoyang)
    body = api.get(f"/api/v1/employers/{employer.pk}/").json()
    assert "未通过GB 32100" in body["credit_code_warning"]
    normal = personas.make_employer(serial=5)
    assert api.get(f"/api/v1/employers/{normal.pk}/").json()["credit_code_warning"] == ""
