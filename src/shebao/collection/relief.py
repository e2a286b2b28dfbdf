"""Relief packs in collection (免、减、缓): packs in force, relief of dues, publication, deferrals.

The rules core (`shebao.rules.relief`) decides: which rule of which pack covers a due, how much of
the employer share is relieved, whether a deferral is within the pack's limit. This module applies
its answers: `dues_relieve` sets the relief on dues about to be written (called by every business
effect that creates dues; `services.dues_build` gives `relief_compute` its new dues in batches),
`relief_pack_publish` puts a pack in force and relieves the dues already built (reduced if open,
credited to the employer if paid), and `deferral_apply` / `deferral_decide` are the deferral business.

Every decision reads the packs as known on its business day (`ReliefPack.known_on`): a rule applies
from the day its document is issued, so a publication or a due built before a notice does not apply
it; `relief_known_apply` (补减免) relieves those dues when the notice's day comes, and records which
document caused it (issue 19).

Money is integer fen; every ledger entry balances: relief is debited to ``relief:<insurance>``
against the employer's receivable (an open due) or its credit account (a paid due).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shebao.collection import ledger
from shebao.collection.ledger import Line
from shebao.collection.models import (
    Deferral,
    Due,
    LedgerTransaction,
    ReliefPublication,
    ReliefPublicationRequest,
    ReliefReapplication,
)
from shebao.core import clock
from shebao.core.audit import audit_bulk_create, audit_create, audit_update, audited_bulk_update, snapshot
from shebao.core.inputs import check_business_date, clean_text
from shebao.core.permissions import actor_label, require
from shebao.registry.models import Employer, EmployerFacts
from shebao.rules.brackets import bracketed
from shebao.rules.dates import month_index, month_str
from shebao.rules.relief import (
    INSURANCE_LABELS,
    DeferralRule,
    ReliefPack,
    ReliefRule,
    deferral_refusals,
    load_relief_pack,
    packs_known_on,
    relief_columns,
    relief_pack_names,
    shadowing_problems,
)
from shebao.rules.sme_size import industry_code_problem

# An employer without a recorded fact is an enterprise not yet classified (every employer the
# registry held before facts were recorded was registered as an enterprise): no size-class relief.
DEFAULT_FACTS = (EmployerFacts.UnitType.ENTERPRISE.value, "", "")


def _text(value: str | None, *, label: str, max_length: int, field: str) -> str:
    """Free text a relief record keeps (a reason, a note, a source), stripped: `clean_text` (control
    characters, the column's length: never cut silently), and no invisible format character
    (Unicode Cf: bidi controls such as U+202E turn "fdp.exe" into "exe.pdf" on screen; zero-width
    spaces hide text). ValidationError in Chinese keyed by ``field``."""
    value = clean_text((value or "").strip(), label=label, max_length=max_length, field=field)
    for ch in value:
        if unicodedata.category(ch) == "Cf":
            raise ValidationError({field: f"{label}含有不可见的格式字符（U+{ord(ch):04X}），请删除后重新提交"})
    return value


def relief_account(insurance: str) -> str:
    return f"relief:{insurance}"


# --- Packs in force and employer facts ---------------------------------------------------------------
def relief_packs_in_force(on: dt.date | None = None) -> list[ReliefPack]:
    """The published relief packs as known on the business day ``on`` (default `core.clock` today), in
    the order they were published (the first match wins): each with only the rules whose document is
    issued by then (`ReliefPack.known_on`), so dues built on 2020-02-20 are not relieved under a notice
    of 2020-03-08; `relief_known_apply` relieves them when its day comes."""
    return packs_known_on([load_relief_pack(name) for name in
                           ReliefPublication.objects.order_by("published_on", "pk").values_list("pack", flat=True)],
                          on or clock.today())


def relief_packs_available() -> list[str]:
    """The relief packs that exist on the business day (`core.clock`): those whose earliest document is
    issued by then. A training copy on 2020-02-20 is not offered the 2022 deferral pack, nor may it be
    published (review-user3 U9); on the real date every pack is offered."""
    today = clock.today()
    return [name for name in relief_pack_names() if load_relief_pack(name).issued_on <= today]


def relief_rule_of(key: str) -> ReliefRule | DeferralRule | None:
    """The rule a due names (``<pack>/<rule id>``), or None if the pack is gone."""
    if "/" not in key:
        return None
    name, _ = key.split("/", 1)
    try:
        return load_relief_pack(name).rule(key)
    except Exception:
        return None


def relief_text(key: str) -> str:
    """How a page names a relief: the rule's label, its document and clause."""
    rule = relief_rule_of(key)
    if rule is None:
        return key
    return f"{rule.label}{bracketed(f'{rule.reference.document} {rule.reference.clause}')}"


def employer_facts_on(*, on: dt.date, employer_ids: Iterable[int] | None = None, recorded_only: bool = False
                      ) -> dict[int, tuple[str, str, str]]:
    """Each employer's (unit type, size class, industry) in force on ``on``: its latest row dated on or
    before it. Without a row: `DEFAULT_FACTS`, unless ``recorded_only`` (then it is left out)."""
    qs = EmployerFacts.objects.filter(effective_from__lte=on)
    ids = None if employer_ids is None else sorted(set(employer_ids))
    if ids is not None and len(ids) <= 2000:
        qs = qs.filter(employer_id__in=ids)
    out: dict[int, tuple[str, str, str]] = {}
    for e, ut, sc, ind in qs.order_by("employer_id", "effective_from", "pk").values_list(
            "employer_id", "unit_type", "size_class", "industry"):
        out[e] = (ut, sc, ind)
    if ids is not None:
        wanted = set(ids)
        out = {e: f for e, f in out.items() if e in wanted}
        if not recorded_only:
            for e in ids:
                out.setdefault(e, DEFAULT_FACTS)
    return out


def _choice(value: str, choices: Sequence[tuple[str, str]], *, label: str, field: str) -> None:
    if value not in {v for v, _ in choices}:
        shown = (value or "")[:20]
        raise ValidationError({field: f"{label}“{shown}”不是可选的{label}（可选：{'、'.join(t for _, t in choices)}）"})


@transaction.atomic
def employer_facts_record(*, employer: Employer, effective_from: dt.date, unit_type: str, size_class: str = "",
                          industry: str = "", source: str = "", actor: Any) -> EmployerFacts:
    """Record an employer's unit type, size class (工信部联企业〔2011〕300号) and industry (GB/T 4754-2017)
    from a date on. Raises ValidationError (Chinese) for a value outside the choices."""
    require(actor, "employer_facts.record", district_id=employer.district_id)
    check_business_date(effective_from, label="起始日期", field="effective_from")
    # Each value is checked here with its own Chinese reason, before the model's own validation
    # (whose texts are Django's: "值 'bogus' 不是有效选项。", "确保该变量包含不超过 8 字符", E8).
    _choice(unit_type, EmployerFacts.UnitType.choices, label="单位类型", field="unit_type")
    size_class = size_class or ""
    _choice(size_class, EmployerFacts.SizeClass.choices, label="企业规模", field="size_class")
    industry = unicodedata.normalize("NFKC", _text(industry, label="行业代码", max_length=20, field="industry")).upper()
    problem = industry_code_problem(industry) if industry else ""
    if problem:
        raise ValidationError({"industry": problem})
    source = _text(source, label="依据", max_length=200, field="source")
    row = EmployerFacts(employer=employer, effective_from=effective_from, unit_type=unit_type,
                        size_class=size_class, industry=industry, source=source,
                        recorded_by_label=actor_label(actor))
    row.full_clean(exclude=["employer"])
    if size_class and unit_type != EmployerFacts.UnitType.ENTERPRISE:
        raise ValidationError({"size_class": "规模划型只适用于企业（工信部联企业〔2011〕300号），其他类型的单位不划型"})
    row.save()
    audit_create(actor=actor, instance=row, reason="登记单位类型、规模划型和行业")
    return row


# --- Relief of dues --------------------------------------------------------------------------------
def _month_end(month_no: int) -> dt.date:
    label = month_str(month_no + 1)
    return dt.date(int(label[:4]), int(label[5:]), 1) - dt.timedelta(days=1)


def _facts_for(pack: ReliefPack, employer_ids: list[int], month_no: int,
               cache: dict[Any, dict[int, tuple[str, str, str]]]) -> dict[int, tuple[str, str, str]]:
    """The facts a pack reads for a month: those on its fixed date where recorded, else the month's end."""
    end = _month_end(month_no)
    if end not in cache:
        cache[end] = employer_facts_on(on=end, employer_ids=employer_ids)
    facts = cache[end]
    if pack.facts_fixed_on is None:
        return facts
    key = ("fixed", pack.facts_fixed_on)
    if key not in cache:
        cache[key] = employer_facts_on(on=pack.facts_fixed_on, employer_ids=employer_ids, recorded_only=True)
    return {**facts, **cache[key]}


def relief_compute(*, employer_id: Sequence[int], month_no: Sequence[int], insurance: Sequence[str],
                   employer_fen: Sequence[int], packs: Sequence[ReliefPack]) -> tuple[np.ndarray, list[str]]:
    """Relief of many dues (columns): (relief in fen per due, rule key per due or "").

    Reads the employers' facts per pack and month in bulk, then asks the rules core
    (`relief_columns`) pack by pack; a due relieved by an earlier pack is not looked at again.
    """
    n = len(employer_fen)
    relief = np.zeros(n, dtype=np.int64)
    keys = [""] * n
    if not n or not packs:
        return relief, keys
    emp = np.asarray(employer_id, dtype=np.int64)
    mon = np.asarray(month_no, dtype=np.int64)
    ins = np.asarray(insurance, dtype=object)
    efen = np.asarray(employer_fen, dtype=np.int64)
    ids = sorted(set(emp.tolist()))
    cache: dict[Any, dict[int, tuple[str, str, str]]] = {}
    done = np.zeros(n, dtype=bool)
    for pack in packs:
        span = pack.months()
        if span is None:
            continue
        for m in sorted(set(mon.tolist())):
            if not span[0] <= m <= span[1]:
                continue
            rows = np.nonzero((mon == m) & ~done)[0]
            if not len(rows):
                continue
            facts = _facts_for(pack, ids, m, cache)
            f = [facts.get(int(e), DEFAULT_FACTS) for e in emp[rows].tolist()]
            cols = relief_columns([pack], insurance=ins[rows], month=mon[rows], employer_fen=efen[rows],
                                  unit_type=np.asarray([x[0] for x in f], dtype=object),
                                  size_class=np.asarray([x[1] for x in f], dtype=object),
                                  industry=np.asarray([x[2] for x in f], dtype=object))
            hit = cols.rule_index >= 0
            for i, r in zip(rows[hit].tolist(), cols.rule_index[hit].tolist(), strict=True):
                keys[i] = cols.rules[r].key
            relief[rows[hit]] = cols.relief_fen[hit]
            done[rows[hit]] = True
    return relief, keys


def dues_relieve(dues: Sequence[Due], *, packs: Sequence[ReliefPack] | None = None) -> int:
    """Set the relief of the packs in force on dues about to be written (unsaved `Due` objects).

    Each due's employer share is reduced by its relief (`relief_fen`, `relief_rule`), and its amount
    with it; the personal share is never relieved. Returns the fen relieved. The caller posts the
    ledger with `relief_ledger_lines` (or its own lines that debit ``relief:<insurance>``).
    """
    packs = relief_packs_in_force() if packs is None else list(packs)
    todo = [d for d in dues if not d.relief_rule and d.employer_fen > 0]
    if not todo or not packs:
        return 0
    relief, keys = relief_compute(employer_id=[d.employer_id for d in todo], month_no=[d.month_no for d in todo],
                                  insurance=[d.insurance for d in todo], employer_fen=[d.employer_fen for d in todo],
                                  packs=packs)
    total = 0
    for d, r, k in zip(todo, relief.tolist(), keys, strict=True):
        if k:
            d.relief_fen, d.relief_rule = int(r), k
            d.employer_fen -= int(r)
            d.amount_fen -= int(r)
            total += int(r)
    return total


def relief_ledger_lines(dues: Iterable[Due]) -> list[Line]:
    """The relief lines of newly built dues: debit ``relief:<insurance>`` and credit the same to income
    (so income stays the full contribution and the receivable is what the employer owes)."""
    by_ins: dict[str, int] = defaultdict(int)
    for d in dues:
        if d.relief_fen and not d.relief_credited:
            by_ins[d.insurance] += d.relief_fen
    out = []
    for k, amt in sorted(by_ins.items()):
        out += [Line(relief_account(k), None, amt), Line(ledger.income_account(k), None, -amt)]
    return out


# --- Publication and its what-if ----------------------------------------------------------------------
# Publication, its what-if and 补减免 read every unrelieved due of a pack's months: at the size
# (20 M dues) one query held them all in memory. They read `SCAN_BATCH` dues at a time by primary key
# (keyset: `id > last ORDER BY id LIMIT n`), and keep per employer and per account sums, never the dues.
SCAN_BATCH = 50_000


def _due_chunks(qs: Any) -> Iterable[list[Due]]:
    """The dues of ``qs`` in ascending primary key, `SCAN_BATCH` at a time (read when called, so a test
    may set it). A chunk relieved before the next is read does not move the key ranges ahead."""
    size, last = SCAN_BATCH, 0
    while True:
        chunk = list(qs.filter(pk__gt=last).order_by("pk")[:size])
        if not chunk:
            return
        yield chunk
        if len(chunk) < size:
            return
        last = chunk[-1].pk


class _Lookup:
    """Per-employer facts read once per employer across chunks (district, facts in force today)."""

    def __init__(self) -> None:
        self.district: dict[int, int] = {}
        self.facts: dict[int, tuple[str, str, str]] = {}

    def read(self, employer_ids: Iterable[int], *, facts: bool) -> None:
        new = sorted(set(employer_ids) - set(self.district))
        if new:
            got = dict(Employer.objects.filter(pk__in=new).values_list("pk", "district_id"))
            self.district.update({e: got.get(e) or 0 for e in new})
            if facts:
                self.facts.update(employer_facts_on(on=clock.today(), employer_ids=new))


@dataclass
class ReliefImpact:
    """What publishing a pack does to the dues already built (nothing is written by computing it)."""

    pack: ReliefPack
    dues: int = 0
    employers: int = 0
    reduced_fen: int = 0  # off open dues
    credited_fen: int = 0  # back to employers who had paid
    by_district: dict[int, dict[str, int]] = field(default_factory=dict)
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)
    deferral_eligible_employers: int = 0
    deferral_eligible_fen: int = 0  # open employer share of months a deferral rule covers
    unclassified_employers: int = 0  # enterprises without a size class: no size-class relief

    @property
    def relief_fen(self) -> int:
        return self.reduced_fen + self.credited_fen


def _impact(pack: ReliefPack, *, employer_ids: list[int] | None = None, district_id: int | None = None,
            each: Any = None) -> ReliefImpact:
    """`ReliefImpact` of ``pack`` on the unrelieved dues of its months, read in `_due_chunks`; ``each``,
    if given, is called with each chunk's (due, relief fen, rule key) rows to relieve (publication)."""
    out = ReliefImpact(pack)
    span = pack.months()
    if span is None:
        return out
    qs = Due.objects.filter(month_no__gte=span[0], month_no__lte=span[1], relief_rule="", employer_fen__gt=0)
    if employer_ids is not None:
        qs = qs.filter(employer_id__in=employer_ids)
    if district_id is not None:
        qs = qs.filter(employer__district_id=district_id)
    qs = qs.select_related(None).only("pk", "employer_id", "month_no", "month", "insurance", "employer_fen",
                                      "personal_fen", "amount_fen", "paid_on", "deferred_to")
    lookup = _Lookup()
    employers: dict[int, set[int]] = defaultdict(set)  # district -> employers relieved
    eligible: set[int] = set()
    for dues in _due_chunks(qs):
        lookup.read((d.employer_id for d in dues), facts=True)
        relief, keys = relief_compute(employer_id=[d.employer_id for d in dues], month_no=[d.month_no for d in dues],
                                      insurance=[d.insurance for d in dues],
                                      employer_fen=[d.employer_fen for d in dues], packs=[pack])
        rows: list[tuple[Due, int, str]] = []
        for d, r, k in zip(dues, relief.tolist(), keys, strict=True):
            if not k or r <= 0:
                continue
            rows.append((d, int(r), k))
            district = lookup.district.get(d.employer_id, 0)
            employers[district].add(d.employer_id)
            kind = "reduced_fen" if d.paid_on is None else "credited_fen"
            setattr(out, kind, getattr(out, kind) + int(r))
            out.by_district.setdefault(district, {"employers": 0, "reduced_fen": 0, "credited_fen": 0})[kind] += int(r)
            rule = out.by_rule.setdefault(k, {"dues": 0, "relief_fen": 0})
            rule["dues"] += 1
            rule["relief_fen"] += int(r)
        out.dues += len(rows)
        # Deferral: the employers a deferral rule covers, with their open employer share of its months.
        for d in dues if pack.deferrals else ():
            if d.paid_on is not None or d.deferred_to is not None:
                continue
            f = lookup.facts.get(d.employer_id, DEFAULT_FACTS)
            if any(rule.coverage.covers(insurance=d.insurance, month=d.month_no, unit_type=f[0], size_class=f[1],
                                        industry=f[2]) for rule in pack.deferrals):
                eligible.add(d.employer_id)
                out.deferral_eligible_fen += d.employer_fen
        if each is not None and rows:
            each(rows)
    for district, ids in employers.items():
        out.by_district[district]["employers"] = len(ids)
    out.employers = len(set().union(*employers.values())) if employers else 0
    out.deferral_eligible_employers = len(eligible)
    out.unclassified_employers = sum(1 for f in lookup.facts.values() if f[0] == "enterprise" and not f[1])
    return out


def relief_what_if(*, pack: str, user: Any = None) -> ReliefImpact:
    """What publishing ``pack`` now would relieve on the dues already built: how much, for how many
    employers, by district and by rule; a district's staff see their district. Nothing is written."""
    from shebao.core.scoping import user_sees_all

    p = load_relief_pack(pack).known_on(clock.today())
    district = None
    if user is not None and not user_sees_all(user):
        d = getattr(user, "district", None)
        district = d.pk if d is not None else -1
    return _impact(p, district_id=district)


def _is_person(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _publishable(pack: str) -> None:
    if pack not in relief_pack_names():
        raise ValidationError({"pack": f"没有名为“{pack}”的减免缓缴政策包"})
    if pack not in relief_packs_available():
        issued = load_relief_pack(pack).issued_on
        raise ValidationError({"pack": f"政策包“{pack}”依据的文件在业务日期{clock.today():%Y-%m-%d}尚未印发"
                                       f"（{issued:%Y-%m-%d}起可用），不能申请或发布"})
    if ReliefPublication.objects.filter(pack=pack).exists():
        raise ValidationError({"pack": f"政策包“{pack}”已发布执行，不能重复发布"})
    published = [load_relief_pack(n) for n in
                 ReliefPublication.objects.order_by("published_on", "pk").values_list("pack", flat=True)]
    rules = [r for p in (*published, load_relief_pack(pack)) for r in p.reliefs]
    clash = [rid for _, rid in shadowing_problems(rules)]
    if clash:
        raise ValidationError({"pack": f"政策包“{pack}”与已发布政策包的减免条目适用范围重叠，而先适用的条目依据的文件"
                                       f"印发在后（{'、'.join(clash)}）：后印发的文件只能减免尚未减免的费款，请调整条目"})


@transaction.atomic
def relief_pack_publish(*, pack: str, actor: Any, on: dt.date | None = None) -> ReliefPublication:
    """Put a relief pack in force: dues built from now on carry its relief, and the dues already built
    of its months are relieved at once, open ones reduced and paid ones credited to the employer
    (whose credit then pays its open dues, oldest first). One balanced ledger entry; audit rows.

    Only a named system job (the `relief_packs --publish` command) publishes directly; a person asks
    (`relief_pack_publish_request`) and a second person approves (`relief_pack_publish_decide`).
    Raises ValidationError if the pack is already in force or unknown; SecondPersonRequired for a
    person; PermissionDenied.
    """
    from shebao.collection.services import SecondPersonRequired

    require(actor, "relief_pack.publish")
    _publishable(pack)
    if _is_person(actor):
        raise SecondPersonRequired("发布减免缓缴政策包须由一名工作人员申请、另一名工作人员复核后发布（经办与复核分离）")
    return _publish(pack=pack, actor=actor, on=on)


@dataclass
class _Relieving:
    """What relieving dues chunk by chunk adds up to, for one ledger entry: the postings summed per
    account and employer (bounded by the employers, not the dues) and the figures of the record."""

    lines: dict[tuple[str, int | None], int] = field(default_factory=lambda: defaultdict(int))
    dues: int = 0
    employers: set[int] = field(default_factory=set)
    reduced_fen: int = 0
    credited_fen: int = 0
    credited_employers: set[int] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)

    def post(self, *, on: dt.date, actor: Any, memo: str, reason: str) -> LedgerTransaction | None:
        """The one balanced entry of what was relieved (None when nothing was)."""
        lines = [Line(account, employer, fen) for (account, employer), fen in
                 sorted(self.lines.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)) if fen]
        if not lines:
            return None
        return ledger.ledger_post(kind=LedgerTransaction.Kind.RELIEF, occurred_on=on, lines=lines, actor=actor,
                                  memo=memo, reason=reason)


def _relieve_chunk(rows: Sequence[tuple[Due, int, str]], into: _Relieving, *, actor: Any, reason: str) -> list[Due]:
    """Relieve dues (each with its relief in fen and rule key) that are not relieved yet, re-read under a
    row lock: an open due is reduced (receivable credited), a paid one is credited to the employer's
    credit account; audit rows for the dues. The postings are added to ``into`` (its `post` writes the
    entry). Returns the dues relieved."""
    relieved: list[Due] = []
    fresh = {d.pk: d for d in Due.objects.select_for_update().filter(pk__in=[d.pk for d, _, _ in rows])}
    for stale, r, key in rows:
        d = fresh[stale.pk]
        if d.relief_rule:  # relieved meanwhile
            continue
        d.relief_fen, d.relief_rule = r, key
        into.lines[(relief_account(d.insurance), None)] += r
        if d.paid_on is None:
            d.employer_fen -= r
            d.amount_fen -= r
            into.lines[(ledger.RECEIVABLE, d.employer_id)] -= r
            into.reduced_fen += r
        else:
            d.relief_credited = True
            into.lines[(ledger.EMPLOYER_CREDIT, d.employer_id)] -= r
            into.credited_employers.add(d.employer_id)
            into.credited_fen += r
        into.dues += 1
        into.employers.add(d.employer_id)
        into.rules.add(key)
        relieved.append(d)
    if relieved:
        audited_bulk_update(actor=actor, objs=relieved,
                            fields=["relief_fen", "relief_rule", "relief_credited", "employer_fen", "amount_fen"],
                            reason=reason)
    return relieved


def _relieve_dues(rows: Sequence[tuple[Due, int, str]], *, on: dt.date, actor: Any, memo: str, reason: str,
                  ) -> tuple[list[Due], LedgerTransaction | None, set[int]]:
    """`_relieve_chunk` of ``rows`` and its one balanced ledger entry debiting ``relief:<insurance>``.
    Returns the dues relieved, the entry (None when nothing was) and the employers credited."""
    into = _Relieving()
    relieved = _relieve_chunk(rows, into, actor=actor, reason=reason)
    return relieved, into.post(on=on, actor=actor, memo=memo, reason=reason), into.credited_employers


def _publish(*, pack: str, actor: Any, on: dt.date | None) -> ReliefPublication:
    from shebao.collection.services import credit_apply

    on = on or clock.today()
    p = load_relief_pack(pack).known_on(on)
    into, reason = _Relieving(), f"发布减免政策包{p.name}"
    _impact(p, each=lambda rows: _relieve_chunk(rows, into, actor=actor, reason=reason))
    txn = into.post(on=on, actor=actor, memo=f"减免社会保险费：{p.title}", reason=reason)
    publication = ReliefPublication.objects.create(
        pack=p.name, version=p.version, title=p.title[:200], published_on=on, published_by_label=actor_label(actor),
        dues=into.dues, employers=len(into.employers), reduced_fen=into.reduced_fen, credited_fen=into.credited_fen,
        transaction=txn, rules_known=[r.key for r in p.reliefs])
    audit_create(actor=actor, instance=publication, reason=f"发布减免缓缴政策包：{p.title}")
    for employer in Employer.objects.filter(pk__in=into.credited_employers).order_by("pk"):
        credit_apply(employer=employer, actor=actor, on=on)
    return publication


# --- Rules known after the decision (补减免) ---------------------------------------------------------
def _newly_known(on: dt.date) -> tuple[list[ReliefPack], dict[str, dt.date], list[ReliefRule]]:
    """The published packs as known on ``on``, each pack's publication day, and the rules known on
    ``on`` whose document was issued after their pack's publication (what no publication applied)."""
    published = dict(ReliefPublication.objects.order_by("published_on", "pk").values_list("pack", "published_on"))
    packs = packs_known_on([load_relief_pack(name) for name in published], on)
    return packs, published, [r for p in packs for r in p.reliefs if r.issued_on > published[p.name]]


def _newly_relieved(on: dt.date, *, lock: bool = False) -> Iterable[list[tuple[Due, int, ReliefRule]]]:
    """Dues not relieved that a rule relieves on ``on`` and did not when they were decided, a chunk at a
    time (`_due_chunks`): the due was decided on the later of the day it was built and its pack's
    publication; the rule's document is issued after that day and by ``on`` (`rules.relief.rule_newly_known`,
    in columns). A due not relieved under a rule known when it was decided stays as it is: its facts, not
    a notice, left it out."""
    packs, published, newly = _newly_known(on)
    if not newly:
        return
    cover = Q()
    for r in newly:
        cover |= Q(month_no__gte=r.coverage.month_from, month_no__lte=r.coverage.month_to,
                   insurance__in=sorted(r.coverage.insurances))
    qs = Due.objects.filter(cover, relief_rule="", employer_fen__gt=0)
    if lock:
        qs = qs.select_for_update()
    qs = qs.only("pk", "employer_id", "month_no", "month", "insurance", "employer_fen", "personal_fen", "amount_fen",
                 "paid_on", "deferred_to", "created_at")
    rules = {r.key: r for p in packs for r in p.reliefs}
    for dues in _due_chunks(qs):
        relief, keys = relief_compute(employer_id=[d.employer_id for d in dues], month_no=[d.month_no for d in dues],
                                      insurance=[d.insurance for d in dues],
                                      employer_fen=[d.employer_fen for d in dues], packs=packs)
        out = []
        for d, fen, key in zip(dues, relief.tolist(), keys, strict=True):
            if not key or fen <= 0:
                continue
            rule = rules[key]
            decided = max(timezone.localtime(d.created_at).date(), published[rule.pack])
            if decided < rule.issued_on <= on:
                out.append((d, int(fen), rule))
        if out:
            yield out


@dataclass(frozen=True)
class NewlyKnownRelief:
    """What `relief_known_apply` would relieve now, by document (nothing is written by computing it):
    per document (its citation and issue day) the rules, dues, employers and fen (reduced, credited)."""

    document: str
    issued_on: dt.date
    pack: str
    rules: tuple[str, ...]
    dues: int
    employers: int
    reduced_fen: int
    credited_fen: int


def _document_of(rule: ReliefRule) -> tuple[str, str, dt.date]:
    """How re-relief groups dues: (pack, document, issue day); runs and records go in this order."""
    return rule.pack, rule.reference.document, rule.issued_on


def _sorted_documents(keys: Iterable[tuple[str, str, dt.date]]) -> list[tuple[str, str, dt.date]]:
    return sorted(keys, key=lambda k: (k[2], k[0], k[1]))


@dataclass(frozen=True)
class NewlyKnownPreview:
    """What `relief_known_apply` would do on the business day ``on`` (nothing is written by computing
    it): in total (dues, employers, fen reduced off open dues and credited back for paid ones), by
    document (`NewlyKnownRelief`) and by district (district office id -> dues, employers, reduced_fen,
    credited_fen; 0 for an employer without a district)."""

    on: dt.date
    dues: int
    employers: int
    reduced_fen: int
    credited_fen: int
    by_document: list[NewlyKnownRelief]
    by_district: dict[int, dict[str, int]]

    @property
    def relief_fen(self) -> int:
        return self.reduced_fen + self.credited_fen


def _newly_known_preview(on: dt.date) -> NewlyKnownPreview:
    """Sums over `_newly_relieved` chunks (per document, per district, in total); no due is kept."""
    lookup = _Lookup()
    docs: dict[tuple[str, str, dt.date], _Relieving] = defaultdict(_Relieving)
    districts: dict[int, _Relieving] = defaultdict(_Relieving)
    total = _Relieving()
    for rows in _newly_relieved(on):
        lookup.read((d.employer_id for d, _, _ in rows), facts=False)
        for d, fen, rule in rows:
            for into in (docs[_document_of(rule)], districts[lookup.district.get(d.employer_id, 0)], total):
                into.dues += 1
                into.employers.add(d.employer_id)
                into.rules.add(rule.key)
                if d.paid_on is None:
                    into.reduced_fen += fen
                else:
                    into.credited_fen += fen
    by_document = [NewlyKnownRelief(doc, issued, pack, tuple(sorted(docs[k].rules)), docs[k].dues,
                                    len(docs[k].employers), docs[k].reduced_fen, docs[k].credited_fen)
                   for k in _sorted_documents(docs) for pack, doc, issued in [k]]
    return NewlyKnownPreview(on=on, dues=total.dues, employers=len(total.employers), reduced_fen=total.reduced_fen,
                             credited_fen=total.credited_fen, by_document=by_document,
                             by_district={k: {"dues": v.dues, "employers": len(v.employers),
                                              "reduced_fen": v.reduced_fen, "credited_fen": v.credited_fen}
                                          for k, v in sorted(districts.items())})


def relief_newly_known(*, on: dt.date | None = None) -> list[NewlyKnownRelief]:
    """What relieving the rules issued since their dues were decided would do on ``on`` (default the
    business day), by document: a what-if for the pack page and the command; nothing is written."""
    return _newly_known_preview(on or clock.today()).by_document


def relief_known_preview(*, actor: Any) -> NewlyKnownPreview:
    """The what-if of 补减免 for the center (the API's GET /relief/newly-known/): what running
    `relief_known_apply` now would relieve, by document and by district, city-wide. The business day is
    `core.clock`'s. Raises PermissionDenied unless ``actor`` may see the preview (relief_known.preview:
    those who may ask for a pack's publication, the center's administrators and its collection desk, who
    answer the employers); the refusal names the preview.
    """
    require(actor, "relief_known.preview")
    return _newly_known_preview(clock.today())


@transaction.atomic
def relief_known_apply(*, actor: Any) -> list[ReliefReapplication]:
    """Relieve the dues a published pack's rule covers whose document was issued after the dues were
    decided (补减免): Beijing's notice of 2020-03-08 for the February dues built on 2020-02-20, the
    人社部发〔2020〕49号 extensions of 2020-06-22. Open dues are reduced, paid ones credited to the
    employer (whose credit then pays its open dues, oldest first): new ledger entries, one per document,
    each recorded with the document that caused it (`ReliefReapplication`), and audit rows. The dues are
    read and relieved `SCAN_BATCH` at a time; each document's postings are summed per employer.

    Idempotent: a relieved due is never looked at again, so a second run on the same day (or any day
    with no new document) writes nothing and returns []. Late fees are not posted: they are worked out
    from the open amount (collection.assessment), so a reduced due's late fee falls with it.

    The day is the business day (`core.clock`), never one given by the caller: a later day would apply
    notices not yet issued. Raises PermissionDenied (relief_pack.publish: the center, or a named system
    job, puts a published pack's rules in force).
    """
    from shebao.collection.services import credit_apply

    require(actor, "relief_pack.publish")
    on = clock.today()
    docs: dict[tuple[str, str, dt.date], _Relieving] = defaultdict(_Relieving)
    for rows in _newly_relieved(on, lock=True):
        mine: dict[tuple[str, str, dt.date], list[tuple[Due, int, str]]] = defaultdict(list)
        for d, fen, rule in rows:
            mine[_document_of(rule)].append((d, fen, rule.key))
        for key, chunk in mine.items():
            _relieve_chunk(chunk, docs[key], actor=actor, reason=f"执行{key[2]:%Y-%m-%d}印发文件的减免条目（政策包{key[0]}）")
    out = []
    credited: set[int] = set()
    for key in _sorted_documents(docs):
        pack, document, issued = key
        into = docs[key]
        txn = into.post(on=on, actor=actor, memo=f"补减免社会保险费：{document}"[:200],
                        reason=f"执行{issued:%Y-%m-%d}印发文件的减免条目（政策包{pack}）")
        if txn is None:
            continue
        credited |= into.credited_employers
        record = ReliefReapplication.objects.create(
            pack=pack, document=document[:300], document_issued_on=issued, applied_on=on,
            applied_by_label=actor_label(actor), rules=sorted(into.rules), dues=into.dues,
            employers=len(into.employers), reduced_fen=into.reduced_fen, credited_fen=into.credited_fen,
            transaction=txn)
        audit_create(actor=actor, instance=record, reason=f"补减免：{document}"[:200])
        out.append(record)
    for employer in Employer.objects.filter(pk__in=credited).order_by("pk"):
        credit_apply(employer=employer, actor=actor, on=on)
    return out


@transaction.atomic
def relief_pack_publish_request(*, pack: str, actor: Any, reason: str) -> ReliefPublicationRequest:
    """Ask for ``pack`` to be published (the maker): the what-if's figures of this moment (relief in
    fen, employers) are recorded with the request for the checker. Nothing is relieved yet.

    Raises ValidationError (unknown or published pack, no reason, a request already pending),
    SecondPersonRequired (a system job cannot ask) or PermissionDenied (relief_pack.request).
    """
    from shebao.collection.services import SecondPersonRequired

    require(actor, "relief_pack.request")
    if not _is_person(actor):
        raise SecondPersonRequired("发布申请由一名工作人员提出、另一名工作人员复核，系统作业不能申请")
    _publishable(pack)
    reason = _text(reason, label="申请说明", max_length=200, field="reason")
    if len(reason) < 2:
        raise ValidationError({"reason": "请填写申请说明（如依据的文件已正式印发）"})
    if ReliefPublicationRequest.objects.filter(pack=pack, outcome=ReliefPublicationRequest.Outcome.PENDING).exists():
        raise ValidationError({"pack": f"政策包“{pack}”已有待复核的发布申请"})
    impact = _impact(load_relief_pack(pack).known_on(clock.today()))
    request = ReliefPublicationRequest.objects.create(pack=pack, reason=reason, relief_fen=impact.relief_fen,
                                                      employers=impact.employers, requested_by=actor)
    audit_create(actor=actor, instance=request, reason=f"申请发布减免缓缴政策包{pack}（须复核）")
    return request


@transaction.atomic
def relief_pack_publish_decide(*, request: ReliefPublicationRequest, actor: Any, approve: bool, note: str = "",
                               on: dt.date | None = None) -> ReliefPublicationRequest:
    """The second person approves (the pack is published at once, as `relief_pack_publish`) or declines
    (nothing is relieved; a note is required) a publication request.

    Raises SecondPersonRequired (the one who asked, or a system job), ValidationError (already
    decided, the pack published meanwhile, a decline without a note) or PermissionDenied.
    """
    from shebao.collection.services import SecondPersonRequired

    require(actor, "relief_pack.publish")
    if not _is_person(actor):
        raise SecondPersonRequired("发布申请须由另一名工作人员复核，系统作业不能复核")
    request = ReliefPublicationRequest.objects.select_for_update().get(pk=request.pk)
    if request.outcome != ReliefPublicationRequest.Outcome.PENDING:
        raise ValidationError("该发布申请已复核")
    if request.requested_by_id == actor.pk:
        raise SecondPersonRequired("发布减免缓缴政策包须由申请人以外的另一名工作人员复核（经办与复核分离）")
    note = _text(note, label="复核意见", max_length=200, field="note")
    if not approve and len(note) < 2:
        raise ValidationError({"note": "不同意发布时请填写复核意见"})
    before = snapshot(request)
    if approve:
        _publishable(request.pack)
        request.publication = _publish(pack=request.pack, actor=actor, on=on)
    request.outcome = (ReliefPublicationRequest.Outcome.APPROVED if approve
                       else ReliefPublicationRequest.Outcome.DECLINED)
    request.decided_by, request.decided_at, request.note = actor, clock.now(), note
    request.save()
    audit_update(actor=actor, instance=request, before=before,
                 reason=("复核同意发布减免缓缴政策包" if approve else f"复核不同意发布减免缓缴政策包：{note}")[:200])
    return request


# --- Deferral (缓缴): an application and its approval ---------------------------------------------------
def deferral_due_dates(months: Sequence[str]) -> dict[str, dt.date]:
    """Each month's due date under the policy in force (extensions included)."""
    from shebao.core.policy import current_policy
    from shebao.rules import due_date

    policy = current_policy()
    return {m: due_date(m, policy) for m in months}


def _deferral_rule(pack: str, rule: str) -> tuple[ReliefPack, DeferralRule]:
    if not ReliefPublication.objects.filter(pack=pack).exists():
        raise ValidationError({"pack": f"政策包“{pack}”尚未发布执行，不能据以缓缴"})
    p = load_relief_pack(pack)
    if isinstance(rule, str) and rule.startswith(f"{pack}/"):
        rule = rule[len(pack) + 1:]  # the key the packs API lists (review-input8 F10): "<pack>/<rule>"
    try:
        r = p.deferral(rule)
    except KeyError:
        raise ValidationError({"rule": f"政策包“{p.title}”没有缓缴条目“{rule}”"}) from None
    if r.issued_on > clock.today():  # a deferral rule applies from the day its document is issued
        raise ValidationError({"rule": f"缓缴条目“{r.label}”依据的文件（{r.reference.document}）在业务日期"
                                       f"{clock.today():%Y-%m-%d}尚未印发，不能据以缓缴"})
    return p, r


def _months(raw: Sequence[str]) -> list[str]:
    out = []
    for m in raw:
        try:
            month_index(str(m).strip(), "months")
        except Exception:
            raise ValidationError({"months": f"费款所属期“{m}”格式错误，应为YYYY-MM"}) from None
        out.append(str(m).strip())
    return sorted(set(out))


def _refuse(refusals: list[Any]) -> None:
    if refusals:
        errors: dict[str, list[str]] = defaultdict(list)
        for r in refusals:
            errors[r.field if r.field in ("months", "due_until") else "__all__"].append(r.zh)
        raise ValidationError(dict(errors))


def _deferrable(dues: Iterable[Due], until: dt.date | None = None) -> list[Due]:
    """The dues a deferral to ``until`` moves: unpaid with an employer share, and not deferred yet or
    deferred to an earlier day (继续缓缴: 人社部发〔2020〕49号 第三条 "可继续缓缴…至2020年12月底")."""
    return [d for d in dues if d.paid_on is None and d.employer_fen > 0
            and (d.deferred_to is None or (until is not None and d.deferred_to < until))]


def _nothing_to_defer(month: str, dues: list[Due], insurances: str) -> str:
    """Why ``month`` has no open employer share to defer (its dues of the rule's insurance types)."""
    if not dues:
        return f"费款所属期{month}的{insurances}应缴费款尚未核定，没有可缓缴的费款（核定后再申请缓缴）"
    if all(d.paid_on is not None for d in dues):
        return f"费款所属期{month}的{insurances}费款已缴清，无需缓缴"
    deferred = sorted({d.deferred_to for d in dues if d.deferred_to is not None})
    if deferred:
        return (f"费款所属期{month}的单位缴费已缓缴至{deferred[-1]:%Y-%m-%d}，不能重复缓缴"
                f"（继续缓缴须申请缓缴至该日以后）")
    return f"费款所属期{month}没有未缴的{insurances}单位缴费（已缴清或已全额减免），无需缓缴"


@dataclass(frozen=True)
class DeferralPreview:
    """What a deferral of one employer's ``months`` would defer now: the open dues of the rule's
    insurance types (employer share > 0, not paid, not already deferred), their employer share in fen,
    and for each month with nothing to defer, why (Chinese). Nothing is written by computing it."""

    dues: list[Due]
    employer_fen: int
    empty_months: dict[str, str]


def deferral_preview(*, employer: Employer, months: Sequence[str], insurances: Iterable[str],
                     until: dt.date | None = None, lock: bool = False) -> DeferralPreview:
    """The dues a deferral of ``months`` (``YYYY-MM``) for ``insurances`` to ``until`` would move
    (`DeferralPreview`): what registration requires to be non-empty for every month (人社部发〔2020〕11号
    第三条 defers contributions owed, so a month already paid has nothing to defer) and what the
    approval page shows before the decision. A due already deferred to a day before ``until`` is moved
    again (继续缓缴); without ``until`` only dues never deferred count. ``lock`` takes row locks (the
    approval's write)."""
    wanted = set(insurances)
    insurances = [i for i in INSURANCE_LABELS if i in wanted] + sorted(wanted - set(INSURANCE_LABELS))
    qs = Due.objects.filter(employer=employer, month__in=list(months), insurance__in=insurances)
    if lock:
        qs = qs.select_for_update()
    rows = list(qs.order_by("month_no", "insurance", "pk"))
    names = "、".join(INSURANCE_LABELS.get(i, i) for i in insurances)
    open_dues = _deferrable(rows, until)
    empty = {}
    for m in months:
        mine = [d for d in rows if d.month == m]
        if not _deferrable(mine, until):
            empty[m] = _nothing_to_defer(m, [d for d in mine if d.employer_fen > 0 or d.relief_fen > 0], names)
    return DeferralPreview(dues=open_dues, employer_fen=sum(d.employer_fen for d in open_dues), empty_months=empty)


def deferral_preview_of(deferral: Deferral) -> DeferralPreview | None:
    """`deferral_preview` of a registered application (None when its pack or rule is gone)."""
    rule = relief_rule_of(f"{deferral.pack}/{deferral.rule}")
    if not isinstance(rule, DeferralRule):
        return None
    return deferral_preview(employer=deferral.employer, months=deferral.months, insurances=rule.coverage.insurances,
                            until=deferral.due_until)


def _refuse_overlap(*, employer: Employer, months: Sequence[str], insurances: Iterable[str],
                    due_until: dt.date) -> None:
    """One pending application per month and insurance type, and a month already deferred only further
    (继续缓缴). The three insurances of 人社部发〔2020〕11号 and 职工医保 of 医保发〔2020〕6号 are two
    applications of the same months, so the check is by (month, insurance type), not by month.
    Raises ValidationError naming each month and insurance type in Chinese."""
    wanted, asked = set(insurances), set(months)
    problems = []
    for d in Deferral.objects.filter(employer=employer,
                                     status__in=[Deferral.Status.APPLIED, Deferral.Status.APPROVED]).order_by("pk"):
        rule = relief_rule_of(f"{d.pack}/{d.rule}")
        theirs = set(rule.coverage.insurances) if isinstance(rule, DeferralRule) else set(INSURANCE_LABELS)
        common_months, common = sorted(asked & set(d.months)), [i for i in INSURANCE_LABELS if i in wanted & theirs]
        if not common_months or not common:
            continue
        names = "、".join(INSURANCE_LABELS[i] for i in common)
        if d.status == Deferral.Status.APPLIED:
            problems.append(f"费款所属期{'、'.join(common_months)}的{names}已有待审批的缓缴申请（#{d.pk}）")
        elif d.due_until >= due_until:
            problems.append(f"费款所属期{'、'.join(common_months)}的{names}已缓缴至{d.due_until:%Y-%m-%d}"
                            f"（#{d.pk}），继续缓缴须申请缓缴至该日以后")
    if problems:
        raise ValidationError({"months": problems})


@transaction.atomic
def deferral_apply(*, employer: Employer, pack: str, rule: str, months: Sequence[str], due_until: dt.date,
                   reason: str, actor: Any) -> Deferral:
    """Register an employer's application to defer the employer share of ``months`` to ``due_until``.

    Checked against the pack's rule at once (who it covers, which months, the limit): a refused
    application is not stored. Raises ValidationError with each reason in Chinese; PermissionDenied.
    """
    require(actor, "deferral.apply", district_id=employer.district_id)
    p, r = _deferral_rule(pack, rule)
    months = _months(months)
    if not months:
        raise ValidationError({"months": "请填写申请缓缴的费款所属期（YYYY-MM）"})
    check_business_date(due_until, label="缓缴至", field="due_until")
    reason = _text(reason, label="申请理由", max_length=300, field="reason")
    if not reason:
        raise ValidationError({"reason": "请填写申请缓缴的理由（如生产经营困难情况）"})
    facts = employer_facts_on(on=clock.today(), employer_ids=[employer.pk])[employer.pk]
    _refuse(deferral_refusals(r, months=months, due_until=due_until, due_in_force=deferral_due_dates(months),
                              unit_type=facts[0], size_class=facts[1], industry=facts[2]))
    _refuse_overlap(employer=employer, months=months, insurances=r.coverage.insurances, due_until=due_until)
    # A deferral moves what is owed: a month with nothing open (paid, relieved in full, deferred,
    # or not yet assessed) would be registered and approved deferring nothing (review-input3 E9).
    preview = deferral_preview(employer=employer, months=months, insurances=r.coverage.insurances, until=due_until)
    if preview.empty_months:
        raise ValidationError({"months": list(preview.empty_months.values())})
    deferral = Deferral.objects.create(employer=employer, pack=p.name, rule=r.id, months=months, due_until=due_until,
                                       reason=reason, applied_on=clock.today(),
                                       applied_by_label=actor_label(actor))
    audit_create(actor=actor, instance=deferral, reason=f"登记缓缴申请：{r.label}")
    return deferral


@transaction.atomic
def deferral_decide(*, deferral: Deferral, approve: bool, actor: Any, note: str = "") -> Deferral:
    """Approve or refuse a deferral (by someone other than who registered it). Approval re-checks the
    rule, then splits each open due of the months and the rule's insurance types into the employer
    share (deferred to ``due_until``) and the personal share (due as before). The receivable is
    unchanged, so no ledger entry. Raises ValidationError; PermissionDenied."""
    deferral = Deferral.objects.select_for_update().select_related("employer").get(pk=deferral.pk)
    require(actor, "deferral.decide", district_id=deferral.employer.district_id)
    if deferral.status != Deferral.Status.APPLIED:
        # The status label says it ("已批准", "不予批准"): "该缓缴申请已已批准" doubled it (E9).
        raise ValidationError(f"该缓缴申请的审批结果为“{deferral.get_status_display()}”，不能再次审批")
    if actor_label(actor) == deferral.applied_by_label:
        raise ValidationError("缓缴申请须由登记人以外的人员审批")
    note = _text(note, label="审批意见", max_length=300, field="note")
    before = snapshot(deferral)
    if not approve:
        if not note:
            raise ValidationError({"note": "不予批准须填写理由"})
        deferral.status = Deferral.Status.REFUSED
    else:
        _, rule = _deferral_rule(deferral.pack, deferral.rule)
        employer = deferral.employer
        facts = employer_facts_on(on=clock.today(), employer_ids=[employer.pk])[employer.pk]
        _refuse(deferral_refusals(rule, months=deferral.months, due_until=deferral.due_until,
                                  due_in_force=deferral_due_dates(deferral.months), unit_type=facts[0],
                                  size_class=facts[1], industry=facts[2]))
        preview = deferral_preview(employer=employer, months=deferral.months, insurances=rule.coverage.insurances,
                                   until=deferral.due_until, lock=True)
        if not preview.dues:
            raise ValidationError({"months": ["没有可缓缴的应缴费款，不能批准（请不予批准并说明理由）",
                                              *preview.empty_months.values()]})
        dues = sorted(preview.dues, key=lambda d: (d.month_no, d.pk))
        personal: list[Due] = []
        for d in dues:
            if d.personal_fen:
                personal.append(Due(employer_id=d.employer_id, month=d.month, month_no=d.month_no,
                                    insurance=d.insurance, employer_fen=0, personal_fen=d.personal_fen,
                                    amount_fen=d.personal_fen, persons=d.persons, split_from=d))
            d.personal_fen, d.amount_fen = 0, d.employer_fen
            d.deferred_to, d.deferral = deferral.due_until, deferral
        audited_bulk_update(actor=actor, objs=dues, fields=["personal_fen", "amount_fen", "deferred_to", "deferral"],
                            reason=f"批准缓缴：单位缴费部分缓缴至{deferral.due_until}")
        Due.objects.bulk_create(personal)
        audit_bulk_create(actor=actor, model=Due, objs=personal, reason="批准缓缴：个人缴费部分照常缴纳")
        deferral.status = Deferral.Status.APPROVED
        deferral.dues_deferred = len(dues)
        deferral.deferred_fen = sum(d.amount_fen for d in dues)
    deferral.decided_on, deferral.decided_by_label = clock.today(), actor_label(actor)
    deferral.decision_note = note
    deferral.save()
    audit_update(actor=actor, instance=deferral, before=before,
                 reason="批准缓缴" if approve else f"不予批准缓缴：{deferral.decision_note}")
    return deferral


def deferral_basis(deferral: Deferral) -> str:
    """The rule a deferral rests on: its label, document and clause."""
    rule = relief_rule_of(f"{deferral.pack}/{deferral.rule}")
    return f"{rule.label}{bracketed(f'{rule.reference.document} {rule.reference.clause}')}" if rule else deferral.rule


def deferral_text(deferral: Deferral) -> str:
    """How a page names a deferral: the new due date, and the rule with its document and clause."""
    return f"缓缴至{deferral.due_until:%Y-%m-%d}，缓缴期间免收滞纳金：{deferral_basis(deferral)}"


def insurance_label(code: str) -> str:
    return INSURANCE_LABELS.get(code, code)
