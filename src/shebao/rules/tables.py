"""Decision tables (DMN hit policies UNIQUE and PRIORITY, the two the packs use) compiled from YAML.

A condition is a list of structured predicates ``{fact, op, value | param}``, all of which must
hold. Thresholds come from parameters (with their clause ids), never from literals in code. The
compiled predicates are plain operator expressions, so the *same* functions evaluate a Python
scalar row (one application) and NumPy columns (a table of many).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .catalog import catalog
from .dates import day_number, month_index
from .facts import FACT_KINDS, FAR_FUTURE_DAY, RETIREMENT_SCHEDULE, closure
from .policy import Parameter, Policy
from .yamlload import Located, PackError

HIT_POLICIES = {"UNIQUE", "PRIORITY"}  # FIRST and COLLECT were dropped: no pack used them (issue 14 §4)
OPS = {"==", "!=", "<", "<=", ">", ">=", "in", "not_in", "intersects", "disjoint"}
_ORDER_OPS = {"<", "<=", ">", ">="}
MAX_RULES = 62  # rules of a policy: bit j of an int64 support mask is rule j

# Row-level error codes of the table path.
ERR_NONE, ERR_PERIOD_NOT_PAST, ERR_UNIQUE, ERR_NO_MATCH = 0, 1, 2, 3
ERROR_MESSAGES = {
    ERR_PERIOD_NOT_PAST: "period ends in or after the month of application",
    ERR_UNIQUE: "more than one rule of a UNIQUE table matches",
    ERR_NO_MATCH: "no rule matches and the table has no default",
}


@dataclass
class Resolver:
    """A parameter value per row: a constant, or a step function of the application day."""

    name: str
    key: str | None
    constant: Any = None
    points: tuple[int, ...] = ()
    values: tuple[int, ...] = ()

    def __call__(self, facts: dict[str, Any], ops: Any) -> Any:
        if not self.points:
            return self.constant
        return ops.step(self.points, self.values, facts["applied_on"])


def _param_number(p: Parameter, raw: Any, key: str | None) -> Any:
    if key is not None:
        raw = None if raw is None else raw[key]
    if p.type == "date":
        return FAR_FUTURE_DAY if raw is None else day_number(raw)  # null date = not yet announced
    if p.type == "month":
        return None if raw is None else month_index(raw)
    return raw


def resolver(policy: Policy, name: str, key: str | None = None, where: Located | None = None) -> Resolver:
    """Compile a numeric parameter to a per-row value; a missing value is a pack error."""
    p = policy.parameter(name)
    nums = [_param_number(p, v.value, key) for v in p.values]
    for v, n in zip(p.values, nums):
        if n is None or not isinstance(n, int):
            loc = where or Located()
            raise PackError(getattr(loc, "file", p.file), getattr(loc, "line", p.line),
                            f"parameter {name} has no usable number from {v.effective}; a rule cannot use it")
    if len(set(nums)) == 1:
        return Resolver(name, key, constant=nums[0])
    return Resolver(name, key, points=tuple(day_number(_d(v.effective)) for v in p.values), values=tuple(nums))


def _d(s: str) -> Any:
    from datetime import date

    return date.fromisoformat(s)


@dataclass
class Predicate:
    fact: str
    op: str
    rhs_text: str
    fn: Callable[[dict[str, Any], Any], Any]
    rhs: Callable[[dict[str, Any], Any], Any]
    params: tuple[str, ...]
    clause: str | None = None


@dataclass
class Rule:
    id: str
    clause: str
    preds: list[Predicate]
    mode: str
    mode_code: int
    requires: tuple[str, ...]
    explain: dict[str, str]
    index: int = 0  # global index in the policy (bit of the support mask)
    params: tuple[str, ...] = ()


@dataclass
class CompiledTable:
    name: str
    file: str
    title: dict[str, str]
    hit_policy: str
    business_codes: tuple[int, ...]
    guard: list[Predicate]
    rules: list[Rule]
    default_mode: int | None
    default_requires: tuple[str, ...]
    default_explain: dict[str, str]
    priority: tuple[int, ...] = ()
    params: tuple[str, ...] = ()
    by_mode: dict[int, tuple[int, ...]] = field(default_factory=dict)

    outcomes: dict[int, tuple[int, int, int, int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for code in self.priority:
            self.by_mode[code] = tuple(i for i, r in enumerate(self.rules) if r.mode_code == code)

    def outcome(self, matched: int) -> tuple[int, int, int, int]:
        """(mode, rule, support, error) under the hit policy, given the bit set of matching rules
        (bit ``j`` for ``rules[j]``); computed once per bit set."""
        out = self.outcomes.get(matched)
        if out is None:
            out = self.outcomes[matched] = self._hit_policy(matched)
        return out

    def _hit_policy(self, matched: int) -> tuple[int, int, int, int]:
        hits = [r for j, r in enumerate(self.rules) if matched >> j & 1]
        mode = -1 if self.default_mode is None else self.default_mode
        rule, support, error = -1, 0, ERR_NONE
        if self.hit_policy == "PRIORITY":
            # Reading 1.y: the mode first in output_priority wins; its first rule is the primary one,
            # all its matching rules support it.
            for code in self.priority:
                same = [r for r in hits if r.mode_code == code]
                if same:
                    mode, rule, support = code, same[0].index, sum(1 << r.index for r in same)
                    break
        elif hits:  # UNIQUE
            mode, rule, support = hits[0].mode_code, hits[0].index, 1 << hits[0].index
            if len(hits) > 1:
                # Two matches in a UNIQUE table is an error, never a silent choice.
                error, support = ERR_UNIQUE, sum(1 << r.index for r in hits)
        if self.default_mode is None and mode == -1:
            error = ERR_NO_MATCH
        return mode, rule, support, error


@dataclass
class Compiled:
    tables: list[CompiledTable]
    rules: list[Rule]
    table_of_business: dict[int, int]
    resolvers: dict[tuple[str, str | None], Resolver] = field(default_factory=dict)
    # Per table: the facts its guard and rules read, with what they are derived from (closed set).
    needs: list[frozenset[str]] = field(default_factory=list)
    # Business code -> table index, -1 for a business no table names (a tuple for ops.take).
    table_code: tuple[int, ...] = ()

    def param(self, facts: dict[str, Any], ops: Any) -> Callable[..., Any]:
        """Accessor used by :func:`facts.derive`: ``param(name, key, default)``."""
        res = self.resolvers

        def get(name: str, key: str | None, default: Any) -> Any:
            r = res.get((name, key))
            if r is None:
                return default
            return r.constant if not r.points else r(facts, ops)

        return get


_DERIVE_PARAMS = [
    ("handling.remaining_age_limit", "male"), ("handling.remaining_age_limit", "female"),
    ("transfers.near_retirement_months", None),
    ("epidemic.in_force_from", None), ("epidemic.lifted_on", None),
]


def _literal(kind: str, enum: str | None, value: Any, raw: Located, fact: str) -> Any:
    cat = catalog()
    many = isinstance(value, list)
    items = value if many else [value]
    out = []
    for v in items:
        try:
            if kind == "enum" or kind == "mask":
                out.append(cat.code(enum or "", v))
            elif kind == "bool":
                if not isinstance(v, bool):
                    raise ValueError(f"fact {fact} is true or false")
                out.append(v)
            elif kind == "int":
                if not isinstance(v, int):
                    raise ValueError(f"fact {fact} compares with integers")
                out.append(v)
            elif kind == "month":
                out.append(month_index(v))
            elif kind == "day":
                out.append(day_number(_d(v)))
        except (KeyError, ValueError) as exc:
            raise raw.error(f"value {v!r}: {exc}", "value") from None
    if kind == "mask":
        mask = 0
        for c in out:
            mask |= 1 << c
        return mask
    return tuple(out) if many else out[0]


def _compile_predicate(raw: Any, policy: Policy, where: Located) -> Predicate:
    if not isinstance(raw, Located):
        raise where.error("a condition is a mapping {fact, op, value | param}")
    unknown = set(raw) - {"fact", "op", "value", "param", "key", "clause"}
    if unknown:
        raise raw.error(f"unknown condition keys {sorted(unknown)}", min(unknown))
    fact = raw.get("fact")
    if fact not in FACT_KINDS:
        raise raw.error(f"unknown fact {fact!r}; known: {sorted(FACT_KINDS)}", "fact")
    kind, enum = FACT_KINDS[fact]
    op = raw.get("op")
    if op not in OPS:
        raise raw.error(f"unknown op {op!r}; one of {sorted(OPS)}", "op")
    if ("value" in raw) == ("param" in raw):
        raise raw.error("a condition has exactly one of 'value' or 'param'")
    if op in _ORDER_OPS and kind not in ("int", "month", "day"):
        raise raw.error(f"op {op} does not apply to the {kind} fact {fact}", "op")
    if op in ("intersects", "disjoint") and kind != "mask":
        raise raw.error(f"op {op} applies to field sets only", "op")
    if op in ("in", "not_in") and kind != "enum":
        raise raw.error(f"op {op} applies to enum facts only", "op")
    params: tuple[str, ...] = ()
    if "value" in raw:
        c = _literal(kind, enum, raw["value"], raw, fact)
        if op in ("in", "not_in") and not isinstance(c, tuple):
            c = (c,)
        rhs_text = repr(raw["value"])

        def rhs(facts: dict[str, Any], ops: Any, c: Any = c) -> Any:
            return c
    else:
        pname = raw["param"]
        if not isinstance(pname, str) or not policy.has(pname):
            raise raw.error(f"unknown parameter {pname!r}", "param")
        p = policy.parameter(pname)
        params = (p.name,)
        rhs_text = p.name
        if p.type == "string_list":
            if p.enum is None:
                raise raw.error(f"parameter {pname} has no enum to compare with", "param")
            vals = {tuple(v.value) for v in p.values if v.value is not None}
            if len(vals) != 1 or len(p.values) != len([v for v in p.values if v.value is not None]):
                raise raw.error(f"list parameter {pname} must keep one value to be used in a condition")
            c = _literal("mask" if kind == "mask" else "enum", p.enum, list(vals.pop()), raw, fact)

            def rhs(facts: dict[str, Any], ops: Any, c: Any = c) -> Any:
                return c
        else:
            if p.type not in ("int", "month", "date", "int_map"):
                raise raw.error(f"parameter {pname} of type {p.type} cannot be compared", "param")
            r = resolver(policy, pname, raw.get("key"), raw)
            if r.points:
                rhs = r
            else:
                const = r.constant

                def rhs(facts: dict[str, Any], ops: Any, c: Any = const) -> Any:
                    return c

    fn = _op_fn(fact, op, rhs, const_rhs(rhs))
    return Predicate(fact, op, rhs_text, fn, rhs, params, raw.get("clause"))


_NO_CONST = object()


def const_rhs(rhs: Any) -> Any:
    """The constant a right-hand side always returns, or ``_NO_CONST`` (a dated parameter)."""
    if isinstance(rhs, Resolver):
        return rhs.constant if not rhs.points else _NO_CONST
    return rhs({}, None)


def _op_fn(fact: str, op: str, rhs: Callable[[dict[str, Any], Any], Any], c: Any = _NO_CONST) -> Callable[..., Any]:
    # Only operators (and ops.isin) here: the same closure serves ints and NumPy columns. A constant
    # right-hand side is bound once (no call per row).
    if c is not _NO_CONST:
        if op == "==":
            return lambda facts, ops: facts[fact] == c
        if op == "!=":
            return lambda facts, ops: facts[fact] != c
        if op == "<":
            return lambda facts, ops: facts[fact] < c
        if op == "<=":
            return lambda facts, ops: facts[fact] <= c
        if op == ">":
            return lambda facts, ops: facts[fact] > c
        if op == ">=":
            return lambda facts, ops: facts[fact] >= c
        if op == "in":
            return lambda facts, ops: ops.isin(facts[fact], c)
        if op == "not_in":
            return lambda facts, ops: ops.isin(facts[fact], c) ^ True
        if op == "intersects":
            return lambda facts, ops: (facts[fact] & c) != 0
        return lambda facts, ops: (facts[fact] & c) == 0  # disjoint
    if op == "==":
        return lambda facts, ops: facts[fact] == rhs(facts, ops)
    if op == "!=":
        return lambda facts, ops: facts[fact] != rhs(facts, ops)
    if op == "<":
        return lambda facts, ops: facts[fact] < rhs(facts, ops)
    if op == "<=":
        return lambda facts, ops: facts[fact] <= rhs(facts, ops)
    if op == ">":
        return lambda facts, ops: facts[fact] > rhs(facts, ops)
    if op == ">=":
        return lambda facts, ops: facts[fact] >= rhs(facts, ops)
    if op == "in":
        return lambda facts, ops: ops.isin(facts[fact], rhs(facts, ops))
    if op == "not_in":
        return lambda facts, ops: ops.isin(facts[fact], rhs(facts, ops)) ^ True
    if op == "intersects":
        return lambda facts, ops: (facts[fact] & rhs(facts, ops)) != 0
    return lambda facts, ops: (facts[fact] & rhs(facts, ops)) == 0  # disjoint


def _explain(raw: Any, where: Located, key: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not isinstance(raw.get("zh"), str) or not isinstance(raw.get("en"), str):
        raise where.error("explain needs zh and en texts", key)
    return {"zh": raw["zh"], "en": raw["en"]}


def _compile_table(t: Located, policy: Policy, first_index: int) -> CompiledTable:
    cat = catalog()
    modes = cat.enums["mode"]
    reqs = cat.enums["requirement"]
    allowed = {"table", "title", "businesses", "hit_policy", "output_priority", "guard", "default", "rules"}
    unknown = set(t) - allowed
    if unknown:
        raise t.error(f"unknown keys {sorted(unknown)}", min(unknown))
    hp = t.get("hit_policy")
    if hp not in HIT_POLICIES:
        raise t.error(f"hit_policy {hp!r} is not one of {sorted(HIT_POLICIES)}", "hit_policy")
    codes = []
    for b in t.get("businesses") or []:
        if b not in cat.enums["business"]:
            raise t.error(f"unknown business {b!r}", "businesses")
        code = cat.enums["business"].index(b)
        # The catalog names each business's one table, so no business can be in two tables.
        if cat.businesses[code].table != t.get("table"):
            raise t.error(f"business {b} belongs to table {cat.businesses[code].table} in the catalog", "businesses")
        codes.append(code)
    if not codes:
        raise t.error("a table names its businesses", "businesses")
    guard = [_compile_predicate(g, policy, t) for g in t.get("guard") or []]

    def then(raw: Any, where: Located, key: str) -> tuple[str, int, tuple[str, ...]]:
        if not isinstance(raw, dict) or raw.get("mode") not in modes:
            raise where.error(f"output needs a mode, one of {list(modes)}", key)
        rq = raw.get("requires", [])
        if not isinstance(rq, list) or any(r not in reqs for r in rq):
            raise where.error(f"requires must be a list of {list(reqs)}", key)
        return raw["mode"], modes.index(raw["mode"]), tuple(dict.fromkeys(rq))

    rules = []
    seen: set[str] = set()
    raw_rules = t.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise t.error("a table needs a non-empty list of rules", "rules")
    for raw in raw_rules:
        if not isinstance(raw, Located):
            raise t.error("a rule is a mapping", "rules")
        unknown = set(raw) - {"id", "clause", "when", "then", "explain"}
        if unknown:
            raise raw.error(f"unknown rule keys {sorted(unknown)}", min(unknown))
        for req in ("id", "clause", "when", "then", "explain"):
            if req not in raw:
                raise raw.error(f"rule needs {req!r}")
        rid = str(raw["id"])
        if first_index + len(rules) >= MAX_RULES:
            raise raw.error(f"rule {rid}: more than {MAX_RULES} rules: the support mask needs a wider type", "id")
        if rid in seen:
            raise raw.error(f"duplicate rule id {rid!r}", "id")
        seen.add(rid)
        if not isinstance(raw["when"], list) or not raw["when"]:
            raise raw.error("'when' is a non-empty list of conditions", "when")
        preds = [_compile_predicate(c, policy, raw) for c in raw["when"]]
        mode, mode_code, rq = then(raw["then"], raw, "then")
        params = tuple(dict.fromkeys(p for pr in preds for p in pr.params))
        rules.append(Rule(rid, str(raw["clause"]), preds, mode, mode_code, rq,
                          _explain(raw["explain"], raw, "explain"), first_index + len(rules), params))
    default = t.get("default")
    if default is not None:
        _, dmode, dreq = then(default, t, "default")
        dexplain = _explain(default.get("explain"), t, "default")
    else:
        dmode, dreq, dexplain = None, (), {"zh": "", "en": ""}
    priority: tuple[int, ...] = ()
    if hp == "PRIORITY":
        order = t.get("output_priority")
        if not isinstance(order, list) or any(m not in modes for m in order):
            raise t.error("PRIORITY needs output_priority, a list of modes", "hit_policy")
        for r in rules:
            if r.mode not in order:
                raise t.error(f"mode {r.mode} of rule {r.id} is missing from output_priority", "output_priority")
        priority = tuple(modes.index(m) for m in order)
    title = t.get("title") or {"zh": t["table"], "en": t["table"]}
    tparams = tuple(dict.fromkeys([p for g in guard for p in g.params] + [p for r in rules for p in r.params]))
    return CompiledTable(str(t["table"]), t.file, dict(title), hp, tuple(codes), guard, rules, dmode, dreq,
                         dexplain, priority, tparams)


def compile_tables(policy: Policy) -> Compiled:
    """Compile every table of the policy (once) and the parameters the derived facts need."""
    if "compiled" in policy._compiled:
        return policy._compiled["compiled"]  # type: ignore[no-any-return]
    cat = catalog()
    tables: list[CompiledTable] = []
    rules: list[Rule] = []
    for name in sorted(policy.tables):
        ct = _compile_table(policy.tables[name], policy, len(rules))
        tables.append(ct)
        rules.extend(ct.rules)
    table_of = {code: ti for ti, ct in enumerate(tables) for code in ct.business_codes}
    resolvers = {}
    for name, key in _DERIVE_PARAMS:
        if policy.has(name):
            resolvers[(name, key)] = resolver(policy, name, key)
    if policy.has("retirement.statutory_age"):
        from .retirement import schedule

        resolvers[(RETIREMENT_SCHEDULE, None)] = Resolver(RETIREMENT_SCHEDULE, None, constant=schedule(policy))
    needs = [closure({p.fact for p in ct.guard} | {p.fact for r in ct.rules for p in r.preds}) for ct in tables]
    table_code = tuple(table_of.get(i, -1) for i in range(len(cat.businesses)))
    compiled = Compiled(tables, rules, table_of, resolvers, needs, table_code)
    policy._compiled["compiled"] = compiled
    return compiled


@dataclass
class TableOutcome:
    mode: Any
    rule: Any
    support: Any
    error: Any


def evaluate_table(ct: CompiledTable, facts: dict[str, Any], ops: Any, trace: list[Any] | None = None) -> TableOutcome:
    """Apply one table to a row or to columns that all belong to it (see ``decision._core``)."""
    scalar = trace is not None or not hasattr(facts["business"], "shape")
    if scalar and trace is None:
        # The same predicates on one row, stopping at the first false condition.
        ok1 = True
        for g in ct.guard:
            ok1 = ok1 & g.fn(facts, ops)
        matched = 0
        if ok1:
            for j, rule in enumerate(ct.rules):
                for p in rule.preds:
                    if not p.fn(facts, ops):
                        break
                else:
                    matched |= 1 << j
        return TableOutcome(*ct.outcome(matched))
    ok: Any = True
    gtrace = []
    for g in ct.guard:
        r = g.fn(facts, ops)
        if trace is not None:
            gtrace.append((g, facts[g.fact], g.rhs(facts, ops), bool(r)))
        ok = ok & r
    matches = []
    for rule in ct.rules:
        m = ok
        ptrace = []
        for p in rule.preds:
            if scalar and not m:
                break  # a scalar row stops at the first false condition; columns evaluate all
            r = p.fn(facts, ops)
            if trace is not None:
                ptrace.append((p, facts[p.fact], p.rhs(facts, ops), bool(r)))
            m = m & r
        matches.append(m)
        if trace is not None:
            trace.append(("rule", ct, rule, ptrace, bool(m)))
    if trace is not None:
        trace.insert(0, ("table", ct, gtrace, bool(ok)))
    # The outcome is a function of which rules matched: the hit policy runs once per distinct
    # pattern of matches (plain Python, cached), and a column looks its patterns up.
    mode, rule_ix, support, error = ops.lookup(ops.pack(matches), len(ct.rules), ct.outcome)
    return TableOutcome(mode, rule_ix, support, error)
