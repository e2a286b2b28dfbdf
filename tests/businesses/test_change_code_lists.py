"""review-user7 F11: a change of data took 民族, 学历 and 婚姻状况 as free text ("汉" and "汉族" two
ethnicities), an empty choice said 新性别应为以下之一：男、女 and an empty date 应为有效日期. The three items
take the national standards' code lists (rules.code_lists), every form draws them as a list, and an empty
choice or date asks for one."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.business_forms import change_row
from shebao.registry.models import Person
from shebao.rules.business_fields import CHANGE_CHOICES, details_validate
from shebao.rules.code_lists import EDUCATIONS, ETHNICITIES, MARITAL_STATUSES

TODAY = dt.date(2020, 2, 20)


def _refusals(changes):
    v = details_validate("person_change", {"changes": changes}, today=TODAY)
    return v, {e.field: e.zh for e in v.errors}


def test_the_lists_are_the_standards():
    assert len(ETHNICITIES) == 58 and list(ETHNICITIES)[:3] == ["汉族", "蒙古族", "回族"]
    assert list(ETHNICITIES)[55] == "基诺族" and all(n.endswith("族") for n in list(ETHNICITIES)[:56])
    assert EDUCATIONS["20"] == "大学本科教育" and "50" not in EDUCATIONS  # GB/T 4658-2006 has no class 50
    assert MARITAL_STATUSES["22"] == "再婚" and MARITAL_STATUSES["90"] == "未说明的婚姻状况"
    width = Person._meta.get_field("ethnicity").max_length
    assert max(len(v) for v in ETHNICITIES) <= width  # every value lands in the registry's column


@pytest.mark.parametrize("field, typed, kept", [
    ("ethnicity", "回族", "回族"), ("ethnicity", " 满族 ", "满族"),
    ("education", "20", "20"), ("education", "大学本科教育", "20"),
    ("marital_status", "40", "40"), ("marital_status", "离婚", "40"),
])
def test_a_listed_value_or_its_name_is_taken_as_the_code(field, typed, kept):
    v, errors = _refusals({field: typed})
    assert not errors and v.details["changes"][field] == kept


@pytest.mark.parametrize("field, typed", [("ethnicity", "汉"), ("ethnicity", "han"), ("education", "本科"),
                                          ("marital_status", "单身"), ("education", "50")])
def test_a_value_off_the_list_is_refused_with_examples(field, typed):
    v, errors = _refusals({field: typed})
    reason = errors[f"changes.{field}"]
    assert "应为列表中的一项" in reason and "请从列表中选择" in reason
    assert reason.startswith({"ethnicity": "民族", "education": "学历", "marital_status": "婚姻状况"}[field])


def test_a_short_list_names_every_value_a_long_one_three():
    _, errors = _refusals({"household_type": "x", "ethnicity": "x"})
    assert "城镇、农业、无（境外人员）" in errors["changes.household_type"]
    assert "汉族、蒙古族、回族等" in errors["changes.ethnicity"] and "基诺族" not in errors["changes.ethnicity"]


@pytest.mark.parametrize("changes, key, reason", [
    ({"gender": ""}, "changes.gender", "性别：请选择新性别"),
    ({"birth_date": ""}, "changes.birth_date", "出生日期：请填写新出生日期"),
    ({"ethnicity": ""}, "changes.ethnicity", "民族：请选择新值"),
])
def test_an_empty_choice_or_date_asks_for_one(changes, key, reason):
    _, errors = _refusals(changes)
    assert errors[key] == reason


@pytest.mark.parametrize("field", ["ethnicity", "education", "marital_status"])
def test_every_form_draws_the_list(field):
    row = change_row(field, "x", "")
    assert row.input == "select" and row.choices == list(CHANGE_CHOICES[field].items())


def test_the_api_schema_lists_the_codes():
    from shebao.rules.business_fields import json_schema

    items = json_schema("person_change")["properties"]["changes"]["properties"]
    assert items["education"]["enum"] == list(EDUCATIONS) and "20 大学本科教育" in items["education"]["description"]
    assert items["ethnicity"]["enum"][0] == "汉族" and items["phone"] == {"type": "string", "description": "联系电话"}
