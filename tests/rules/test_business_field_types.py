"""Every field of every business definition takes a value of any JSON type without an exception: a
wrong type is a refusal with a Chinese reason (the bad-input review found a list given for a choice
answering 500: `unhashable type`)."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.rules.business_fields import definitions, details_validate

WRONG = [["a"], {"k": "v"}, [["x"]], 12, 1.5, True, [{"a": 1}], {"": []}, None, "", "x" * 300]
SCALAR = {"text", "choice", "fen", "int", "month", "date", "mobile", "bank_account", "id_number"}


@pytest.mark.parametrize("code", sorted(definitions()))
def test_a_value_of_the_wrong_type_is_a_refusal_never_an_exception(code: str) -> None:
    for spec in definitions()[code].fields:
        for value in WRONG:
            result = details_validate(code, {spec.name: value}, today=dt.date(2020, 2, 20))  # must not raise
            assert all(e.zh and e.field for e in result.errors), (code, spec.name, value)
            if spec.type in SCALAR and isinstance(value, (list, dict)) and value:
                assert any(e.field == spec.name for e in result.errors), (code, spec.name, value)


# Review finding (class): implausible months and dates were accepted (start month 1900-01 or 2100-12,
# a birth date in 2030). Every month and date field of every business is bounded.
MONTHLY = {"month", "months", "period"}


def _month_value(spec, month: str):
    return {"month": month, "months": [month], "period": {"from": month, "to": month}}[spec.type]


def _month_fields():
    for code, d in sorted(definitions().items()):
        for spec in d.fields:
            if spec.type in MONTHLY:
                yield code, spec, (spec.name,)
            for item in spec.items:
                if item.type in MONTHLY:
                    yield code, item, (spec.name, item.name)


@pytest.mark.parametrize(("code", "spec", "path"), list(_month_fields()), ids=lambda v: getattr(v, "name", str(v)))
@pytest.mark.parametrize(("month", "ok"), [("1900-01", False), ("1950-12", False), ("1951-01", True),
                                           ("2020-02", True), ("2020-03", False), ("2100-12", False)])
def test_every_month_field_refuses_a_month_before_1951_or_after_the_current_month(code, spec, path, month, ok):
    value = _month_value(spec, month)
    data = {path[0]: value} if len(path) == 1 else {path[0]: [{path[1]: value}]}
    errors = [e for e in details_validate(code, data, today=dt.date(2020, 2, 20)).errors
              if e.field.startswith(path[0]) and e.field.endswith(path[-1])]
    assert (not errors) == ok, (code, path, month, errors)
    if not ok:
        assert "1951-01" in errors[0].zh or "晚于本月（2020-02）" in errors[0].zh


@pytest.mark.parametrize(("day", "ok"), [("1899-12-31", False), ("1960-05-01", True), ("2020-02-20", True),
                                         ("2020-02-21", False), ("2030-01-01", False)])
def test_a_birth_date_after_today_or_before_1900_is_refused(day, ok):
    result = details_validate("insured_registration", {"insured_birth_date": day}, today=dt.date(2020, 2, 20))
    assert (not [e for e in result.errors if e.field == "insured_birth_date"]) == ok
    change = details_validate("person_change", {"changes": {"birth_date": day}}, today=dt.date(2020, 2, 20))
    assert (not [e for e in change.errors if e.field == "changes.birth_date"]) == ok


def test_every_date_field_refuses_a_date_more_than_a_year_ahead():
    for code, d in definitions().items():
        for spec in d.fields:
            if spec.type == "date":
                result = details_validate(code, {spec.name: "2100-12-01"}, today=dt.date(2020, 2, 20))
                assert [e for e in result.errors if e.field == spec.name], (code, spec.name)


@pytest.mark.parametrize(("typed", "said"), [
    ("2020-02-30", "出生日期“2020-02-30”不存在：2020年2月只有29天"),  # it was 出生日期应为有效日期（年-月-日）
    ("1960-13-01", "出生日期“1960-13-01”不存在：没有13月"),
    ("19600501", "出生日期“19600501”格式错误，应为年-月-日"),  # the basic form Python also reads
    ("1960 05 01", "出生日期“1960 05 01”格式错误"),  # its spaces were taken out, then read as 19600501
    ("1960/05/01", "出生日期“1960/05/01”格式错误"),
    ("１９６０－０５－０１", None), (" 1960-05-01 ", None),  # full-width digits and hyphens, spaces around
])
def test_a_date_field_says_a_day_that_does_not_exist_as_every_date_is_said(typed, said):
    """A case's date fields read a date as core.inputs does (bad-input review leftovers 3)."""
    result = details_validate("insured_registration", {"insured_birth_date": typed}, today=dt.date(2020, 2, 20))
    errors = [e.zh for e in result.errors if e.field == "insured_birth_date"]
    if said is None:
        assert errors == [] and result.details["insured_birth_date"] == "1960-05-01"
    else:
        assert len(errors) == 1 and said in errors[0], errors


@pytest.mark.parametrize(("typed", "ok"), [
    (["12"], [12]), (["１２"], None), ([" 12 "], None), (["12", "7"], [12, 7]),
    (["1-3"], None), (["1 3"], None), (["-1"], None), (["1.0"], None), (["0"], None), (["12", "12"], None),
])
def test_a_refunds_dues_numbers_are_read_as_typed_never_joined(typed, ok):
    """review-input4 F3: the dues numbers went through the ID-number cleaner, so "1-3" became due 13 and
    "-1" due 1. A number is ASCII digits alone (review F5: "４８" and " 48 " are refused as ids on every road);
    anything else is refused."""
    raw = {"refund_kind": "overpayment", "amount_fen": 100, "dues": typed, "payee_name": "张三",
           "bank_name": "中国工商银行", "bank_account": "6222020000001234567"}
    checked = details_validate("refund", raw, today=dt.date(2020, 2, 20))
    if ok is None:
        assert [e.field for e in checked.errors] == ["dues"] and "dues" not in checked.details
    else:
        assert checked.ok and checked.details["dues"] == ok


@pytest.mark.parametrize(("code", "field", "day", "ok"), [
    ("work_injury_fast_track_claim", "diagnosed_on", "1900-01-02", False),
    ("work_injury_fast_track_claim", "diagnosed_on", "1989-12-31", False),
    ("work_injury_fast_track_claim", "diagnosed_on", "1990-01-01", True),
    ("retirement_declaration", "retired_on", "1960-05-01", False),
    ("insured_registration", "insured_birth_date", "1900-01-02", True),
])
def test_a_date_of_business_goes_back_to_1990_only_a_birth_date_to_1900(code, field, day, ok):
    """Bad-input review 16, 1: a COVID diagnosis dated 1900-01-02 was taken. The floor is the field's
    (``birth: true`` of the definition), the typed value is quoted."""
    errors = [e.zh for e in details_validate(code, {field: day}, today=dt.date(2020, 2, 20)).errors
              if e.field == field]
    assert (not errors) == ok, errors
    if not ok:
        assert f"“{day}”早于1990-01-01" in errors[0], errors


def test_only_birth_dates_are_declared_births():
    births = {(code, s.name) for code, d in definitions().items() for s in d.fields if s.birth}
    assert births == {("insured_registration", "insured_birth_date")}


@pytest.mark.parametrize(("value", "kind"), [(20200210, "数字"), (["2020-02-10"], "列表"), ({"d": 1}, "对象"),
                                             (True, "真假值")])
def test_a_date_given_another_json_type_says_what_was_received(value, kind):
    """Bad-input review 16, 5: 20200210 was answered 确诊日期“”格式错误."""
    errors = [e.zh for e in details_validate("work_injury_fast_track_claim", {"diagnosed_on": value},
                                             today=dt.date(2020, 2, 20)).errors if e.field == "diagnosed_on"]
    assert errors == [f"确诊日期应为文本“年-月-日”，收到的是{kind}"]


def test_every_field_given_another_json_type_says_what_was_received():
    for code, d in definitions().items():
        for spec in d.applicant_fields:
            wrong = 12 if spec.type not in ("fen", "int") else ["12"]
            errors = [e.zh for e in details_validate(code, {spec.name: wrong}, today=dt.date(2020, 2, 20)).errors
                      if e.field == spec.name]
            assert errors and "收到的是" in errors[0], (code, spec.name, errors)
