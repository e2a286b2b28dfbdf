"""Check characters: every generated code passes; every single-character change fails."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.registry.checks import (
    CREDIT_ALPHABET,
    CodeError,
    credit_check_character,
    id_check_character,
    parse_citizen_id,
    validate_credit_code,
)

# Codes in use today (GB/T 2260): abolished codes have their own tests (tests/registry/test_field_inputs.py).
regions = st.sampled_from(["110101", "110105", "110108", "110115", "310101", "440305"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))


@st.composite
def citizen_ids(draw):
    first17 = f"{draw(regions)}{draw(births):%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + id_check_character(first17)


@st.composite
def credit_codes(draw):
    head = draw(st.sampled_from("123456789ABCDEFGNY")) + draw(st.sampled_from(CREDIT_ALPHABET))
    region = draw(regions)
    body = "".join(draw(st.lists(st.sampled_from(CREDIT_ALPHABET), min_size=9, max_size=9)))
    first17 = head + region + body
    return first17 + credit_check_character(first17)


def test_the_standard_examples_pass():
    assert parse_citizen_id("11010519491231002X").birth_date == dt.date(1949, 12, 31)
    assert parse_citizen_id("11010519491231002X").gender == "female"
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"


@given(citizen_ids())
def test_every_generated_id_number_passes_and_fixes_birth_date_and_gender(number):
    cid = parse_citizen_id(number)
    assert cid.birth_date.strftime("%Y%m%d") == number[6:14]
    assert cid.gender == ("male" if int(number[16]) % 2 else "female")


@given(citizen_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_every_single_character_change_of_an_id_number_fails(number, position, replacement):
    if number[position] == replacement:
        return
    changed = number[:position] + replacement + number[position + 1:]
    with pytest.raises(CodeError):
        parse_citizen_id(changed)


@given(credit_codes())
def test_every_generated_credit_code_passes(code):
    assert validate_credit_code(code) == code


@given(credit_codes(), st.integers(0, 17), st.sampled_from(CREDIT_ALPHABET))
def test_every_single_character_change_of_a_credit_code_fails(code, position, replacement):
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1:]
    with pytest.raises(CodeError):
        validate_credit_code(changed)


def test_the_error_names_the_position_of_the_fault():
    with pytest.raises(CodeError) as e:
        validate_credit_code("91350100M0001O0Y43")
    assert e.value.position == 14 and "第14位" in str(e.value)
    with pytest.raises(CodeError) as e:
        parse_citizen_id("110105194912310021")
    assert e.value.position == 18 and "第18位校验码与前17位不符" in str(e.value)
    assert "X" not in str(e.value) and "应为" not in str(e.value)  # never the character that would pass (review-user14 (14))
    with pytest.raises(CodeError) as e:
        validate_credit_code("91350100M000100Y42")
    assert e.value.position == 18 and "校验码与前17位不符" in str(e.value) and "应为“" not in str(e.value)
    with pytest.raises(CodeError) as e:
        parse_citizen_id("11010519491331002X")
    assert "出生日期" in str(e.value)
    with pytest.raises(CodeError) as e:
        parse_citizen_id("1101051949")
    assert "18位" in str(e.value)
