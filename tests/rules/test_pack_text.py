"""Every string of a pack file that reaches a user is Chinese and a statement for that user.

review-user5 F5 / review-user3 U9: the retiree page's 依据 read "北京市2018年度…8847元 (approximate reference:
one third of the 2019-07 contribution ceiling)" and the relief pages showed the pack writer's research notes
("未能检索到原文", "待北京市文件核实"). A pack string reaches pages, exports and letters through many ways
(a parameter's reference is stored with a pension or an award and shown as its basis; the wording and the
decision tables become sentences; a relief pack's labels, clauses and notes are shown to staff and
employers). So this test does not follow the ways: it walks EVERY string of EVERY file under
rules/packs, skipping only the keys that are codes or written for the pack's maintainers
(``description``, ``en``, ``note``, ``research_notes`` …, listed below), and asks of the rest that they
hold no Latin word (placeholders ``{…}`` aside) and no research wording. A new key is walked by default.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from shebao.rules.policy import PACKS_DIR, load_policy
from shebao.rules.relief import load_relief_pack

# Keys whose values are codes (ids, enum values, types, dates) or text for the pack's maintainers
# (``description``: the parameter's English gloss for the CLI; ``en``: the English alternative of a
# bilingual text; ``note`` and ``research_notes``: the writer's notes on sources). Never shown to users.
NOT_SHOWN = frozenset({
    "description", "en", "note", "research_notes",
    "id", "pack", "kind", "extends", "version", "aliases", "type", "unit", "enum", "choices", "keys",
    "fact", "op", "param", "parameter", "table", "hit_policy", "mode", "requires", "output_priority",
    "insurances", "unit_types", "size_classes", "industries", "businesses",
    "date", "issued", "from", "to", "latest_due", "facts_fixed_on",
})
# A clause id of tests/data/notice.md ("1.2a", "Reading 0.3b", "base"): shown through wording.clause_zh.
CLAUSE_ID = re.compile(r"(Reading )?\d+(\.\d+)?[a-z]?|base")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# Latin letters a Chinese text may carry: the courier's name, a standard's prefix, a clause id ("第1.2a条").
ALLOWED_LATIN = re.compile(r"EMS|GB/T|\d+\.\d+[a-z]\b|\d+\.\d+[a-z](?=[条、，）])")
LATIN = re.compile(r"[A-Za-z]+")
# How a research note reads: a source not found, a figure approximated, something to verify.
RESEARCH = re.compile(r"检索|未核实|待[^，。；]{0,12}核实|有待核对|未核对|近似|推算|约为|报道|原文|不确定|存疑|"
                      r"approximat|not (checked|verified)|TODO|FIXME|\?\?")


def _files() -> list[Path]:
    return sorted(PACKS_DIR.rglob("*.yaml"))


def user_strings(data: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(where, text) of every string a user may read: all but the NOT_SHOWN keys, a parameter's typed
    values (``values: {date: {value: …}}``: numbers, dates, codes) and a condition's operand."""
    if isinstance(data, dict):
        for key, value in data.items():
            k = str(key)
            if k in NOT_SHOWN:
                continue
            if k == "value" and len(path) >= 2 and path[-2] == "values":
                continue  # a parameter's value is data, shown through its label and value_labels
            if k == "value" and path and path[-1] in ("when", "guard"):
                continue
            if k == "value" and len(path) >= 2 and path[-2] in ("when", "guard"):
                continue
            if k == "document" and "reference" in path[-1:] and any(p in ("reliefs", "deferrals") for p in path):
                continue  # a relief rule names its document by id; the loader checks the id and cites the title
            yield from user_strings(value, (*path, k))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from user_strings(value, (*path, str(i)))
    elif isinstance(data, str):
        yield "/".join(path), data


def problem(where: str, text: str) -> str | None:
    """Why ``text`` may not reach a user, or None."""
    if where.endswith("clause") and CLAUSE_ID.fullmatch(text):
        return None
    plain = ALLOWED_LATIN.sub("", PLACEHOLDER.sub("", text))
    if m := LATIN.search(plain):
        return f"Latin word {m.group()!r}"
    if m := RESEARCH.search(text):
        return f"research wording {m.group()!r}"
    return None


def test_the_walk_sees_every_pack_file_and_the_strings_users_read():
    files = _files()
    names = {p.relative_to(PACKS_DIR).as_posix() for p in files}
    # Every kind of pack file is walked (a pack dropped from the walk would pass silently).
    assert {"base/parameters/wage.yaml", "beijing-2020-epidemic/wording.yaml",
            "beijing-2020-epidemic/tables/section1_registration.yaml", "relief-2020-covid/relief.yaml",
            "relief-2022-deferral/relief.yaml", "base/pack.yaml"} <= names
    seen = {(p.relative_to(PACKS_DIR).as_posix(), w) for p in files
            for w, _ in user_strings(yaml.safe_load(p.read_text(encoding="utf-8")))}
    # The strings that reached users in the findings are among those walked.
    assert ("base/parameters/wage.yaml", "average_monthly_fen/values/2019-07-01/reference/document") in seen
    assert ("relief-2020-covid/relief.yaml", "notes/0") in seen
    assert ("base/parameters/wage.yaml", "average_monthly_fen/label") in seen
    assert ("beijing-2020-epidemic/pack.yaml", "title/zh") in seen
    assert not any(w.endswith(("/en", "/note", "/description")) or w.startswith("research_notes") for _, w in seen)


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.relative_to(PACKS_DIR).as_posix())
def test_every_user_facing_pack_string_is_chinese_and_no_research_note(path):
    bad = [f"{where}: {why}: {text[:80]}" for where, text in user_strings(yaml.safe_load(path.read_text(encoding="utf-8")))
           if (why := problem(where, text))]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("text, where", [
    ("北京市2018年度全口径城镇单位就业人员月平均工资8847元 (approximate reference: one third of the 2019-07 contribution ceiling)",
     "x/reference/document"),
    ("北京市通知文号未能检索到原文，依新华社2020年3月8日报道所载内容引用", "notes/0"),
    ("医保发〔2020〕6号……待北京市文件核实。", "notes/1"),
    ("notice 2020-01-31", "x/reference/document"),
    ("按2020年3月9日在册的单位类型认定（facts_fixed_on）", "notes/0"),
    ("Reading 0.3b", "statements/0/text"),
])
def test_the_check_catches_what_the_reviews_found(text, where):
    assert problem(where, text)


@pytest.mark.parametrize("text, where", [
    ("社会保障卡补换实行网上申请、邮政寄递，自{value}起由EMS寄递", "statements/4/value"),
    ("Reading 0.3b", "x/reference/clause"),
    ("付款前须与参保人电话核实。", "rules/5/explain/zh"),
])
def test_the_check_lets_chinese_statements_through(text, where):
    assert problem(where, text) is None


# A code identifier (``facts_fixed_on``, ``wage.average_monthly_fen``): a field name the reader cannot know.
IDENTIFIER = re.compile(r"[A-Za-z]+(?:[_.][A-Za-z]+)+")


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.relative_to(PACKS_DIR).as_posix())
def test_research_notes_name_no_code_identifier(path):
    """review-user6 F11: research notes are shown to who may publish the pack (an administrator, not its
    writer), so they may say what was not found, but in words: "本包以facts_fixed_on表示" named a field of
    the pack's file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    notes = data.get("research_notes") or () if isinstance(data, dict) else ()
    bad = [n for n in notes if IDENTIFIER.search(n)]
    assert not bad, bad


def test_the_identifier_check_catches_the_finding():
    assert IDENTIFIER.search("北京市通知规定划型按2020年3月9日在册信息认定，本包以facts_fixed_on表示")
    assert not IDENTIFIER.search("医保发〔2020〕6号第一条，待北京市文件核实。")


def test_research_notes_are_loaded_apart_from_what_users_read():
    """The loaded objects keep the writer's notes apart: a parameter reference's ``note`` and a relief
    pack's ``research_notes`` exist (nothing is lost) and never appear in what pages show."""
    policy = load_policy("beijing-2020-epidemic")
    ref = policy.parameter("wage.average_monthly_fen").entry("2019-07-01").reference
    assert ref.document == "北京市2018年度全口径城镇单位就业人员月平均工资8847元"
    assert "三分之一" in ref.note
    pack = load_relief_pack("relief-2020-covid")
    assert pack.research_notes and any("检索" in n for n in pack.research_notes)
    assert pack.notes and not any(problem("notes", n) for n in pack.notes)
    for rule in (*pack.reliefs, *pack.deferrals):
        assert problem("label", rule.label) is None and problem("document", rule.reference.document) is None
