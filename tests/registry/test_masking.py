from __future__ import annotations

import logging

from shebao.core.masking import MaskingLogFilter, mask_bank_account, mask_id_number, mask_phone, mask_text


def test_numbers_are_masked_as_the_agency_shows_them():
    assert mask_id_number("11010519491231123X") == "110105********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_bank_account("6222021234567890123") == "6222***********0123"
    assert mask_id_number("") == ""


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
