"""Handling-mode decisions: one evaluator for one application and for a table of many.

``decide(app)`` encodes the application as one row of Python ints and runs the very functions that
``decide_table(columns)`` runs on NumPy columns (see :mod:`.tables`), so the two cannot drift.
"""

from __future__ import annotations

import bisect
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .catalog import catalog, label
from .dates import SCALAR, InputError, add_months, day_date, day_number, month_str, numpy_ops
from .facts import (
    DERIVED_FACTS,
    FAR_FUTURE_DAY,
    INPUT_FACTS,
    INPUT_ORDER,
    MISSING,
    as_mapping,
    closure,
    derive,
    display_enum,
    encode_application,
    fields_of,
    parameters_of,
)
from .policy import Policy, load_policy
from .retirement import PARAMETERS as RETIREMENT_PARAMETERS
from .retirement import format_age_en, format_age_zh
from .tables import (
    ERR_NO_MATCH,
    ERR_NONE,
    ERR_PERIOD_NOT_PAST,
    ERR_UNIQUE,
    ERROR_MESSAGES,
    Compiled,
    compile_tables,
    evaluate_table,
)


class DecisionError(ValueError):
    """The application cannot be decided (malformed, or the tables refuse to choose).

    ``str(e)`` is English; ``e.zh`` the same in Chinese and ``e.field`` the input at fault, if one is.
    """

    def __init__(self, message: str, *, zh: str = "", field: str = "") -> None:
        super().__init__(message)
        self.zh = zh or "无法确定办理方式"
        self.field = field


# The tables' refusals in Chinese (tables.ERROR_MESSAGES has the English).
ERROR_MESSAGES_ZH = {
    ERR_PERIOD_NOT_PAST: ("补缴期间须在申请当月之前结束，否则不是补缴（解读1.y）", "period.to"),
    ERR_UNIQUE: ("有多条办理规则同时适用，系统无法确定办理方式，请联系市中心政策管理人员", ""),
    ERR_NO_MATCH: ("没有适用的办理规则，系统无法确定办理方式，请联系市中心政策管理人员", ""),
}


@dataclass(frozen=True)
class Decision:
    mode: str
    clauses: tuple[str, ...]
    requires: tuple[str, ...]
    pack: str
    pack_version: str
    parameters: dict[str, dict[str, Any]]
    explanation_zh: str
    explanation_en: str
    rule_id: str | None = None
    documents_due_on: Any = None  # 1.3: lifted date + N months for deferred documents, when known
    trace: tuple[str, ...] = field(default=(), compare=False)

    @property
    def explanation(self) -> str:
        return f"{self.explanation_zh} / {self.explanation_en}"

    def as_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "clauses": list(self.clauses), "requires": list(self.requires),
                "explanation": self.explanation}


@dataclass
class TableDecisions:
    """Outcome columns of :func:`decide_table`; ``mode`` indexes :attr:`modes`, ``rule`` the policy rules."""

    mode: Any
    rule: Any
    support: Any
    error: Any
    modes: tuple[str, ...]
    rule_ids: tuple[str, ...]
    facts: dict[str, Any] = field(default_factory=dict, repr=False)


def _core(facts: dict[str, Any], compiled: Compiled, ops: Any, trace: list[Any] | None = None) -> tuple[Any, ...]:
    """The one evaluator: derived facts, every table on its own rows, period validation; a scalar
    row (a group of one) or columns alike. Only the facts a table reads are derived (all of them
    with a trace, which shows them)."""
    if trace is not None:
        derive(facts, compiled.param(facts, ops), ops)
    business = facts["business"]
    n = getattr(business, "shape", None)
    # A business no table names keeps its regular handling: the notice does not change it.
    mode: Any = ops.full(n, _regular(), "int8")
    rule: Any = ops.full(n, -1, "int16")
    support: Any = ops.full(n, 0, "int64")
    error: Any = ops.full(n, ERR_NONE, "int8")
    tables = compiled.tables
    derive(facts, compiled.param(facts, ops), ops, _APP_MONTH)  # most tables and the period check read it
    for ti, idx in ops.groups(ops.take(compiled.table_code, business), len(tables)):
        need = compiled.needs[ti]
        group_facts = ops.subset(facts, idx, need | _ALWAYS)
        derive(group_facts, compiled.param(group_facts, ops), ops, need)
        out = evaluate_table(tables[ti], group_facts, ops, trace)
        mode = ops.scatter(mode, idx, out.mode)
        rule = ops.scatter(rule, idx, out.rule)
        support = ops.scatter(support, idx, out.support)
        error = ops.scatter(error, idx, out.error)
    # Reading 1.y: a back-payment period ending in or after the month of application is not a
    # back-payment; this holds in and out of the notice's force.
    bad_period = (facts["has_period"] == 1) & ops.isin(business, _back_payment_codes()) & (
        facts["period_to"] >= facts["app_month"]
    )
    error = ops.where(bad_period, ERR_PERIOD_NOT_PAST, error)
    return mode, rule, support, error


_ALWAYS = frozenset({"business", "applied_on"})  # resolvers of dated parameters read applied_on
_APP_MONTH = closure({"app_month"})
_REGULAR: list[int] = []


def _regular() -> int:
    if not _REGULAR:
        _REGULAR.append(catalog().enums["mode"].index("regular"))
    return _REGULAR[0]


_BP: list[tuple[int, ...]] = []


def _back_payment_codes() -> tuple[int, ...]:
    if not _BP:
        _BP.append(tuple(i for i, b in enumerate(catalog().businesses) if b.back_payment))
    return _BP[0]


def _policy(policy: Policy | None) -> Policy:
    return policy if policy is not None else load_policy()


def decide_table(columns: Mapping[str, Any], policy: Policy | None = None) -> TableDecisions:
    """Decide many applications at once. ``columns`` holds NumPy arrays named as ``INPUT_FACTS``:
    enum codes or strings, days (``datetime64[D]`` or ints since 1970-01-01), months
    (``datetime64[M]`` or ints since 1970-01). Absent columns are "not stated"."""
    import numpy as np

    policy = _policy(policy)
    compiled = compile_tables(policy)
    cat = catalog()
    n = max((len(v) for v in columns.values()), default=0)
    facts: dict[str, Any] = {}
    for name in INPUT_ORDER:
        kind, enum = INPUT_FACTS[name]
        col = columns.get(name)
        if col is None:
            facts[name] = np.full(n, MISSING[name], dtype="int64")
            continue
        a = np.asarray(col)
        if a.dtype.kind in "USO":
            if enum is None:
                raise InputError(f"column {name}: expected numbers, got strings")
            values = cat.enums[enum]
            uniq, inv = np.unique(a, return_inverse=True)
            codes = []
            for u in uniq.tolist():
                if u not in values:
                    raise InputError(f"column {name}: {u!r} is not one of {list(values)}")
                codes.append(values.index(u))
            a = np.asarray(codes, dtype="int64")[inv.reshape(-1)]
        elif a.dtype.kind == "M":
            a = a.astype("M8[M]" if kind == "month" else "M8[D]").view("int64")
        facts[name] = a.astype("int64", copy=False)
    if "has_period" not in columns and "period_from" in columns:
        facts["has_period"] = np.ones(n, dtype="int64")
    mode, rule, support, error = _core(facts, compiled, numpy_ops())

    def col(x: Any, dtype: str) -> Any:
        return np.broadcast_to(np.asarray(x, dtype=dtype), (n,)).copy()

    return TableDecisions(
        col(mode, "int8"), col(rule, "int16"), col(support, "int64"), col(error, "int8"),
        cat.enums["mode"], tuple(r.id for r in compiled.rules), facts,
    )


def decide(app: Mapping[str, Any], policy: Policy | None = None, *, explain: bool = False) -> Decision:
    """Decide one application (a dict in the form of ``decision-examples.jsonl``).

    Raises :class:`~.dates.InputError` for a malformed application and :class:`DecisionError` when
    the rules refuse it (e.g. "period ends in or after the month of application").
    """
    policy = _policy(policy)
    row = encode_application(dict(app))
    return decide_row(row, policy, explain=explain)


def decide_row(row: tuple[int, ...], policy: Policy, *, explain: bool = False) -> Decision:
    compiled = compile_tables(policy)
    facts: dict[str, Any] = as_mapping(row)
    trace: list[Any] | None = [] if explain else None
    mode, rule, support, error = _core(facts, compiled, SCALAR, trace)
    return decision_from_outcome(facts, mode, rule, support, error, policy, trace)


def error_message(error: int, support: int, compiled: Compiled) -> str:
    msg = ERROR_MESSAGES.get(error, f"error {error}")
    if support:
        ids = [r.id for r in compiled.rules if support >> r.index & 1]
        msg += f": {', '.join(ids)}"
    return msg


def _fact_params(fact: str, policy: Policy) -> tuple[str, ...]:
    """The parameters behind a fact that the policy has, so a decision lists every value it used."""
    return tuple(n for n in parameters_of(fact) if policy.has(n))


def _d(day: int) -> str:
    return "" if day >= FAR_FUTURE_DAY else day_date(day).isoformat()


def _zh(enum: str, value: str | None) -> str:
    """The catalog's Chinese name of an enum value shown in a text; empty when the fact is absent."""
    return label(enum, value) if value else ""


def _summary(facts: Mapping[str, Any]) -> tuple[str, str]:
    b = catalog().businesses[facts["business"]]
    summary_zh, summary_en = b.zh, b.code
    if facts["has_period"]:
        frm, to, months = month_str(facts["period_from"]), month_str(facts["period_to"]), facts["period_months"]
        summary_zh += f"{frm}至{to}共{months}个月"
        summary_en += f" {frm} to {to} ({months} months)"
    acct = display_enum("account_type", facts["account_type"])
    if acct and b.code == "individual_back_payment":
        summary_zh = f"{_zh('account_type', acct)}，{summary_zh}"
        summary_en = f"{acct} account, {summary_en}"
    return summary_zh, summary_en


# Facts as the explanation texts show them: name -> (facts it is computed from, how).
_DISPLAY: dict[str, tuple[tuple[str, ...], Callable[[Mapping[str, Any]], Any]]] = {
    "business": (("business",), lambda facts: catalog().businesses[facts["business"]].code),
    "business_zh": (("business",), lambda facts: catalog().businesses[facts["business"]].zh),
    "applied_on": (("applied_on",), lambda facts: _d(facts["applied_on"])),
    "account_type": (("account_type",), lambda facts: display_enum("account_type", facts["account_type"])),
    "account_type_zh": (("account_type",),
                        lambda facts: _zh("account_type", display_enum("account_type", facts["account_type"]))),
    "beijing_pension_months": (("beijing_pension_months",), lambda facts: facts["beijing_pension_months"]),
    "category": (("category",), lambda facts: display_enum("category", facts["category"])),
    "category_zh": (("category",), lambda facts: _zh("category", display_enum("category", facts["category"]))),
    "refund_kind": (("refund_kind",), lambda facts: display_enum("refund_kind", facts["refund_kind"])),
    "refund_kind_zh": (("refund_kind",), lambda facts: _zh("refund_kind", display_enum("refund_kind", facts["refund_kind"]))),
    "fields": (("changed_fields",), lambda facts: "、".join(fields_of(facts["changed_fields"]))),
    "fields_zh": (("changed_fields",),
                  lambda facts: "、".join(label("person_field", f) for f in fields_of(facts["changed_fields"]))),
    "fields_en": (("changed_fields",), lambda facts: ", ".join(fields_of(facts["changed_fields"]))),
    "period_from": (("has_period", "period_from"),
                    lambda facts: month_str(facts["period_from"]) if facts["has_period"] else ""),
    "period_to": (("has_period", "period_to"), lambda facts: month_str(facts["period_to"]) if facts["has_period"] else ""),
    "period_months": (("period_months",), lambda facts: facts["period_months"]),
    "remaining_months": (("remaining_months",), lambda facts: facts["remaining_months"]),
    "remaining_plus_pension_months": (("remaining_plus_pension_months",),
                                      lambda facts: facts["remaining_plus_pension_months"]),
    "age_limit": (("age_limit",), lambda facts: facts["age_limit"]),
    "retirement_age": (("retirement_age_months",), lambda facts: format_age_en(facts["retirement_age_months"])),
    "retirement_age_zh": (("retirement_age_months",), lambda facts: format_age_zh(facts["retirement_age_months"])),
    "retirement_date": (("birth_date", "gender", "retirement_day"),
                        lambda facts: _d(facts["retirement_day"]) if facts["birth_date"] or facts["gender"] >= 0 else ""),
    "near_deadline": (("near_deadline",), lambda facts: _d(facts["near_deadline"])),
    "summary_zh": (("business", "has_period", "period_from", "period_to", "period_months", "account_type"),
                   lambda facts: _summary(facts)[0]),
    "summary_en": (("business", "has_period", "period_from", "period_to", "period_months", "account_type"),
                   lambda facts: _summary(facts)[1]),
}


def display(facts: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """Facts as the explanation texts show them (all of them; a template uses a few)."""
    return {name: fn(facts) for name, (_, fn) in _DISPLAY.items()}


class _Params(dict):  # type: ignore[type-arg]
    """Parameter values for templates, read on the application day, recorded as used."""

    def __init__(self, policy: Policy, on: str) -> None:
        super().__init__()
        self.policy, self.on, self.used = policy, on, {}

    def __missing__(self, name: str) -> Any:
        memo = self.policy._compiled.setdefault("param_display", {})
        rec = memo.get(name)
        if rec is None:
            p = self.policy.parameter(name)
            # The retirement schedule applies its latest version on every day (see retirement.py).
            latest = p.name in RETIREMENT_PARAMETERS
            e = p.entry(None if latest else self.on) or p.values[0]
            rec = (p.name, {"value": _jsonable(e.value), "clause": e.reference.clause,
                            "document": e.reference.document})
            if latest or len(p.values) == 1:  # constant over time: the same record for every day
                memo[name] = rec
        self.used[rec[0]] = rec[1]
        self[name] = rec[1]["value"]
        return rec[1]["value"]


def _jsonable(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, tuple):
        return list(v)
    if hasattr(v, "numerator") and not isinstance(v, int):
        return f"{v.numerator}/{v.denominator}"
    return v


def _esc(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _prepare_template(template: str, params: _Params, fields: dict[str, None]) -> str:
    """The template with its parameters (``{p[...]}``) filled in once; the facts it shows stay fields
    (recorded in ``fields``), formatted per decision with only those facts."""
    fmt = string.Formatter()
    out = []
    for literal, name, spec, conv in fmt.parse(template):
        out.append(_esc(literal))
        if name is None:
            continue
        root = name.split(".", 1)[0].split("[", 1)[0]
        if root == "p":
            value, _ = fmt.get_field(name, (), {"p": params})
            out.append(_esc(fmt.format_field(fmt.convert_field(value, conv), spec or "")))
            continue
        if root not in _DISPLAY:
            raise KeyError(root)
        fields[root] = None
        out.append("{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}")
    return "".join(out)


@dataclass(frozen=True)
class _Prepared:
    """Everything of a decision that does not depend on the facts shown: one per outcome and period."""

    mode: str
    clauses: tuple[str, ...]
    requires: tuple[str, ...]
    rule_id: str | None
    parameters: dict[str, dict[str, Any]]
    due: Any
    zh: str  # format strings over the display fields ``fields``
    en: str
    fields: tuple[str, ...]
    need: frozenset[str]  # derived facts the fields are computed from
    inputs: tuple[int, ...]  # positions in INPUT_ORDER of the input facts the fields are computed from

    def texts(self, facts: dict[str, Any], compiled: Compiled) -> tuple[str, str]:
        if self.need:
            derive(facts, compiled.param(facts, SCALAR), SCALAR, self.need)
        values = {name: _DISPLAY[name][1](facts) for name in self.fields}
        return self.zh.format_map(values), self.en.format_map(values)


def _period(policy: Policy, day: int) -> tuple[int, str]:
    """(index, representative day) of the stretch of days over which no parameter changes."""
    cache = policy._compiled.get("periods")
    if cache is None:
        days = [day_number(date.fromisoformat(d)) for d in policy.changed_on()]
        cache = policy._compiled["periods"] = (days, ["", *policy.changed_on()])
    days, reps = cache
    i = 0 if day >= FAR_FUTURE_DAY else bisect.bisect_right(days, day)
    return i, reps[i]


def _prepare(
    policy: Policy, compiled: Compiled, ti: int, mode: int, rule: int, support: int, in_force: bool, on: str,
) -> _Prepared:
    modes = catalog().enums["mode"]
    rules = compiled.rules
    supporting = [r for r in rules if support >> r.index & 1]
    clauses = tuple(dict.fromkeys(r.clause for r in supporting))
    # Requirements in the order the rules list them (the notice's order of steps).
    requires = tuple(dict.fromkeys(q for r in supporting for q in r.requires))
    params = _Params(policy, on)
    ct = compiled.tables[ti] if ti >= 0 else None
    for g in ct.guard if ct else ():
        for name in (*g.params, *_fact_params(g.fact, policy)):
            params[name]
    fields: dict[str, None] = {}
    if rule >= 0:
        primary = rules[rule]
        zh = _prepare_template(primary.explain["zh"], params, fields)
        en = _prepare_template(primary.explain["en"], params, fields)
        others = [r.clause for r in supporting if r is not primary and r.clause != primary.clause]
        if others:
            zh += _esc(f"（另符合第{'、'.join(others)}条）")
            en += _esc(f" (also {', '.join(others)})")
    elif ct is None:
        zh = _prepare_template("{summary_zh}：通知未改变该业务的办理方式，按常规办理。", params, fields)
        en = _prepare_template(
            "{summary_en}: the notice does not change how this business is handled; regular handling.", params, fields)
    elif not in_force:
        start = policy.value("epidemic.in_force_from") if policy.has("epidemic.in_force_from") else None
        lifted = policy.value("epidemic.lifted_on", on) if policy.has("epidemic.lifted_on") else None
        span_zh = _esc(f"{start}起至疫情解除日{lifted or '（未公布）'}止")
        span_en = _esc(f"from {start} to the lifted date {lifted or '(not announced)'}")
        zh = _prepare_template(f"{{summary_zh}}，申请日{{applied_on}}不在通知施行期间（{span_zh}，解读0.4），按常规办理。",
                               params, fields)
        en = _prepare_template(f"{{summary_en}}: applied on {{applied_on}}, outside the notice's force ({span_en}, "
                               f"Reading 0.4); regular handling.", params, fields)
        if start is not None:
            params["epidemic.in_force_from"], params["epidemic.lifted_on"]
    else:
        for name in ct.params:
            params[name]
        zh = _prepare_template(ct.default_explain["zh"], params, fields)
        en = _prepare_template(ct.default_explain["en"], params, fields)
    for r in supporting:
        for name in r.params:
            params[name]
        for pr in r.preds:
            for name in _fact_params(pr.fact, policy):
                params[name]
    due = None
    if modes[mode] == "deferred_documents" and policy.has("epidemic.lifted_on"):
        lifted = policy.value("epidemic.lifted_on", on)
        if lifted is not None:
            due = add_months(lifted, policy.value("epidemic.documents_due_months_after_lifted"))
    sources = closure(f for name in fields for f in _DISPLAY[name][0])
    return _Prepared(
        modes[mode], clauses, requires, rules[rule].id if rule >= 0 else None, params.used, due, zh, en,
        tuple(fields), sources & DERIVED_NAMES, tuple(i for i, k in enumerate(INPUT_ORDER) if k in sources),
    )


DERIVED_NAMES = frozenset(DERIVED_FACTS)
_IN_FORCE = closure({"notice_in_force"})


def prepared_for(
    facts: dict[str, Any], mode: int, rule: int, support: int, policy: Policy, compiled: Compiled,
) -> _Prepared:
    """The prepared decision of an outcome on the facts (a scalar row); cached per policy."""
    ti = compiled.table_of_business.get(facts["business"], -1)
    in_force = True
    if rule < 0 and ti >= 0:
        derive(facts, compiled.param(facts, SCALAR), SCALAR, _IN_FORCE)
        in_force = bool(facts["notice_in_force"])
    period, on = _period(policy, facts["applied_on"])
    key = (ti, mode, rule, support, in_force, period)
    cache = policy._compiled.setdefault("prepared", {})
    prep = cache.get(key)
    if prep is None:
        prep = cache[key] = _prepare(policy, compiled, ti, mode, rule, support, in_force, on)
    return prep  # type: ignore[no-any-return]


def decision_from_outcome(
    facts: dict[str, Any], mode: int, rule: int, support: int, error: int, policy: Policy,
    trace: list[Any] | None = None,
) -> Decision:
    compiled = compile_tables(policy)
    if error != ERR_NONE:
        zh, field = ERROR_MESSAGES_ZH.get(error, ("无法确定办理方式", ""))
        raise DecisionError(error_message(error, support if error != ERR_PERIOD_NOT_PAST else 0, compiled),
                            zh=zh, field=field)
    prep = prepared_for(facts, mode, rule, support, policy, compiled)
    zh, en = prep.texts(facts, compiled)
    text: tuple[str, ...] = ()
    if trace is not None:
        text = tuple(_trace_lines(facts, display(facts, policy), trace, policy, prep.mode, prep.clauses, prep.requires,
                                  zh, en))
    return Decision(prep.mode, prep.clauses, prep.requires, policy.name, policy.version, dict(prep.parameters),
                    zh, en, prep.rule_id, prep.due, text)


def _show(fact: str, v: Any) -> str:
    from .facts import FACT_KINDS

    kind, enum = FACT_KINDS.get(fact, ("int", None))
    if isinstance(v, tuple):
        return "[" + ", ".join(_show(fact, x) for x in v) + "]"
    if kind == "day":
        return _d(int(v)) or "(not announced)"
    if kind == "month":
        return month_str(int(v))
    if kind == "enum" and enum is not None:
        return display_enum(enum, int(v)) or "(not stated)"
    if kind == "mask" and enum is not None:
        return "{" + ", ".join(fields_of(int(v))) + "}"
    if kind == "bool":
        return "true" if v else "false"
    return str(v)


def _trace_lines(
    facts: dict[str, Any], D: dict[str, Any], trace: list[Any], policy: Policy, mode: str,
    clauses: tuple[str, ...], requires: tuple[str, ...], zh: str, en: str,
) -> list[str]:
    out = [f"pack {policy.name} {policy.version}" + (
        f" + {len(policy.announcements)} announcement(s)" if policy.announcements else "")]
    out.append("facts:")
    for name in INPUT_ORDER:
        if facts[name] != MISSING[name] or name in ("business", "applied_on"):
            out.append(f"  {name} = {_show(name, facts[name])}")
    out.append("derived facts:")
    for name, fact in DERIVED_FACTS.items():
        out.append(f"  {name} = {_show(name, facts[name])}    [{fact.reading}]")
    params: dict[str, None] = {}
    for item in trace:
        if item[0] == "table":
            _, ct, gtrace, _ok = item
            out.append(f"table {ct.name} ({ct.file.rsplit('/', 1)[-1]}), hit policy {ct.hit_policy}:")
            for p, lhs, rhs, r in gtrace:
                out.append(f"  guard {p.fact} {p.op} {p.rhs_text} ({_show(p.fact, lhs)} vs {_show(p.fact, rhs)})"
                           f" -> {'true' if r else 'false'}    [{p.clause or ''}]")
        else:
            _, ct, rule, ptrace, matched = item
            out.append(f"  rule {rule.id} (clause {rule.clause}) -> {rule.mode}: "
                       f"{'MATCHED' if matched else 'no match'}")
            for p, lhs, rhs, r in ptrace:
                params.update(dict.fromkeys(p.params))
                out.append(f"    {p.fact} {p.op} {p.rhs_text}: {_show(p.fact, lhs)} {p.op} {_show(p.fact, rhs)}"
                           f" -> {'true' if r else 'false'}")
            if len(ptrace) < len(rule.preds):
                out.append(f"    (remaining {len(rule.preds) - len(ptrace)} condition(s) not evaluated)")
    if params:
        out.append("parameters:")
        for name in params:
            p = policy.parameter(name)
            e = p.entry(D["applied_on"]) or p.values[0]
            out.append(f"  {name} = {_jsonable(e.value)} since {e.effective}    "
                       f"[{e.reference.clause}; {e.reference.document}]")
    out.append(f"decision: {mode}, clauses {list(clauses)}, requires {list(requires)}")
    out.append(f"  {zh}")
    out.append(f"  {en}")
    return out
