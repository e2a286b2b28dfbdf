"""The size-class thresholds are the standard's own words (issue 19: "the 300号 thresholds are not
verified"). tests/data holds 第四条 of 中小企业划型标准规定 (工信部联企业〔2011〕300号) as published; this
test reads every threshold out of that text by its wording ("…以下的为中小微型企业", "…及以上，且…及以上的为
中型企业", "…及以上的为小型企业", "…以下的为微型企业") and holds ``rules/sme_size_classes.yaml`` to it, item
by item: a typed-in figure that differs from the text, an indicator left out or a clause mislabelled fails.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from shebao.rules.sme_size import sme_industries

TEXT = Path(__file__).resolve().parent.parent / "data" / "sme-standard-2011-300-article4.zh.txt"
ITEM = re.compile(r"^（([一二三四五六七八九十]+)）([^。]+)。(.+)$")
TERM = re.compile(r"(从业人员|营业收入|资产总额)(\d+)(?:人|万元)")
INDICATOR = {"从业人员": "employees", "营业收入": "revenue", "资产总额": "assets"}


def _terms(sentence: str) -> dict[str, Decimal]:
    return {INDICATOR[name]: Decimal(value) for name, value in TERM.findall(sentence)}


def article4() -> dict[str, dict]:
    """{"（二）": {"label": "工业", "sme_below": {...}, "medium": {...}, "small": {...}, "micro_below": {...}}}
    read from the standard's text."""
    items = {}
    for line in TEXT.read_text(encoding="utf-8").splitlines():
        m = ITEM.match(line)
        if not m:
            continue
        number, label, body = m.groups()
        # A class's sentence ends at "…企业" and a "，", "；" or "。" (农、林、牧、渔业 joins its classes by "，").
        sentences = re.split(r"(?<=企业)[，；。]|其中，", body)
        parsed: dict[str, dict[str, Decimal]] = {}
        for s in sentences:
            for ending, key in (("的为中小微型企业", "sme_below"), ("的为中型企业", "medium"),
                                ("的为小型企业", "small"), ("的为微型企业", "micro_below")):
                if s.endswith(ending):
                    assert key not in parsed, (number, s)
                    parsed[key] = _terms(s)
        items[f"（{number}）"] = {"label": label, **parsed}
    return items


def test_the_text_has_all_sixteen_items_each_with_four_classes():
    items = article4()
    assert len(items) == 16
    for number, item in items.items():
        assert {"sme_below", "medium", "small", "micro_below"} <= set(item), (number, item)
        # Micro is what falls below small's floors: the text says so with the same figures.
        assert item["micro_below"] == item["small"], number


@pytest.mark.parametrize("industry", sme_industries(), ids=lambda i: i.id)
def test_each_industry_has_the_standards_thresholds(industry):
    items = article4()
    number = industry.clause.removeprefix("第四条")
    assert number in items, industry.clause
    item = items[number]
    assert industry.label.startswith(item["label"]), (industry.label, item["label"])
    assert industry.sme_below == item["sme_below"]
    assert industry.medium == item["medium"]
    assert industry.small == item["small"]


def test_every_item_of_the_text_is_an_industry_of_the_yaml():
    clauses = {i.clause.removeprefix("第四条") for i in sme_industries()}
    assert clauses == set(article4())
