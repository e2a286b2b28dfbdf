"""Policy packs: dated parameters (OpenFisca style), announcements and decision tables as data.

A pack is a folder under ``packs/``: ``pack.yaml`` (name, version, ``extends``), ``parameters/*.yaml``
(file ``handling.yaml`` holds the parameters ``handling.<name>``), ``tables/*.yaml`` (decision tables,
one file per clause group) and ``announcements.yaml`` (dated changes, 0.1). A child pack may add
dated values to a parameter of its parent. A what-if is the same policy with one more announcement.

>>> policy = load_policy("beijing-2020-epidemic")
>>> policy.value("collection.normal_due_day", on="2020-02-10")
25
"""

from __future__ import annotations

import bisect
import contextlib
import os
import pickle
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from .dates import InputError, month_index, parse_date
from .yamlload import Located, PackError, load_yaml

PACKS_DIR = Path(__file__).parent / "packs"
DEFAULT_PACK = "beijing-2020-epidemic"

PARAM_TYPES = {"int", "rational", "date", "month", "choice", "month_dates", "int_map", "month_map", "string_list"}
_DEF_KEYS = {"description", "label", "value_labels", "unit", "type", "values", "keys", "choices", "enum",
             "documentation"}


@dataclass(frozen=True)
class Reference:
    """The document a value rests on, the clause of tests/data/notice.md it serves, and the day the
    document was issued (``issued``, "YYYY-MM-DD", or ``None`` when the pack does not say). A value
    may take effect before its document existed (a yearly pension adjustment from 1 January set by a
    notice of April): ``issued`` is the first business day on which anyone could apply it.

    ``document`` is what a user reads as the value's basis (依据: on the retiree and award pages, in
    the API), so it is a Chinese statement of the source; ``note`` is the pack writer's research note
    on it (an approximate figure, a number not verified), kept for who maintains the pack and never
    shown to users (review-user5 F5, review-user3 U9; tests/rules/test_pack_text.py walks both)."""

    document: str
    clause: str
    issued: str | None = None
    note: str = ""


@dataclass(frozen=True)
class DatedValue:
    """One value of a parameter from its effective date on.

    ``named`` matters for month maps only: the months set at this date (``None``: every month the map
    lists, as in a pack's file); the others were carried from earlier dates. A month named by an
    earlier-dated announcement carries forward through later values that do not name it themselves.
    """

    effective: str  # "YYYY-MM-DD", kept as written
    value: Any  # converted: int, Fraction, date, str, dict, tuple; None = no value from here on
    reference: Reference
    named: tuple[str, ...] | None = None
    sources: tuple[tuple[str, Reference], ...] = ()  # month maps: each month's own reference

    def source(self, key: str) -> Reference:
        """The reference a month of a month map rests on (the value's own for other types)."""
        return dict(self.sources).get(key, self.reference)


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    type: str
    values: tuple[DatedValue, ...]
    keys: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    enum: str | None = None
    file: str = "?"
    line: int | None = None
    label: str = ""  # the parameter's name in plain Chinese, as the pages and sentences say it
    value_labels: Mapping[str, str] = field(default_factory=dict)  # a choice's values in Chinese

    def entry(self, on: date | str | None = None) -> DatedValue | None:
        """The dated value in force on ``on`` (``None``: the latest one, as announced so far)."""
        if not self.values:
            return None
        if on is None:
            return self.values[-1]
        key = on.isoformat() if isinstance(on, date) else on
        i = bisect.bisect_right([v.effective for v in self.values], key)
        return self.values[i - 1] if i else None

    def value(self, on: date | str | None = None) -> Any:
        e = self.entry(on)
        return None if e is None else e.value

    def first_effective(self) -> str:
        return self.values[0].effective


def _convert(kind: str, raw: Any, pdef: Mapping[str, Any], where: Located, key: str) -> Any:
    """Type-check and convert one raw YAML value of a parameter; refusal names file and line."""
    if raw is None:
        return None

    def bad(reason: str) -> PackError:
        return where.error(reason, key)

    if kind == "int":
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise bad(f"expected an integer, got {raw!r}")
        return raw
    if kind == "rational":
        if not isinstance(raw, dict) or set(raw) != {"numerator", "denominator"}:
            raise bad("expected {numerator: int, denominator: int} (no floats for money)")
        n, d = raw["numerator"], raw["denominator"]
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (n, d)) or d <= 0 or n < 0:
            raise bad("numerator and denominator must be integers, denominator positive")
        return Fraction(n, d)
    try:
        if kind == "date":
            return parse_date(raw, "value")
        if kind == "month":
            month_index(raw, "value")
            return raw
        if kind == "month_dates":
            if not isinstance(raw, dict):
                raise bad("expected a mapping YYYY-MM -> YYYY-MM-DD")
            out = {}
            for m, d in raw.items():
                month_index(m, "month")
                out[m] = parse_date(d, f"due date of {m}")
            return out
    except InputError as exc:
        raise bad(str(exc)) from None
    if kind == "choice":
        if raw not in pdef.get("choices", ()):
            raise bad(f"{raw!r} is not one of {list(pdef.get('choices', ()))}")
        return raw
    if kind == "int_map":
        keys = list(pdef.get("keys", ()))
        if not isinstance(raw, dict) or sorted(raw) != sorted(keys):
            raise bad(f"expected a mapping with keys {keys}")
        for k, v in raw.items():
            if not isinstance(v, int) or isinstance(v, bool):
                raise bad(f"value of {k!r} must be an integer")
        return dict(raw)
    if kind == "month_map":
        keys = list(pdef.get("keys", ()))
        if not isinstance(raw, dict) or sorted(raw) != sorted(keys):
            raise bad(f"expected a mapping with keys {keys}")
        for k, v in raw.items():
            try:
                month_index(v, k)
            except InputError as exc:
                raise bad(str(exc)) from None
        return dict(raw)
    if kind == "string_list":
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise bad("expected a list of strings")
        return tuple(raw)
    raise bad(f"unknown type {kind!r}")


def _reference(raw: Any, where: Located, key: str) -> Reference:
    if not isinstance(raw, dict) or not isinstance(raw.get("document"), str) or not isinstance(
        raw.get("clause"), str
    ):
        raise where.error("reference must be {document: str, clause: str}", key)
    extra = set(raw) - {"document", "clause", "issued", "note"}
    if extra:
        raise where.error(f"unknown reference keys {sorted(extra)}", key)
    issued = raw.get("issued")
    if issued is not None:
        try:
            issued = parse_date(issued, "issued").isoformat()
        except InputError as exc:
            raise where.error(f"reference: {exc}", key) from None
    return Reference(raw["document"], raw["clause"], issued, str(raw.get("note") or ""))


def _dated_values(pdef: Located, name: str, kind: str, spec: Mapping[str, Any]) -> list[DatedValue]:
    values = pdef.get("values")
    if not isinstance(values, dict) or not values:
        raise pdef.error(f"parameter {name}: 'values' must be a non-empty mapping of dates", "values")
    out = []
    for eff, entry in values.items():
        where = values if isinstance(values, Located) else pdef
        try:
            parse_date(eff, "effective date")
        except InputError as exc:
            raise where.error(f"parameter {name}: {exc}", eff) from None
        if not isinstance(entry, Located) or set(entry) - {"value", "reference"} or "value" not in entry:
            raise where.error(f"parameter {name} at {eff}: expected {{value, reference}}", eff)
        if "reference" not in entry:
            raise entry.error(f"parameter {name} at {eff}: every value needs a reference")
        ref = _reference(entry["reference"], entry, "reference")
        out.append(DatedValue(eff, _convert(kind, entry["value"], spec, entry, "value"), ref))
    return out


def _parse_parameter_file(path: Path, prefix: str, inherited: dict[str, Parameter]) -> dict[str, Parameter]:
    data = load_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, Located):
        raise PackError(path, 1, "a parameter file is a mapping of parameter names")
    out: dict[str, Parameter] = {}
    for short, pdef in data.items():
        name = f"{prefix}.{short}"
        if not isinstance(pdef, Located):
            raise data.error(f"parameter {name}: expected a mapping", short)
        unknown = set(pdef) - _DEF_KEYS
        if unknown:
            raise pdef.error(f"parameter {name}: unknown keys {sorted(unknown)}", min(unknown))
        parent = inherited.get(name)
        if parent is not None and set(pdef) == {"values"}:
            # A child pack adds dated values to its parent's parameter.
            spec = {"choices": parent.choices, "keys": parent.keys}
            added = _dated_values(pdef, name, parent.type, spec)
            merged = {v.effective: v for v in parent.values}
            merged.update({v.effective: v for v in added})
            out[name] = replace(parent, values=tuple(merged[k] for k in sorted(merged)))
            continue
        for req in ("description", "unit", "type", "values"):
            if req not in pdef:
                raise pdef.error(f"parameter {name}: missing {req!r}")
        kind = pdef["type"]
        if kind not in PARAM_TYPES:
            raise pdef.error(f"parameter {name}: type {kind!r} is not one of {sorted(PARAM_TYPES)}", "type")
        if kind == "choice" and not pdef.get("choices"):
            raise pdef.error(f"parameter {name}: a choice needs 'choices'", "type")
        if kind in ("int_map", "month_map") and not pdef.get("keys"):
            raise pdef.error(f"parameter {name}: a {kind} needs 'keys'", "type")
        values = sorted(_dated_values(pdef, name, kind, pdef), key=lambda v: v.effective)
        out[name] = Parameter(
            name=name,
            description=str(pdef["description"]),
            unit=str(pdef["unit"]),
            type=kind,
            values=tuple(values),
            keys=tuple(str(k) for k in pdef.get("keys", ())),
            choices=tuple(pdef.get("choices", ())),
            enum=pdef.get("enum"),
            file=str(path),
            line=pdef.line,
            label=str(pdef.get("label") or ""),
            value_labels={str(k): str(v) for k, v in (pdef.get("value_labels") or {}).items()},
        )
    return out


@dataclass(frozen=True)
class Announcement:
    id: str
    effective: str | None  # None: amends each named parameter's latest dated value (see _apply_announcement)
    changes: Mapping[str, Any]
    reference: Reference
    title: str = ""


@dataclass(frozen=True)
class Statement:
    """A sentence about the policy in force, written from parameter values (``wording.yaml``, 0.1).

    ``templates`` holds the forms of the sentence: ``text`` (no parameter), ``each`` (a month map: one
    sentence per due date), ``set``/``unset`` (a date that may not be announced yet) or ``value``.
    Placeholders are ``{value}``, ``{<parameter name>}`` and the dates the rules derive
    (see `shebao.rules.wording`).
    """

    id: str
    clause: str
    parameter: str | None
    templates: Mapping[str, str]


@dataclass
class Policy:
    """Parameters and decision tables of one pack (with its parents and announcements applied)."""

    name: str
    version: str
    title: dict[str, str]
    parameters: dict[str, Parameter]
    tables: dict[str, Any]  # table name -> raw Located table (compiled lazily by .tables module)
    aliases: dict[str, str]
    announcements: tuple[Announcement, ...] = ()
    statements: tuple[Statement, ...] = ()
    _compiled: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def parameter(self, name: str) -> Parameter:
        name = self.aliases.get(name, name)
        try:
            return self.parameters[name]
        except KeyError:
            raise KeyError(f"pack {self.name} has no parameter {name!r}") from None

    def value(self, name: str, on: date | str | None = None) -> Any:
        """The value of parameter ``name`` in force on ``on`` (``None``: the latest announced)."""
        return self.parameter(name).value(on)

    def stated_value(self, name: str, on: date) -> tuple[Any, dict[str, Any]]:
        """The value of ``name`` in force on ``on`` and its statement for a decision that keeps it
        (``{"value", "effective", "document"}``: what a retiree's or an award's 依据 shows).

        Raises InputError (``field`` = the parameter's name, ``zh`` naming it by its Chinese label)
        when the pack has no value on that day: a benefit is never computed from a missing figure.
        """
        p = self.parameter(name)
        entry = p.entry(on)
        if entry is None or entry.value is None:
            # A month the pack leaves empty on purpose (``value: null``: no source found) says why.
            why = f"（{entry.reference.document}，不予估算）" if entry is not None else ""
            raise InputError(f"no value of {name} in force on {on}",
                             zh=f"{on.isoformat()}没有在用的{p.label or '政策参数'}{why}，无法计算", field=name)
        return entry.value, {"value": entry.value, "effective": entry.effective, "document": entry.reference.document}

    def has(self, name: str) -> bool:
        return self.aliases.get(name, name) in self.parameters

    def canonical_name(self, name: str) -> str:
        """The parameter's own name for ``name`` or its alias (``epidemic_lifted_on`` -> ``epidemic.lifted_on``)."""
        return self.aliases.get(name, name)

    def with_announcement(
        self,
        changes: Mapping[str, Any],
        *,
        effective: str | None = None,
        id: str = "what-if",
        reference: Reference | None = None,
        title: str = "",
    ) -> Policy:
        """A new policy with one more announcement (a what-if); ``effective=None`` amends each named
        parameter's latest dated value. Every other parameter, and every value dated before the
        announcement, is the same object as in ``self``."""
        ann = Announcement(id, effective, dict(changes), reference or Reference("what-if", "0.1"), title)
        params = dict(self.parameters)
        _apply_announcement(params, self.aliases, ann, "<announcement>", None)
        return Policy(
            self.name, self.version, self.title, params, self.tables, self.aliases,
            self.announcements + (ann,), self.statements,
        )

    def changed_on(self, days: Iterable[str] = ()) -> list[str]:
        return sorted({v.effective for p in self.parameters.values() for v in p.values} | set(days))


LIFTED_ON = "epidemic.lifted_on"


def epidemic_lifted_on(policy: Policy) -> date | None:
    """The day the epidemic was lifted (0.3: a date set by announcement), or ``None`` while it is not:
    the one reader of the parameter ``epidemic.lifted_on`` (its alias ``epidemic_lifted_on`` names
    it in announcements and what-ifs). ``shebao.core.policy.epidemic_lifted_on`` reads the policy in force.

    >>> epidemic_lifted_on(load_policy(overrides={"epidemic_lifted_on": "2020-04-30"}))
    datetime.date(2020, 4, 30)
    """
    if not policy.has(LIFTED_ON):
        return None
    value = policy.value(LIFTED_ON)
    return value if value is None or isinstance(value, date) else parse_date(str(value), LIFTED_ON)


def _apply_announcement(
    params: dict[str, Parameter], aliases: Mapping[str, str], ann: Announcement, file: str, line: int | None
) -> None:
    """Add an announcement's values to ``params`` (in place), keeping every parameter's dated history.

    With ``ann.effective`` the new value holds from that date: values dated before it are untouched,
    values dated after it still hold from their own dates. Without one, the announcement amends the
    parameter's latest dated value (the value as announced so far) at that value's date, so every
    earlier dated value stays as it was. Month maps (``month_dates``, 0.2) are merged month by month:
    an announcement moves the months it names and no other. Parameters the announcement does not
    name are not touched. Raises `PackError` for an unknown parameter, a bad value or a bad date.
    """
    if ann.effective is not None:
        try:
            parse_date(ann.effective, "announcement date")
        except InputError as exc:
            raise PackError(file, line, f"announcement {ann.id}: {exc}") from None
    for raw_name, raw_value in ann.changes.items():
        name = aliases.get(raw_name, raw_name)
        if name not in params:
            raise PackError(file, line, f"announcement {ann.id}: unknown parameter {raw_name!r}")
        p = params[name]
        where = Located()
        where.file, where.line = file, line
        spec = {"choices": p.choices, "keys": p.keys}
        value = _convert(p.type, raw_value, spec, where, raw_name)
        params[name] = _with_dated_value(p, value, ann.effective or p.values[-1].effective, ann.reference)


def _names(v: DatedValue | None) -> tuple[str, ...]:
    """The months a month map's dated value sets itself (a pack's value names every month it lists)."""
    if v is None or not isinstance(v.value, dict):
        return ()
    return v.named if v.named is not None else tuple(v.value)


def _with_dated_value(p: Parameter, value: Any, eff: str, reference: Reference) -> Parameter:
    """``p`` with ``value`` in force from ``eff`` (see `_apply_announcement`)."""
    before = [v for v in p.values if v.effective < eff]
    same = next((v for v in p.values if v.effective == eff), None)
    after = [v for v in p.values if v.effective > eff]
    if p.type != "month_dates" or value is None:
        return replace(p, values=(*before, DatedValue(eff, value, reference), *after))
    # 0.2: the months named move; the others keep the date they had on `eff`. Each month is its own
    # dated value: a month named here holds until a later-dated value names it again.
    prior = same if same is not None else before[-1] if before else None
    base = (prior.value if prior is not None else None) or {}
    named = tuple(sorted({*_names(same), *value}))
    sources = {**_sources(prior), **dict.fromkeys(value, reference)}
    carried = []
    for v in after:
        if v.value is None:  # no value from here on
            carried.append(v)
            continue
        own = _names(v)
        mine = {m: d for m, d in value.items() if m not in own}
        carried.append(replace(v, value={**v.value, **mine}, named=own,
                               sources=tuple(sorted({**_sources(v), **dict.fromkeys(mine, reference)}.items()))))
    new = DatedValue(eff, {**base, **value}, reference, named, tuple(sorted(sources.items())))
    return replace(p, values=(*before, new, *carried))


def _sources(v: DatedValue | None) -> dict[str, Reference]:
    if v is None or not isinstance(v.value, dict):
        return {}
    return {m: v.source(m) for m in v.value}


def _pack_files(packs_dir: Path, name: str) -> list[Path]:
    root = packs_dir / name
    return sorted(p for p in root.rglob("*.yaml"))


def _load_pack(packs_dir: Path, name: str, seen: tuple[str, ...] = ()) -> Policy:
    root = packs_dir / name
    meta_path = root / "pack.yaml"
    if not meta_path.is_file():
        raise PackError(meta_path, None, f"no policy pack named {name!r}")
    if name in seen:
        raise PackError(meta_path, None, f"pack {name} extends itself through {' -> '.join(seen)}")
    meta = load_yaml(meta_path)
    if not isinstance(meta, Located):
        raise PackError(meta_path, 1, "pack.yaml must be a mapping")
    unknown = set(meta) - {"pack", "version", "title", "extends", "aliases"}
    if unknown:
        raise meta.error(f"unknown keys {sorted(unknown)}", min(unknown))
    if meta.get("pack") != name:
        raise meta.error(f"'pack' must be the folder name {name!r}", "pack")
    if not isinstance(meta.get("version"), str):
        raise meta.error("'version' must be a string", "version")
    parent = _load_pack(packs_dir, meta["extends"], seen + (name,)) if meta.get("extends") else None
    params: dict[str, Parameter] = dict(parent.parameters) if parent else {}
    param_dir = root / "parameters"
    if param_dir.is_dir():
        for path in sorted(param_dir.glob("*.yaml")):
            params.update(_parse_parameter_file(path, path.stem, params))
    aliases = dict(parent.aliases) if parent else {}
    aliases.update(meta.get("aliases") or {})
    tables = dict(parent.tables) if parent else {}
    table_dir = root / "tables"
    if table_dir.is_dir():
        for path in sorted(table_dir.glob("*.yaml")):
            t = load_yaml(path)
            if not isinstance(t, Located) or t.get("table") != path.stem:
                raise PackError(path, 1, f"a table file must be a mapping with table: {path.stem}")
            tables[path.stem] = t
    anns = list(parent.announcements) if parent else []
    ann_path = root / "announcements.yaml"
    if ann_path.is_file():
        data = load_yaml(ann_path)
        if not isinstance(data, Located) or not isinstance(data.get("announcements"), list):
            raise PackError(ann_path, 1, "expected a mapping with 'announcements: [...]'")
        for raw in data["announcements"]:
            if not isinstance(raw, Located) or not {"id", "date", "changes", "reference"} <= set(raw):
                line = raw.line if isinstance(raw, Located) else None
                raise PackError(ann_path, line, "an announcement needs id, date, reference and changes")
            if not isinstance(raw["changes"], dict) or not raw["changes"]:
                raise raw.error("'changes' must be a non-empty mapping of parameters", "changes")
            ann = Announcement(
                str(raw["id"]), raw["date"], dict(raw["changes"]),
                _reference(raw["reference"], raw, "reference"), str(raw.get("title", "")),
            )
            _apply_announcement(params, aliases, ann, str(ann_path), raw.line)
            anns.append(ann)
    statements = _load_statements(root / "wording.yaml", params, parent.statements if parent else ())
    title = meta.get("title") or {}
    return Policy(name, meta["version"], dict(title), params, tables, aliases, tuple(anns), statements)


_STATEMENT_FORMS = {"text", "each", "set", "unset", "value"}


def _load_statements(path: Path, params: Mapping[str, Parameter],
                     inherited: tuple[Statement, ...]) -> tuple[Statement, ...]:
    """A pack's sentences about its policy; a child's statement of the same id replaces its parent's.

    Every placeholder must name a parameter of the pack or a derived value, so a typo fails at load
    with the file and line, not on a page.
    """
    if not path.is_file():
        return inherited
    from .wording import DERIVED, placeholders

    data = load_yaml(path)
    if not isinstance(data, Located) or not isinstance(data.get("statements"), list):
        raise PackError(path, 1, "expected a mapping with 'statements: [...]'")
    out = {s.id: s for s in inherited}
    for raw in data["statements"]:
        if not isinstance(raw, Located) or not {"id", "clause"} <= set(raw):
            raise PackError(path, getattr(raw, "line", None), "a statement needs id and clause")
        unknown = set(raw) - _STATEMENT_FORMS - {"id", "clause", "parameter"}
        if unknown:
            raise raw.error(f"statement {raw['id']}: unknown keys {sorted(unknown)}", min(unknown))
        forms = {k: str(raw[k]) for k in _STATEMENT_FORMS if k in raw}
        parameter = raw.get("parameter")
        if not forms or (parameter is None) != ("text" in forms):
            raise raw.error(f"statement {raw['id']}: 'text' alone, or a 'parameter' with its forms")
        if parameter is not None and parameter not in params:
            raise raw.error(f"statement {raw['id']}: unknown parameter {parameter!r}", "parameter")
        for form, template in forms.items():
            for name in placeholders(template):
                if name not in params and name not in DERIVED and name not in ("value", "months", "date"):
                    raise raw.error(f"statement {raw['id']}: unknown placeholder {{{name}}}", form)
        out[str(raw["id"])] = Statement(str(raw["id"]), str(raw["clause"]), parameter, forms)
    return tuple(out.values())


_CACHE: dict[tuple[str, str, tuple[tuple[str, Any], ...]], Policy] = {}


# Everything a parsed pack depends on besides its YAML files: the code that parses them (this
# module, the strict YAML loader, the date and month parsing) and the YAML library that reads them.
_PARSER_SOURCES = (Path(__file__), Path(__file__).with_name("yamlload.py"), Path(__file__).with_name("dates.py"))


def _disk_cache_key(packs_dir: Path, name: str) -> str:
    """A digest of the contents (not the times) of every file that shapes the parsed pack."""
    import hashlib
    import sys

    import yaml

    from .yamlload import _Base

    digest = hashlib.sha1(f"{name}|{sys.version}|{yaml.__version__}|{_Base.__name__}".encode())
    for path in [*sorted(packs_dir.rglob("*.yaml")), *_PARSER_SOURCES]:
        data = path.read_bytes()
        digest.update(f"|{path}:{len(data)}:".encode())  # the path: a parameter records its file
        digest.update(data)
    return digest.hexdigest()[:24]


def _load_pack_cached(packs_dir: Path, name: str) -> Policy:
    """Parsing YAML costs more than a pickle; keep the parsed pack keyed on what shapes it."""
    cache_dir = Path(tempfile.gettempdir()) / f"shebao-rules-cache-{os.getuid() if hasattr(os, 'getuid') else 0}"
    try:
        key = _disk_cache_key(packs_dir, name)
        path = cache_dir / f"{key}.pickle"
        if path.is_file():
            with path.open("rb") as fh:
                policy = pickle.load(fh)
            if isinstance(policy, Policy):
                return policy
    except Exception:
        path = None  # type: ignore[assignment]
    policy = _load_pack(packs_dir, name)
    if path is not None:
        # Failing to write the cache only costs the next start-up a parse.
        with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError):
            cache_dir.mkdir(exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(policy, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
    return policy


def load_policy(
    name: str = DEFAULT_PACK,
    *,
    overrides: Mapping[str, Any] | None = None,
    packs_dir: Path | str | None = None,
) -> Policy:
    """Load a pack (cached); ``overrides`` is a what-if announcement, e.g. ``{"epidemic_lifted_on": ...}``.

    The tables are compiled here, so a malformed table fails at load with its file and line.
    """
    pdir = Path(packs_dir) if packs_dir is not None else PACKS_DIR
    okey = tuple(sorted((k, _freeze(v)) for k, v in (overrides or {}).items()))
    key = (str(pdir), name, okey)
    policy = _CACHE.get(key)
    if policy is None:
        base_key = (str(pdir), name, ())
        base = _CACHE.get(base_key)
        if base is None:
            base = _load_pack_cached(pdir, name) if packs_dir is None else _load_pack(pdir, name)
            from .tables import compile_tables

            compile_tables(base)
            _CACHE[base_key] = base
        policy = base
        if overrides:
            policy = base.with_announcement(dict(overrides))
            from .tables import compile_tables

            compile_tables(policy)
            _CACHE[key] = policy
    return policy


def _freeze(v: Any) -> Any:
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    return v


def available_packs(packs_dir: Path | None = None) -> list[str]:
    """The policy packs (a relief pack, with ``relief.yaml``, is read by `shebao.rules.relief`)."""
    pdir = packs_dir or PACKS_DIR
    return sorted(p.name for p in pdir.iterdir() if (p / "pack.yaml").is_file() and not (p / "relief.yaml").is_file())
