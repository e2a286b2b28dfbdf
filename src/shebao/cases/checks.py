"""The registry checks a business must pass (named by its definition, rules/businesses/<code>.yaml).

Each check reads the registry and the books for one application and returns the refusals it finds,
each naming the field (``details.<field>`` or the applicant) and the reason in Chinese. They run
when the application is submitted (nothing is stored if one fails) and again on completion, under
the case's lock, before the effect writes (the books may have changed meanwhile: a refund checked
against what was paid then and now).

Adding a check: a function ``(ctx) -> list[FieldError]`` registered with ``@check("name")``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, Sum

from shebao.core.masking import mask_id_number
from shebao.registry.models import Contribution, Employer, EmploymentSpell, Person
from shebao.registry.selectors import kept_record, people_by_number
from shebao.rules.business_fields import FieldError, definition
from shebao.rules.dates import month_index, month_str


@dataclass
class CheckContext:
    """One application as the checks read it: the business, its applicant and its content."""

    business: str
    employer: Employer | None
    person: Person | None
    details: dict[str, Any]
    applied_on: dt.date
    case_id: int | None = None  # set on completion: the case's own refund is not counted twice


Check = Callable[[CheckContext], list[FieldError]]
CHECKS: dict[str, Check] = {}


# Who reads the refusals being made: a portal applicant (`core.permissions.PortalActor`) or None for
# staff and system jobs. A refusal naming another application names its number only to a reader who may
# open it: an employer was told 「退费申请#N在办理中」 of a person's own refund its portal answers 404 for
# (ux14 finding 6). Set by `case_submit` for a portal actor and by the portal's page decorators.
_READER: ContextVar[Any] = ContextVar("cases_checks_reader", default=None)


@contextmanager
def read_by(actor: Any) -> Iterator[None]:
    """Refusals made within are read by `actor`: see `case_named`."""
    from shebao.core.permissions import PortalActor

    token = _READER.set(actor if isinstance(actor, PortalActor) else None)
    try:
        yield
    finally:
        _READER.reset(token)


def case_openable(case: Any) -> bool:
    """Whether the reader of the refusals being made (`read_by`) may open `case` (anything with pk,
    applicant_kind, employer_id, person_id): always for staff; for a portal applicant only its own
    applications (`cases.selectors.case_owned_by`)."""
    reader = _READER.get()
    if reader is None:
        return True
    from shebao.cases.selectors import case_owned_by

    return case_owned_by(reader, case)


def case_named(case: Any) -> str:
    """How a refusal or page names another application: 申请编号N when its reader may open it
    (`case_openable`), else who applied for it (个人申请 / 单位申请), never its number: no page or message
    of the portal names a case its reader cannot open (ux14 finding 6)."""
    if case_openable(case):
        return f"申请编号{case.pk}"
    return applicant_words(case)


def applicant_words(case: Any) -> str:
    """个人申请 or 单位申请: who applied for `case`, said instead of a number its reader cannot open."""
    return "个人申请" if case.applicant_kind == "person" else "单位申请"


# What a check reads of the content, so that a form with some fields at fault is still answered by
# the checks that do not depend on them, in the same round (review-user13 (6): a card form said
# 请填写收件人 first, and only once that was filled in that the address was too short):
# () the check reads no content field (the applicant's registry, their open applications): it runs;
# EACH the check judges each field on its own: it runs, and says nothing at a field already at fault;
# a tuple of fields: it runs when none of them is at fault. A check that declares nothing reads the
# whole content: it runs only on content without fault.
EACH = "each"
READS: dict[str, tuple[str, ...] | str] = {}


def check(name: str, *, reads: tuple[str, ...] | str | None = None) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        CHECKS[name] = fn
        if reads is not None:
            READS[name] = reads
        return fn
    return register


def _runs_despite(name: str, failed: set[str]) -> bool:
    """Whether check `name` runs on content whose fields `failed` are at fault (see READS)."""
    if not failed:
        return True
    reads = READS.get(name)
    if reads == ():
        return True
    if reads is None or "details" in failed:  # the whole content unreadable: only what reads none of it
        return False
    return reads == EACH or not (set(reads) & failed)


# A check that reads what an earlier check refused does not run: it would answer about data that is
# not the applicant's (refund_within_paid told another employer's paid amount, review-input12 F1).
REQUIRES = {"refund_within_paid": "refund_dues_of_applicant"}

# The checks of every business about one person (its definition's ``person:``), before its own.
PERSON_CHECKS = ("person_named", "person_of_employer")


def checks_run(ctx: CheckContext, *, failed: Iterable[str] = ()) -> list[FieldError]:
    """Every check the business's definition names, in order (a business about one person first
    the PERSON_CHECKS); the refusals of all of them, each once.

    `failed`: the content's fields already refused by the definition (``ctx.details`` then holds the
    others): only the checks that do not depend on them run (READS), and none speaks at those fields."""
    failed = set(failed)
    d = definition(ctx.business)
    names = list(dict.fromkeys((PERSON_CHECKS if d.names_person else ()) + d.checks))
    errors: list[FieldError] = []
    # The checks of one application read a pair's spells once (person_of_employer and
    # person_employed_in_months both read them): nothing is written while they run.
    token = _SPELLS_READ.set({})
    refused: set[str] = set()
    try:
        for name in names:
            if REQUIRES.get(name, "") in refused or not _runs_despite(name, failed):
                continue
            found = [e for e in CHECKS[name](ctx) if e.field.split(".")[:2][-1] not in failed]
            if found:
                refused.add(name)
            errors += [e for e in found if e not in errors]
    finally:
        _SPELLS_READ.reset(token)
    return errors


@dataclass(frozen=True)
class RegistryRead:
    """The employment spells and contribution months of some (person, employer) pairs, read in two
    statements for many applications at once (`registry_read`): the checks below answer from it for
    the pairs it holds, and query the registry for any other pair, so their answers are the same."""

    pairs: frozenset[tuple[int, int]]
    spells: dict[tuple[int, int], tuple[tuple[str, str], ...]]
    contributed: frozenset[tuple[int, int, str]]

    def holds(self, person: Person | None, employer: Employer | None) -> bool:
        return person is not None and employer is not None and (person.pk, employer.pk) in self.pairs


_READ: ContextVar[RegistryRead | None] = ContextVar("registry_read", default=None)
# The spells read during one `checks_run`, by (person id, employer id).
_SPELLS_READ: ContextVar[dict[tuple[int, int], list[tuple[str, str]]] | None] = ContextVar("spells_read",
                                                                                          default=None)


@contextmanager
def registry_read(pairs: Iterable[tuple[int, int]]) -> Iterator[RegistryRead]:
    """Within the block, the checks read the spells and contributions of `pairs` ((person id,
    employer id)) from one read made here (`cases.batch`: thousands of applications checked at once).
    Use inside the transaction that holds what is decided, with nothing written to those rows meanwhile."""
    wanted = frozenset(pairs)
    persons = sorted({p for p, _ in wanted})
    employers = sorted({e for _, e in wanted})
    spells: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for person, employer, start, end in EmploymentSpell.objects.filter(
            person_id__in=persons, employer_id__in=employers).values_list("person_id", "employer_id", "from_month",
                                                                          "to_month"):
        if (person, employer) in wanted:
            spells.setdefault((person, employer), []).append((start, end))
    contributed = frozenset(
        row for row in Contribution.objects.filter(person_id__in=persons, employer_id__in=employers)
        .values_list("person_id", "employer_id", "month") if (row[0], row[1]) in wanted)
    read = RegistryRead(wanted, {k: tuple(v) for k, v in spells.items()}, contributed)
    token = _READ.set(read)
    try:
        yield read
    finally:
        _READ.reset(token)


def _spells(person: Person, employer: Employer) -> list[tuple[str, str]]:
    read = _READ.get()
    if read is not None and read.holds(person, employer):
        return list(read.spells.get((person.pk, employer.pk), ()))
    memo = _SPELLS_READ.get()
    if memo is not None and (person.pk, employer.pk) in memo:
        return list(memo[(person.pk, employer.pk)])
    spells = list(EmploymentSpell.objects.filter(person=person, employer=employer).values_list("from_month", "to_month"))
    if memo is not None:
        memo[(person.pk, employer.pk)] = spells
    return list(spells)


def months_between(start: str, end: str) -> list[str]:
    """>>> months_between("2019-11", "2020-02")
    ['2019-11', '2019-12', '2020-01', '2020-02']
    """
    return [month_str(i) for i in range(month_index(start), month_index(end) + 1)]


def employed_in(person: Person, employer: Employer, months: list[str]) -> list[str]:
    """The months of `months` in which `person` has no employment spell with `employer`."""
    spells = _spells(person, employer)
    return [m for m in months if not any(f <= m and (not t or m <= t) for f, t in spells)]


def _people(ctx: CheckContext, lines: list[dict[str, Any]]) -> tuple[dict[str, Person], list[FieldError]]:
    # A number of a record registered twice and merged names the record kept (whose spells the merge moved).
    found = people_by_number(line["id_number"] for line in lines)
    errors = [FieldError(f"details.lines.{i}.id_number", f"第{i}行：证件号码{line['id_number']}在登记系统中不存在")
              for i, line in enumerate(lines, start=1) if line["id_number"] not in found]
    return found, errors


def _not_employed(path: str, who: str, ctx: CheckContext, person: Person, months: list[str]) -> list[FieldError]:
    assert ctx.employer is not None
    missing = employed_in(person, ctx.employer, months)
    if not missing:
        return []
    return [FieldError(path, f"{who}在{'、'.join(missing)}不在{ctx.employer.name}参保（无该单位的参保经历），"
                             "不能办理")]


@check("employer_named", reads=())
def _employer_named(ctx: CheckContext) -> list[FieldError]:
    return [] if ctx.employer is not None else [FieldError("employer", "该业务须由参保单位申请，请指明单位")]


@check("person_named", reads=())
def _person_named(ctx: CheckContext) -> list[FieldError]:
    return [] if ctx.person is not None else [FieldError("person", "该业务须指明参保人员：请填写其证件号码")]


@check("person_of_employer", reads=())
def _person_of_employer(ctx: CheckContext) -> list[FieldError]:
    """An employer applies only for its own people: for a business whose definition says
    ``person: employee`` the person is employed by it in the month of the application (an employment
    spell covering that month); for ``person: insured``, insured by it at some time (any spell). The
    refusal names the person by the masked number only: the number may be another employer's or
    another district's person, whose name the applicant must not learn."""
    if ctx.employer is None or ctx.person is None:
        return []
    kind = definition(ctx.business).person
    spells = _spells(ctx.person, ctx.employer)
    who = f"证件号码为{mask_id_number(ctx.person.id_number)}的人员"
    if kind == "employee":
        month = f"{ctx.applied_on.year:04d}-{ctx.applied_on.month:02d}"
        if not any(start <= month and (not end or end >= month) for start, end in spells):
            return [FieldError("person", f"{who}{month}不是{ctx.employer.name}的在职职工（无该单位在本月的参保经历），"
                                         "单位只能为本单位在职职工申请此业务")]
    elif not spells:
        return [FieldError("person", f"{who}没有在{ctx.employer.name}参保的经历，单位只能为本单位参保过的职工申请此业务")]
    return []


def _case_months(ctx: CheckContext) -> list[str]:
    period = ctx.details.get("period")
    return months_between(period["from"], period["to"]) if period else []


# The businesses of which one person has one open application at a time (their definitions list
# the check): a second card replacement, retirement declaration, transfer out or resident-pension
# application while one is being handled would make a second card, a second pension or a second
# transfer of one account (a transfer in is not among them: one may come from several provinces) (review 3, E5: eight card replacements of one person were open at once).
ONE_OPEN_PER_PERSON = "one_open_per_person"


def open_case_of(*, person: Person, business: str, other_than: int | None = None) -> Any:
    """The person's application of `business` still being handled (neither completed nor rejected), the
    oldest, or None: what `one_open_per_person` refuses a second application for, and where the
    portal leads the person instead."""
    from shebao.cases.models import Case, Status

    return (Case.objects.filter(person=person, business=business)
            .exclude(status__in=[Status.COMPLETED, Status.REJECTED]).exclude(pk=other_than).order_by("pk").first())


@check(ONE_OPEN_PER_PERSON, reads=())
def _one_open_per_person(ctx: CheckContext) -> list[FieldError]:
    if ctx.person is None:
        return []
    from django.db import transaction

    if transaction.get_connection().in_atomic_block:
        # Two submissions at once wait for each other here, so the second sees the first (PostgreSQL;
        # SQLite writes one at a time anyway).
        Person.objects.select_for_update().filter(pk=ctx.person.pk).values_list("pk", flat=True).first()
    open_case = open_case_of(person=ctx.person, business=ctx.business, other_than=ctx.case_id)
    if open_case is None:
        return []
    follow = "请查看该申请的办理进度" if case_openable(open_case) else "如有疑问请联系申请人或经办机构"
    return [FieldError("person", f"{ctx.person.name}已有一笔{open_case.business_zh}申请正在办理（{case_named(open_case)}，"
                                 f"{open_case.applied_on:%Y-%m-%d}申请，{open_case.get_status_display()}），"
                                 f"办结前不能再次申请；{follow}")]


RECOGNITION_NOT_AWARDED = "recognition_not_awarded"


@check(RECOGNITION_NOT_AWARDED, reads=())
def _recognition_not_awarded(ctx: CheckContext) -> list[FieldError]:
    """A work-injury claim on a recognition whose benefits were already awarded is refused (9; review-input4
    F2: a claim was filed again for a worker whose death benefit had been paid). A later recognition (a
    new injury) may be claimed."""
    if ctx.person is None:
        return []
    from shebao.benefits.models import WorkInjuryAward
    from shebao.benefits.work_injury import medical_recognition

    recognition = medical_recognition(ctx.person)
    if recognition is None:
        return []
    award = WorkInjuryAward.objects.filter(recognition=recognition).select_related("case").order_by("pk").first()
    if award is None:
        return []
    return [FieldError("person", f"{ctx.person.name}的工伤认定决定（{recognition.decided_on:%Y-%m-%d}）已核定工伤保险待遇"
                                 f"（{case_named(award.case)}），不能再次申领；如有新的工伤认定，请在收到认定决定后申请")]


@check("person_employed_in_months")
def _person_employed(ctx: CheckContext) -> list[FieldError]:
    if ctx.person is None:
        return [FieldError("person", "该业务须指明参保人员：请填写其证件号码")]
    if ctx.employer is None:
        return []
    return _not_employed("details.period", ctx.person.name, ctx, ctx.person, _case_months(ctx))


@check("people_employed_in_months")
def _people_employed(ctx: CheckContext) -> list[FieldError]:
    if ctx.employer is None:
        return []
    lines = ctx.details.get("lines", [])
    found, errors = _people(ctx, lines)
    for i, line in enumerate(lines, start=1):
        person = found.get(line["id_number"])
        if person is not None:
            months = [line["month"]] if "month" in line else ctx.details.get("months", [])
            # Named by its row and masked number, never by the person's name: the number may be another
            # district's person, whose name this applicant and this clerk must not learn (district line).
            who = f"第{i}行：证件号码{mask_id_number(line['id_number'])}的人员"
            errors += _not_employed(f"details.lines.{i}.id_number", who, ctx, person, months)
    return errors


@check("months_not_contributed")
def _months_not_contributed(ctx: CheckContext) -> list[FieldError]:
    """A back-payment is for months without contributions; a month already paid on a lower base is
    a base-difference back-payment (1.1c)."""
    if ctx.employer is None:
        return []
    if "lines" in ctx.details:  # the monthly report: people × months
        numbers = [line["id_number"] for line in ctx.details["lines"]]
        months = ctx.details.get("months", [])
        path = "details.lines"
        # One statement: the number's own record, or the record kept when the number is a merged
        # record's (registry.merge moved its contributions there).
        qs = Contribution.objects.filter(employer=ctx.employer, month__in=months).filter(
            Q(person__id_number__in=numbers) | Q(person__merged_from__id_number__in=numbers))
    elif ctx.person is not None:
        months, path = _case_months(ctx), "details.period"
        read = _READ.get()
        if read is not None and read.holds(ctx.person, ctx.employer):
            have = [(ctx.person.name, m) for m in sorted(set(months))
                    if (ctx.person.pk, ctx.employer.pk, m) in read.contributed]
            return _contributed_refusal(path, have)
        qs = Contribution.objects.filter(employer=ctx.employer, person=ctx.person, month__in=months)
    else:
        return []
    return _contributed_refusal(path, sorted(set(qs.values_list("person__name", "month"))))


def _contributed_refusal(path: str, have: list[tuple[str, str]]) -> list[FieldError]:
    if not have:
        return []
    listed = "、".join(f"{name} {month}" for name, month in have[:10])
    return [FieldError(path, f"以下人员月份已有缴费记录，不能重复补缴（基数不足请办理基数差补缴）：{listed}")]


@check("bases_cover_period")
def _bases_cover_period(ctx: CheckContext) -> list[FieldError]:
    months = _case_months(ctx)
    given = [b["month"] for b in ctx.details.get("bases", [])]
    if sorted(given) == months and len(set(given)) == len(given):
        return []
    missing = sorted(set(months) - set(given))
    extra = sorted(set(given) - set(months))
    dup = sorted({m for m in given if given.count(m) > 1})
    parts = ([f"缺少{'、'.join(missing)}"] if missing else []) + ([f"期间外的{'、'.join(extra)}"] if extra else []) + \
        ([f"重复的{'、'.join(dup)}"] if dup else [])
    return [FieldError("details.bases", f"各月缴费基数须与补缴期间逐月对应：{'；'.join(parts)}")]


@check("old_base_matches")
def _old_base_matches(ctx: CheckContext) -> list[FieldError]:
    if ctx.employer is None:
        return []
    errors = []
    for i, line in enumerate(ctx.details.get("lines", []), start=1):
        path = f"details.lines.{i}"
        if line["new_base_fen"] <= line["old_base_fen"]:
            errors.append(FieldError(f"{path}.new_base_fen", f"第{i}行：新缴费基数须高于原缴费基数（调低基数请办理基数差退费）"))
            continue
        row = Contribution.objects.filter(employer=ctx.employer, person=people_by_number([line["id_number"]]).get(
            line["id_number"]), month=line["month"]).first()
        if row is None:
            errors.append(FieldError(f"{path}.month", f"第{i}行：{line['month']}没有该人员在本单位的缴费记录，请办理补缴"))
        elif row.pension_base_fen != line["old_base_fen"]:
            errors.append(FieldError(f"{path}.old_base_fen",
                                     f"第{i}行：原缴费基数与登记的{row.pension_base_fen / 100:.2f}元不一致"))
    return errors


@check("refund_dues_of_applicant")
def _refund_dues_of_applicant(ctx: CheckContext) -> list[FieldError]:
    from shebao.collection.models import Due

    ids = ctx.details.get("dues", [])
    dues = {d.pk: d for d in Due.objects.filter(pk__in=ids)}
    # A due that does not exist and a due of someone else get one answer, and nothing about the
    # other's due is said (review-input12 F1: the refused refund told another employer's paid amount,
    # and 不存在 versus 没有参保关系 told which numbers exist).
    if ctx.employer is not None:
        owner = ctx.employer.name
        theirs = {pk for pk, d in dues.items() if d.employer_id == ctx.employer.pk}
    elif ctx.person is not None:
        owner = ctx.person.name
        spells = set(EmploymentSpell.objects.filter(person=ctx.person, employer_id__in={
            d.employer_id for d in dues.values()}).values_list("employer_id", flat=True))
        theirs = {pk for pk, d in dues.items() if d.employer_id in spells}
    else:  # no applicant named: the field's own validation says so
        owner, theirs = "", set(dues)
    foreign = [str(i) for i in ids if i not in theirs]
    if foreign:
        return [FieldError("details.dues", f"所退费款中编号{'、'.join(foreign)}不是{owner}的应缴费款（或不存在），"
                                           "请核对所退费款")]
    employers = {d.employer_id for d in dues.values()}
    if not employers:  # no dues named: the field's own validation says so
        return []
    if len(employers) > 1:
        return [FieldError("details.dues", "所退费款须属于同一参保单位")]
    from shebao.collection.models import Allocation

    paid = dict(Allocation.objects.filter(due_id__in=ids).values("due_id").annotate(s=Sum("amount_fen"))
                .values_list("due_id", "s"))
    unpaid = [str(i) for i in ids if (paid.get(i) or 0) <= 0]
    if unpaid:
        return [FieldError("details.dues", f"所退费款中编号{'、'.join(unpaid)}的应缴费款没有已缴金额，不能退费"
                                           "（只能退已缴的费款）")]
    from shebao.collection.refundable import relief_credited_fen

    credited = relief_credited_fen(ids)
    spent = [str(i) for i in ids if credited.get(i, 0) >= (paid.get(i) or 0)]
    if spent:
        return [FieldError("details.dues", f"所退费款中编号{'、'.join(spent)}的应缴费款已缴金额已全部由减免退至预缴余额，"
                                           "不能再退费")]
    return []


@check("refund_within_paid")
def _refund_within_paid(ctx: CheckContext) -> list[FieldError]:
    """1.2c: never more than was paid for those dues (checked against the books), every other refund
    application in handling keeping its amount: one answer, `collection.refundable.refund_room`, at
    submission (API, portal, front desk), at a correction of the content and at approval, read under
    the lock of the dues' employer so two refunds decided at once cannot both take the same money."""
    from shebao.collection.refundable import refund_room

    ids = ctx.details.get("dues", [])
    amount = ctx.details.get("amount_fen", 0)
    room = refund_room(ids, exclude_case=ctx.case_id)
    if amount <= room.room_fen:
        return []
    if amount > room.books_fen or not room.holding:
        why = f"（已扣除减免已退至预缴余额的{room.credited_fen / 100:.2f}元）" if room.credited_fen else ""
        return [FieldError("details.amount_fen", f"退费金额{amount / 100:.2f}元超过所退费款的已缴未退金额"
                                                  f"{room.books_fen / 100:.2f}元{why}，不能多退")]
    from shebao.cases.models import Case

    holders = Case.objects.filter(pk__in=[h.case_id for h in room.holding]).only(
        "pk", "applicant_kind", "employer_id", "person_id").order_by("pk")
    # The numbers of the applications its reader may open; of the others who applied, without a number
    # (ux14 finding 6: an employer read 「退费申请#N在办理中」 of a person's own refund it cannot open).
    numbers = "、".join(f"#{c.pk}" for c in holders if case_openable(c))
    others = list(dict.fromkeys(applicant_words(c) for c in holders if not case_openable(c)))
    who = f"{'、'.join(others)}，" if others else ""
    promised = sum(h.amount_fen for h in room.holding)
    return [FieldError("details.amount_fen",
                       f"该费款已有退费申请{numbers}在办理中（{who}合计{promised / 100:.2f}元），本次退费金额{amount / 100:.2f}元"
                       f"超过扣除在办申请后的已缴未退金额{room.room_fen / 100:.2f}元，不能多退")]


@check("insured_not_yet_employed_here")
def _insured_not_yet_employed_here(ctx: CheckContext) -> list[FieldError]:
    number = ctx.details.get("insured_id_number")
    if ctx.employer is None or not number:
        return []
    person = people_by_number([number]).get(number)  # merged: the record kept holds the spells
    if person is not None and EmploymentSpell.objects.filter(person=person, employer=ctx.employer,
                                                             to_month="").exists():
        return [FieldError("details.insured_id_number", f"该人员已在{ctx.employer.name}参保，无需重复登记")]
    return []


@check("person_not_yet_retired", reads=())
def _person_not_yet_retired(ctx: CheckContext) -> list[FieldError]:
    """2.1: a person is declared a retiree once (benefits.Retiree is one per person)."""
    from shebao.benefits.models import Retiree

    if ctx.person is not None and Retiree.objects.filter(person=ctx.person).exclude(case_id=ctx.case_id).exists():
        return [FieldError("person", f"{ctx.person.name}已登记为退休人员，不能重复申报")]
    return []


@check("card_postal_data", reads=EACH)
def _card_postal_data(ctx: CheckContext) -> list[FieldError]:
    """5.1: the new card is posted by EMS: a reason of the catalog, a recipient, a reachable phone
    and a full address (`cards.services.card_order_inputs`, the rules the card order keeps)."""
    from django.core.exceptions import ValidationError

    from shebao.cards.services import card_order_inputs

    d = ctx.details
    try:
        card_order_inputs(reason=d.get("reason"), recipient_name=d.get("recipient_name"),
                          recipient_phone=d.get("recipient_phone"), postal_address=d.get("postal_address"),
                          postal_code=d.get("postal_code", ""))
    except ValidationError as e:
        return [FieldError(f"details.{name}", "；".join(msgs)) for name, msgs in e.message_dict.items()]
    return []


@check("card_not_in_progress", reads=())
def _card_not_in_progress(ctx: CheckContext) -> list[FieldError]:
    """5.1: one replacement card at a time. A card ordered, made or posted and not yet delivered refuses a
    second application, naming the order, its state and its EMS number (the person follows it, and prints
    the 领卡证明 valid meanwhile); a card lost in the post is the agency's to chase, not a new order."""
    if ctx.person is None:
        return []
    from shebao.cards.selectors import card_order_in_progress

    order = card_order_in_progress(person=ctx.person, other_than_case=ctx.case_id)
    if order is None:
        return []
    ems = f"，EMS邮件号{order.ems_tracking_number}" if order.ems_tracking_number else ""
    return [FieldError("person", f"{ctx.person.name}的新社会保障卡正在办理（{case_named(order.case)}，"
                                 f"{order.get_status_display()}{ems}），送达前不能再次申请补换卡；"
                                 "新卡送达前可凭领卡证明就医，如邮件丢失请联系经办机构")]


def _as_field_errors(refusals: dict[str, str]) -> list[FieldError]:
    """A registry service's refusals (field -> reason) as the checks' errors: ``person`` stays, the
    application's own fields become ``details.<field>``."""
    return [FieldError(name if name == "person" else f"details.{name}", zh) for name, zh in refusals.items()]


# --- 4.1 transfers and 4.2 backfill: the account's book (registry.accounts) -----------------------------
@check("account_transfer_in_ok")
def _account_transfer_in_ok(ctx: CheckContext) -> list[FieldError]:
    """4.1: the region is another one; each month is over, not on the account, not paid in Beijing."""
    from shebao.registry.accounts import transfer_in_refusals

    if ctx.person is None:
        return []
    return _as_field_errors(transfer_in_refusals(person=ctx.person, region=ctx.details.get("region"),
                                                 lines=ctx.details.get("lines") or []))


@check("account_transfer_out_ok")
def _account_transfer_out_ok(ctx: CheckContext) -> list[FieldError]:
    """4.1: the person has left Beijing's insurance (no open spell) and every month of the account
    leaves, each with exactly the amount the book holds (registry.accounts.account_transfer_out)."""
    from shebao.registry.accounts import transfer_out_refusals

    if ctx.person is None:
        return []
    return _as_field_errors(transfer_out_refusals(person=ctx.person, region=ctx.details.get("region"),
                                                  lines=ctx.details.get("lines") or []))


@check("account_backfill_ok")
def _account_backfill_ok(ctx: CheckContext) -> list[FieldError]:
    """4.2: each month filled is over, missing from the account and not paid in Beijing."""
    from shebao.registry.accounts import backfill_refusals

    if ctx.person is None:
        return []
    return _as_field_errors(backfill_refusals(person=ctx.person, lines=ctx.details.get("lines") or []))


# --- 6.1 the residents' pension (registry.resident_pension) -------------------------------------------
@check("no_active_employee_insurance", reads=())
def _no_active_employee_insurance(ctx: CheckContext) -> list[FieldError]:
    """6.1: a person insured in the employee scheme (open spell, recent contribution, employee
    pension drawn) is not registered in the residents' scheme."""
    from shebao.registry.resident_pension import employee_insurance_refusal

    if ctx.person is None:
        return []
    reason = employee_insurance_refusal(ctx.person, on=ctx.applied_on)
    return [FieldError("person", f"参保人员：{reason}")] if reason else []


@check("resident_pension_grade_ok")
def _resident_pension_grade_ok(ctx: CheckContext) -> list[FieldError]:
    """6.1: the grade within the year's standard and steps, the bank account, no open registration,
    the age of 16 (the employee-insurance refusal is the check above's)."""
    from shebao.registry.resident_pension import employee_insurance_refusal, registration_refusals

    if ctx.person is None or employee_insurance_refusal(ctx.person, on=ctx.applied_on):
        return []
    d = ctx.details
    return _as_field_errors(registration_refusals(person=ctx.person, contribution_grade_fen=d.get(
        "contribution_grade_fen"), bank_name=d.get("bank_name"), bank_account=d.get("bank_account")))


@check("resident_pension_change_ok")
def _resident_pension_change_ok(ctx: CheckContext) -> list[FieldError]:
    from shebao.registry.resident_pension import change_refusals

    if ctx.person is None:
        return []
    d = ctx.details
    return _as_field_errors(change_refusals(person=ctx.person, contribution_grade_fen=d.get("contribution_grade_fen"),
                                            bank_name=d.get("bank_name"), bank_account=d.get("bank_account")))


@check("resident_pension_open", reads=())
def _resident_pension_open(ctx: CheckContext) -> list[FieldError]:
    from shebao.registry.resident_pension import open_refusals

    return [] if ctx.person is None else _as_field_errors(open_refusals(person=ctx.person, what="注销"))


@check("resident_pension_claimable", reads=())
def _resident_pension_claimable(ctx: CheckContext) -> list[FieldError]:
    from shebao.registry.resident_pension import claim_refusals

    return [] if ctx.person is None else _as_field_errors(claim_refusals(person=ctx.person,
                                                                         applied_on=ctx.applied_on))


def _registered_identity(ctx: CheckContext) -> list[FieldError]:
    """1.4: a number already in the registry is that person: the name and document type given must be
    the registered ones, and a person still insured by another employer is not registered again until
    that employer ends the spell (减员). The refusal never says whose the number is: it may be another
    district's person (district line)."""
    d = ctx.details
    # A merged record's number is the record kept's (registry.merge): held against that one.
    person = kept_record(Person.objects.filter(id_number=d.get("insured_id_number", "")).first())
    if person is None:
        return []
    if person.name != d.get("insured_name") or person.id_type != d.get("insured_id_type"):
        return [FieldError("details.insured_id_number",
                           "该证件号码已有参保登记，所填姓名或证件类型与登记信息不一致，不能办理")]
    others = EmploymentSpell.objects.filter(person=person, to_month="")
    if ctx.employer is not None:
        others = others.exclude(employer=ctx.employer)
    if others.exists():
        return [FieldError("details.insured_id_number",
                           "该人员在其他单位仍有未终止的参保关系，须原单位办理减员后再登记")]
    return []


@check("insured_identity")
def _insured_identity(ctx: CheckContext) -> list[FieldError]:
    """1.4: the document number fits its type (a citizen ID checked in full by GB 11643: check
    character, birth date, region; a mainland number under another type refused); other documents
    (Hong Kong, Macao, Taiwan, foreign) state the birth date and gender themselves; and the start
    month is not before the person's 16th birthday (Labour Law art. 15: no employment under 16)."""
    from shebao.registry.checks import id_number_problem, parse_citizen_id

    d = ctx.details
    known = _registered_identity(ctx)
    if known:
        return known
    id_type, number = d.get("insured_id_type", ""), d.get("insured_id_number", "")
    problem = id_number_problem(id_type, number)
    if problem:
        return [FieldError("details.insured_id_number", f"证件号码：{problem}")]
    if id_type == "citizen_id":
        cid = parse_citizen_id(number)
        disagree = stated_identity_problems(cid, birth_date=d.get("insured_birth_date"),
                                            gender=d.get("insured_gender"), prefix="details.insured_")
        if disagree:
            return disagree
        birth = cid.birth_date
    else:
        missing = [(k, zh) for k, zh in (("insured_birth_date", "出生日期"), ("insured_gender", "性别"))
                   if not d.get(k)]
        if missing:
            return [FieldError(f"details.{k}", f"非居民身份证件须填写{zh}") for k, zh in missing]
        birth = dt.date.fromisoformat(d["insured_birth_date"])
    return _start_after_16(d.get("start_month"), birth, "details.start_month", "参保起始月")


GENDER_ZH = {"male": "男", "female": "女"}


def stated_identity_problems(cid: Any, *, birth_date: Any, gender: Any, prefix: str) -> list[FieldError]:
    """A stated birth date or gender against a citizen ID number (GB 11643-1999: digits 7-14 are the
    birth date, the 17th is odd for a man and even for a woman), each at its field
    (``{prefix}birth_date``, ``{prefix}gender``). What is not stated is not compared: the registry
    derives it from the number (`registry.services.derive_person_identity`). `cid` is a
    `registry.checks.CitizenId`; `birth_date` a date or an ISO date text; `gender` male/female."""
    errors: list[FieldError] = []
    if birth_date:
        stated = birth_date if isinstance(birth_date, dt.date) else dt.date.fromisoformat(str(birth_date))
        if stated != cid.birth_date:
            errors.append(FieldError(
                f"{prefix}birth_date",
                f"出生日期{stated:%Y-%m-%d}与居民身份证号码不一致（号码第7至14位为{cid.birth_date:%Y-%m-%d}），"
                "请核对证件号码和出生日期（出生日期可不填，按号码确定）"))
    if gender and gender != cid.gender:
        errors.append(FieldError(
            f"{prefix}gender",
            f"性别“{GENDER_ZH.get(gender, gender)}”与居民身份证号码不一致（号码第17位为{cid.number[16]}，"
            f"{'单数为男' if cid.gender == 'male' else '双数为女'}），请核对证件号码和性别（性别可不填，按号码确定）"))
    return errors


def _number_given(business: str, details: dict[str, Any]) -> str:
    from shebao.cases.models import number_given

    return number_given(business, details)


def pending_for_id_number(number: str, *, other_than: int | None = None) -> Any:
    """The oldest open application (neither completed nor rejected) of GIVES_ID_NUMBER
    (`cases.models`) that gives `number` (normalised as `core.normalize.normalize_code`), or None.
    One query on the cases' blind index of the number they give (`Case.id_number_given_hash`):
    nothing is decrypted (review-input5 F10)."""
    from shebao.cases.models import CLOSED, Case
    from shebao.core import crypto

    digest = crypto.blind_index(number, kind="id_number")
    if not digest:
        return None
    return (Case.objects.filter(id_number_given_hash=digest).exclude(status__in=CLOSED)
            .exclude(pk=other_than).order_by("pk").first())


def pending_refusal(business: str, details: dict[str, Any]) -> FieldError | None:
    """The refusal of an application of `business` whose number (`number_given`) another open
    application gives, at its field, or None: for the submission that lost the race to the constraint
    `case_one_open_per_id_number` (its twin committed first)."""
    number = _number_given(business, details or {})
    pending = pending_for_id_number(number) if number else None
    if pending is None:
        return None
    field = "details.insured_id_number" if business == "insured_registration" else "details.changes.id_number"
    return _pending_refusal(field, pending)


def _pending_refusal(field: str, case: Any) -> FieldError:
    return FieldError(field, f"该证件号码已有一笔{case.business_zh}申请正在办理（{case_named(case)}，"
                             f"{case.applied_on:%Y-%m-%d}申请，{case.get_status_display()}），办结或退回前不能再以此号码申请")


@check("id_number_not_pending")
def _id_number_not_pending(ctx: CheckContext) -> list[FieldError]:
    """1.4: no second open registration of a number (nor one while a change of data gives it to
    someone): see GIVES_ID_NUMBER."""
    pending = pending_for_id_number(ctx.details.get("insured_id_number") or "", other_than=ctx.case_id)
    return [] if pending is None else [_pending_refusal("details.insured_id_number", pending)]


def _start_after_16(month: str | None, birth: dt.date, field: str, label: str) -> list[FieldError]:
    if not month:
        return []
    first = f"{birth.year + 16:04d}-{birth.month:02d}"
    if month < first:
        return [FieldError(field, f"{label}{month}早于该人员年满16周岁的月份（{first}），不能参保用工，请核对")]
    return []


@check("person_change_values")
def _person_change_values(ctx: CheckContext) -> list[FieldError]:
    """1.3a: each new value against the person's registered data: a new document number fits the
    person's document type (a citizen ID in full, GB 11643) and belongs to nobody else; for a holder
    of a citizen ID, a stated birth date or gender agrees with the number as it will be after the change
    (GB 11643-1999: digits 7-14, digit 17), each refused at its own field naming the digits; a new number
    given without them brings its own birth date and gender, as a registration does (review-input5 F6:
    `derived_identity`); the start of work is not before the 16th birthday; a new name follows the rule of
    the person's document type (`core.inputs.person_name_problem`: no space on a 居民身份证)."""
    from shebao.core.inputs import person_name_problem
    from shebao.registry.checks import CodeError, id_number_problem, parse_citizen_id

    person, changes = ctx.person, ctx.details.get("changes") or {}
    if person is None or not changes:
        return []
    errors: list[FieldError] = []
    number = changes.get("id_number", person.id_number)
    birth = dt.date.fromisoformat(changes["birth_date"]) if "birth_date" in changes else person.birth_date
    errors += _unchanged(person, changes)
    if "id_number" in changes and not errors:
        problem = id_number_problem(person.id_type, number)
        if problem:
            errors.append(FieldError("details.changes.id_number", f"证件号码：{problem}"))
        elif Person.objects.filter(id_number=number).exclude(pk=person.pk).exists():
            errors.append(FieldError("details.changes.id_number", "证件号码：该号码已登记为其他参保人员，不能变更为此号码"))
        elif (pending := pending_for_id_number(number, other_than=ctx.case_id)) is not None:
            errors.append(_pending_refusal("details.changes.id_number", pending))
    if person.id_type == "citizen_id" and not errors:
        try:
            cid = parse_citizen_id(number)
        except CodeError:
            cid = None
        if cid is not None:
            errors += _stated_against_number(cid, changes)
            if "id_number" in changes and "birth_date" not in changes:
                birth = cid.birth_date
    if "employment_start" in changes and birth is not None:
        errors += _start_after_16(changes["employment_start"], birth, "details.changes.employment_start",
                                  "参加工作时间")
    if isinstance(changes.get("name"), str) and (why := person_name_problem(changes["name"], id_type=person.id_type)):
        # the new name by the rule of the person's document (no space on a 居民身份证), as registration holds it
        errors.append(FieldError("details.changes.name", f"新姓名{why}"))
    return errors


def _stated_against_number(cid: Any, changes: dict[str, Any]) -> list[FieldError]:
    """A birth date or gender stated in a change against the citizen ID number the person will hold
    (`cid`), at its field, naming the digits and what was stated (review-input5 F6)."""
    errors: list[FieldError] = []
    new_number = "id_number" in changes
    whose = "新证件号码" if new_number else "证件号码"
    if "birth_date" in changes:
        stated = dt.date.fromisoformat(changes["birth_date"])
        if stated != cid.birth_date:
            errors.append(FieldError(
                "details.changes.birth_date",
                f"出生日期须与居民身份证号码一致：{whose}第7至14位为{cid.birth_date:%Y-%m-%d}，所填为{stated:%Y-%m-%d}，"
                "请同时核对证件号码和出生日期" + ("（出生日期可不填，按新号码确定）" if new_number else "")))
    if "gender" in changes and changes["gender"] != cid.gender:
        stated_zh = GENDER_ZH.get(changes["gender"], changes["gender"])
        errors.append(FieldError(
            "details.changes.gender",
            f"性别须与居民身份证号码第17位一致：{whose}第17位为{cid.number[16]}"
            f"（{'单数为男' if cid.gender == 'male' else '双数为女'}），所填为“{stated_zh}”，请同时核对证件号码和性别"
            + ("（性别可不填，按新号码确定）" if new_number else "")))
    return errors


def derived_identity(person: Person, changes: dict[str, Any]) -> dict[str, Any]:
    """What a change's new citizen ID number brings that the change does not state: ``{"birth_date":
    "YYYY-MM-DD", "gender": "male"|"female"}`` for each that differs from the registered value (GB
    11643-1999: digits 7-14, digit 17), as a registration takes them from the number (review-input5 F6);
    ``{}`` for another document type, no new number, or a number that does not parse (the checks refuse
    it). Read by the change's effect (`cases.effects.registry.person_change`) and the case page."""
    from shebao.registry.checks import CodeError, parse_citizen_id

    if person.id_type != "citizen_id" or "id_number" not in changes:
        return {}
    try:
        cid = parse_citizen_id(str(changes["id_number"]))
    except CodeError:
        return {}
    out: dict[str, Any] = {}
    if "birth_date" not in changes and cid.birth_date != person.birth_date:
        out["birth_date"] = cid.birth_date.isoformat()
    if "gender" not in changes and cid.gender != person.gender:
        out["gender"] = cid.gender
    return out


def _unchanged(person: Person, changes: dict[str, Any]) -> list[FieldError]:
    """1.3a: a change names what changes: a new value equal to the registered one is refused at its
    field (review-input4 F10: a change of ID number to the person's own number, plain or full-width,
    was registered twice and changed nothing). Values are compared as the registry stores them
    (`core.normalize`: a number without separators, upper case, NFKC)."""
    from shebao.cases.effects.registry import PERSON_COLUMNS
    from shebao.core.normalize import normalize_code, normalize_phone, normalize_text
    from shebao.rules.catalog import label

    errors = []
    for field, new in changes.items():
        if field in ("birth_date", "gender") and "id_number" in changes and person.id_type == "citizen_id":
            continue  # stated with a new number: compared with the number instead (review-input5 F6)
        if field in PERSON_COLUMNS:
            old = getattr(person, PERSON_COLUMNS[field])
        else:
            old = (person.other_data or {}).get(field)
        if isinstance(old, bool):
            old, new = old, str(new).lower() == "true"
        elif isinstance(old, dt.date):
            old = old.isoformat()
        if field == "id_number":
            same = normalize_code(str(new or "")) == normalize_code(str(old or ""))
        elif field == "mobile":
            same = normalize_phone(str(new or "")) == normalize_phone(str(old or ""))
        elif isinstance(old, bool):
            same = old == new
        else:
            same = normalize_text(str(new if new is not None else "")) == normalize_text(str(old if old is not None else ""))
        if same and old not in (None, ""):
            try:
                zh = label("person_field", field)
            except KeyError:
                zh = field
            errors.append(FieldError(f"details.changes.{field}", f"新{zh}与现登记的{zh}相同，无需变更"))
    return errors
