"""Policy packs load strictly: dates stay strings, duplicates and schema faults name file and line."""

from __future__ import annotations

import shutil
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from shebao.rules import PackError, load_policy
from shebao.rules.policy import PACKS_DIR
from shebao.rules.yamlload import load_yaml


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    shutil.copytree(PACKS_DIR, tmp_path / "packs")
    return tmp_path / "packs"


def test_dates_in_yaml_stay_strings(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("a: 2020-03-31\n")
    assert load_yaml(f) == {"a": "2020-03-31"}


def test_a_duplicate_key_is_refused_with_file_and_line(packs: Path) -> None:
    f = packs / "base" / "parameters" / "collection.yaml"
    f.write_text(f.read_text() + "normal_due_day:\n  values: {}\n")
    with pytest.raises(PackError) as exc:
        load_policy("base", packs_dir=packs)
    assert exc.value.file == str(f) and exc.value.line is not None
    assert "duplicate key 'normal_due_day'" in str(exc.value) and f"{f}:" in str(exc.value)


def test_a_float_rate_is_refused_with_file_line_and_reason(packs: Path) -> None:
    f = packs / "base" / "parameters" / "late_fee.yaml"
    text = f.read_text().replace("value: {numerator: 5, denominator: 10000}", "value: 0.0005")
    f.write_text(text)
    with pytest.raises(PackError) as exc:
        load_policy("base", packs_dir=packs)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "0.0005" in ln)
    assert (exc.value.file, exc.value.line) == (str(f), line)
    assert "no floats" in exc.value.reason


def test_a_value_without_reference_is_refused(packs: Path) -> None:
    f = packs / "base" / "parameters" / "collection.yaml"
    lines = [ln for ln in f.read_text().splitlines() if not ("reference:" in ln and "Reading 0.2" in ln)]
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(PackError, match="needs a reference"):
        load_policy("base", packs_dir=packs)


def test_an_impossible_effective_date_is_refused(packs: Path) -> None:
    f = packs / "base" / "parameters" / "collection.yaml"
    f.write_text(f.read_text().replace('"2011-07-01":\n      value: 25', '"2011-02-30":\n      value: 25'))
    with pytest.raises(PackError, match="2011-02-30"):
        load_policy("base", packs_dir=packs)


def test_a_rule_on_an_unknown_fact_is_refused_with_the_table_file(packs: Path) -> None:
    f = packs / "beijing-2020-epidemic" / "tables" / "section4_transfers.yaml"
    f.write_text(f.read_text().replace("fact: near_retirement,", "fact: nearly_retired,"))
    with pytest.raises(PackError) as exc:
        load_policy("beijing-2020-epidemic", packs_dir=packs)
    assert exc.value.file == str(f) and "unknown fact 'nearly_retired'" in exc.value.reason


def test_an_announcement_in_data_changes_a_parameter_from_its_date(packs: Path) -> None:
    f = packs / "beijing-2020-epidemic" / "announcements.yaml"
    f.write_text(
        "announcements:\n"
        "  - id: lifted\n    date: \"2020-04-29\"\n"
        "    reference: {document: test announcement, clause: \"0.3\"}\n"
        "    changes:\n      epidemic.lifted_on: \"2020-04-30\"\n"
    )
    policy = load_policy("beijing-2020-epidemic", packs_dir=packs)
    assert policy.value("epidemic.lifted_on", on="2020-04-28") is None
    assert policy.value("epidemic.lifted_on", on="2020-04-29") == date(2020, 4, 30)


def test_every_parameter_answers_on_any_date_with_typed_values() -> None:
    p = load_policy()
    assert p.value("collection.normal_due_day", on=date(2020, 2, 10)) == 25
    assert p.value("late_fee.daily_rate") == Fraction(5, 10000)
    assert p.value("collection.period_overrides", on="2020-01-30") == {}
    assert p.value("collection.period_overrides", on="2020-01-31")["2020-02"] == date(2020, 3, 31)
    assert p.value("contribution.base_ceiling_fen", on="2020-01-01") == 2654100
    # Bases by contribution year; Beijing kept the 2019 bases through 2020, new ones from 2021-01.
    assert p.value("contribution.base_ceiling_fen", on="2017-06-30") is None  # before the first value
    assert p.value("contribution.pension_base_floor_fen", on="2017-07-01") == 308200
    assert p.value("contribution.medical_base_floor_fen", on="2018-12-31") == 508000
    assert p.value("contribution.base_ceiling_fen", on="2020-07-01") == 2654100
    assert p.value("contribution.base_ceiling_fen", on="2020-12-31") == 2654100
    assert p.value("contribution.base_ceiling_fen", on="2021-01-01") == 2836800
    # The figure is approximate: the pack writer says so in the reference's note, not in its document.
    ref = p.parameter("contribution.base_ceiling_fen").entry("2021-01-01").reference
    assert "近似" in ref.note and ref.document == "北京市2021年1月起社会保险缴费基数上下限"
    assert p.value("epidemic.lifted_on") is None
    assert p.value("retirement.statutory_age")["female_cadre"] == 55


def test_a_what_if_is_the_same_policy_with_one_more_announcement() -> None:
    p = load_policy(overrides={"epidemic_lifted_on": "2020-04-30"})
    assert p.value("epidemic.lifted_on") == date(2020, 4, 30)
    assert load_policy().value("epidemic.lifted_on") is None
    assert p.announcements[-1].id == "what-if"
