"""A citizen ID number fixes the birth date and the gender (GB 11643-1999: digits 7-14 the birth
date, the 17th odd for a man, even for a woman) wherever a person is registered or changed
(review-input4 F4): the desk, the API and the employer portal all submit through the same checks,
which refuse a stated birth date or gender that disagrees, at its field, with nothing stored; what is
not stated is taken from the number. One number is given by one open application at a time (F4: the
same new number pending in three registrations and a change), and a change that changes nothing is
refused (F10).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.cases.checks import stated_identity_problems
from shebao.cases.models import Case
from shebao.cases.services import DetailsRefused
from shebao.registry.checks import id_check_character, parse_citizen_id
from shebao.registry.models import Person
from tests import personas
from tests.businesses.walk import complete, submit
from tests.cases.conftest import client_for
from tests.cases.conftest import submit as api_submit
from tests.nothing_written import nothing_written

APPLIED = dt.date(2020, 2, 20)
MAN_1965 = "11010519650713997"  # digit 17 is 7: a man born 1965-07-13
NUMBER = MAN_1965 + id_check_character(MAN_1965)


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.SHEBAO_TODAY = APPLIED


def citizen(**more):
    return {"insured_id_type": "citizen_id", "insured_id_number": NUMBER, "insured_name": "黄凤飘",
            "insured_mobile": "13700001111", "category": "standard", "start_month": "2020-02",
            "base_fen": 700_000, **more}


@pytest.mark.parametrize(("stated", "fields"), [
    ({"insured_birth_date": "1990-01-01"}, {"details.insured_birth_date"}),
    ({"insured_gender": "female"}, {"details.insured_gender"}),
    ({"insured_birth_date": "1965-07-14", "insured_gender": "female"},
     {"details.insured_birth_date", "details.insured_gender"}),
])
def test_a_registration_stating_another_birth_date_or_gender_is_refused_at_the_field(
        clerk_chaoyang, employer_chaoyang, stated, fields):
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
               details=citizen(**stated))
    errors = {e.field: e.zh for e in refused.value.errors}
    assert fields <= set(errors), errors
    if "details.insured_birth_date" in fields:
        assert "号码第7至14位为1965-07-13" in errors["details.insured_birth_date"]
    if "details.insured_gender" in fields:
        assert "号码第17位为7" in errors["details.insured_gender"] and "单数为男" in errors["details.insured_gender"]


def test_what_is_not_stated_is_taken_from_the_number(clerk_chaoyang, reviewer_chaoyang, employer_chaoyang):
    case = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                  details=citizen(insured_id_number=NUMBER.lower()))
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    person = Person.objects.get(id_number=NUMBER)
    assert (person.birth_date, person.gender) == (dt.date(1965, 7, 13), "male")


def test_a_stated_birth_date_and_gender_that_agree_are_taken(clerk_chaoyang, employer_chaoyang):
    case = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                  details=citizen(insured_birth_date="1965-07-13", insured_gender="male"))
    assert case.details["insured_gender"] == "male"


def test_a_passport_states_its_own_birth_date_and_gender(clerk_chaoyang, employer_chaoyang):
    case = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                  details=citizen(insured_id_type="passport", insured_id_number="E12345678", category="foreigner",
                                  insured_birth_date="1990-01-01", insured_gender="female"))
    assert case.pk


@settings(max_examples=200, deadline=None)
@given(birth=st.dates(dt.date(1920, 1, 1), dt.date(2004, 12, 31)), seq=st.integers(0, 999),
       stated_birth=st.one_of(st.none(), st.dates(dt.date(1920, 1, 1), dt.date(2004, 12, 31))),
       stated_gender=st.sampled_from(["", "male", "female"]))
def test_a_stated_identity_is_refused_exactly_when_it_disagrees(birth, seq, stated_birth, stated_gender):
    first17 = f"110105{birth:%Y%m%d}{seq:03d}"
    cid = parse_citizen_id(first17 + id_check_character(first17), today=dt.date(2020, 2, 20))
    errors = {e.field for e in stated_identity_problems(cid, birth_date=stated_birth, gender=stated_gender,
                                                         prefix="details.insured_")}
    wrong_birth = stated_birth is not None and stated_birth != birth
    wrong_gender = bool(stated_gender) and stated_gender != ("male" if seq % 2 else "female")
    assert ("details.insured_birth_date" in errors) == wrong_birth
    assert ("details.insured_gender" in errors) == wrong_gender


def test_the_desk_shows_the_disagreement_at_the_birth_date_and_stores_nothing(client, clerk_chaoyang,
                                                                             employer_chaoyang):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:front_desk"), {
            "business": "insured_registration", "applicant_kind": "employer", "credit_code": employer_chaoyang.credit_code,
            "insured_id_type": "citizen_id", "insured_id_number": NUMBER, "insured_name": "黄凤飘",
            "insured_gender": "female", "insured_birth_date": "1990-01-01", "insured_mobile": "13700001111",
            "category": "standard", "start_month": "2020-02", "base_fen": "7000", "token": "t-f4", "do": "save"})
    html = r.content.decode()
    assert r.status_code == 400
    for field, message in (("insured_birth_date", "号码第7至14位为1965-07-13"), ("insured_gender", "号码第17位为7")):
        start = html.index(f'data-field="{field}"')
        following = re.search(r'data-field="', html[start + 10:])
        block = html[start: start + 10 + (following.start() if following else len(html))]
        assert message in block, (field, block[:800])


def test_the_api_answers_problem_details_naming_the_field(clerk_chaoyang, employer_chaoyang):
    with nothing_written():
        r = api_submit(client_for(clerk_chaoyang), business="insured_registration", channel="counter",
                       employer=employer_chaoyang.pk, applied_on="2020-02-20",
                       details=citizen(insured_birth_date="1990-01-01"))
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    fields = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert "号码第7至14位为1965-07-13" in fields["details.insured_birth_date"]


def test_one_number_is_given_by_one_open_application(clerk_chaoyang, employer_chaoyang, person_chaoyang):
    first = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                   details=citizen())
    for number in (NUMBER, NUMBER.lower(), "１１０１０５１９６５０７１３９９７" + NUMBER[-1]):
        with nothing_written(), pytest.raises(DetailsRefused) as refused:
            submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                   details=citizen(insured_id_number=number))
        assert refused.value.errors[0].field == "details.insured_id_number"
        assert f"申请编号{first.pk}" in refused.value.errors[0].zh
    # Nor may a change of data give the pending number to someone else, nor a registration one that a
    # change is giving.
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
               details={"changes": {"id_number": NUMBER, "birth_date": "1965-07-13"}})
    assert any(f"申请编号{first.pk}" in e.zh for e in refused.value.errors), refused.value.errors
    woman = "11010519800202002"
    woman += id_check_character(woman)
    change = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
                    details={"changes": {"id_number": woman, "birth_date": "1980-02-02", "gender": "female"}})
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
               details=citizen(insured_id_number=woman))
    assert f"申请编号{change.pk}" in refused.value.errors[0].zh


def test_once_rejected_the_number_may_be_registered_again(clerk_chaoyang, employer_chaoyang):
    from shebao.cases.models import Status

    first = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                   details=citizen())
    Case.objects.filter(pk=first.pk).update(status=Status.REJECTED)
    assert submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                  details=citizen()).pk != first.pk


@pytest.mark.parametrize("changes", [
    {"id_number": "own"}, {"id_number": "own-full-width"}, {"gender": "male"}, {"mobile": "138 1234 5678"},
    {"name": "张三"},
])
def test_a_change_that_changes_nothing_is_refused(clerk_chaoyang, person_chaoyang, changes):
    own = person_chaoyang.id_number
    value = next(iter(changes.values()))
    if value == "own":
        changes = {"id_number": own}
    elif value == "own-full-width":
        changes = {"id_number": "".join(chr(ord(c) + 0xFEE0) for c in own)}
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
               details={"changes": changes})
    field = next(iter(changes))
    assert any(e.field == f"details.changes.{field}" and "相同，无需变更" in e.zh for e in refused.value.errors), \
        refused.value.errors


def test_personas_hold_numbers_that_agree(db):
    for serial, male, birth in ((1, True, dt.date(1975, 5, 1)), (2, False, dt.date(1988, 2, 29))):
        p = personas.make_person(personas.numbered("人员", serial), serial=serial, male=male, birth=birth)
        cid = parse_citizen_id(p.id_number)
        assert (cid.birth_date, cid.gender) == (p.birth_date, p.gender) == (birth, "male" if male else "female")
