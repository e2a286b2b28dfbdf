"""Facts of an application: validation at the boundary, encoding as integers, derived facts.

An application is a dict (the form of ``decision-examples.jsonl``). It is encoded as integers
(enum codes, days since 1970-01-01, months since 1970-01) so that the same derivation runs on a
Python scalar row and on NumPy columns (``ops`` is :class:`~.dates.ScalarOps` or ``NumpyOps``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shebao.core.masking import echo

from .catalog import Catalog, catalog, fact_name
from .dates import (
    BUSINESS_DATE_FROM,
    BUSINESS_DATE_TO,
    SCALAR,
    InputError,
    birth_date_check,
    business_date_check,
    business_month_check,
    day_date,
    day_number,
    month_index,
    month_of_day,
    month_str,
    parse_date,
)
from .retirement import PARAMETERS as RETIREMENT_PARAMETERS

# name -> (kind, enum). Kinds: enum, day, month, int, bool, mask.
INPUT_FACTS: dict[str, tuple[str, str | None]] = {
    "business": ("enum", "business"),
    "applied_on": ("day", None),
    "gender": ("enum", "gender"),
    "birth_date": ("day", None),
    "cadre": ("bool", None),
    "account_type": ("enum", "account_type"),
    "beijing_pension_months": ("int", None),
    "category": ("enum", "category"),
    "declared_by": ("enum", "declared_by"),
    "refund_kind": ("enum", "refund_kind"),
    "changed_fields": ("mask", "person_field"),
    "has_period": ("bool", None),
    "period_from": ("month", None),
    "period_to": ("month", None),
}
INPUT_ORDER = tuple(INPUT_FACTS)
# Value of a fact the application does not state; rules only read facts their business requires.
MISSING: dict[str, int] = {k: (0 if kind in ("day", "month", "bool", "mask") else -1)
                           for k, (kind, _) in INPUT_FACTS.items()}

# The resolver key under which a compiled policy keeps its retirement schedule (retirement.Schedule).
RETIREMENT_SCHEDULE = "retirement.schedule"
FAR_FUTURE_DAY = 2_000_000  # a lifted date not yet announced: every day is before it

_TOP_KEYS = {"id", "business", "applied_on", "person", "period", "refund_kind", "fields", "declared_by",
             "policy", "channel", "note"}


def _enum(cat: Catalog, enum: str, value: Any, field: str, codes: dict[str, dict[str, int]] | None = None) -> int:
    code = (codes or _codes(cat))[enum].get(value) if type(value) is str else None
    if code is not None:
        return code
    choices_zh = "、".join(cat.labels[enum][v] for v in cat.enums[enum])
    zh = f"{fact_name(field)}“{value}”无效，可选：{choices_zh}"
    if not isinstance(value, str):
        raise InputError(f"{field}: expected one of {list(cat.enums[enum])}, got {value!r}", field=field, zh=zh)
    raise InputError(f"{field}: {value!r} is not one of {list(cat.enums[enum])}", field=field, zh=zh)


_CODES: dict[int, dict[str, dict[str, int]]] = {}


def _codes(cat: Catalog) -> dict[str, dict[str, int]]:
    """value -> code per enum (the catalog's tuples, as dicts for a fast look-up)."""
    codes = _CODES.get(id(cat))
    if codes is None:
        codes = _CODES[id(cat)] = {e: {v: i for i, v in enumerate(vals)} for e, vals in cat.enums.items()}
    return codes


# The largest value of each whole-number fact: a person's months of contributions in Beijing are at
# most a working life (100 years). Without a bound a number of 20 digits overflowed the int64 column
# the rules evaluate in and crashed the whole batch of `shebao decide` (review-input12 F6).
INT_FACT_MAX = {"person.beijing_pension_months": 100 * 12}
INT_FACT_MAX_DEFAULT = 10**9


def _int(value: Any, field: str) -> int:
    most = INT_FACT_MAX.get(field, INT_FACT_MAX_DEFAULT)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= most:
        raise InputError(f"{field}: expected a whole number from 0 to {most}, got {echo(value)!r}", field=field,
                         zh=f"{fact_name(field)}应为0至{most}的整数，填写的是“{echo(value)}”")
    return value


_DAYS: dict[str, int] = {}
_MONTHS: dict[str, int] = {}


def _day(value: Any, field: str) -> int:
    """``YYYY-MM-DD`` -> day number; the dates of many applications repeat, so they are remembered."""
    n = _DAYS.get(value) if type(value) is str else None
    if n is None:
        n = day_number(parse_date(value, field))
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        _DAYS[value] = n
    return n


_BUSINESS_DAYS = (day_number(BUSINESS_DATE_FROM), day_number(BUSINESS_DATE_TO))


def _business_day(value: Any, field: str) -> int:
    """A business date's day number (`dates.business_date_check`: 1990-01-01 .. 2099-12-31; an
    application of 0001-01-01 was decided, review-input13 F8)."""
    n = _day(value, field)
    if not _BUSINESS_DAYS[0] <= n <= _BUSINESS_DAYS[1]:
        business_date_check(day_date(n), field)
    return n


def _shown_keys(keys: Any) -> str:
    """Unknown keys as a refusal names them: at most 20, each at most 40 characters (a line of 200,000
    unknown keys must not make an answer of megabytes, review-input12 F7)."""
    listed = sorted(str(k)[:40] for k in keys)
    return "、".join(listed[:20]) + (f"等{len(listed)}项" if len(listed) > 20 else "")


def _unknown_keys(obj: dict[str, Any], allowed: frozenset[str], where: str, where_zh: str) -> None:
    """InputError naming the first unknown key of a nested object (``person``, ``period``): it was
    ignored, and the application decided as if it were not there (review-input13 F8)."""
    unknown = set(obj) - allowed
    if unknown:
        first = sorted(str(k)[:40] for k in unknown)[0]
        raise InputError(f"{where}: unknown field(s) {sorted(str(k)[:40] for k in unknown)[:20]}",
                         field=f"{where}.{first}",
                         zh=f"{where_zh}含有无法识别的项：“{_shown_keys(unknown)}”，可填写的是"
                            f"{'、'.join(fact_name(f'{where}.{k}') for k in sorted(allowed))}")


def _birth_day(value: Any, field: str) -> int:
    """A birth date's day number, within the plausible range (`dates.birth_date_check`, review-input12 F12)."""
    n = _day(value, field)
    birth_date_check(day_date(n), field)
    return n


def _month(value: Any, field: str) -> int:
    n = _MONTHS.get(value) if type(value) is str else None
    if n is None:
        n = month_index(value, field)
        if len(_MONTHS) > 100_000:
            _MONTHS.clear()
        _MONTHS[value] = n
    return n


_PERSON_KEYS = (  # (key, index in INPUT_ORDER, enum or converter)
    ("gender", INPUT_ORDER.index("gender"), "gender"),
    ("birth_date", INPUT_ORDER.index("birth_date"), _birth_day),
    ("account_type", INPUT_ORDER.index("account_type"), "account_type"),
    ("beijing_pension_months", INPUT_ORDER.index("beijing_pension_months"), _int),
    ("category", INPUT_ORDER.index("category"), "category"),
)
_PERSON_ALLOWED = frozenset({k for k, _, _ in _PERSON_KEYS} | {"cadre"})
_PERIOD_ALLOWED = frozenset({"from", "to"})
_MISSING_ROW = tuple(MISSING[k] for k in INPUT_ORDER)
_I = {k: i for i, k in enumerate(INPUT_ORDER)}


def _missing(field: str, business: str) -> InputError:
    """A required input is absent: English for the CLI and the API's en, Chinese for people."""
    en = f"missing field '{field}'" + (f" (required for {business})" if business else "")
    return InputError(en, field=field, zh=f"缺少{fact_name(field)}（该业务必须填写）")


def encode_application(app: Any) -> tuple[int, ...]:
    """Validate one application and return its facts in ``INPUT_ORDER``; raises ``InputError``."""
    cat = catalog()
    if not isinstance(app, dict):
        raise InputError("an application is a JSON object", zh="申请应为一个JSON对象")
    if not _TOP_KEYS.issuperset(app):
        unknown = set(app) - _TOP_KEYS
        raise InputError(f"unknown field(s) {sorted(str(k)[:40] for k in unknown)[:20]}",
                         zh=f"申请含有无法识别的项：“{_shown_keys(unknown)}”")
    code = app.get("business")
    if code is None:
        raise _missing("business", "")
    codes = _codes(cat)
    bcode = codes["business"].get(code) if isinstance(code, str) else None
    if bcode is None:
        raise InputError(f"unknown business {code!r}", field="business", zh=f"没有“{code}”这项业务")
    biz = cat.businesses[bcode]
    if "applied_on" not in app:
        raise _missing("applied_on", "")
    f = list(_MISSING_ROW)
    f[0] = bcode
    f[1] = _business_day(app["applied_on"], "applied_on")
    required = biz.facts
    person = app.get("person")
    if person is not None and not isinstance(person, dict):
        raise InputError("person: expected an object", field="person", zh="参保人员信息格式有误")
    person = person or {}
    if not _PERSON_ALLOWED.issuperset(person):
        _unknown_keys(person, _PERSON_ALLOWED, "person", "参保人员信息")
    for key, i, conv in _PERSON_KEYS:
        if key in person:
            name = f"person.{key}"
            f[i] = _enum(cat, conv, person[key], name, codes) if type(conv) is str else conv(person[key], name)
        elif f"person.{key}" in required:
            raise _missing(f"person.{key}", code)
    if "cadre" in person:
        if not isinstance(person["cadre"], bool):
            raise InputError(f"person.cadre: expected true or false, got {person['cadre']!r}", field="person.cadre",
                             zh="干部身份应为“是”或“否”")
        f[_I["cadre"]] = int(person["cadre"])
    elif "person.cadre" in required and f[_I["gender"]] == 1:
        # 4.2: a woman's statutory age depends on it (cadre 55, worker 50); never guess.
        raise InputError(f"missing field 'person.cadre' (required for women in {code})", field="person.cadre",
                         zh="女性参保人员须注明是否为干部身份（决定法定退休年龄，第4.2条）")
    if "period" in app:
        period = app["period"]
        if isinstance(period, dict) and not _PERIOD_ALLOWED.issuperset(period):
            _unknown_keys(period, _PERIOD_ALLOWED, "period", "补缴期间")
        if not isinstance(period, dict) or "from" not in period or "to" not in period:
            raise InputError("period: expected {\"from\": \"YYYY-MM\", \"to\": \"YYYY-MM\"}", field="period",
                             zh="补缴期间须填写起始月和终止月（年-月，如2019-01）")
        frm = business_month_check(_month(period["from"], "period.from"), "period.from")
        to = business_month_check(_month(period["to"], "period.to"), "period.to")
        if to < frm:
            raise InputError(f"period: ends ({period['to']}) before it starts ({period['from']})", field="period.to",
                             zh=f"补缴终止月（{period['to']}）早于起始月（{period['from']}）")
        if "birth_date" in person and frm < month_of_day(f[_I["birth_date"]]):
            # a person pays for months of their own life only (review-input13 F8: a period before birth was decided)
            born = month_str(month_of_day(f[_I["birth_date"]]))
            raise InputError(f"period: starts ({period['from']}) before the person was born ({born})",
                             field="period.from", zh=f"补缴起始月（{period['from']}）早于出生年月（{born}），请核对")
        f[_I["period_from"]], f[_I["period_to"]], f[_I["has_period"]] = frm, to, 1
    elif "period" in required:
        raise _missing("period", code)
    if "refund_kind" in app:
        f[_I["refund_kind"]] = _enum(cat, "refund_kind", app["refund_kind"], "refund_kind", codes)
    elif "refund_kind" in required:
        raise _missing("refund_kind", code)
    if "fields" in app:
        fields = app["fields"]
        if not isinstance(fields, list) or not fields:
            raise InputError("fields: expected a non-empty list of person fields", field="fields",
                             zh="请至少选择一项要变更的信息")
        mask = 0
        for name in fields:
            mask |= 1 << _enum(cat, "person_field", name, "fields", codes)
        f[_I["changed_fields"]] = mask
    elif "fields" in required:
        raise _missing("fields", code)
    declared = app.get("declared_by", biz.defaults.get("declared_by"))
    if declared is not None:
        f[_I["declared_by"]] = _enum(cat, "declared_by", declared, "declared_by", codes)
    return tuple(f)


Resolve = Callable[..., Any]  # param(name, key, default): a pack parameter's value for the facts' rows
Formula = Callable[[dict[str, Any], Resolve, Any], Any]  # (facts, param, ops) -> a value or a column


@dataclass(frozen=True)
class DerivedFact:
    """A fact computed from others, declared once with everything about it (as OpenFisca declares a
    variable): `kind` and `enum` as in INPUT_FACTS; `reading`, the clause or Reading that defines it;
    `reads`, the facts it is computed from (inputs, or derived facts declared before it); `parameters`,
    the pack parameters its formula reads; `formula(facts, param, ops)`, where `ops` is `dates.SCALAR`
    for one application or `NumpyOps` for columns, so one formula serves one row and millions."""

    name: str
    kind: str
    enum: str | None
    reading: str
    reads: tuple[str, ...]
    parameters: tuple[str, ...]
    formula: Formula


# Every derived fact, in the order of declaration, which is an order of computation.
DERIVED_FACTS: dict[str, DerivedFact] = {}


def derived(name: str, *, kind: str, reads: tuple[str, ...], reading: str, parameters: tuple[str, ...] = (),
            enum: str | None = None) -> Callable[[Formula], Formula]:
    """Declare the decorated formula as the derived fact `name`. ValueError if it reads a fact not
    declared before it (an input, or a derived fact above), or if `name` is declared twice."""

    def declare(formula: Formula) -> Formula:
        unknown = [f for f in reads if f not in INPUT_FACTS and f not in DERIVED_FACTS]
        if unknown or name in DERIVED_FACTS or name in INPUT_FACTS:
            raise ValueError(f"derived fact {name!r}: reads undeclared {unknown} or is declared twice")
        DERIVED_FACTS[name] = DerivedFact(name, kind, enum, reading, reads, parameters, formula)
        return formula

    return declare


def closure(facts: Any) -> frozenset[str]:
    """The facts ``facts`` are computed from, themselves included (inputs and derived)."""
    out: set[str] = set()
    todo = list(facts)
    while todo:
        f = todo.pop()
        if f not in out:
            out.add(f)
            todo.extend(DERIVED_FACTS[f].reads if f in DERIVED_FACTS else ())
    return frozenset(out)


def parameters_of(fact: str) -> tuple[str, ...]:
    """The pack parameters a fact is computed with, its own and those of the facts it reads, in the
    order of declaration (so a decision lists every value it used); () for an input fact."""
    behind = closure((fact,))
    out: dict[str, None] = {}
    for d in DERIVED_FACTS.values():
        if d.name in behind:
            out.update(dict.fromkeys(d.parameters))
    return tuple(out)


@derived("app_month", kind="month", reads=("applied_on",), reading="Reading 1.x: the month of application")
def _app_month(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    return ops.month_of(facts["applied_on"])


@derived("period_months", kind="int", reads=("period_from", "period_to"), reading="Reading 1.x: to - from + 1")
def _period_months(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    # Reading 1.x: both ends included.
    return facts["period_to"] - facts["period_from"] + 1


@derived("months_back", kind="int", reads=("app_month", "period_from"),
         reading="Reading 1.x: month of application - from (1.1b: last three months)")
def _months_back(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    # Reading 1.x: "last three months" = the months before the month of application; the period
    # already ends before that month (validated), so it lies within them iff it starts late enough.
    return facts["app_month"] - facts["period_from"]


@derived("age_limit", kind="int", reads=("gender",), reading="1.3b: 60 for men, 50 for women",
         parameters=("handling.remaining_age_limit",))
def _age_limit(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    return ops.where(facts["gender"] == 0, param("handling.remaining_age_limit", "male", 0),
                     param("handling.remaining_age_limit", "female", 0))


@derived("remaining_months", kind="int", reads=("birth_date", "age_limit", "app_month"),
         reading="Reading 1.x: months from application to the age limit, >= 0")
def _remaining_months(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    # Reading 1.x: whole months from the month of application to the month of turning 60/50.
    turning = ops.month_of(facts["birth_date"]) + 12 * facts["age_limit"]
    return ops.maximum(turning - facts["app_month"], 0)


@derived("remaining_plus_pension_months", kind="int", reads=("remaining_months", "beijing_pension_months"),
         reading="1.3b: remaining + Beijing pension months")
def _remaining_plus_pension_months(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    return facts["remaining_months"] + facts["beijing_pension_months"]


@derived("retirement_age_months", kind="int", reads=("gender", "cadre", "birth_date"),
         reading="4.2: statutory age in months by birth cohort (retirement.py)", parameters=RETIREMENT_PARAMETERS)
def _retirement_age_months(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    # 4.2: by birth cohort, gender and (for women) cadre or worker; the schedule is pack data.
    schedule = param(RETIREMENT_SCHEDULE, None, None)
    if schedule is None:
        raise KeyError("the pack has no retirement schedule (retirement.statutory_age)")
    category = ops.where(facts["gender"] == 0, 0, ops.where(facts["cadre"] == 1, 1, 2))
    return schedule.age_months(facts["birth_date"], category, ops)


@derived("retirement_day", kind="day", reads=("birth_date", "retirement_age_months"),
         reading="4.2: the day the person reaches the statutory age")
def _retirement_day(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    # Reading 4.2: birthdays and "+3 months" both the Civil Code way (clamped to the month end).
    return ops.add_months(facts["birth_date"], facts["retirement_age_months"])


@derived("near_deadline", kind="day", reads=("applied_on",), reading="Reading 4.2: application day + 3 calendar months",
         parameters=("transfers.near_retirement_months",))
def _near_deadline(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    return ops.add_months(facts["applied_on"], param("transfers.near_retirement_months", None, 0))


@derived("near_retirement", kind="bool", reads=("near_deadline", "retirement_day"),
         reading="Reading 4.2: near_deadline > retirement_day")
def _near_retirement(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    # Reading 4.2: a person already past the age counts as near (the inequality holds anyway).
    return facts["near_deadline"] > facts["retirement_day"]


@derived("notice_in_force", kind="bool", reads=("applied_on",),
         reading="Reading 0.4: in_force_from <= applied_on <= lifted_on",
         parameters=("epidemic.in_force_from", "epidemic.lifted_on"))
def _notice_in_force(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    # Reading 0.4: from the notice's date up to and including the lifted date. A pack without the
    # notice has no in-force date: never in force.
    applied = facts["applied_on"]
    return (applied >= param("epidemic.in_force_from", None, FAR_FUTURE_DAY)) & (
        applied <= param("epidemic.lifted_on", None, FAR_FUTURE_DAY)
    )


@derived("online_available", kind="bool", reads=("business",),
         reading="catalog: the business can be done online (2.2)")
def _online_available(facts: dict[str, Any], param: Resolve, ops: Any) -> Any:
    return ops.take(_ONLINE(), facts["business"])


ALL_DERIVED = frozenset(DERIVED_FACTS)
FACT_KINDS: dict[str, tuple[str, str | None]] = {
    **INPUT_FACTS, **{d.name: (d.kind, d.enum) for d in DERIVED_FACTS.values()}
}
_PLANS: dict[frozenset[str], tuple[DerivedFact, ...]] = {}


class Facts(dict):  # type: ignore[type-arg]
    """The facts of one application (a scalar row): a derived fact is computed, by the same formula
    as for columns, when first read, so a row derives only what its rules look at."""

    param: Resolve | None = None  # the parameter resolver of the policy deciding this row

    def __missing__(self, name: str) -> Any:
        fact = DERIVED_FACTS.get(name)
        if fact is None or self.param is None:
            raise KeyError(name)
        value = self[name] = fact.formula(self, self.param, SCALAR)
        return value


def derive(facts: dict[str, Any], param: Resolve, ops: Any, need: frozenset[str] = ALL_DERIVED) -> dict[str, Any]:
    """Add the derived facts in ``need`` (a closed set, see :func:`closure`) that ``facts`` lacks;
    scalars or columns alike, each cites its Reading. :class:`Facts` (one row) derives on use."""
    if type(facts) is Facts:
        if facts.param is None:
            facts.param = param
        return facts
    plan = _PLANS.get(need)
    if plan is None:
        plan = _PLANS[need] = tuple(d for d in DERIVED_FACTS.values() if d.name in need)
    for d in plan:
        if d.name not in facts:
            facts[d.name] = d.formula(facts, param, ops)
    return facts


_ONLINE_CACHE: list[tuple[bool, ...]] = []


def _ONLINE() -> tuple[bool, ...]:
    if not _ONLINE_CACHE:
        _ONLINE_CACHE.append(tuple(b.online for b in catalog().businesses))
    return _ONLINE_CACHE[0]


def display_enum(enum: str, code: int) -> str:
    values = catalog().enums[enum]
    return values[code] if 0 <= code < len(values) else ""


def fields_of(mask: int) -> list[str]:
    names = catalog().enums["person_field"]
    return [n for i, n in enumerate(names) if mask >> i & 1]


def as_mapping(row: tuple[int, ...]) -> Facts:
    return Facts(zip(INPUT_ORDER, row))


def columns_from_rows(rows: list[tuple[int, ...]]) -> dict[str, Any]:
    import numpy as np

    if not rows:
        return {k: np.zeros(0, dtype="int64") for k in INPUT_ORDER}
    arr = np.array(rows, dtype="int64")
    return {k: arr[:, i] for i, k in enumerate(INPUT_ORDER)}


def missing_column(name: str, n: int) -> Any:
    import numpy as np

    return np.full(n, MISSING[name], dtype="int64")


def ensure_mapping(x: Mapping[str, Any]) -> dict[str, Any]:
    return dict(x)
