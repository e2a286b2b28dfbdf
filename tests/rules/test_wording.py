"""Sentences about the policy are written from the policy (0.1; issue 11 fault 3): they follow every
announcement, cite their clause, and show no code, English or Python value to a reader."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.rules import PackError, load_policy
from shebao.rules.policy import PACKS_DIR
from shebao.rules.wording import announcement_text, month_due_text, policy_sentences, value_zh

BASE = load_policy()
CJK = re.compile(r"[\u4e00-\u9fff]")
# What must never reach a reader: identifiers, English words, Python's dicts, dates in ISO form.
LEAKS = re.compile(r"[A-Za-z]{2,}|[{}\[\]']|\d{4}-\d{2}")


def _texts(policy: Any) -> list[str]:
    return [s.text for s in policy_sentences(policy)]


def _allowed(text: str) -> str:
    return text.replace("EMS", "")  # the post's service is called EMS in Chinese too


def test_every_parameter_of_every_pack_has_a_chinese_label() -> None:
    for pack in ("base", "beijing-2020-epidemic"):
        for p in load_policy(pack).parameters.values():
            assert CJK.search(p.label) and not LEAKS.search(p.label), (p.name, p.label)


def test_the_summary_of_the_notice_as_published() -> None:
    texts = _texts(BASE)
    assert texts[0] == "2020年1月、2月的社会保险费征收期延长至2020年3月31日，延长期间参保人员各项社会保险待遇正常享受"
    assert any("疫情解除后3个月内补办补缴，不收滞纳金" in t and "另行公告" in t for t in texts)
    assert [s.clause_zh for s in policy_sentences(BASE)][:3] == ["第0.2条", "第0.3条", "第0.4条"]


def test_moving_march_and_lifting_change_the_sentences() -> None:
    moved = BASE.with_announcement({"collection.period_overrides": {"2020-03": "2020-04-30"}},
                                   reference=None, title="moved")
    texts = _texts(moved)
    assert "2020年1月、2月的社会保险费征收期延长至2020年3月31日" in texts[0]
    assert "2020年3月的社会保险费征收期延长至2020年4月30日" in texts[1]
    # Each month keeps the document it rests on: January and February the notice, March the announcement.
    refs = [s.source for s in policy_sentences(moved)[:2]]
    assert refs == [BASE.title["zh"], "what-if"]
    lifted = moved.with_announcement({"epidemic.lifted_on": "2020-04-30"})
    relief = next(t for t in _texts(lifted) if "滞纳金" in t)
    assert relief.startswith("疫情已于2020年4月30日解除；2020年1月至2020年4月的社会保险费在2020年7月30日前")
    assert any("所缺材料须在2020年7月30日前" in t for t in _texts(lifted))
    # The policy it was written from is unchanged.
    assert "另行公告" in _texts(BASE)[1]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from([f"2020-{m:02d}" for m in range(1, 13)]),
                       st.dates(date(2020, 2, 1), date(2021, 6, 30)).map(date.isoformat), min_size=1, max_size=5),
       st.one_of(st.none(), st.dates(date(2020, 2, 1), date(2021, 6, 30)).map(date.isoformat)))
def test_every_extended_month_is_said_with_its_date_and_nothing_leaks(moves: dict[str, str], lifted: str | None) -> None:
    policy = BASE.with_announcement({"collection.period_overrides": moves}, effective="2020-02-15")
    if lifted:
        policy = policy.with_announcement({"epidemic.lifted_on": lifted})
    texts = _texts(policy)
    for text in texts:
        assert not LEAKS.search(_allowed(text)), text
    overrides = policy.value("collection.period_overrides")
    for month, day in overrides.items():
        said = f"征收期延长至{day.year}年{day.month}月{day.day}日"
        assert any(said in t and f"{int(month[5:])}月" in t for t in texts), (month, day, texts)
        assert month_due_text(policy, month).endswith(said)


@pytest.mark.parametrize("name", sorted(BASE.parameters))
def test_every_parameter_value_reads_in_chinese(name: str) -> None:
    p = BASE.parameters[name]
    for v in p.values:
        text = value_zh(p, v.value, enum_label=lambda enum, code: "某项")
        assert not LEAKS.search(text), (name, text)


def test_an_announcement_says_what_it_changes() -> None:
    assert announcement_text(BASE, "collection.period_overrides", {"2020-03": "2020-04-30"}) == \
        "2020年3月费款征收期延长至2020年4月30日"
    assert announcement_text(BASE, "epidemic.lifted_on", "2020-04-30") == "疫情解除日期为2020年4月30日"
    assert announcement_text(BASE, "contribution.pension_employer_rate", 16000, effective="2020-05-01") == \
        "自2020年5月1日起，养老保险单位缴费比例调整为16%"
    assert announcement_text(BASE, "late_fee.daily_rate", {"numerator": 5, "denominator": 10**4}) == \
        "滞纳金日费率调整为每日万分之五"


def test_a_statement_naming_an_unknown_value_is_refused_at_load(tmp_path: Path) -> None:
    shutil.copytree(PACKS_DIR, tmp_path / "packs")
    f = tmp_path / "packs" / "beijing-2020-epidemic" / "wording.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("{epidemic.makeup_months}", "{epidemic.make_up}"),
                 encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_policy("beijing-2020-epidemic", packs_dir=tmp_path / "packs")
    assert exc.value.file == str(f) and "epidemic.make_up" in exc.value.reason
