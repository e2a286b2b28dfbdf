"""How the size calculator reads a typed figure (rules/sme_size.indicator_value; review-input11 F7: "３０１０.0"
employees and "1e3" revenue were read as numbers in the size decision that sets an employer's relief).
Plain Python: the rules core needs no Django."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.rules.dates import InputError
from shebao.rules.sme_size import MAX_EMPLOYEES, MAX_WAN, indicator_value

FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@given(st.integers(0, MAX_EMPLOYEES), st.booleans(), st.sampled_from(["", " ", "  "]))
def test_a_head_count_in_digits_is_read_as_it_is_written(n, full_width, pad):
    text = str(n).translate(FULL_WIDTH) if full_width else str(n)
    value = indicator_value(pad + text + pad, "employees")
    assert value == n and type(value) is int


@given(st.integers(0, int(MAX_WAN) - 1), st.sampled_from(["revenue", "assets"]), st.sampled_from(["", "5", "05", "99"]))
def test_an_amount_in_wan_keeps_up_to_two_decimals(whole, indicator, fraction):
    text = f"{whole}.{fraction}" if fraction else str(whole)
    value = indicator_value(text, indicator)
    assert value == Decimal(text) and value <= MAX_WAN
    assert indicator_value(text.translate(FULL_WIDTH), indicator) == value


@pytest.mark.parametrize(("raw", "indicator", "message"), [
    ("3010.0", "employees", "从业人员应为整数"), ("３０１０．0", "employees", "从业人员应为整数"),
    ("2.5", "employees", "从业人员应为整数"), ("1e3", "revenue", "不是数字"), ("1E3", "assets", "不是数字"),
    ("+5", "employees", "不是数字"), ("0x10", "employees", "不是数字"), ("5.", "revenue", "不是数字"),
    (".5", "revenue", "不是数字"), ("4..8", "assets", "不是数字"), ("NaN", "revenue", "不是数字"),
    ("Infinity", "revenue", "不是数字"), ("1_000", "employees", "不是数字"), ("-1", "employees", "不能为负数"),
    ("-0.5", "revenue", "不能为负数"), ("1.234", "revenue", "最多保留两位小数"),
    (str(MAX_EMPLOYEES + 1), "employees", "超出合理范围"), (str(MAX_WAN + 1), "assets", "超出合理范围"),
])
def test_a_figure_not_written_out_is_refused_naming_the_indicator(raw, indicator, message):
    with pytest.raises(InputError) as refused:
        indicator_value(raw, indicator)
    assert message in refused.value.zh and refused.value.field == indicator
    assert str(refused.value).startswith(f"{indicator}: ")  # the English message (the CLI's and the API's en)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_an_empty_figure_is_none(raw):
    assert indicator_value(raw, "revenue") is None


def test_the_head_counts_message_is_said_whole():
    with pytest.raises(InputError) as refused:
        indicator_value("3010.0", "employees")
    assert (refused.value.zh, str(refused.value)) == ("从业人员应为整数（人）", "employees: not whole")


def test_the_bounds_themselves_are_read():
    assert indicator_value(str(MAX_EMPLOYEES), "employees") == MAX_EMPLOYEES
    assert indicator_value(str(MAX_WAN), "revenue") == MAX_WAN
    assert indicator_value("1,200", "employees") == 1200 and indicator_value("0", "assets") == 0
    assert indicator_value(50, "employees") == 50 and indicator_value(Decimal("37.50"), "revenue") == Decimal("37.50")
