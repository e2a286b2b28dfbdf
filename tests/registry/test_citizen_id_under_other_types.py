"""A number that reads as a mainland citizen ID is the card holder's ID card, whatever type is chosen
(review-input5 F3: the 15 digits 110105650713182 of a first-generation card were taken as a passport
number, a second person was registered under them, and then the desk, the staff search and the roster
found the wrong person). The class: 15 digits of the first-generation form, 18 characters of the
GB 11643 form, or 18 whose only fault is the check character, are refused under 护照, 外国人永久居留证
and 港澳台 documents, at the desk, the API, the employer portal and the registry's own service; under
居民身份证 a 15-digit number is refused naming its 18-character form.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.cases.models import Case
from shebao.cases.services import DetailsRefused
from shebao.registry.checks import id_check_character, id_number_problem, reads_as_citizen_id
from shebao.registry.models import Person
from shebao.registry.services import person_register, person_update
from tests import personas
from tests.businesses.walk import submit
from tests.cases.conftest import client_for
from tests.cases.conftest import submit as api_submit
from tests.nothing_written import nothing_written
from tests.portal.conftest import make_admin, sign_in_employer

APPLIED = dt.date(2020, 2, 20)
BAI = "11010519650713182"
BAI += id_check_character(BAI)  # 110105196507131828 in the review
BAI_15 = BAI[:6] + BAI[8:17]  # 110105650713182
OTHER_TYPES = ("passport", "foreign_permit", "hmt_permit")


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.SHEBAO_TODAY = APPLIED


def fifteen(number: str) -> str:
    return number[:6] + number[8:17]


def foreigner(**more):
    return {"insured_id_type": "passport", "insured_id_number": BAI_15, "insured_name": "测试甲",
            "insured_gender": "female", "insured_birth_date": "1970-01-01", "insured_nationality": "美国",
            "insured_mobile": "13700001111", "category": "foreigner", "start_month": "2020-02",
            "base_fen": 700_000, **more}


@pytest.mark.parametrize("id_type", OTHER_TYPES)
@pytest.mark.parametrize(("number", "says"), [
    (BAI_15, f"对应的18位号码为{BAI}"),
    ("１１０１０５ ６５０７１３ １８２", f"对应的18位号码为{BAI}"),  # full-width, in groups
    (BAI, "这是居民身份证号码"),
    (BAI[:17] + ("1" if BAI[17] != "1" else "2"), "第18位校验码与前17位不符"),  # not which would pass (review-user14 (14))
])
def test_a_citizen_number_under_another_type_is_refused(id_type, number, says):
    problem = id_number_problem(id_type, number)
    assert says in problem and "证件类型应为居民身份证" in problem, problem


@pytest.mark.parametrize(("id_type", "number"), [
    ("passport", "E12345678"), ("passport", "000000650713182"),  # no such division code
    ("passport", "110105651313182"),  # no 13th month: not a first-generation number
    ("passport", "12345678901234"), ("foreign_permit", "USA123456789012"),
    ("foreign_permit", "93000019900101123" + id_check_character("93000019900101123")),
    ("hmt_permit", "81000019900101123" + id_check_character("81000019900101123")), ("hmt_permit", "H12345678"),
])
def test_other_documents_numbers_are_still_taken(id_type, number):
    assert id_number_problem(id_type, number) == ""
    assert reads_as_citizen_id(number) is None


def test_under_citizen_id_a_15_digit_number_is_refused_naming_its_18_character_form():
    problem = id_number_problem("citizen_id", BAI_15)
    assert "应为18位，实为15位" in problem and BAI in problem


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(birth=st.dates(dt.date(1900, 1, 1), dt.date(1999, 12, 31)), seq=st.integers(0, 999),
       region=st.sampled_from(["110105", "110108", "310101", "440305", "110103"]),
       id_type=st.sampled_from(OTHER_TYPES))
def test_every_first_generation_number_reads_as_its_card(birth, seq, region, id_type):
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    number = first17 + id_check_character(first17)
    assert reads_as_citizen_id(fifteen(number)) == number
    assert reads_as_citizen_id(number) == number
    assert number in id_number_problem(id_type, fifteen(number))


def test_the_api_refuses_the_passport_and_makes_no_case(clerk_chaoyang, employer_chaoyang):
    personas.make_person("白纨", birth=dt.date(1965, 7, 13), serial=91, male=False)
    with nothing_written():
        r = api_submit(client_for(clerk_chaoyang), business="insured_registration", channel="counter",
                       employer=employer_chaoyang.pk, applied_on="2020-02-20", details=foreigner())
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    fields = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert "证件类型应为居民身份证" in fields["details.insured_id_number"]


@pytest.mark.parametrize("id_type", OTHER_TYPES)
def test_the_checks_refuse_it_for_every_other_type(clerk_chaoyang, employer_chaoyang, id_type):
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
               details=foreigner(insured_id_type=id_type, category="hmt" if id_type == "hmt_permit" else "foreigner"))
    assert any(e.field == "details.insured_id_number" and BAI in e.zh for e in refused.value.errors), \
        refused.value.errors


def test_the_desk_refuses_it_at_the_number(client, clerk_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    form = {"business": "insured_registration", "applicant_kind": "employer",
            "credit_code": employer_chaoyang.credit_code, **foreigner(base_fen="7000"), "token": "t-f3", "do": "save"}
    with nothing_written():
        r = client.post(reverse("backoffice:front_desk"), form)
    html = r.content.decode()
    assert r.status_code == 400
    start = html.index('data-field="insured_id_number"')
    assert "证件类型应为居民身份证" in html[start:start + 3000]


def test_the_employer_portal_refuses_it(client, settings, employer_chaoyang):
    sign_in_employer(client, settings, make_admin(employer_chaoyang))
    before = Case.objects.count()
    r = client.post("/portal/employer/cases/new/", {"business": "insured_registration",
                                                     **foreigner(base_fen="7000")})
    assert r.status_code == 400, r.status_code
    assert "证件类型应为居民身份证" in r.content.decode()
    assert Case.objects.count() == before


def test_the_registry_service_refuses_it_too(db):
    with nothing_written(), pytest.raises(ValidationError) as refused:
        person_register(actor=personas.SETUP, id_number=BAI_15, name="测试甲",
                        district=personas.office("110105"), id_type="passport", gender="female",
                        birth_date=dt.date(1970, 1, 1))
    assert BAI in str(refused.value.message_dict["id_number"])


def test_a_person_registered_so_before_keeps_other_data_changeable(db):
    actor = personas.SETUP
    person = Person(id_type="passport", id_number=BAI_15, name="测试甲", district=personas.office("110105"),
                    gender="female", birth_date=dt.date(1970, 1, 1), id_last4=BAI_15[-4:])
    person.save()
    person = person_update(actor=actor, person=person, phone="13900001111")
    assert person.phone == "13900001111"
    with pytest.raises(ValidationError):
        person_update(actor=actor, person=person, id_number=fifteen(personas.citizen_id(
            "110105", dt.date(1970, 1, 1), 5, male=False)))
    person.refresh_from_db()
    assert person.id_number == BAI_15


def test_the_card_holder_is_found_before_anyone_registered_under_the_15_digits(db, employer_chaoyang):
    """Someone registered under the 15 digits as another document before this check (the review's
    测试甲) is never taken for the card holder: the desk and the portal try the 18-character form first."""
    from shebao.portal.employer import _employee
    from shebao.registry.checks import lookup_numbers
    from shebao.registry.models import EmploymentSpell

    assert lookup_numbers(BAI_15) == [BAI, BAI_15] and lookup_numbers("E12345678") == ["E12345678"]
    bai = personas.make_person("白纨", birth=dt.date(1965, 7, 13), serial=91, male=False)
    assert bai.id_number == BAI
    earlier = Person(id_type="passport", id_number=BAI_15, name="测试甲", district=personas.office("110105"),
                     gender="female", birth_date=dt.date(1970, 1, 1), id_last4=BAI_15[-4:])
    earlier.save()
    for person in (bai, earlier):
        EmploymentSpell.objects.create(person=person, employer=employer_chaoyang, from_month="2019-01")
    assert _employee(employer_chaoyang, BAI_15) == bai
