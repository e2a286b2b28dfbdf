"""Facts of an application: validation at the boundary, encoding as integers, derived facts.

An application is a dict (the form of ``decision-examples.jsonl``). It is encoded as integers
(enum codes, days since 1970-01-01, months since 1970-01) so that the same derivation runs on a
Python scalar row and on NumPy columns (``xp`` is :class:`~.dates.ScalarOps` or ``NumpyOps``).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from .catalog import Catalog, catalog
from .dates import InputError, day_number, month_index, parse_date

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

# name -> (kind, enum, where it comes from)
DERIVED_FACTS: dict[str, tuple[str, str | None, str]] = {
    "app_month": ("month", None, "Reading 1.x: the month of application"),
    "period_months": ("int", None, "Reading 1.x: to - from + 1"),
    "months_back": ("int", None, "Reading 1.x: month of application - from (1.1b: last three months)"),
    "age_limit": ("int", None, "1.3b: 60 for men, 50 for women"),
    "remaining_months": ("int", None, "Reading 1.x: months from application to the age limit, >= 0"),
    "remaining_plus_pension_months": ("int", None, "1.3b: remaining + Beijing pension months"),
    "retirement_age": ("int", None, "4.2: statutory age (men 60, women cadres 55, workers 50)"),
    "retirement_day": ("day", None, "4.2: the day the person reaches the statutory age"),
    "near_deadline": ("day", None, "Reading 4.2: application day + 3 calendar months"),
    "near_retirement": ("bool", None, "Reading 4.2: near_deadline > retirement_day"),
    "notice_in_force": ("bool", None, "Reading 0.4: in_force_from <= applied_on <= lifted_on"),
    "online_available": ("bool", None, "catalog: the business can be done online (2.2)"),
}
FACT_KINDS: dict[str, tuple[str, str | None]] = {
    **INPUT_FACTS, **{k: (v[0], v[1]) for k, v in DERIVED_FACTS.items()}
}

FAR_FUTURE_DAY = 2_000_000  # a lifted date not yet announced: every day is before it

_TOP_KEYS = {"id", "business", "applied_on", "person", "period", "refund_kind", "fields", "declared_by",
             "policy", "channel", "note"}


def _enum(cat: Catalog, enum: str, value: Any, field: str) -> int:
    if not isinstance(value, str):
        raise InputError(f"{field}: expected one of {list(cat.enums[enum])}, got {value!r}")
    try:
        return cat.enums[enum].index(value)
    except ValueError:
        raise InputError(f"{field}: {value!r} is not one of {list(cat.enums[enum])}") from None


def _int(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InputError(f"{field}: expected a whole number >= 0, got {value!r}")
    return value


def encode_application(app: Any) -> tuple[int, ...]:
    """Validate one application and return its facts in ``INPUT_ORDER``; raises ``InputError``."""
    cat = catalog()
    if not isinstance(app, dict):
        raise InputError("an application is a JSON object")
    unknown = set(app) - _TOP_KEYS
    if unknown:
        raise InputError(f"unknown field(s) {sorted(unknown)}")
    code = app.get("business")
    if code is None:
        raise InputError("missing field 'business'")
    if not isinstance(code, str) or code not in cat.enums["business"]:
        raise InputError(f"unknown business {code!r}")
    bcode = cat.enums["business"].index(code)
    biz = cat.businesses[bcode]
    if "applied_on" not in app:
        raise InputError("missing field 'applied_on'")
    f = dict(MISSING)
    f["business"] = bcode
    f["applied_on"] = day_number(parse_date(app["applied_on"], "applied_on"))
    required = biz.facts
    person = app.get("person")
    if person is not None and not isinstance(person, dict):
        raise InputError("person: expected an object")
    person = person or {}
    for key, fact, conv in (
        ("gender", "gender", lambda v, n: _enum(cat, "gender", v, n)),
        ("birth_date", "birth_date", lambda v, n: day_number(parse_date(v, n))),
        ("account_type", "account_type", lambda v, n: _enum(cat, "account_type", v, n)),
        ("beijing_pension_months", "beijing_pension_months", _int),
        ("category", "category", lambda v, n: _enum(cat, "category", v, n)),
    ):
        if key in person:
            f[fact] = conv(person[key], f"person.{key}")
        elif f"person.{key}" in required:
            raise InputError(f"missing field 'person.{key}' (required for {code})")
    if "cadre" in person:
        if not isinstance(person["cadre"], bool):
            raise InputError(f"person.cadre: expected true or false, got {person['cadre']!r}")
        f["cadre"] = int(person["cadre"])
    elif "person.cadre" in required and f["gender"] == 1:
        # 4.2: a woman's statutory age depends on it (cadre 55, worker 50); never guess.
        raise InputError(f"missing field 'person.cadre' (required for women in {code})")
    if "period" in app:
        period = app["period"]
        if not isinstance(period, dict) or "from" not in period or "to" not in period:
            raise InputError("period: expected {\"from\": \"YYYY-MM\", \"to\": \"YYYY-MM\"}")
        f["period_from"] = month_index(period["from"], "period.from")
        f["period_to"] = month_index(period["to"], "period.to")
        if f["period_to"] < f["period_from"]:
            raise InputError(f"period: ends ({period['to']}) before it starts ({period['from']})")
        f["has_period"] = 1
    elif "period" in required:
        raise InputError(f"missing field 'period' (required for {code})")
    if "refund_kind" in app:
        f["refund_kind"] = _enum(cat, "refund_kind", app["refund_kind"], "refund_kind")
    elif "refund_kind" in required:
        raise InputError(f"missing field 'refund_kind' (required for {code})")
    if "fields" in app:
        fields = app["fields"]
        if not isinstance(fields, list) or not fields:
            raise InputError("fields: expected a non-empty list of person fields")
        mask = 0
        for name in fields:
            mask |= 1 << _enum(cat, "person_field", name, "fields")
        f["changed_fields"] = mask
    elif "fields" in required:
        raise InputError(f"missing field 'fields' (required for {code})")
    declared = app.get("declared_by", biz.defaults.get("declared_by"))
    if declared is not None:
        f["declared_by"] = _enum(cat, "declared_by", declared, "declared_by")
    return tuple(f[k] for k in INPUT_ORDER)


Resolve = Callable[..., Any]


def derive(F: dict[str, Any], R: Resolve, xp: Any) -> dict[str, Any]:
    """Add the derived facts to ``F`` (scalars or columns alike); each cites its Reading."""
    applied = F["applied_on"]
    app_month = xp.month_of(applied)
    F["app_month"] = app_month
    # Reading 1.x: both ends included.
    F["period_months"] = F["period_to"] - F["period_from"] + 1
    # Reading 1.x: "last three months" = the months before the month of application; the period
    # already ends before that month (validated), so it lies within them iff it starts late enough.
    F["months_back"] = app_month - F["period_from"]
    male = F["gender"] == 0
    age_limit = xp.where(male, R("handling.remaining_age_limit", "male", 0),
                         R("handling.remaining_age_limit", "female", 0))
    F["age_limit"] = age_limit
    # Reading 1.x: whole months from the month of application to the month of turning 60/50.
    turning = xp.month_of(F["birth_date"]) + 12 * age_limit
    F["remaining_months"] = xp.maximum(turning - app_month, 0)
    F["remaining_plus_pension_months"] = F["remaining_months"] + F["beijing_pension_months"]
    retirement_age = xp.where(
        male,
        R("retirement.statutory_age", "male", 0),
        xp.where(F["cadre"] == 1, R("retirement.statutory_age", "female_cadre", 0),
                 R("retirement.statutory_age", "female_worker", 0)),
    )
    F["retirement_age"] = retirement_age
    # Reading 4.2: birthdays and "+3 months" both the Civil Code way (clamped to the month end).
    F["retirement_day"] = xp.add_months(F["birth_date"], 12 * retirement_age)
    F["near_deadline"] = xp.add_months(applied, R("transfers.near_retirement_months", None, 0))
    # Reading 4.2: a person already past the age counts as near (the inequality holds anyway).
    F["near_retirement"] = F["near_deadline"] > F["retirement_day"]
    # Reading 0.4: from the notice's date up to and including the lifted date. A pack without the
    # notice has no in-force date: never in force.
    F["notice_in_force"] = (applied >= R("epidemic.in_force_from", None, FAR_FUTURE_DAY)) & (
        applied <= R("epidemic.lifted_on", None, FAR_FUTURE_DAY)
    )
    F["online_available"] = xp.take(_ONLINE(), F["business"])
    return F


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


def as_mapping(row: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(INPUT_ORDER, row))


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
