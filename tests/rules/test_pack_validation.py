"""A malformed decision table is refused at load, naming its file and line (issue 22, kind 6).

Each case breaks a copy of the packs in one way and expects a :class:`PackError` whose ``file`` is
the broken file, whose ``line`` is the line of the fault, and whose reason names the offending
value (not a sentence, which may be reworded or translated).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from shebao.rules import PackError, load_policy
from shebao.rules.catalog import catalog
from shebao.rules.policy import PACKS_DIR
from shebao.rules.tables import MAX_RULES, compile_tables

S1 = "beijing-2020-epidemic/tables/section1_registration.yaml"
S4 = "beijing-2020-epidemic/tables/section4_transfers.yaml"
HANDLING = "beijing-2020-epidemic/parameters/handling.yaml"


def sub(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert text.count(old) >= count, old
        return text.replace(old, new, count)

    return edit


def cut_from(marker: str, tail: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        return text[: text.rindex(marker)] + tail

    return edit


NEAR = '{fact: near_retirement, op: "==", value: true}'
RECENT = '{fact: months_back, op: "<=", param: handling.recent_months}'

# (id, file, edit, text on the line of the fault (last occurrence if `last`), last, tokens of the reason)
CASES: list[tuple[str, str, Callable[[str], str], str, bool, tuple[str, ...]]] = [
    ("unknown-op", S1, sub(RECENT, RECENT.replace('"<="', '"=<"')), 'op: "=<"', False, ("=<",)),
    ("unknown-condition-key", S1, sub(RECENT, RECENT[:-1] + ", colour: red}"), "colour: red", False, ("colour",)),
    ("unknown-rule-key", S1, sub('    clause: "1.1b"\n', '    clause: "1.1b"\n    colour: red\n'), "    colour: red",
     False, ("colour",)),
    ("unknown-table-key", S4, sub("hit_policy: UNIQUE\n", "hit_policy: UNIQUE\ncolour: red\n"), "colour: red", False,
     ("colour",)),
    ("missing-mode", S1, sub("then: {mode: direct, requires: []}", "then: {requires: []}"), "then: {requires: []}",
     False, ("mode",)),
    ("unknown-mode", S4, sub("then: {mode: postponed,", "then: {mode: later,"), "mode: later", False, ("mode",)),
    ("unknown-requirement", S4, sub("then: {mode: postponed, requires: []}", "then: {mode: postponed, requires: [fax]}"),
     "requires: [fax]", False, ("requires",)),
    ("duplicate-rule-id", S1, sub('  - id: "1.1c"\n    clause: "1.1c"', '  - clause: "1.1c"\n    id: "1.1b"'), 'id: "1.1b"', True, ("1.1b",)),
    ("empty-when", S1, sub('    when:\n      - {fact: business, op: "==", value: monthly_report_back_payment}\n',
                           "    when: []\n"), "when: []", False, ("when",)),
    ("priority-without-order", S1,
     sub("output_priority: [direct, commitment, deferred_documents, remote_documents, regular]\n", ""),
     "hit_policy: PRIORITY", False, ("output_priority",)),
    ("mode-missing-from-order", S1, sub("remote_documents, regular]", "regular]"), "output_priority:", False,
     ("remote_documents", "1.4")),
    ("business-of-another-table", S1, sub("insured_registration]", "insured_registration, transfer_in]"),
     "businesses:", False, ("transfer_in", "section4_transfers")),
    ("unknown-hit-policy", S4, sub("hit_policy: UNIQUE", "hit_policy: FIRST_MATCH"), "hit_policy:", False,
     ("FIRST_MATCH",)),
    ("no-businesses", S4, sub("businesses: [transfer_in, transfer_out, account_backfill]", "businesses: []"),
     "businesses: []", False, ("businesses",)),
    ("unknown-business", S4, sub("account_backfill]", "account_backfil]"), "businesses:", False, ("account_backfil",)),
    ("empty-rules", S4, cut_from("rules:", "rules: []\n"), "rules: []", False, ("rules",)),
    ("rule-not-a-mapping", S4, cut_from("rules:", "rules:\n  - just words\n"), "rules:", False, ("rule",)),
    ("rule-without-explain", S4, cut_from("    explain:", ""), '- id: "4.2-other"', True, ("explain",)),
    ("explain-without-en", S4, lambda t: t[: t.rindex("      en: ")], '    explain:', True, ("zh", "en")),
    ("default-without-explain", S4,
     sub("  requires: []\n  explain:\n", "  requires: []\n  explainer:\n"), "default:", False, ("zh", "en")),
    ("value-and-param", S4, sub(NEAR, NEAR[:-1] + ", param: transfers.near_retirement_months}"), "param: transfers",
     False, ("value", "param")),
    ("neither-value-nor-param", S4, sub(NEAR, '{fact: near_retirement, op: "=="}'), 'op: "=="}', False,
     ("value", "param")),
    ("order-op-on-a-bool", S4, sub(NEAR, NEAR.replace('"=="', '"<"')), 'op: "<"', False, ("<", "near_retirement")),
    ("intersects-on-a-bool", S4, sub(NEAR, NEAR.replace('"=="', "intersects")), "op: intersects", False,
     ("intersects",)),
    ("in-on-a-bool", S4, sub(NEAR, NEAR.replace('"=="', "in").replace("true", "[true]")), "op: in,", False, ("in",)),
    ("unknown-fact", S4, sub(NEAR, NEAR.replace("near_retirement", "nearly_retired")), "nearly_retired", False,
     ("nearly_retired",)),
    ("bool-fact-given-a-number", S4, sub(NEAR, NEAR.replace("true", "1")), "value: 1}", False,
     ("near_retirement",)),
    ("int-fact-given-a-string", S1,
     sub("{fact: beijing_pension_months, op: \">\", param: handling.commitment_min_beijing_pension_months}",
         "{fact: beijing_pension_months, op: \">\", value: many}"), "value: many", False, ("many",)),
    ("malformed-month", S1, sub('{fact: period_from, op: ">=", param: handling.back_payment_from_month}',
                                '{fact: period_from, op: ">=", value: "2011-7"}'), '"2011-7"', False, ("2011-7",)),
    ("unknown-enum-value", S1, sub("value: monthly_report_back_payment}", "value: monthly_report}"),
     "value: monthly_report}", False, ("monthly_report",)),
    ("unknown-parameter", S1, sub(RECENT, RECENT.replace("recent_months", "recent_monthz")), "recent_monthz", False,
     ("handling.recent_monthz",)),
    ("parameter-that-is-not-a-number", S1, sub(RECENT, RECENT.replace("handling.recent_months", "late_fee.daily_rate")),
     "late_fee.daily_rate", False, ("late_fee.daily_rate",)),
    ("disjoint-on-a-bool", S4, sub(NEAR, NEAR.replace('"=="', "disjoint")), "op: disjoint", False, ("disjoint",)),
    # A condition written as a block: the refusal names the line of the faulty key, not the mapping's.
    ("block-condition-op", S4, sub("      " + '- ' + NEAR, '      - fact: near_retirement\n        op: in\n'
                                   '        value: [true]'), "op: in", False, ("in",)),
    ("block-condition-value", S4, sub("      " + '- ' + NEAR, '      - fact: near_retirement\n        op: "=="\n'
                                      '        value: 1'), "value: 1", False, ("near_retirement",)),
    ("block-condition-param", S1, sub("      " + '- ' + RECENT, '      - fact: months_back\n        op: "<="\n'
                                      '        param: handling.recent_monthz'), "param: handling", False,
     ("recent_monthz",)),
    ("block-condition-fact", S4, sub("      " + '- ' + NEAR, '      - op: "=="\n        value: true\n'
                                     '        fact: nearly'), "fact: nearly", False, ("nearly",)),
    ("guard-not-a-mapping", S4, sub('  - {fact: notice_in_force, op: "==", value: true, clause: "Reading 0.4"}',
                                    "  - notice_in_force"), "table: section4_transfers", False, ("condition",)),
    # A file that is not the table it is named after is refused as a whole (line 1).
    ("table-named-unlike-its-file", S4, sub("table: section4_transfers", "table: section4"), "# Section 4", False,
     ("section4_transfers",)),
]


def _line(text: str, marker: str, last: bool) -> int:
    lines = text.splitlines()
    hits = [i for i, ln in enumerate(lines, 1) if marker in ln]
    assert hits, marker
    return hits[-1] if last else hits[0]


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    shutil.copytree(PACKS_DIR, tmp_path / "packs")
    return tmp_path / "packs"


def _refusal(packs: Path, rel: str, edit: Callable[[str], str]) -> tuple[PackError, Path, str]:
    path = packs / rel
    text = edit(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_policy("beijing-2020-epidemic", packs_dir=packs)
    return exc.value, path, text


@pytest.mark.parametrize("rel,edit,marker,last,tokens", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_malformed_table_is_refused_with_its_file_and_line(
        packs: Path, rel: str, edit: Callable[[str], str], marker: str, last: bool, tokens: tuple[str, ...]) -> None:
    err, path, text = _refusal(packs, rel, edit)
    assert (err.file, err.line) == (str(path), _line(text, marker, last)), err
    for token in tokens:
        assert token in err.reason, (token, err.reason)
    if tokens == ("zh", "en"):  # a fixed text, as written
        assert err.reason == "explain needs zh and en texts"
    assert str(err) == f"{path}:{err.line}: {err.reason}"


def test_the_unbroken_copy_loads() -> None:
    # The cases above start from a copy that loads: their refusal is their edit's.
    assert load_policy("beijing-2020-epidemic", packs_dir=PACKS_DIR).name == "beijing-2020-epidemic"


def test_a_parameter_without_a_number_on_some_date_is_refused_where_a_rule_uses_it(packs: Path) -> None:
    f = packs / HANDLING
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace(
        '      value: "2011-07"\n      reference: {document: "北京市社会保险基金管理中心2020年1月31日通知", clause: "1.2a"}\n',
        '      value: "2011-07"\n      reference: {document: "北京市社会保险基金管理中心2020年1月31日通知", clause: "1.2a"}\n'
        '    "2020-06-01":\n      value: null\n      reference: {document: "test", clause: "0.1"}\n'), encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_policy("beijing-2020-epidemic", packs_dir=packs)
    table = (packs / S1).read_text(encoding="utf-8")
    assert (exc.value.file, exc.value.line) == (
        str(packs / S1), _line(table, "param: handling.back_payment_from_month", False))
    assert "handling.back_payment_from_month" in exc.value.reason and "2020-06-01" in exc.value.reason


def _last_table() -> tuple[str, str]:
    """The pack file of the last compiled table (its rules take the last indexes) and one of its businesses."""
    last = compile_tables(load_policy()).tables[-1]
    business = next(b.code for b in catalog().businesses if b.table == last.name)
    return str(Path(last.file).relative_to(PACKS_DIR)), business


def _extra_rules(n: int, business: str) -> str:
    return "".join(
        f'  - clause: "4.2"\n    id: "extra-{i}"\n    when:\n      - {{fact: business, op: "==", value: {business}}}\n'
        f'    then: {{mode: regular, requires: []}}\n    explain: {{zh: "x", en: "x"}}\n' for i in range(1, n + 1))


def test_a_policy_holds_at_most_62_rules(tmp_path: Path) -> None:
    assert MAX_RULES == 62
    have = len(compile_tables(load_policy()).rules)
    room = MAX_RULES - have
    assert room > 0
    files = {}
    last, business = _last_table()
    for extra in (room, room + 1):  # one copy each: a loaded pack is kept in memory under its folder
        packs = tmp_path / f"packs-{extra}"
        shutil.copytree(PACKS_DIR, packs)
        f = files[extra] = packs / last  # the last table: its rules take the last indexes
        f.write_text(f.read_text(encoding="utf-8") + _extra_rules(extra, business), encoding="utf-8")
    full = load_policy("beijing-2020-epidemic", packs_dir=files[room].parents[2])
    assert len(compile_tables(full).rules) == MAX_RULES
    assert compile_tables(full).rules[-1].index == MAX_RULES - 1
    with pytest.raises(PackError) as exc:
        load_policy("beijing-2020-epidemic", packs_dir=files[room + 1].parents[2])
    f = files[room + 1]
    assert (exc.value.file, exc.value.line) == (str(f), _line(f.read_text(encoding="utf-8"), f'id: "extra-{room + 1}"',
                                                               False))
    assert "62" in exc.value.reason


def test_priority_without_an_order_is_refused_in_so_many_words(packs: Path) -> None:
    err, _, _ = _refusal(packs, S1, sub("output_priority: [direct, commitment, deferred_documents, remote_documents, "
                                        "regular]\n", ""))
    assert err.reason == "PRIORITY needs output_priority, a list of modes"


def test_a_table_without_title_or_default_is_named_by_its_file_and_refuses_an_unmatched_application(
        packs: Path) -> None:
    from shebao.rules import DecisionError, decide

    f = packs / S4
    text = f.read_text(encoding="utf-8")
    start, end = text.index("default:"), text.index("rules:")
    f.write_text(text.replace("title: {zh: 转移接续有关业务, en: Transfers}\n", "").replace(text[start:end], ""),
                 encoding="utf-8")
    policy = load_policy("beijing-2020-epidemic", packs_dir=packs)
    ct = next(t for t in compile_tables(policy).tables if t.file.endswith("section4_transfers.yaml"))
    assert ct.name == "section4_transfers"
    assert ct.title == {"zh": "section4_transfers", "en": "section4_transfers"}
    assert (ct.default_mode, ct.default_requires, ct.default_explain) == (None, (), {"zh": "", "en": ""})
    with pytest.raises(DecisionError) as exc:
        decide({"business": "transfer_in", "applied_on": "2020-02-10"}, policy)
    assert str(exc.value) == "no rule matches and the table has no default"
    assert decide({"business": "account_backfill", "applied_on": "2020-02-06",
                   "person": {"gender": "male", "birth_date": "1960-05-05"}}, policy).mode == "commitment"


def test_every_operator_a_condition_may_name_compiles_from_a_pack(packs: Path) -> None:
    from shebao.rules import decide

    f = packs / S1
    f.write_text(f.read_text(encoding="utf-8").replace(
        "{fact: category, op: in, param: handling.remote_registration_categories}",
        "{fact: category, op: not_in, param: handling.remote_registration_categories}"), encoding="utf-8")
    policy = load_policy("beijing-2020-epidemic", packs_dir=packs)
    assert compile_tables(policy).rules[9].preds[1].op == "not_in"
    reg = {"business": "insured_registration", "applied_on": "2020-02-10"}
    assert decide({**reg, "person": {"category": "standard"}}, policy).mode == "remote_documents"
    assert decide({**reg, "person": {"category": "hmt"}}, policy).mode == "regular"


def test_intersects_and_not_equal_compile_from_a_pack(packs: Path) -> None:
    from shebao.rules import decide

    s1, s4 = packs / S1, packs / S4
    s1.write_text(s1.read_text(encoding="utf-8").replace(
        "{fact: changed_fields, op: disjoint,", "{fact: changed_fields, op: intersects,"), encoding="utf-8")
    s4.write_text(s4.read_text(encoding="utf-8").replace(
        '{fact: near_retirement, op: "==", value: false}', '{fact: near_retirement, op: "!=", value: true}'),
        encoding="utf-8")
    policy = load_policy("beijing-2020-epidemic", packs_dir=packs)
    change = {"business": "person_change", "applied_on": "2020-03-02"}
    assert decide({**change, "fields": ["phone", "name"]}, policy).mode == "deferred_documents"
    assert decide({**change, "fields": ["phone"]}, policy).mode == "regular"
    backfill = {"business": "account_backfill", "applied_on": "2020-02-05",
                "person": {"gender": "male", "birth_date": "1960-05-05"}}
    assert decide(backfill, policy).mode == "postponed"


@pytest.mark.parametrize("hit_policy", ["FIRST", "COLLECT"])
def test_the_hit_policies_no_pack_uses_are_refused(tmp_path: Path, hit_policy: str) -> None:
    """Issue 14 §4: only UNIQUE and PRIORITY are kept; a pack naming another is refused where it says so."""
    packs = tmp_path / hit_policy
    shutil.copytree(PACKS_DIR, packs)
    s4 = packs / S4
    s4.write_text(s4.read_text(encoding="utf-8").replace("hit_policy: UNIQUE", f"hit_policy: {hit_policy}"),
                  encoding="utf-8")
    with pytest.raises(PackError) as e:
        compile_tables(load_policy("beijing-2020-epidemic", packs_dir=packs))
    assert f"hit_policy '{hit_policy}'" in str(e.value) and "['PRIORITY', 'UNIQUE']" in str(e.value)


EXCLUDED = "handling.excluded_change_fields"


@pytest.mark.parametrize("edit,token", [
    (sub("  enum: person_field\n", ""), "enum"),
    (sub('      reference: {document: "北京市社会保险基金管理中心2020年1月31日通知", clause: "1.3a"}\n',
         '      reference: {document: "北京市社会保险基金管理中心2020年1月31日通知", clause: "1.3a"}\n'
         '    "2020-06-01":\n      value: [name]\n      reference: {document: "test", clause: "0.1"}\n'), "one value"),
    (sub('      reference: {document: "北京市社会保险基金管理中心2020年1月31日通知", clause: "1.3a"}\n',
         '      reference: {document: "北京市社会保险基金管理中心2020年1月31日通知", clause: "1.3a"}\n'
         '    "2020-06-01":\n      value: null\n      reference: {document: "test", clause: "0.1"}\n'), "one value"),
], ids=["no-enum", "changing-list", "list-withdrawn"])
def test_a_list_parameter_a_condition_cannot_use_is_refused_where_it_is_used(
        packs: Path, edit: Callable[[str], str], token: str) -> None:
    f = packs / HANDLING
    f.write_text(edit(f.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_policy("beijing-2020-epidemic", packs_dir=packs)
    table = (packs / S1).read_text(encoding="utf-8")
    assert (exc.value.file, exc.value.line) == (str(packs / S1), _line(table, f"param: {EXCLUDED}", False))
    assert EXCLUDED in exc.value.reason and token in exc.value.reason
