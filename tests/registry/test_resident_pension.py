"""The residents' basic pension (6.1): register, change, cancel, claim; registration refused for a
person with active employee insurance (a registry check naming the field, in Chinese); every
refusal writes nothing; each service idempotent per case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from shebao.core.audit import encrypted_shown
from shebao.core.masking import mask_text
from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused
from shebao.registry.models import Contribution, EmploymentSpell, Person, ResidentPension
from shebao.registry.resident_pension import (
    employee_insurance_refusal,
    resident_pension_cancel,
    resident_pension_change,
    resident_pension_claim,
    resident_pension_register,
)
from tests import personas
from tests.nothing_written import nothing_written

TODAY = dt.date(2020, 2, 20)
BANK = {"bank_name": "北京农商银行", "bank_account": "6214 6800 1234 5678"}


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = TODAY


@pytest.fixture
def resident(db):
    return personas.make_person("王五", serial=41, birth=dt.date(1960, 5, 5), account_type=None)


@pytest.mark.django_db
def test_a_registration_records_the_grade_and_the_bank_account(resident, reviewer_chaoyang):
    record = resident_pension_register(actor=reviewer_chaoyang, person=resident, contribution_grade_fen=2000_00, **BANK)
    record.refresh_from_db()
    assert record.state == "active" and record.contribution_grade_fen == 2000_00
    assert record.bank_account == "6214680012345678" and record.bank_account_masked == "6214********5678"
    assert record.registered_on == TODAY and record.district_id == resident.district_id
    event = AuditEvent.objects.get(model="registry.ResidentPension", action="create")
    assert event.actor == reviewer_chaoyang and event.reason == "城乡居民养老保险参保登记"


@pytest.mark.django_db
def test_active_employee_insurance_refuses_the_registration_naming_the_person(resident, reviewer_chaoyang,
                                                                              employer_chaoyang):
    spell = EmploymentSpell.objects.create(person=resident, employer=employer_chaoyang, from_month="2019-06")
    with nothing_written(), pytest.raises(ValidationError) as refused:
        resident_pension_register(actor=reviewer_chaoyang, person=resident, contribution_grade_fen=1000_00, **BANK)
    message = refused.value.message_dict["person"][0]
    assert "正在参加职工基本养老保险" in message and employer_chaoyang.name in message and "2019-06" in message
    # A spell that ended last year no longer counts; a contribution of last month still does.
    spell.to_month = "2019-12"
    spell.save()
    Contribution.objects.create(
        person=resident, employer=employer_chaoyang, month="2020-01", pension_base_fen=5000_00,
        pension_employer_fen=800_00, pension_personal_fen=400_00, unemployment_base_fen=0,
        unemployment_employer_fen=0, unemployment_personal_fen=0, medical_base_fen=0, medical_employer_fen=0,
        medical_personal_fen=0, maternity_base_fen=0, maternity_employer_fen=0, work_injury_base_fen=0,
        work_injury_employer_fen=0)
    assert "2020-01有职工基本养老保险缴费记录" in employee_insurance_refusal(resident, on=TODAY)
    Contribution.objects.filter(person=resident).delete()
    assert employee_insurance_refusal(resident, on=TODAY) == ""
    Person.objects.filter(pk=resident.pk).update(contributor_category="retiree")
    resident.refresh_from_db()
    assert "已领取职工基本养老保险待遇" in employee_insurance_refusal(resident, on=TODAY)


@pytest.mark.django_db
@pytest.mark.parametrize("grade,bank,field,message", [
    (99_900, BANK, "contribution_grade_fen", "年缴费档次应在1,000.00元至9,000.00元之间，以100.00元为级差"),
    (9100_00, BANK, "contribution_grade_fen", "9,100.00元不是可选的档次"),
    (1050_00, BANK, "contribution_grade_fen", "不是可选的档次"),
    ("1000", BANK, "contribution_grade_fen", "请填写年缴费档次"),
    (1000_00, {**BANK, "bank_account": "6214-12"}, "bank_account", "银行账号须为8至30位数字"),
    # review-input6 F10's class: an 18-character citizen ID number is no account (check character 1)
    (1000_00, {**BANK, "bank_account": "110105198504020021"}, "bank_account", "填写的是居民身份证号码，请填写银行账号"),
    (1000_00, {**BANK, "bank_name": " "}, "bank_name", "请填写开户银行"),
])
def test_a_bad_grade_or_bank_account_is_refused_and_nothing_written(resident, reviewer_chaoyang, grade, bank, field,
                                                                    message):
    with nothing_written(), pytest.raises(ValidationError) as refused:
        resident_pension_register(actor=reviewer_chaoyang, person=resident, contribution_grade_fen=grade, **bank)
    assert message in refused.value.message_dict[field][0]


@pytest.mark.django_db
def test_one_open_registration_per_person_and_the_age_of_sixteen(resident, reviewer_chaoyang):
    resident_pension_register(actor=reviewer_chaoyang, person=resident, contribution_grade_fen=1000_00, **BANK)
    with nothing_written(), pytest.raises(ValidationError) as twice:
        resident_pension_register(actor=reviewer_chaoyang, person=resident, contribution_grade_fen=1000_00, **BANK)
    assert "已参加城乡居民养老保险（参保缴费" in twice.value.message_dict["person"][0]
    child = personas.make_person("小明", serial=42, birth=dt.date(2006, 1, 1), account_type=None)
    with nothing_written(), pytest.raises(ValidationError) as young:
        resident_pension_register(actor=reviewer_chaoyang, person=child, contribution_grade_fen=1000_00, **BANK)
    assert "须年满16周岁" in young.value.message_dict["person"][0]


@pytest.mark.django_db
def test_change_keeps_old_and_new_values_and_refuses_no_change(resident, reviewer_chaoyang):
    record = resident_pension_register(actor=reviewer_chaoyang, person=resident, contribution_grade_fen=1000_00, **BANK)
    with nothing_written(), pytest.raises(ValidationError) as same:
        resident_pension_change(actor=reviewer_chaoyang, person=resident, contribution_grade_fen=1000_00)
    assert "请填写要变更的缴费档次或银行账户" in same.value.message_dict["contribution_grade_fen"][0]
    record = resident_pension_change(actor=reviewer_chaoyang, person=resident, contribution_grade_fen=3000_00,
                                     bank_account="6214680087654321")
    assert (record.contribution_grade_fen, record.bank_account, record.bank_name) == (
        3000_00, "6214680087654321", "北京农商银行")
    event = AuditEvent.objects.get(model="registry.ResidentPension", action="update")
    assert event.changes["contribution_grade_fen"] == [1000_00, 3000_00]
    # Encrypted at rest, so the trail keeps the accounts masked with a keyed fingerprint
    # (docs/encryption.md), never in clear.
    assert event.changes["bank_account"] == [encrypted_shown("6214680012345678"), encrypted_shown("6214680087654321")]
    assert event.changes["bank_account"][1].startswith(mask_text("6214680087654321") + "（指纹 ")
    assert "6214680087654321" not in str(event.changes)


@pytest.mark.django_db
def test_claim_from_the_month_after_sixty_and_cancel(resident, reviewer_chaoyang):
    young = personas.make_person("钱七", serial=43, birth=dt.date(1961, 3, 1), account_type=None)
    resident_pension_register(actor=reviewer_chaoyang, person=young, contribution_grade_fen=1000_00, **BANK)
    with nothing_written(), pytest.raises(ValidationError) as early:
        resident_pension_claim(actor=reviewer_chaoyang, person=young)
    assert "须年满60周岁方可申领（该人员2021-03年满60周岁）" in early.value.message_dict["person"][0]
    # Born 1960-02-10: sixty on 2020-02-10, so the pension runs from the next month, 2020-03.
    sixty = personas.make_person("孙八", serial=44, birth=dt.date(1960, 2, 10), account_type=None)
    resident_pension_register(actor=reviewer_chaoyang, person=sixty, contribution_grade_fen=1000_00, **BANK)
    record = resident_pension_claim(actor=reviewer_chaoyang, person=sixty, bank_account="6214680011112222")
    assert (record.state, record.claim_from_month, record.bank_account) == ("receiving", "2020-03", "6214680011112222")
    assert AuditEvent.objects.filter(model="registry.ResidentPension", reason__contains="自2020-03起领取").exists()
    # Drawing the pension: no grade change, a bank change is fine.
    with nothing_written(), pytest.raises(ValidationError) as grade:
        resident_pension_change(actor=reviewer_chaoyang, person=sixty, contribution_grade_fen=2000_00)
    assert "已领取待遇的人员不再缴费" in grade.value.message_dict["contribution_grade_fen"][0]
    with nothing_written(), pytest.raises(ValidationError) as reason:
        resident_pension_cancel(actor=reviewer_chaoyang, person=sixty, reason="bored")
    assert "请选择注销原因（死亡、参加职工基本养老保险" in reason.value.message_dict["cancel_reason"][0]
    record = resident_pension_cancel(actor=reviewer_chaoyang, person=sixty, reason="death")
    assert (record.state, record.cancel_reason, record.cancelled_on) == ("cancelled", "death", TODAY)
    with nothing_written(), pytest.raises(ValidationError) as gone:
        resident_pension_claim(actor=reviewer_chaoyang, person=sixty)
    assert "当前为“未参保或已注销”，不能申领待遇" in gone.value.message_dict["person"][0]
    # Cancelled, the person may register again (one open record at a time).
    resident_pension_register(actor=reviewer_chaoyang, person=sixty, contribution_grade_fen=1000_00, **BANK)
    assert ResidentPension.objects.filter(person=sixty).count() == 2


@pytest.mark.django_db
def test_another_district_and_the_leader_are_refused(resident, clerk_haidian, leader):
    for actor in (clerk_haidian, leader):
        with nothing_written(), pytest.raises(ActionRefused):
            resident_pension_register(actor=actor, person=resident, contribution_grade_fen=1000_00, **BANK)
