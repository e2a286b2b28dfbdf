from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.core.masking import MaskingLogFilter, mask_bank_account, mask_id_number, mask_phone, mask_text


def test_numbers_are_masked_as_the_agency_shows_them():
    assert mask_id_number("11010519491231123X") == "110105********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_bank_account("6222021234567890123") == "6222***********0123"
    assert mask_id_number("") == ""


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a loaded machine is not a failure
@given(st.text("0123456789ABCDEFGHX", min_size=3, max_size=20))
def test_every_document_number_keeps_at_least_half_hidden(number):
    """The class of a 9- or 10-character passport shown whole (6 + 4 characters kept): a document
    shorter than 15 keeps at most half of its characters visible; a long number keeps its region and
    last four, as the agency shows a citizen ID."""
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    if len(number) < 15:
        assert masked.count("*") * 2 >= len(number) - 1
    else:
        assert masked == number[:6] + "*" * (len(number) - 10) + number[-4:]
    assert mask_id_number("E123456789") == "E*****6789" and mask_id_number("H01234567") == "H****4567"


def test_free_text_in_logs_is_masked():
    text = "查询 11010519491231123X 电话13812345678 账号6222021234567890123"
    masked = mask_text(text)
    assert "11010519491231123X" not in masked and "13812345678" not in masked
    assert "6222021234567890123" not in masked
    assert "110105********123X" in masked and "138****5678" in masked


def test_the_log_filter_masks_records():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "id %s", ("11010519491231123X",), None)
    MaskingLogFilter().filter(record)
    assert record.getMessage() == "id 110105********123X"


# --- Numbers written in groups, in fields and in free text (issue 12, class 8) ----------------


@pytest.mark.parametrize(("text", "masked"), [
    ("账号 6222 0202 0011 2233 445", "账号 6222***********3445"),
    ("账号6222-0202-0011-2233-445", "账号6222***********3445"),
    ("+86 138 1234 5678", "+86 138****5678"),
    ("0086 13812345678", "0086 138****5678"),
    ("138-1234-5678", "138****5678"),
    ("１３８１２３４５６７８", "138****5678"),
    ("代缴社保 身份证110105199001016113 手机138 1234 5678", "代缴社保 身份证110105********6113 手机138****5678"),
    ("身份证 110105 19491231 123X", "身份证 110105********123X"),
    ("身份证11010519491231123x", "身份证110105********123X"),
    ("2020-03-05 到账，电话 138 1234 5678 2份", "2020-03-05 到账，电话 138****5678 2份"),
    ("金额 12,345.60 元 2020年2月", "金额 12,345.60 元 2020年2月"),
    ("编号 12345，日期 2020-03-05", "编号 12345，日期 2020-03-05"),
])
def test_numbers_in_groups_are_masked_in_free_text(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("value", ["6222 0202 0011 2233 445", "6222-0202-0011-2233-445", "６２２２０２０２００１１２２３３４４５"])
def test_a_bank_account_in_groups_is_masked_in_a_field(value):
    assert mask_bank_account(value) == "6222***********3445"


@pytest.mark.parametrize("value", ["+86 138 1234 5678", "138-1234-5678", "138 1234 5678"])
def test_a_phone_in_groups_is_masked_in_a_field(value):
    assert mask_phone(value) == "138****5678"


LAYOUTS = st.sampled_from([" ", "-", "\u3000", ""])


def _grouped(digits: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        if i >= len(digits):
            break
        out.append(digits[i:i + size])
        i += size
    if i < len(digits):
        out.append(digits[i:])
    return sep.join(out)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), LAYOUTS, st.sampled_from([[3, 4, 4], [3, 8], [11], [4, 4, 3]]),
       st.sampled_from(["", "+86 ", "0086-"]), st.sampled_from(["手机", "电话：", "tel ", "联系人王先生 "]))
def test_a_mobile_number_in_any_layout_never_shows_in_full(phone, sep, sizes, prefix, before):
    masked = mask_text(f"{before}{prefix}{_grouped(phone, sizes, sep)}，谢谢")
    assert phone not in masked.replace(" ", "").replace("-", "").replace("\u3000", "")
    assert f"{phone[:3]}****{phone[-4:]}" in masked


@given(st.from_regex(r"6[0-9]{15,18}", fullmatch=True), LAYOUTS, st.sampled_from([[4, 4, 4, 4], [6, 13], [4] * 5]))
def test_an_account_number_in_any_layout_never_shows_in_full(account, sep, sizes):
    masked = mask_text(f"付款账号 {_grouped(account, sizes, sep)} 附言")
    digits = "".join(c for c in masked if c.isdigit())
    assert account not in digits and account[-4:] in masked
