"""review-input7 F5: a remittance memo "110105.1965.0713.1182" was shown whole to the collection desk and
in its Excel: mask_text joined digit groups only by spaces and hyphens. Every separator a person types
between groups (dot, slash, underscore, dashes, in either width) joins them now; dates and amounts,
which have too few digits to be any personal number, stay as written."""

from __future__ import annotations

import pytest

from shebao.core.masking import holds_personal_number, mask_text

ID = "110105196507131182"


@pytest.mark.parametrize("sep", [".", "．", "/", "／", "_", "—", "–", "‐", "-", "－", " ", "\u3000"])
def test_an_id_number_in_groups_is_masked_whatever_joins_them(sep):
    typed = sep.join([ID[:6], ID[6:10], ID[10:14], ID[14:]])
    assert mask_text(f"退费备注{typed}。") == "退费备注110105********1182。"
    assert holds_personal_number(typed)


@pytest.mark.parametrize("sep", [".", "/", "—"])
def test_mobiles_and_accounts_in_groups_are_masked(sep):
    assert mask_text(sep.join(["138", "1234", "5678"])) == "138****5678"
    assert mask_text(sep.join(["6222", "0202", "0011", "2233"])) == "6222********2233"


@pytest.mark.parametrize("text", ["2020.02.20", "2020/02/20", "金额1,234,567.89元", "127.0.0.1", "第2.1条", "v1.2.3"])
def test_dates_amounts_and_clause_numbers_stay_as_written(text):
    assert mask_text(text) == text and not holds_personal_number(text)


def test_eleven_digits_are_the_least_a_masked_number_has_and_full_width_ones_count():
    """mask_text answers a text of fewer than 11 digits (ASCII or full-width) at once, unchanged: no
    number it masks is shorter than a mobile. At 11 a mobile is masked, written in either width."""
    assert mask_text("电话1381234567") == "电话1381234567"  # 10 digits: no number
    assert mask_text("电话13812345678") == "电话138****5678"
    assert mask_text("电话１３８１２３４５６７８") == "电话138****5678"
    assert mask_text("１３８-１２３４-５６７８，2020年") == "138****5678，2020年"
