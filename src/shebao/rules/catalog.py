"""The business catalog (data in ``catalog.yaml``): every business of sections 1, 2, 4, 5 and 6, and
the Chinese name of every enum value (the one place a code becomes words a clerk reads).

>>> business("refund").zh
'退费（含基数差退费）'
>>> label("refund_kind", "overpayment")
'多缴退费'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .yamlload import Located, PackError, load_yaml

CATALOG_PATH = Path(__file__).parent / "catalog.yaml"
_BUSINESS_KEYS = {"code", "zh", "section", "applicants", "channels", "documents", "facts", "defaults",
                  "back_payment", "online", "table"}
KNOWN_FACTS = {"person.gender", "person.birth_date", "person.account_type", "person.beijing_pension_months",
               "person.category", "person.cadre", "period", "refund_kind", "fields", "declared_by"}


@dataclass(frozen=True)
class Business:
    code: str
    zh: str
    section: str
    applicants: tuple[str, ...]
    channels: tuple[str, ...]
    documents: tuple[str, ...]
    facts: tuple[str, ...]
    defaults: dict[str, Any]
    back_payment: bool
    online: bool
    table: str | None


@dataclass(frozen=True)
class Catalog:
    enums: dict[str, tuple[str, ...]]
    mode_names: dict[str, dict[str, str]]
    businesses: tuple[Business, ...]
    labels: dict[str, dict[str, str]]  # enum -> value -> Chinese name, for every value of every enum
    fact_names: dict[str, str]  # input field (person.birth_date, period.from) -> Chinese name

    def code(self, enum: str, value: str) -> int:
        try:
            return self.enums[enum].index(value)
        except ValueError:
            raise KeyError(f"{value!r} is not a value of {enum}: {list(self.enums[enum])}") from None


def _load(path: Path) -> Catalog:
    data = load_yaml(path)
    if not isinstance(data, Located) or set(data) != {"enums", "mode_names", "businesses", "labels", "fact_names"}:
        raise PackError(path, 1, "the catalog has exactly: enums, mode_names, businesses, labels, fact_names")
    enums = {k: tuple(v) for k, v in data["enums"].items()}
    out = []
    for raw in data["businesses"]:
        if not isinstance(raw, Located):
            raise PackError(path, None, "a business is a mapping")
        unknown = set(raw) - _BUSINESS_KEYS
        if unknown:
            raise raw.error(f"unknown keys {sorted(unknown)}", min(unknown))
        for req in ("code", "zh", "section", "applicants", "channels", "documents", "facts", "table"):
            if req not in raw:
                raise raw.error(f"business needs {req!r}")
        for f in raw["facts"]:
            if f not in KNOWN_FACTS:
                raise raw.error(f"unknown fact {f!r}", "facts")
        for a in raw["applicants"]:
            if a not in enums["applicant"]:
                raise raw.error(f"unknown applicant {a!r}", "applicants")
        for c in raw["channels"]:
            if c not in enums["channel"]:
                raise raw.error(f"unknown channel {c!r}", "channels")
        out.append(Business(
            code=raw["code"], zh=raw["zh"], section=str(raw["section"]),
            applicants=tuple(raw["applicants"]), channels=tuple(raw["channels"]),
            documents=tuple(raw["documents"]), facts=tuple(raw["facts"]),
            defaults=dict(raw.get("defaults") or {}), back_payment=bool(raw.get("back_payment", False)),
            online=bool(raw.get("online", True)), table=raw["table"],
        ))
    codes = [b.code for b in out]
    if len(set(codes)) != len(codes):
        raise PackError(path, None, "duplicate business code")
    enums["business"] = tuple(codes)
    mode_names = {k: dict(v) for k, v in data["mode_names"].items()}
    labels = {k: {str(code): str(zh) for code, zh in v.items()} for k, v in data["labels"].items()}
    labels["mode"] = {code: names["zh"] for code, names in mode_names.items()}
    labels["business"] = {b.code: b.zh for b in out}
    for enum, values in enums.items():
        have = labels.get(enum, {})
        missing, extra = set(values) - set(have), set(have) - set(values)
        if missing or extra:
            raise PackError(path, None, f"labels of {enum}: missing {sorted(missing)}, unknown {sorted(extra)}")
    if set(labels) - set(enums):
        raise PackError(path, None, f"labels for unknown enums {sorted(set(labels) - set(enums))}")
    fact_names = {str(k): str(v) for k, v in data["fact_names"].items()}
    unnamed = {f for b in out for f in b.facts} - set(fact_names)
    if unnamed:
        raise PackError(path, None, f"fact_names: no Chinese name for {sorted(unnamed)}")
    return Catalog(enums, mode_names, tuple(out), labels, fact_names)


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return _load(CATALOG_PATH)


def business(code: str) -> Business:
    """The catalog entry of a business code; ``KeyError`` names the known codes."""
    for b in catalog().businesses:
        if b.code == code:
            return b
    raise KeyError(f"unknown business {code!r}")


def businesses() -> tuple[Business, ...]:
    return catalog().businesses


def label(enum: str, value: str) -> str:
    """The Chinese name of ``value`` of catalog enum ``enum`` (e.g. ``label("channel", "fax")`` is 传真).

    Raises KeyError naming the enum and value when either is unknown: a code must never be shown
    for want of a name.
    """
    try:
        return catalog().labels[enum][value]
    except KeyError:
        raise KeyError(f"no Chinese label for {enum}={value!r}") from None


def labels(enum: str) -> dict[str, str]:
    """Every value of catalog enum ``enum`` with its Chinese name, in the catalog's order."""
    names = catalog().labels[enum]
    return {v: names[v] for v in catalog().enums[enum]}


def choices(enum: str) -> list[tuple[str, str]]:
    """``(value, Chinese name)`` pairs of a catalog enum, for Django choices and form selects."""
    return list(labels(enum).items())


def fact_name(field: str) -> str:
    """The Chinese name of an input field (``period.from`` -> 补缴起始月); 该项 for one not named."""
    return catalog().fact_names.get(field, "该项")
