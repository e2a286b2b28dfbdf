"""Handling-mode decisions: one evaluator for one application and for a table of many.

``decide(app)`` encodes the application as one row of Python ints and runs the very functions that
``decide_table(columns)`` runs on NumPy columns (see :mod:`.tables`), so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .catalog import catalog
from .dates import SCALAR, InputError, add_months, day_date, month_str, numpy_ops
from .facts import (
    DERIVED_FACTS, FAR_FUTURE_DAY, INPUT_FACTS, INPUT_ORDER, MISSING, as_mapping, derive, display_enum,
    encode_application, fields_of,
)
from .policy import Policy, load_policy
from .tables import ERR_NONE, ERR_PERIOD_NOT_PAST, ERROR_MESSAGES, Compiled, compile_tables, evaluate_table


class DecisionError(ValueError):
    """The application cannot be decided (malformed, or the tables refuse to choose)."""


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


def _core(F: dict[str, Any], compiled: Compiled, xp: Any, trace: list[Any] | None = None) -> tuple[Any, ...]:
    """The one evaluator: derived facts, period validation, every table; scalars or columns."""
    cat = catalog()
    derive(F, compiled.R(F, xp), xp)
    regular = cat.enums["mode"].index("regular")
    where = xp.where
    # A business no table names keeps its regular handling: the notice does not change it.
    mode: Any = regular
    rule: Any = -1
    support: Any = 0
    error: Any = ERR_NONE
    for ct in compiled.tables:
        out = evaluate_table(ct, F, xp, trace)
        if out is None:
            continue
        mode = where(out.applies, out.mode, mode)
        rule = where(out.applies, out.rule, rule)
        support = where(out.applies, out.support, support)
        error = where(out.applies, out.error, error)
    # Reading 1.y: a back-payment period ending in or after the month of application is not a
    # back-payment; this holds in and out of the notice's force.
    bad_period = (F["has_period"] == 1) & xp.isin(F["business"], _back_payment_codes()) & (
        F["period_to"] >= F["app_month"]
    )
    error = where(bad_period, ERR_PERIOD_NOT_PAST, error)
    return mode, rule, support, error


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
    F: dict[str, Any] = {}
    for name in INPUT_ORDER:
        kind, enum = INPUT_FACTS[name]
        col = columns.get(name)
        if col is None:
            F[name] = np.full(n, MISSING[name], dtype="int64")
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
        F[name] = a.astype("int64", copy=False)
    if "has_period" not in columns and "period_from" in columns:
        F["has_period"] = np.ones(n, dtype="int64")
    mode, rule, support, error = _core(F, compiled, numpy_ops())
    def col(x: Any, dtype: str) -> Any:
        return np.broadcast_to(np.asarray(x, dtype=dtype), (n,)).copy()

    return TableDecisions(
        col(mode, "int8"), col(rule, "int16"), col(support, "int64"), col(error, "int8"),
        cat.enums["mode"], tuple(r.id for r in compiled.rules), F,
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
    F: dict[str, Any] = as_mapping(row)
    trace: list[Any] | None = [] if explain else None
    mode, rule, support, error = _core(F, compiled, SCALAR, trace)
    return decision_from_outcome(F, int(mode), int(rule), int(support), int(error), policy, trace)


def error_message(error: int, support: int, compiled: Compiled) -> str:
    msg = ERROR_MESSAGES.get(error, f"error {error}")
    if support:
        ids = [r.id for r in compiled.rules if support >> r.index & 1]
        msg += f": {', '.join(ids)}"
    return msg


# Parameters behind each derived fact, so a decision lists every value it used.
_DERIVED_PARAMS = {
    "notice_in_force": ("epidemic.in_force_from", "epidemic.lifted_on"),
    "remaining_plus_pension_months": ("handling.remaining_age_limit",),
    "near_retirement": ("retirement.statutory_age", "transfers.near_retirement_months"),
}


def _fact_params(fact: str, policy: Policy) -> tuple[str, ...]:
    return tuple(n for n in _DERIVED_PARAMS.get(fact, ()) if policy.has(n))


def _d(day: int) -> str:
    return "" if day >= FAR_FUTURE_DAY else day_date(day).isoformat()


def display(F: Mapping[str, Any], policy: Policy) -> dict[str, Any]:
    """Facts as the explanation texts show them."""
    cat = catalog()
    b = cat.businesses[F["business"]]
    acct = display_enum("account_type", F["account_type"])
    D: dict[str, Any] = {
        "business": b.code, "business_zh": b.zh,
        "applied_on": _d(F["applied_on"]),
        "account_type": acct, "account_type_zh": {"general": "一般账户", "temporary": "临时账户"}.get(acct, ""),
        "beijing_pension_months": F["beijing_pension_months"],
        "category": display_enum("category", F["category"]),
        "category_zh": {"hmt": "台港澳人员", "foreigner": "在华就业外国人", "part_time": "兼职人员",
                        "standard": "一般人员"}.get(display_enum("category", F["category"]), ""),
        "refund_kind": display_enum("refund_kind", F["refund_kind"]),
        "fields": "、".join(fields_of(F["changed_fields"])),
        "fields_en": ", ".join(fields_of(F["changed_fields"])),
        "period_from": month_str(F["period_from"]) if F["has_period"] else "",
        "period_to": month_str(F["period_to"]) if F["has_period"] else "",
        "period_months": F.get("period_months", ""),
        "remaining_months": F.get("remaining_months", ""),
        "remaining_plus_pension_months": F.get("remaining_plus_pension_months", ""),
        "age_limit": F.get("age_limit", ""),
        "retirement_age": F.get("retirement_age", ""),
        "retirement_date": _d(F["retirement_day"]) if F["birth_date"] or F["gender"] >= 0 else "",
        "near_deadline": _d(F["near_deadline"]),
    }
    summary_zh, summary_en = b.zh, b.code
    if F["has_period"]:
        summary_zh += f"{D['period_from']}至{D['period_to']}共{D['period_months']}个月"
        summary_en += f" {D['period_from']} to {D['period_to']} ({D['period_months']} months)"
    if acct and b.code == "individual_back_payment":
        summary_zh = f"{D['account_type_zh']}，{summary_zh}"
        summary_en = f"{acct} account, {summary_en}"
    D["summary_zh"], D["summary_en"] = summary_zh, summary_en
    return D


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
            e = p.entry(self.on) or p.values[0]
            rec = (p.name, {"value": _jsonable(e.value), "clause": e.reference.clause,
                            "document": e.reference.document})
            if len(p.values) == 1:  # constant over time: the same record for every day
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


def decision_from_outcome(
    F: dict[str, Any], mode: int, rule: int, support: int, error: int, policy: Policy,
    trace: list[Any] | None = None,
) -> Decision:
    compiled = compile_tables(policy)
    if error != ERR_NONE:
        raise DecisionError(error_message(error, support if error != ERR_PERIOD_NOT_PAST else 0, compiled))
    cat = catalog()
    modes = cat.enums["mode"]
    rules = compiled.rules
    supporting = [r for r in rules if support >> r.index & 1]
    clauses = tuple(dict.fromkeys(r.clause for r in supporting))
    # Requirements in the order the rules list them (the notice's order of steps).
    requires = tuple(dict.fromkeys(q for r in supporting for q in r.requires))
    D = display(F, policy)
    P = _Params(policy, D["applied_on"])
    ti = compiled.table_of_business.get(F["business"])
    ct = compiled.tables[ti] if ti is not None else None
    for g in ct.guard if ct else ():
        for name in (*g.params, *_fact_params(g.fact, policy)):
            P[name]  # noqa: B018 - records the parameter as used
    if rule >= 0:
        primary = rules[rule]
        zh = primary.explain["zh"].format(p=P, **D)
        en = primary.explain["en"].format(p=P, **D)
        others = [r.clause for r in supporting if r is not primary and r.clause != primary.clause]
        if others:
            zh += f"（另符合第{'、'.join(others)}条）"
            en += f" (also {', '.join(others)})"
    elif ct is None:
        zh = f"{D['summary_zh']}：通知未改变该业务的办理方式，按常规办理。"
        en = f"{D['summary_en']}: the notice does not change how this business is handled; regular handling."
    elif not F["notice_in_force"]:
        start = policy.value("epidemic.in_force_from") if policy.has("epidemic.in_force_from") else None
        lifted = policy.value("epidemic.lifted_on", D["applied_on"]) if policy.has("epidemic.lifted_on") else None
        span_zh = f"{start}起至疫情解除日{lifted or '（未公布）'}止"
        span_en = f"from {start} to the lifted date {lifted or '(not announced)'}"
        zh = f"{D['summary_zh']}，申请日{D['applied_on']}不在通知施行期间（{span_zh}，解读0.4），按常规办理。"
        en = (f"{D['summary_en']}: applied on {D['applied_on']}, outside the notice's force ({span_en}, "
              f"Reading 0.4); regular handling.")
        if start is not None:
            P["epidemic.in_force_from"], P["epidemic.lifted_on"]  # noqa: B018
    else:
        for name in ct.params:
            P[name]  # noqa: B018
        zh = ct.default_explain["zh"].format(p=P, **D)
        en = ct.default_explain["en"].format(p=P, **D)
    for r in supporting:
        for name in r.params:
            P[name]  # noqa: B018
        for pr in r.preds:
            for name in _fact_params(pr.fact, policy):
                P[name]  # noqa: B018
    due = None
    if modes[mode] == "deferred_documents" and policy.has("epidemic.lifted_on"):
        lifted = policy.value("epidemic.lifted_on", D["applied_on"])
        if lifted is not None:
            due = add_months(lifted, policy.value("epidemic.documents_due_months_after_lifted"))
    text: tuple[str, ...] = ()
    if trace is not None:
        text = tuple(_trace_lines(F, D, trace, policy, modes[mode], clauses, requires, zh, en))
    return Decision(modes[mode], clauses, requires, policy.name, policy.version, P.used, zh, en,
                    rules[rule].id if rule >= 0 else None, due, text)


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
    F: dict[str, Any], D: dict[str, Any], trace: list[Any], policy: Policy, mode: str,
    clauses: tuple[str, ...], requires: tuple[str, ...], zh: str, en: str,
) -> list[str]:
    out = [f"pack {policy.name} {policy.version}" + (
        f" + {len(policy.announcements)} announcement(s)" if policy.announcements else "")]
    out.append("facts:")
    for name in INPUT_ORDER:
        if F[name] != MISSING[name] or name in ("business", "applied_on"):
            out.append(f"  {name} = {_show(name, F[name])}")
    out.append("derived facts:")
    for name, (_, _, why) in DERIVED_FACTS.items():
        out.append(f"  {name} = {_show(name, F[name])}    [{why}]")
    params: dict[str, None] = {}
    for item in trace:
        if item[0] == "table":
            _, ct, gtrace, ok = item
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
