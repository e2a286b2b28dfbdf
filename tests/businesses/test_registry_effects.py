"""A change of a person's data (1.3a) and a registration (1.4, 0.3 late) from submission to completion."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.models import CaseEffect
from shebao.cases.services import DetailsRefused
from shebao.collection.models import Due
from shebao.registry.models import EmploymentSpell, Person, PersonHistory
from shebao.rules import late_fee_for_due
from tests.businesses.walk import complete, submit
from tests.nothing_written import nothing_written

APPLIED = dt.date(2020, 3, 2)


def test_a_change_reaches_the_registry_with_its_history(clerk_chaoyang, reviewer_chaoyang, person_chaoyang):
    details = {"changes": {"mobile": "+86 139-0000-1111", "address": "北京市朝阳区光华路1号"}}
    case = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED, details=details)
    assert case.facts["fields"] == ["mobile", "address"]  # the rules read which fields change

    complete(case, clerk_chaoyang, reviewer_chaoyang)

    person = Person.objects.get(pk=person_chaoyang.pk)
    assert person.phone == "13900001111" and person.other_data == {"address": "北京市朝阳区光华路1号"}
    history = list(PersonHistory.objects.filter(person=person).order_by("field"))
    assert [(h.field, h.old_value, h.new_value, h.case_number, h.actor) for h in history] == [
        ("address", "", "北京市朝阳区光华路1号", case.pk, reviewer_chaoyang),
        ("mobile", "13812345678", "13900001111", case.pk, reviewer_chaoyang)]
    assert "手机号码" in CaseEffect.objects.get(case=case).summary_zh


def test_a_change_to_an_invalid_mobile_is_refused_naming_the_field(clerk_chaoyang, person_chaoyang):
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
               details={"changes": {"mobile": "12345678901"}})
    assert refused.value.errors[0].field == "details.changes.mobile"
    assert "手机号码" in refused.value.errors[0].zh and "中国大陆手机号码" in refused.value.errors[0].zh


def registration(**more):
    return {"insured_id_type": "hmt_permit", "insured_id_number": "H12345678", "insured_name": "陈大文",
            "insured_gender": "male", "insured_birth_date": "1990-06-01", "insured_nationality": "中国香港",
            "insured_mobile": "13700001111", "category": "hmt", "start_month": "2020-01", "base_fen": 700_000, **more}


def test_a_late_registration_keeps_the_true_start_month_and_owes_no_late_fee(clerk_chaoyang, reviewer_chaoyang,
                                                                           employer_chaoyang):
    case = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                  details=registration())
    assert case.facts["person"]["category"] == "hmt"
    complete(case, clerk_chaoyang, reviewer_chaoyang)

    person = Person.objects.get(id_number="H12345678")
    assert (person.id_type, person.category, person.phone, person.nationality) == (
        "hmt_permit", "hmt", "13700001111", "中国香港")
    spell = EmploymentSpell.objects.get(person=person)
    assert (spell.employer, spell.from_month, spell.to_month) == (employer_chaoyang, "2020-01", "")
    effect = CaseEffect.objects.get(case=case)
    dues = Due.objects.filter(pk__in=effect.result["dues"])
    assert sorted({d.month for d in dues}) == ["2020-01", "2020-02"]  # from the true month to the one before March
    # 0.3: in the window, paid by the make-up deadline, no late fee.
    for d in dues:
        assert late_fee_for_due(d.month, d.amount_fen, paid_on="2020-03-20").late_fee_fen == 0


@pytest.mark.parametrize(("more", "field", "reason"), [
    ({"insured_id_type": "citizen_id", "insured_id_number": "110105199001011230", "category": "standard"},
     "details.insured_id_number", "校验"),
    ({"insured_id_type": "foreign_permit", "insured_id_number": "USA123456789", "insured_birth_date": "",
      "category": "foreigner"}, "details.insured_birth_date", "非居民身份证件须填写出生日期"),
])
def test_a_registration_is_checked_against_its_document(clerk_chaoyang, employer_chaoyang, more, field, reason):
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
               details=registration(**more))
    assert refused.value.errors[0].field == field and reason in refused.value.errors[0].zh


def test_a_foreigner_is_registered_on_a_foreign_permit(clerk_chaoyang, reviewer_chaoyang, employer_chaoyang):
    case = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                  details=registration(insured_id_type="foreign_permit", insured_id_number="USA123456789",
                                       insured_name="John SMITH", insured_nationality="美国", category="foreigner",
                                       start_month="2020-03"))
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    person = Person.objects.get(id_number="USA123456789")
    assert (person.id_type, person.category, person.name) == ("foreign_permit", "foreigner", "John SMITH")
    assert CaseEffect.objects.get(case=case).result["dues"] == []  # starts this month: the monthly declaration


def test_a_registration_with_a_bad_mobile_is_refused(clerk_chaoyang, employer_chaoyang):
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
               details=registration(insured_mobile="0101234567"))
    assert refused.value.errors[0].field == "details.insured_mobile"


@pytest.mark.parametrize("given", [{"insured_name": "某某", "insured_id_type": "citizen_id"},
                                   {"insured_name": "李四", "insured_id_type": "passport"}])
def test_a_registered_number_is_not_registered_again_under_another_name_or_document(
        clerk_chaoyang, employer_chaoyang, person_haidian, given):
    # 1.4: the number is that person; a different name or document type is refused, and the refusal
    # never tells a 朝阳 clerk whose the 海淀 number is.
    details = registration(insured_id_number=person_haidian.id_number, category="standard", **given)
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
               details=details)
    error = refused.value.errors[0]
    assert error.field == "details.insured_id_number" and "与登记信息不一致" in error.zh
    assert person_haidian.name not in error.zh


def test_a_person_still_insured_elsewhere_is_not_registered_until_that_spell_ends(
        clerk_chaoyang, employer_chaoyang, person_haidian):
    from tests import personas

    other = personas.make_employer("北京海淀测试有限公司", district_code="110108", serial=2)
    EmploymentSpell.objects.create(person=person_haidian, employer=other, from_month="2019-01")
    details = registration(insured_id_type="citizen_id", insured_id_number=person_haidian.id_number,
                           insured_name=person_haidian.name, category="standard")
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
               details=details)
    error = refused.value.errors[0]
    assert "其他单位仍有未终止的参保关系" in error.zh and other.name not in error.zh


def test_a_change_of_items_without_a_column_is_shown_on_the_person_page(client, clerk_chaoyang, reviewer_chaoyang,
                                                                        person_chaoyang):
    """review-user8 F6: 学历 and 婚姻状况 changed by an approved case were shown nowhere, and the history
    held the bare code '20' for both. The person page lists every registered item by its name, personal
    items masked, and the change history with the old and new values by name."""
    details = {"changes": {"education": "20", "marital_status": "20", "address": "北京市朝阳区光华路1号",
                           "mobile": "13900001111"}}
    case = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED, details=details)
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    client.force_login(clerk_chaoyang)
    page = client.get(f"/persons/{person_chaoyang.pk}/").content.decode()
    assert "<dt>学历</dt><dd>大学本科教育</dd>" in page and "<dt>婚姻状况</dt><dd>已婚</dd>" in page
    assert "<dt>通讯地址</dt>" in page and "光华路1号" not in page  # an address is shown by its district
    history = page[page.index('id="person-history"'):]
    assert "大学本科教育" in history and "已婚" in history and f"#{case.pk}" in history
    assert "13900001111" not in page and "13812345678" not in page  # the mobile's old and new values masked
