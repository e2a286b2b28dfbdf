"""The decision-table machinery by value: operators, hit policies, literals and the compiled policy.

The packs use few of the operators and hit policies the engine offers (DMN UNIQUE, FIRST, PRIORITY,
COLLECT); a pack written tomorrow may use the others, so each is pinned here on its own, on one
row (Python values) and on columns (NumPy), with a constant and with a dated right-hand side.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from shebao.rules import load_policy
from shebao.rules.catalog import catalog
from shebao.rules.dates import SCALAR, month_index, numpy_ops
from shebao.rules.tables import (
    _NO_CONST,
    ERR_NO_MATCH,
    ERR_NONE,
    ERR_PERIOD_NOT_PAST,
    ERR_UNIQUE,
    ERROR_MESSAGES,
    CompiledTable,
    Resolver,
    Rule,
    _literal,
    _op_fn,
    compile_tables,
    const_rhs,
)
from shebao.rules.yamlload import Located

VALUES = [3, 4, 5, 6, 7]
EXPECTED = {
    "==": [False, False, True, False, False], "!=": [True, True, False, True, True],
    "<": [True, True, False, False, False], "<=": [True, True, True, False, False],
    ">": [False, False, False, True, True], ">=": [False, False, True, True, True],
}


def _both(fn: Any, values: list[int]) -> tuple[list[bool], list[bool]]:
    scalar = [bool(fn({"x": v}, SCALAR)) for v in values]
    column = fn({"x": np.asarray(values)}, numpy_ops())
    return scalar, np.broadcast_to(column, (len(values),)).tolist()


@pytest.mark.parametrize("op", list(EXPECTED))
@pytest.mark.parametrize("dated", [False, True], ids=["constant", "dated"])
def test_each_comparison_on_a_row_and_on_columns(op: str, dated: bool) -> None:
    def rhs(facts: dict[str, Any], ops: Any) -> int:
        assert ops is SCALAR or ops is numpy_ops()
        return 5

    fn = _op_fn("x", op, rhs, _NO_CONST if dated else 5)
    assert _both(fn, VALUES) == (EXPECTED[op], EXPECTED[op])


@pytest.mark.parametrize("dated", [False, True], ids=["constant", "dated"])
def test_set_membership_and_field_set_operators(dated: bool) -> None:
    codes = (1, 3)
    masks = 0b0101

    def fn(op: str, c: Any) -> Any:
        def rhs(facts: dict[str, Any], ops: Any) -> Any:
            assert ops is SCALAR or ops is numpy_ops()  # a dated value is read with the row's operations
            return c

        return _op_fn("x", op, rhs, _NO_CONST if dated else c)

    values = [0, 1, 2, 3, 4]
    assert _both(fn("in", codes), values) == ([False, True, False, True, False],) * 2
    assert _both(fn("not_in", codes), values) == ([True, False, True, False, True],) * 2
    fields = [0, 1, 2, 4, 5, 8, 0b1010]
    assert _both(fn("intersects", masks), fields) == ([False, True, False, True, True, False, False],) * 2
    assert _both(fn("disjoint", masks), fields) == ([True, False, True, False, False, True, True],) * 2


def test_a_dated_right_hand_side_is_read_per_row() -> None:
    r = Resolver("p", None, points=(10, 20), values=(100, 200))
    fn = _op_fn("x", "<=", r, const_rhs(r))
    facts = {"x": np.asarray([150, 150, 150, 250]), "applied_on": np.asarray([9, 19, 20, 30])}
    assert fn(facts, numpy_ops()).tolist() == [False, False, True, False]
    assert [bool(fn({"x": 150, "applied_on": d}, SCALAR)) for d in (9, 19, 20, 30)] == [False, False, True, True]


def test_the_constant_of_a_right_hand_side() -> None:
    assert const_rhs(Resolver("p", None, constant=7)) == 7
    assert const_rhs(Resolver("p", None, points=(1, 2), values=(3, 4))) is _NO_CONST
    assert const_rhs(lambda facts, ops: (1, 2)) == (1, 2)


def _rule(i: int, mode: int) -> Rule:
    return Rule(f"r{i}", f"c{i}", [], f"m{mode}", mode, (), {"zh": "", "en": ""}, index=10 + i)


def _table(hit: str, modes: list[int], default: int | None = 5, priority: tuple[int, ...] = ()) -> CompiledTable:
    rules = [_rule(i, m) for i, m in enumerate(modes)]
    return CompiledTable("t", "t.yaml", {}, hit, (0,), [], rules, default, (), {}, priority)


def _bits(*rules: int) -> int:
    return sum(1 << 10 + r for r in rules)


def test_unique_takes_the_one_match_and_refuses_two() -> None:
    t = _table("UNIQUE", [0, 1, 2])
    assert t.outcome(0b000) == (5, -1, 0, ERR_NONE)  # no match: the default mode
    assert t.outcome(0b010) == (1, 11, _bits(1), ERR_NONE)
    assert t.outcome(0b101) == (0, 10, _bits(0, 2), ERR_UNIQUE)
    assert _table("UNIQUE", [0, 1], default=None).outcome(0) == (-1, -1, 0, ERR_NO_MATCH)


def test_priority_takes_the_mode_first_in_the_order_and_all_its_rules() -> None:
    t = _table("PRIORITY", [2, 1, 2, 0], priority=(0, 1, 2, 5))
    assert t.by_mode == {0: (3,), 1: (1,), 2: (0, 2), 5: ()}
    assert t.outcome(0b0101) == (2, 10, _bits(0, 2), ERR_NONE)
    assert t.outcome(0b0111) == (1, 11, _bits(1), ERR_NONE)
    assert t.outcome(0b1111) == (0, 13, _bits(3), ERR_NONE)
    assert t.outcome(0) == (5, -1, 0, ERR_NONE)
    assert _table("PRIORITY", [1], default=None, priority=(1,)).outcome(0) == (-1, -1, 0, ERR_NO_MATCH)


def test_an_outcome_is_computed_once_per_pattern() -> None:
    t = _table("UNIQUE", [0, 1])
    first = t.outcome(0b10)
    assert t.outcomes == {0b10: first}
    assert t.outcome(0b10) is first


def test_the_error_codes_and_messages() -> None:
    assert (ERR_NONE, ERR_PERIOD_NOT_PAST, ERR_UNIQUE, ERR_NO_MATCH) == (0, 1, 2, 3)
    assert set(ERROR_MESSAGES) == {ERR_PERIOD_NOT_PAST, ERR_UNIQUE, ERR_NO_MATCH}


def _where() -> Located:
    loc = Located()
    loc.file, loc.line, loc.key_lines = "t.yaml", 3, {"value": 4}
    return loc


def test_literals_become_the_numbers_the_facts_are() -> None:
    cat = catalog()
    fields = list(cat.enums["person_field"])
    assert _literal("mask", "person_field", ["name", "phone"], _where(), "changed_fields") == (
        1 << fields.index("name") | 1 << fields.index("phone"))
    assert _literal("mask", "person_field", "phone", _where(), "changed_fields") == 1 << fields.index("phone")
    cats = list(cat.enums["category"])
    assert _literal("enum", "category", ["hmt", "part_time"], _where(), "category") == (
        cats.index("hmt"), cats.index("part_time"))
    assert _literal("enum", "category", "foreigner", _where(), "category") == cats.index("foreigner")
    assert _literal("bool", None, True, _where(), "near_retirement") is True
    assert _literal("int", None, 36, _where(), "period_months") == 36
    assert _literal("month", None, "2011-07", _where(), "period_from") == month_index("2011-07")
    assert _literal("day", None, "1970-01-02", _where(), "applied_on") == 1
    with pytest.raises(Exception) as exc:
        _literal("int", None, "36", _where(), "period_months")
    assert (exc.value.file, exc.value.line) == ("t.yaml", 4)  # type: ignore[attr-defined]


def test_the_compiled_policy_numbers_rules_and_maps_businesses_to_tables() -> None:
    policy = load_policy()
    compiled = compile_tables(policy)
    assert compile_tables(policy) is compiled  # once per policy
    assert [t.name for t in compiled.tables] == ["section1_registration", "section2_benefits", "section4_transfers",
                                                  "section5_cards",
                                                  "section9_work_injury"]
    assert [r.index for r in compiled.rules] == list(range(len(compiled.rules)))
    assert [r.id for r in compiled.rules[:4]] == ["1.1a", "1.1b", "1.1c", "1.2a"]
    names = [t.name for t in compiled.tables]
    for code, b in enumerate(catalog().businesses):
        want = names.index(b.table) if b.table is not None else -1
        assert compiled.table_code[code] == want
        assert compiled.table_of_business.get(code, -1) == want
    s1 = compiled.tables[0]
    assert s1.hit_policy == "PRIORITY" and s1.file.endswith("section1_registration.yaml")
    assert s1.title == {"zh": "登记征缴有关业务", "en": "Registration and collection"}
    modes = list(catalog().enums["mode"])
    assert s1.priority == tuple(modes.index(m) for m in
                                ("direct", "commitment", "deferred_documents", "remote_documents", "regular"))
    assert s1.default_mode == modes.index("regular") and s1.default_requires == ()
    r12a = compiled.rules[3]
    assert r12a.params == ("handling.commitment_min_beijing_pension_months", "handling.back_payment_from_month",
                           "handling.max_commitment_months")
    assert (r12a.mode, r12a.requires, r12a.clause) == ("commitment", ("commitment_letter",), "1.2a")
    assert [(p.fact, p.op, p.rhs_text) for p in r12a.preds] == [
        ("business", "==", "'individual_back_payment'"), ("account_type", "==", "'general'"),
        ("beijing_pension_months", ">", "handling.commitment_min_beijing_pension_months"),
        ("period_from", ">=", "handling.back_payment_from_month"), ("period_months", "<=", "handling.max_commitment_months")]
    assert [p.params for p in r12a.preds][2:] == [("handling.commitment_min_beijing_pension_months",),
                                                  ("handling.back_payment_from_month",),
                                                  ("handling.max_commitment_months",)]
    assert s1.params[:4] == ("handling.recent_months", "handling.commitment_min_beijing_pension_months",
                             "handling.back_payment_from_month", "handling.max_commitment_months")
    [guard] = s1.guard
    assert (guard.fact, guard.op, guard.clause, guard.rhs_text) == ("notice_in_force", "==", "Reading 0.4", "True")
    assert compiled.rules[6].preds[1].op == "disjoint"  # 1.3a: the excluded fields as a mask
    excluded = load_policy().value("handling.excluded_change_fields")
    fields = list(catalog().enums["person_field"])
    assert compiled.rules[6].preds[1].rhs({}, SCALAR) == sum(1 << fields.index(f) for f in excluded)
    assert compiled.rules[9].preds[1].rhs({}, SCALAR) == tuple(
        catalog().enums["category"].index(c) for c in load_policy().value("handling.remote_registration_categories"))


def test_the_base_pack_has_no_tables() -> None:
    compiled = compile_tables(load_policy("base"))
    assert compiled.tables == [] and compiled.rules == [] and compiled.table_of_business == {}
    assert set(compiled.table_code) == {-1}
