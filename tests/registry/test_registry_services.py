"""Registering and changing people and employers: identity kept consistent, every change in the trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shebao.core.audit import audited_bulk_update, encrypted_shown
from shebao.core.models import AppendOnlyError, AuditEvent, PersonalDataAccess
from shebao.registry.models import Contribution, Person
from shebao.registry.selectors import pension_months_in_beijing, person_search
from shebao.registry.services import (
    employer_register,
    employer_update,
    person_register,
    person_update,
    personal_data_reveal,
)
from tests import personas
from tests.nothing_written import nothing_written


def test_a_citizen_id_number_fixes_gender_birth_date_and_last_four(db, clerk_chaoyang, chaoyang):
    number = personas.citizen_id("110105", dt.date(1980, 2, 29), 7, male=False)
    p = person_register(actor=clerk_chaoyang, id_number=number, name="王芳", district=chaoyang,
                        account_type="general")
    p.refresh_from_db()
    assert (p.gender, p.birth_date, p.id_last4, p.name_initials) == ("female", dt.date(1980, 2, 29), number[-4:], "wf")
    assert p.pension_account.account_type == "general"


def test_a_birth_date_that_disagrees_with_the_id_number_is_refused(db, clerk_chaoyang, chaoyang):
    number = personas.citizen_id("110105", dt.date(1980, 1, 1), 7, male=True)
    with nothing_written(), pytest.raises(ValidationError) as e:
        person_register(actor=clerk_chaoyang, id_number=number, name="王五", district=chaoyang,
                        birth_date=dt.date(1981, 1, 1))
    assert "出生日期" in str(e.value)
    assert not Person.objects.exists()


def test_a_change_records_who_when_and_what_from_what(db, clerk_chaoyang, person_chaoyang):
    person_update(actor=clerk_chaoyang, person=person_chaoyang, phone="13900001111", reason="本人来电")
    event = AuditEvent.objects.filter(model="registry.Person", action="update").get()
    assert event.actor == clerk_chaoyang
    # Phone numbers are encrypted at rest, so the trail keeps them masked with a keyed fingerprint.
    assert event.changes == {"phone": [encrypted_shown("13812345678"), encrypted_shown("13900001111")]}
    assert event.changes["phone"][1].startswith("139****1111（指纹 ")
    assert event.reason == "本人来电" and event.district_code == "110105"


def test_a_clerk_cannot_change_another_districts_person(db, clerk_haidian, person_chaoyang):
    with nothing_written(), pytest.raises(PermissionDenied):
        person_update(actor=clerk_haidian, person=person_chaoyang, phone="13900001111")
    person_chaoyang.refresh_from_db()
    assert person_chaoyang.phone == "13812345678"


def test_a_leader_reads_but_never_writes(db, leader, employer_chaoyang):
    with nothing_written(), pytest.raises(PermissionDenied):
        employer_update(actor=leader, employer=employer_chaoyang, name="改名")


def test_a_bad_credit_code_is_refused_with_its_position(db, clerk_chaoyang, chaoyang):
    code = personas.credit_code(5)
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    with nothing_written(), pytest.raises(ValidationError) as e:
        employer_register(actor=clerk_chaoyang, credit_code=bad, name="坏代码公司", district=chaoyang)
    assert "第18位" in str(e.value)


def test_bulk_updates_write_one_trail_row_per_changed_object(db, clerk_chaoyang):
    people = [personas.make_person(personas.numbered("人员", i), serial=10 + i) for i in range(3)]
    for p in people:
        p.ethnicity = "回族"
    people[2].ethnicity = "汉族"  # unchanged: no row
    assert audited_bulk_update(actor=clerk_chaoyang, objs=people, fields=["ethnicity"], reason="批量更正") == 2
    events = AuditEvent.objects.filter(action="update", model="registry.Person")
    assert sorted(e.changes["ethnicity"][1] for e in events) == ["回族", "回族"]
    assert set(Person.objects.values_list("ethnicity", flat=True)) == {"回族", "汉族"}


def test_the_trail_cannot_be_edited_or_deleted(db, clerk_chaoyang, person_chaoyang):
    person_update(actor=clerk_chaoyang, person=person_chaoyang, phone="13900001111")
    event = AuditEvent.objects.filter(action="update").get()
    event.reason = "篡改"
    with nothing_written(), pytest.raises(AppendOnlyError):
        event.save()
    with nothing_written(), pytest.raises(AppendOnlyError):
        event.delete()


def test_revealing_a_number_is_recorded_with_the_reason(db, clerk_chaoyang, person_chaoyang):
    value = personal_data_reveal(actor=clerk_chaoyang, obj=person_chaoyang, field="id_number", reason="核对身份")
    assert value == person_chaoyang.id_number
    access = PersonalDataAccess.objects.get()
    assert (access.actor, access.field, access.reason, access.object_pk) == (
        clerk_chaoyang, "id_number", "核对身份", str(person_chaoyang.pk))


def test_revealing_needs_a_reason_and_a_role_allowed_to_see(db, clerk_chaoyang, leader, person_chaoyang):
    with nothing_written(), pytest.raises(ValidationError):
        personal_data_reveal(actor=clerk_chaoyang, obj=person_chaoyang, field="id_number", reason="")
    with nothing_written(), pytest.raises(PermissionDenied):
        personal_data_reveal(actor=leader, obj=person_chaoyang, field="id_number", reason="看看")
    assert not PersonalDataAccess.objects.exists()


def test_search_finds_a_person_by_initials_last_four_full_number_and_name(db, clerk_chaoyang, person_chaoyang):
    for query in ["zs", "ZS", person_chaoyang.id_number[-4:], person_chaoyang.id_number, "张三", "张"]:
        assert list(person_search(user=clerk_chaoyang, query=query)) == [person_chaoyang], query


def test_search_never_crosses_the_district_line(db, clerk_haidian, person_chaoyang):
    for query in ["zs", person_chaoyang.id_number[-4:], person_chaoyang.id_number, "张三"]:
        assert not person_search(user=clerk_haidian, query=query).exists()


def _contribution(person, employer, month, *, paid_on, pension=1000):
    return Contribution.objects.create(
        person=person, employer=employer, month=month, pension_base_fen=10000, pension_employer_fen=pension,
        pension_personal_fen=800, unemployment_base_fen=10000, unemployment_employer_fen=80,
        unemployment_personal_fen=20, medical_base_fen=10000, medical_employer_fen=1000, medical_personal_fen=500,
        maternity_base_fen=10000, maternity_employer_fen=80, work_injury_base_fen=10000,
        work_injury_employer_fen=20, paid_on=paid_on,
    )


def test_pension_months_count_paid_months_once_before_the_date(db, person_chaoyang, employer_chaoyang,
                                                                 employer_haidian):
    _contribution(person_chaoyang, employer_chaoyang, "2019-10", paid_on=dt.date(2019, 10, 20))
    _contribution(person_chaoyang, employer_haidian, "2019-10", paid_on=dt.date(2019, 10, 20))  # second job
    _contribution(person_chaoyang, employer_chaoyang, "2019-11", paid_on=dt.date(2019, 11, 20))
    _contribution(person_chaoyang, employer_chaoyang, "2019-12", paid_on=None)  # unpaid
    _contribution(person_chaoyang, employer_chaoyang, "2020-01", paid_on=dt.date(2020, 3, 20))
    assert pension_months_in_beijing(person=person_chaoyang, on=dt.date(2020, 2, 10)) == 2
    assert pension_months_in_beijing(person=person_chaoyang, on=dt.date(2020, 4, 1)) == 3
    assert pension_months_in_beijing(person=person_chaoyang, on=dt.date(2019, 11, 1)) == 1


def test_a_reveal_reason_longer_than_its_column_is_refused_not_cut(db, clerk_chaoyang, person_chaoyang):
    """Bad-input review A16 3: the reason was cut to 200 characters silently."""
    with nothing_written(), pytest.raises(ValidationError, match=r"查看原因不能超过200个字符（现为201个）"):
        personal_data_reveal(actor=clerk_chaoyang, obj=person_chaoyang, field="id_number", reason="核" * 201)
