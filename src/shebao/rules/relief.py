"""Contribution relief and deferral as policy packs (免、减、缓): the rules, as data, and their reading.

A relief pack is a folder under ``packs/`` whose ``pack.yaml`` says ``kind: relief`` and whose
``relief.yaml`` lists

* ``documents``: the notices the pack rests on (number, date, title), cited by every rule;
* ``reliefs``: rate and share overrides. Each names the insurance types, the employers it covers
  (unit types, size classes by the SME standard, industries by
  GB/T 4754-2017 code prefix; the standard: see SIZE_CLASSES), the contribution months ``from``..``to`` and the part of the
  employer's share still ``payable`` (0: exempt, 1/2: halved), with its reference (document and
  clause). The first matching rule of the first pack in force wins;
* ``deferrals``: who may defer which insurance types of which months, and the limit: the new due
  date is at most ``max_months`` calendar months after the due date in force (Civil Code months)
  and not after ``latest_due``. A deferral granted within the limit carries no late fee until the
  new due date (人社部发〔2020〕11号 第三条; 人社部发〔2022〕31号 第一条).

Only the employer's share is relieved or deferred; the personal share is always payable as normal
(人社部发〔2020〕11号 第一条 "单位缴费部分"). Amounts are integer fen: the payable part of an employer
share ``e`` under ``payable = n/d`` is ``round_half_up(e × n / d)`` and the relief is the rest, one
rounding per due. Plain Python and NumPy; no Django.

>>> pack = load_relief_pack("relief-2020-covid")
>>> rule = relief_rule_for([pack], insurance="pension", month="2020-02", unit_type="enterprise",
...                        size_class="small", industry="I65")
>>> rule.id, relief_fen(160000, rule.payable)
('sme-exempt', 160000)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from .brackets import bracketed
from .dates import InputError, add_months, month_index, month_str, parse_date
from .policy import PACKS_DIR, Reference
from .yamlload import Located, PackError, load_yaml

INSURANCES = ("pension", "unemployment", "medical", "maternity", "work_injury")
INSURANCE_LABELS = {"pension": "养老保险", "unemployment": "失业保险", "medical": "医疗保险",
                    "maternity": "生育保险", "work_injury": "工伤保险"}
# Unit types of an insured employer (参保单位类型); government bodies and public institutions are
# the units 人社部发〔2020〕11号 leaves out ("不含机关事业单位").
UNIT_TYPES = ("enterprise", "individual_business", "social_organization", "public_institution", "government")
UNIT_TYPE_LABELS = {"enterprise": "企业", "individual_business": "以单位方式参保的个体工商户",
                    "social_organization": "社会组织（民办非企业单位、社会团体等）",
                    "public_institution": "事业单位", "government": "机关"}
# Size classes of the SME standard (工信部联企业〔二〇一一〕300号, 中小企业划型标准规定); "" = not classified.
SIZE_CLASSES = ("large", "medium", "small", "micro")
SIZE_CLASS_LABELS = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型", "": "未划型"}

_RULE_KEYS = {"id", "label", "insurances", "unit_types", "size_classes", "industries", "months", "payable",
              "reference"}
_DEFERRAL_KEYS = {"id", "label", "insurances", "unit_types", "size_classes", "industries", "months",
                  "max_months", "latest_due", "reference"}


@dataclass(frozen=True)
class Coverage:
    """Who and what a rule covers: ``None`` for a fact means any value of it."""

    insurances: frozenset[str]
    unit_types: frozenset[str] | None
    size_classes: frozenset[str] | None
    industries: tuple[str, ...] | None  # GB/T 4754-2017 code prefixes ("H62", "G5")
    month_from: int  # month index (months since 1970-01), inclusive
    month_to: int

    def covers(self, *, insurance: str, month: int, unit_type: str, size_class: str, industry: str) -> bool:
        return (insurance in self.insurances and self.month_from <= month <= self.month_to
                and (self.unit_types is None or unit_type in self.unit_types)
                and (self.size_classes is None or size_class in self.size_classes)
                and (self.industries is None or any(industry.startswith(p) for p in self.industries)))

    def employer_covered(self, *, unit_type: str, size_class: str, industry: str) -> bool:
        return ((self.unit_types is None or unit_type in self.unit_types)
                and (self.size_classes is None or size_class in self.size_classes)
                and (self.industries is None or any(industry.startswith(p) for p in self.industries)))

    def overlaps(self, other: Coverage) -> bool:
        """Whether some due is covered by both (an industry code is covered by two prefixes when one
        prefix starts with the other)."""

        def meet(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
            return a is None or b is None or bool(a & b)

        return (bool(self.insurances & other.insurances) and self.month_from <= other.month_to
                and other.month_from <= self.month_to and meet(self.unit_types, other.unit_types)
                and meet(self.size_classes, other.size_classes)
                and (self.industries is None or other.industries is None
                     or any(a.startswith(b) or b.startswith(a) for a in self.industries for b in other.industries)))


@dataclass(frozen=True)
class ReliefRule:
    """A share override: the employer share of covered dues is payable at ``payable`` (0 = exempt)."""

    pack: str
    id: str
    label: str
    coverage: Coverage
    payable: Fraction
    reference: Reference
    # The day the rule's document is issued (`Document.issued_on`): before it, nobody could apply the
    # rule, whatever months it covers (a notice of June extending relief to July..December).
    issued_on: date = date.min

    @property
    def key(self) -> str:
        """How a due names the rule it was relieved under: ``<pack>/<rule id>``."""
        return f"{self.pack}/{self.id}"

    @property
    def kind_zh(self) -> str:
        if self.payable == 0:
            return "免征"
        if self.payable == Fraction(1, 2):
            return "减半征收"
        return f"按{self.payable.numerator}/{self.payable.denominator}征收"


@dataclass(frozen=True)
class DeferralRule:
    """Who may defer which dues, and how far: new due date <= due in force + ``max_months``, <= ``latest_due``."""

    pack: str
    id: str
    label: str
    coverage: Coverage
    max_months: int | None
    latest_due: date | None
    reference: Reference
    issued_on: date = date.min  # as `ReliefRule.issued_on`

    @property
    def key(self) -> str:
        return f"{self.pack}/{self.id}"

    def limit(self, due_in_force: date) -> date:
        """The latest new due date allowed for a month whose due date in force is ``due_in_force``."""
        out = add_months(due_in_force, self.max_months) if self.max_months is not None else date.max
        if self.latest_due is not None:
            out = min(out, self.latest_due)
        return out


@dataclass(frozen=True)
class Document:
    number: str
    date: str
    title: str

    def cite(self) -> str:
        return f"{self.title}（{self.number}，{self.date}）" if self.number else f"{self.title}（{self.date}）"

    @property
    def issued_on(self) -> date:
        """The first day the document is known to exist: its date; a date given to the month
        (``2020-02``) or to the year counts from the month's or the year's last day (the day within it
        is not known). Raises ValueError for any other form.

        >>> Document("", "2020-02", "x").issued_on, Document("", "2020-03-08", "x").issued_on
        (datetime.date(2020, 2, 29), datetime.date(2020, 3, 8))
        """
        text = self.date.strip()
        if len(text) == 10:
            return date.fromisoformat(text)
        if len(text) == 7:
            return add_months(date(int(text[:4]), int(text[5:7]), 1), 1) - timedelta(days=1)
        if len(text) == 4:
            return date(int(text), 12, 31)
        raise ValueError(text)


@dataclass(frozen=True)
class ReliefPack:
    """One relief pack: its rules in order, its deferral rules, the documents it rests on."""

    name: str
    version: str
    title: str
    documents: tuple[Document, ...]
    reliefs: tuple[ReliefRule, ...]
    deferrals: tuple[DeferralRule, ...]
    # Beijing fixed an employer's class once classified (京 2020-03-08: "一旦划定，政策执行期间不做变动"):
    # with a date here, the facts in force on it hold for every month of the pack.
    facts_fixed_on: date | None = None
    # ``notes`` are statements for every user of the pack's pages; ``research_notes`` are the pack
    # writer's notes on its sources (a document not found, a reading to verify), for the
    # administrators who decide on publishing only (review-user3 U9).
    notes: tuple[str, ...] = field(default=())
    research_notes: tuple[str, ...] = field(default=())

    @property
    def issued_on(self) -> date:
        """The first day anything of the pack is known: its earliest document's issue date (review-user3
        U9: on a training copy's 2020-02-20 the 2022 deferral pack does not exist yet)."""
        return min((d.issued_on for d in self.documents), default=date.min)

    def known_on(self, day: date) -> ReliefPack:
        """The pack as known on the business day ``day``: only the rules whose document is issued on or
        before it (`ReliefRule.issued_on`). A decision made that day applies these and no other: the
        49号 extension (2020-06-22) is not applied by a publication of 2020-02-20; it is applied when
        its day comes (collection.relief.relief_known_apply).

        >>> p = load_relief_pack("relief-2020-covid")
        >>> [r.id for r in p.known_on(date(2020, 3, 1)).reliefs]
        ['medical-half']
        >>> len(p.known_on(date(2020, 6, 22)).reliefs) == len(p.reliefs)
        True
        """
        reliefs = tuple(r for r in self.reliefs if r.issued_on <= day)
        deferrals = tuple(r for r in self.deferrals if r.issued_on <= day)
        if len(reliefs) == len(self.reliefs) and len(deferrals) == len(self.deferrals):
            return self
        return replace(self, reliefs=reliefs, deferrals=deferrals)

    def months(self) -> tuple[int, int] | None:
        """The first and last contribution month any rule of the pack covers (month indexes)."""
        covs = [r.coverage for r in (*self.reliefs, *self.deferrals)]
        if not covs:
            return None
        return min(c.month_from for c in covs), max(c.month_to for c in covs)

    def deferral(self, rule_id: str) -> DeferralRule:
        for d in self.deferrals:
            if d.id == rule_id:
                return d
        raise KeyError(f"relief pack {self.name} has no deferral rule {rule_id!r}")

    def rule(self, key: str) -> ReliefRule | DeferralRule | None:
        for r in (*self.reliefs, *self.deferrals):
            if r.key == key or r.id == key:
                return r
        return None


# --- Loading --------------------------------------------------------------------------------------
def _strings(raw: Located, key: str, allowed: Sequence[str] | None, required: bool = False) -> Any:
    if key not in raw:
        if required:
            raise raw.error(f"missing {key!r}")
        return None
    value = raw[key]
    if not isinstance(value, list) or not value or not all(isinstance(x, str) for x in value):
        raise raw.error(f"{key!r} must be a non-empty list of strings", key)
    if allowed is not None:
        bad = [x for x in value if x not in allowed]
        if bad:
            raise raw.error(f"{key!r}: {bad} not among {list(allowed)}", key)
    return value


def _coverage(raw: Located) -> Coverage:
    months = raw.get("months")
    if not isinstance(months, Located) or set(months) != {"from", "to"}:
        raise raw.error("'months' must be {from: YYYY-MM, to: YYYY-MM}", "months")
    try:
        m_from, m_to = month_index(months["from"], "from"), month_index(months["to"], "to")
    except InputError as exc:
        raise months.error(str(exc)) from None
    if m_from > m_to:
        raise months.error("'from' is after 'to'")
    unit_types = _strings(raw, "unit_types", UNIT_TYPES)
    sizes = _strings(raw, "size_classes", SIZE_CLASSES)
    industries = _strings(raw, "industries", None)
    return Coverage(frozenset(_strings(raw, "insurances", INSURANCES, required=True)),
                    frozenset(unit_types) if unit_types else None, frozenset(sizes) if sizes else None,
                    tuple(industries) if industries else None, m_from, m_to)


def _document(raw: Located, documents: dict[str, Document]) -> Document:
    ref = raw.get("reference")
    return documents[str(ref["document"])]  # checked by `_reference` first


def _reference(raw: Located, documents: dict[str, Document]) -> Reference:
    ref = raw.get("reference")
    if not isinstance(ref, Located) or set(ref) != {"document", "clause"}:
        raise raw.error("'reference' must be {document: <document id>, clause: str}", "reference")
    doc = documents.get(str(ref["document"]))
    if doc is None:
        raise ref.error(f"unknown document {ref['document']!r}; the pack's documents: {sorted(documents)}",
                        "document")
    return Reference(doc.cite(), str(ref["clause"]))


def _fraction(raw: Located, key: str) -> Fraction:
    value = raw.get(key)
    if not isinstance(value, Located) or set(value) != {"numerator", "denominator"}:
        raise raw.error(f"{key!r} must be {{numerator: int, denominator: int}} (no floats for money)", key)
    n, d = value["numerator"], value["denominator"]
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (n, d)) or d <= 0 or not 0 <= n <= d:
        raise value.error("need integers with 0 <= numerator <= denominator, denominator > 0")
    return Fraction(n, d)


def _date_or_none(raw: Located, key: str) -> date | None:
    if raw.get(key) is None:
        return None
    try:
        return parse_date(raw[key], key)
    except InputError as exc:
        raise raw.error(str(exc), key) from None


def relief_pack_names(packs_dir: Path | None = None) -> list[str]:
    """The relief packs in the packs folder (``kind: relief`` in their ``pack.yaml``)."""
    pdir = packs_dir or PACKS_DIR
    out = []
    for p in sorted(pdir.iterdir()):
        meta = p / "pack.yaml"
        if meta.is_file() and (p / "relief.yaml").is_file():
            out.append(p.name)
    return out


_CACHE: dict[tuple[str, str], ReliefPack] = {}


def load_relief_pack(name: str, packs_dir: Path | None = None) -> ReliefPack:
    """Parse and check one relief pack (cached); a malformed pack fails with its file and line."""
    pdir = packs_dir or PACKS_DIR
    key = (str(pdir), name)
    if key in _CACHE:
        return _CACHE[key]
    root = pdir / name
    meta_path, path = root / "pack.yaml", root / "relief.yaml"
    if not meta_path.is_file() or not path.is_file():
        raise PackError(path, None, f"no relief pack named {name!r}")
    meta = load_yaml(meta_path)
    if not isinstance(meta, Located) or meta.get("pack") != name or meta.get("kind") != "relief":
        raise PackError(meta_path, 1, f"a relief pack's pack.yaml says pack: {name} and kind: relief")
    data = load_yaml(path)
    if not isinstance(data, Located):
        raise PackError(path, 1, "relief.yaml must be a mapping")
    unknown = set(data) - {"documents", "reliefs", "deferrals", "facts_fixed_on", "notes", "research_notes"}
    if unknown:
        raise data.error(f"unknown keys {sorted(unknown)}", min(unknown))
    documents: dict[str, Document] = {}
    for raw in data.get("documents") or []:
        if not isinstance(raw, Located) or not {"id", "title", "date"} <= set(raw) or set(raw) - {
                "id", "title", "date", "number"}:
            raise PackError(path, getattr(raw, "line", None), "a document is {id, number, date, title}")
        documents[str(raw["id"])] = doc = Document(str(raw.get("number") or ""), str(raw["date"]), str(raw["title"]))
        try:
            _ = doc.issued_on  # a date of another form is refused here, where it stands
        except ValueError:
            raise raw.error(f"document {raw['id']}: date must be YYYY-MM-DD, YYYY-MM or YYYY", "date") from None
    reliefs, deferrals, seen = [], [], set()
    lines: dict[str, Located] = {}
    for kind, keys in (("reliefs", _RULE_KEYS), ("deferrals", _DEFERRAL_KEYS)):
        for raw in data.get(kind) or []:
            if not isinstance(raw, Located) or "id" not in raw:
                raise PackError(path, getattr(raw, "line", None), f"each of {kind} is a mapping with an id")
            extra = set(raw) - keys
            if extra:
                raise raw.error(f"rule {raw['id']}: unknown keys {sorted(extra)}", min(extra))
            if raw["id"] in seen:
                raise raw.error(f"rule id {raw['id']!r} is used twice", "id")
            seen.add(raw["id"])
            common = dict(pack=name, id=str(raw["id"]), label=str(raw.get("label") or raw["id"]),
                          coverage=_coverage(raw), reference=_reference(raw, documents))
            common["issued_on"] = _document(raw, documents).issued_on
            if kind == "reliefs":
                reliefs.append(ReliefRule(payable=_fraction(raw, "payable"), **common))  # type: ignore[arg-type]
            else:
                max_months = raw.get("max_months")
                if max_months is not None and (not isinstance(max_months, int) or max_months <= 0):
                    raise raw.error("'max_months' must be a positive integer", "max_months")
                latest = _date_or_none(raw, "latest_due")
                if max_months is None and latest is None:
                    raise raw.error("a deferral needs a limit: max_months, latest_due or both")
                deferrals.append(DeferralRule(max_months=max_months, latest_due=latest, **common))  # type: ignore[arg-type]
            lines[str(raw["id"])] = raw
    shadowed = shadowing_problems(reliefs)
    if shadowed:
        raise lines[shadowed[0][1]].error(shadowed[0][0], "reference")
    title = meta.get("title") or {}
    pack = ReliefPack(name, str(meta.get("version")), str(title.get("zh", name)) if isinstance(title, dict) else
                      str(title), tuple(documents.values()), tuple(reliefs), tuple(deferrals),
                      _date_or_none(data, "facts_fixed_on"), tuple(str(n) for n in data.get("notes") or ()),
                      tuple(str(n) for n in data.get("research_notes") or ()))
    _CACHE[key] = pack
    return pack


def shadowing_problems(reliefs: Sequence[ReliefRule]) -> list[tuple[str, str]]:
    """Rules a later notice would make apply to dues already relieved under an earlier one: a rule
    listed before another it overlaps (`Coverage.overlaps`; the first match wins) whose document is
    issued after the other's. Relief of newly known rules touches only dues not relieved yet, so such a
    pack could not be applied as known on each day and end where it would with everything known.
    Returns (problem, id of the later rule) pairs; empty for a pack that can.
    """
    out = []
    for i, first in enumerate(reliefs):
        for other in reliefs[i + 1:]:
            if first.issued_on > other.issued_on and first.coverage.overlaps(other.coverage):
                out.append((f"rule {first.id} (document issued {first.issued_on}) comes before rule {other.id} "
                            f"(issued {other.issued_on}) and covers some of the same dues: a later notice may "
                            f"only relieve dues no earlier rule relieves; list it after {other.id} or narrow it",
                            first.id))
    return out


def packs_known_on(packs: Iterable[ReliefPack], day: date) -> list[ReliefPack]:
    """`ReliefPack.known_on` of each pack, in order."""
    return [p.known_on(day) for p in packs]


def rule_newly_known(packs: Sequence[ReliefPack], *, current: str, known_before: date, day: date,
                     insurance: str, month: str | int, unit_type: str, size_class: str, industry: str,
                     ) -> ReliefRule | None:
    """The rule that relieves a due on ``day`` which it did not when it was last decided: ``current`` is
    the rule key the due was relieved under ("" for none), ``known_before`` the business day of that
    decision (the due built, or the pack published, whichever is later). A due already relieved keeps
    its rule; otherwise the rule the packs known on ``day`` give, if its document was issued after
    ``known_before`` (a rule known then and not applied did not cover the due: its facts, not a notice,
    would have changed). Applied to every due once all documents are known, this gives what deciding
    with everything known gives (tests/rules/test_relief_known.py), for packs without
    `shadowing_problems`.
    """
    if current:
        return None
    rule = relief_rule_for(packs_known_on(packs, day), insurance=insurance, month=month, unit_type=unit_type,
                           size_class=size_class, industry=industry)
    if rule is None or rule.issued_on <= known_before:
        return None
    return rule


# --- Reading: one due, and many ----------------------------------------------------------------------
def relief_rule_for(packs: Iterable[ReliefPack], *, insurance: str, month: str | int, unit_type: str,
                    size_class: str, industry: str) -> ReliefRule | None:
    """The rule that relieves the employer share of one due, or ``None`` (first match wins)."""
    m = month if isinstance(month, int) else month_index(month)
    for pack in packs:
        for rule in pack.reliefs:
            if rule.coverage.covers(insurance=insurance, month=m, unit_type=unit_type, size_class=size_class,
                                    industry=industry or ""):
                return rule
    return None


def relief_fen(employer_fen: Any, payable: Fraction) -> Any:
    """The relieved part of an employer share in fen (int or integer NumPy array).

    The payable part is ``employer_fen × payable`` rounded half-up to the fen; the relief is the rest.

    >>> relief_fen(101, Fraction(1, 2)), relief_fen(101, Fraction(0))
    (50, 101)
    """
    n, d = payable.numerator, payable.denominator
    return employer_fen - (2 * employer_fen * n + d) // (2 * d)


@dataclass
class ReliefColumns:
    """Per due: the index of the matching rule in ``rules`` (-1: none) and the relief in fen."""

    rules: tuple[ReliefRule, ...]
    rule_index: Any
    relief_fen: Any


def relief_columns(packs: Sequence[ReliefPack], *, insurance: Any, month: Any, employer_fen: Any,
                   unit_type: Any, size_class: Any, industry: Any) -> ReliefColumns:
    """`relief_rule_for` and `relief_fen` on columns (NumPy arrays of equal length; strings as ``object``
    or ``str`` arrays, months as month indexes). The same first-match order as the single function."""
    import numpy as np

    ins = np.asarray(insurance).astype(str)
    m = np.asarray(month, dtype=np.int64)
    e = np.asarray(employer_fen, dtype=np.int64)
    ut = np.asarray(unit_type).astype(str)
    sc = np.asarray(size_class).astype(str)
    ind = np.asarray(industry).astype(str)
    n = len(e)
    rules = tuple(r for p in packs for r in p.reliefs)
    index = np.full(n, -1, dtype=np.int64)
    out = np.zeros(n, dtype=np.int64)
    for i, rule in enumerate(rules):
        c = rule.coverage
        mask = (index < 0) & np.isin(ins, list(c.insurances)) & (m >= c.month_from) & (m <= c.month_to)
        if c.unit_types is not None:
            mask &= np.isin(ut, list(c.unit_types))
        if c.size_classes is not None:
            mask &= np.isin(sc, list(c.size_classes))
        if c.industries is not None:
            mask &= np.char.startswith(ind, c.industries[0]) if len(c.industries) == 1 else np.logical_or.reduce(
                [np.char.startswith(ind, p) for p in c.industries])
        if mask.any():
            index[mask] = i
            out[mask] = relief_fen(e[mask], rule.payable)
    return ReliefColumns(rules, index, out)


# --- Deferral --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeferralRefusal:
    """Why a deferral cannot be granted, in Chinese, with the field it concerns."""

    field: str
    zh: str


def deferral_refusals(rule: DeferralRule, *, months: Sequence[str], due_until: date,
                      due_in_force: dict[str, date], unit_type: str, size_class: str, industry: str,
                      ) -> list[DeferralRefusal]:
    """Every reason the rule refuses to defer ``months`` of one employer to ``due_until`` (empty: granted).

    ``due_in_force`` gives each month's due date under the policy in force (extensions included);
    the limit is `DeferralRule.limit` of it (人社部发〔2020〕11号 第三条: "缓缴期限原则上不超过6个月").
    """
    out: list[DeferralRefusal] = []
    cite = bracketed(f"“{rule.label}”，{rule.reference.document} {rule.reference.clause}")  # names the rule refusing
    if not rule.coverage.employer_covered(unit_type=unit_type, size_class=size_class, industry=industry or ""):
        out.append(DeferralRefusal("employer", f"该单位（{UNIT_TYPE_LABELS.get(unit_type, unit_type or '未登记类型')}、"
                                               f"{SIZE_CLASS_LABELS.get(size_class, size_class)}、行业{industry or '未登记'}）"
                                               f"不在“{rule.label}”的适用范围{cite}"))
    if not months:
        out.append(DeferralRefusal("months", "请至少选择一个缓缴的费款所属期"))
    for month in months:
        m = month_index(month, "months")
        if not rule.coverage.month_from <= m <= rule.coverage.month_to:
            out.append(DeferralRefusal("months", f"费款所属期{month}不在可缓缴的"
                                                 f"{month_str(rule.coverage.month_from)}至"
                                                 f"{month_str(rule.coverage.month_to)}之内{cite}"))
            continue
        limit = rule.limit(due_in_force[month])
        if due_until > limit:
            out.append(DeferralRefusal("due_until", f"{month}费款最迟只能缓缴至{limit:%Y-%m-%d}"
                                                    f"（原缴费期限{due_in_force[month]:%Y-%m-%d}）{cite}"))
        elif due_until <= due_in_force[month]:
            out.append(DeferralRefusal("due_until", f"缓缴至的日期须晚于{month}费款原缴费期限"
                                                    f"{due_in_force[month]:%Y-%m-%d}"))
    return out
