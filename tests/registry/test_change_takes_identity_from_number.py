"""A change of data treats a new citizen ID number as a registration does (review-input5 F6): what it
does not state (birth date, gender) is taken from the number and recorded in the person's history; what
it states must agree with the number and is refused at its own field naming the digits and what was
stated, never hidden behind "无需变更" when the stated value is the registered one.
"""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.services import DetailsRefused
from shebao.core.models import AuditEvent
from shebao.registry.checks import id_check_character
from shebao.registry.models import PersonHistory
from tests.businesses.walk import complete, submit
from tests.cases.conftest import client_for
from tests.cases.conftest import submit as api_submit
from tests.nothing_written import nothing_written

APPLIED = dt.date(2020, 2, 20)
WOMAN_1980 = "11010519800101002"  # digit 17 is 2: a woman born 1980-01-01
WOMAN_1980 += id_check_character(WOMAN_1980)


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.SHEBAO_TODAY = APPLIED


def test_a_new_number_alone_brings_its_birth_date_and_gender(clerk_chaoyang, reviewer_chaoyang, person_chaoyang):
    assert (person_chaoyang.birth_date, person_chaoyang.gender) == (dt.date(1975, 5, 1), "male")
    case = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
                  details={"changes": {"id_number": WOMAN_1980}})
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    person_chaoyang.refresh_from_db()
    assert (person_chaoyang.id_number, person_chaoyang.birth_date, person_chaoyang.gender) == (
        WOMAN_1980, dt.date(1980, 1, 1), "female")
    history = {h.field: (h.old_value, h.new_value) for h in PersonHistory.objects.filter(person=person_chaoyang)}
    assert history["birth_date"] == ("1975-05-01", "1980-01-01") and set(history) == {"id_number", "birth_date",
                                                                                      "gender"}
    assert "出生日期（按新证件号码）" in case.effects.get().summary_zh
    audit = AuditEvent.objects.filter(model="registry.Person", object_pk=str(person_chaoyang.pk), action="update").last()
    assert "birth_date" in audit.changes and "gender" in audit.changes


@pytest.mark.parametrize(("stated", "field", "says"), [
    ({"birth_date": "1975-05-01"}, "details.changes.birth_date", "新证件号码第7至14位为1980-01-01，所填为1975-05-01"),
    ({"gender": "male"}, "details.changes.gender", "新证件号码第17位为2（双数为女），所填为“男”"),
    ({"birth_date": "1981-01-01", "gender": "male"}, "details.changes.gender", "第17位为2"),
])
def test_a_stated_value_that_disagrees_with_the_new_number_is_refused_naming_the_digits(
        clerk_chaoyang, person_chaoyang, stated, field, says):
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
               details={"changes": {"id_number": WOMAN_1980, **stated}})
    errors = {e.field: e.zh for e in refused.value.errors}
    assert says in errors.get(field, ""), errors
    assert not any("无需变更" in zh for zh in errors.values()), errors


def test_a_stated_value_that_agrees_is_taken(clerk_chaoyang, reviewer_chaoyang, person_chaoyang):
    case = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
                  details={"changes": {"id_number": WOMAN_1980, "birth_date": "1980-01-01", "gender": "female"}})
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    person_chaoyang.refresh_from_db()
    assert (person_chaoyang.birth_date, person_chaoyang.gender) == (dt.date(1980, 1, 1), "female")


def test_without_a_new_number_a_stated_birth_date_is_compared_with_the_registered_one(clerk_chaoyang,
                                                                                      person_chaoyang):
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
               details={"changes": {"birth_date": "1976-05-01"}})
    assert "证件号码第7至14位为1975-05-01，所填为1976-05-01" in refused.value.errors[0].zh


def test_the_api_takes_the_change_the_review_found_refused(clerk_chaoyang, person_chaoyang):
    r = api_submit(client_for(clerk_chaoyang), business="person_change", channel="counter",
                   person=person_chaoyang.pk, applied_on="2020-02-20", details={"changes": {"id_number": WOMAN_1980}})
    assert r.status_code == 201, r.content.decode()
    with nothing_written():
        r = api_submit(client_for(clerk_chaoyang), business="person_change", channel="counter",
                       person=person_chaoyang.pk, applied_on="2020-02-20",
                       details={"changes": {"mobile": "13900001111", "birth_date": "1990-01-01"}})
    assert r.status_code == 400
    fields = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert "第7至14位为1975-05-01" in fields["details.changes.birth_date"]


def test_the_case_page_says_what_the_new_number_will_change_before_approval(
        client, clerk_chaoyang, reviewer_chaoyang, person_chaoyang):
    """review-user6 F3: the clerk's and the reviewer's pages showed only "证件号码改为…", and the birth date
    and gender (which set the retirement age and the pension) changed with it unannounced. Until the case
    is completed the page says what follows the number, from the same function the effect applies."""
    case = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
                  details={"changes": {"id_number": WOMAN_1980}})
    client.force_login(reviewer_chaoyang)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert 'id="identity-follows"' in page
    assert "出生日期由1975-05-01改为1980-01-01；性别由男改为女" in page
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    assert 'id="identity-follows"' not in client.get(f"/office/cases/{case.pk}/").content.decode()


def test_nothing_is_announced_when_the_new_number_keeps_birth_date_and_gender(
        client, clerk_chaoyang, reviewer_chaoyang, person_chaoyang):
    same = person_chaoyang.id_number[:14] + "999"
    same += id_check_character(same)
    case = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
                  details={"changes": {"id_number": same}})
    client.force_login(reviewer_chaoyang)
    assert 'id="identity-follows"' not in client.get(f"/office/cases/{case.pk}/").content.decode()
