"""Reads of the registry, always scoped to what the user may see."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from typing import Any

from django.db.models import Count, Q, QuerySet

from shebao.core.normalize import normalize_code, normalize_text
from shebao.core.person_name import normalize_person_name
from shebao.core.scoping import scope_queryset, user_may_see_district
from shebao.registry.checks import legacy_citizen_id
from shebao.registry.models import Contribution, Employer, Office, Person, PersonMerge, PersonNameWord

logger = logging.getLogger(__name__)


def person_list(*, user: Any) -> QuerySet[Person]:
    return scope_queryset(Person.objects.select_related("district"), user=user)


def kept_record(person: Person | None) -> Person | None:
    """The record a person's business is done on: `person` itself, or, when it was registered twice and
    merged (`registry.merge.person_merge`), the record kept (`merged_into`, followed to the END of the
    chain: A merged into B merged into C leads to C). The ONE way every look-up follows a merge: by
    document number (the desk, the employer portal, the sign-in, the search, a roster, a case's checks:
    review-user8 F1, review-input8 F2: the citizen ID landed on the merged, empty record) and the
    wordings of where a merged record's business went (`Person.merged_refusal`, the API's note).
    A loop in the pointers (never made by the merge, which refuses a merged record on either side) is
    cut where it closes, logged, and that record returned: the refusals of merged records then stop any
    write to it. Unscoped: the caller holds its own scope. None stays None. One query per step."""
    seen: set[int] = set()
    while person is not None and person.merged_into_id is not None:
        seen.add(person.pk)
        if person.merged_into_id in seen:
            logger.error("merged_into loop through person %s: no record kept", person.pk)
            return person
        person = Person.objects.select_related("district").filter(pk=person.merged_into_id).first()
    return person


def kept_record_pk(pk: int | None) -> int | None:
    """`kept_record` by primary key: the pk of the record kept at the end of `pk`'s merge chain (`pk`
    itself when not merged; None for None or a missing row)."""
    if pk is None:
        return None
    kept = kept_record(Person.objects.filter(pk=pk).first())
    return kept.pk if kept is not None else None


def people_by_number(numbers: Any) -> dict[str, Person]:
    """Each of `numbers` (document numbers as stored: normalised, a citizen ID in its 18-character
    form) that a record holds, mapped to the record its business is done on (`kept_record`): a
    number of a record registered twice and merged names the record kept, whose rows (spells,
    contributions) the merge moved there. A number no record holds is absent. Unscoped: the caller
    holds its own scope (a case's checks, a back-payment, an exchange file)."""
    found = Person.objects.filter(id_number__in=set(numbers)).select_related("district")
    return {p.id_number: kept_record(p) for p in found}  # type: ignore[misc]


def merge_group(persons: Any) -> list[int]:
    """The pks of every record that is one person with any of `persons` (Person rows or pks): the
    record kept at the end of each one's merge chain and every record merged into it, however
    many steps back (`Person.merged_into`). A record never merged is its own group. Sorted.
    Unscoped (the auditors' trail reads it city-wide)."""
    pks = {getattr(p, "pk", p) for p in persons if p is not None}
    roots = {kept_record(p).pk for p in Person.objects.filter(pk__in=pks)}  # type: ignore[union-attr]
    group, frontier = set(roots), set(roots)
    while frontier:  # back along every chain to its start; `group` only grows, so a loop ends it
        frontier = set(Person.objects.filter(merged_into__in=frontier).values_list("pk", flat=True)) - group
        group |= frontier
    return sorted(group)


def merge_candidates(*, user: Any) -> list[dict[str, Any]]:
    """The pairs registered twice that `user` may merge (`registry.duplicates.registered_twice` in the
    user's scope, both records in a district the user sees: a pair across districts is the center's),
    each {listed, twin, basis, keeps, refused}: `basis` says why they were paired (`merge.pair_basis`),
    `keeps` the records that may be kept (`merge.identity_problem`: the valid citizen ID's record),
    `refused` why neither may (two different citizen IDs: two people), review-user8 F1, F5. Ordered
    by the listed record's id. Read by the staff page and the API (GET /api/v1/persons/registered-twice/)."""
    from shebao.registry import merge
    from shebao.registry.duplicates import registered_twice

    rows = []
    for found in registered_twice(user=user):
        for twin in found.twins:
            if not user_may_see_district(user, twin.district_id):
                continue
            listed = found.person
            keeps = [k for k, o in ((twin, listed), (listed, twin)) if not merge.identity_problem(keep=k, other=o)]
            rows.append({"listed": listed, "twin": twin, "basis": merge.pair_basis(listed, twin), "keeps": keeps,
                         "refused": "" if keeps else merge.identity_problem(keep=twin, other=listed)})
    return rows


def merge_history(*, person: Person) -> list[PersonMerge]:
    """Every merge `person` took part in (merged into another record, or another merged into it), the
    undone ones too, newest first: the person page's 合并记录. Unscoped: the caller showed the person."""
    return list(PersonMerge.objects.select_related("keep", "other")
                .filter(Q(keep=person) | Q(other=person)).order_by("-merged_at", "-pk"))


UNMERGE_ITEMS_SHOWN = 10  # rows of one kind named on the confirmation page; the rest are counted


def unmerge_plan(*, other: Person) -> dict[str, Any]:
    """What undoing the merge of `other` would do, for the confirmation page (reads only):
    {"record": the merge (`merge.merge_record`) or None, "problem": why it may not be undone, in
    Chinese (`merge.unmerge_problem`), or "", "rows": [(kind in Chinese, count, items shown)]}: the
    rows the merge moved that go back to `other`, each kind with up to UNMERGE_ITEMS_SHOWN items named
    (a case's number, a contribution's or an account month's month, a spell's employer and months)."""
    from django.apps import apps

    from shebao.registry import merge

    record = merge.merge_record(other)
    rows = []
    if record is not None:
        for label, pks in sorted(record.moved.items()):
            model = apps.get_model(label)
            found = list(model.objects.filter(pk__in=pks[:UNMERGE_ITEMS_SHOWN]).order_by("pk"))
            rows.append((str(model._meta.verbose_name), len(pks), [_row_shown(label, r) for r in found]))
    return {"record": record, "problem": merge.unmerge_problem(other), "rows": rows}


def _row_shown(label: str, row: Any) -> str:
    if label == "cases.Case":
        return f"申请#{row.pk}（{row.business_zh}）"
    if label in ("registry.Contribution", "registry.AccountMonth"):
        return str(row.month)
    if label == "registry.EmploymentSpell":
        return f"{row.employer.name} {row.from_month}至{row.to_month or '今'}"
    return f"#{row.pk}"


def _with_kept(qs: QuerySet[Person], found: QuerySet[Person]) -> QuerySet[Person]:
    """`found`, and, for each merged record in it, the record kept when `qs` (the user's scope) holds it:
    a number typed finds the card holder's record as well as the merged shell (marked on the page).
    `found` may reach past `qs`: a shell outside the user's district whose kept record is inside it
    finds the kept record; the shell itself, and a kept record outside, are shown only when in `qs`."""
    kept = [kept_record(p).pk for p in found.exclude(merged_into=None)]  # type: ignore[union-attr]
    return qs.filter(Q(pk__in=found.values("pk")) | Q(pk__in=kept))


def employer_list(*, user: Any) -> QuerySet[Employer]:
    return scope_queryset(Employer.objects.select_related("district"), user=user)


def district_list() -> QuerySet[Office]:
    return Office.objects.filter(kind=Office.Kind.DISTRICT_CENTER).order_by("code")


_DIGITS_RE = re.compile(r"^[0-9]{3}[0-9Xx]$")
_FULL_ID_RE = re.compile(r"^[0-9]{17}[0-9Xx]$")
_INITIALS_RE = re.compile(r"^[A-Za-z]{1,40}$")
# The start of a document number: digits, or letters then digits (passports, permits).
_ID_PREFIX_RE = re.compile(r"^[A-Za-z]{0,3}[0-9]+[0-9Xx]?$")


def _typed(query: str | None) -> str:
    """What was typed, normalised as everywhere (`core.normalize`): full-width letters and digits
    made half-width (１１０ → 110), trimmed, inner spaces as one."""
    return normalize_text(query)


def person_search(*, user: Any, query: str) -> QuerySet[Person]:
    """What a clerk types: a name, pinyin initials (张三 → zs, surnames read as surnames), a word of
    a Latin-script name, the last four, the full number, or the start of a number (110105…, E1234…),
    normalised first (full-width digits, spaces inside the number, lower-case x: `core.normalize`).

    Every branch is an indexed equality or prefix match, so it stays fast on a million people. A full
    number that finds a merged record finds the record kept too (`kept_record`).
    """
    q = _typed(query)
    qs = person_list(user=user)
    if not q:
        return qs.none()
    code = normalize_code(q)
    legacy = legacy_citizen_id(code)
    if legacy is not None:
        # A first-generation 15-digit number is the person's 18-character one (review-input4 F8);
        # fifteen digits may also be the start of a newer number.
        return qs.filter(Q(pk__in=_with_kept(qs, Person.objects.filter(id_number=legacy)).values("pk"))
                         | Q(pk__in=id_prefix_search(qs, code).values("pk")))
    if _FULL_ID_RE.match(code):
        return _with_kept(qs, Person.objects.filter(id_number=code))
    if _DIGITS_RE.match(code):
        return qs.filter(id_last4=code)
    if _ID_PREFIX_RE.match(code):
        return id_prefix_search(qs, code)
    if _INITIALS_RE.match(q):
        word = PersonNameWord.objects.filter(word__startswith=q.lower()).values("person_id")
        return qs.filter(Q(name_initials__startswith=q.lower()) | Q(pk__in=word))
    name = normalize_person_name(q) or q  # as names are stored (core.person_name: 张•三 finds 张·三)
    return qs.filter(Q(name=name) | Q(name__startswith=name))


def _first_date(digits: str) -> dt.date | None:
    """The earliest date whose YYYYMMDD is not below `digits` (8 digits), or None."""
    y, m, d = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    if y == 0:
        y, m, d = 1, 1, 1
    if m == 0:
        m, d = 1, 1
    elif m > 12:
        y, m, d = y + 1, 1, 1
    d = max(d, 1)
    if y <= 9999 and d > calendar.monthrange(y, m)[1]:
        y, m, d = (y, m + 1, 1) if m < 12 else (y + 1, 1, 1)
    return dt.date(y, m, d) if y <= 9999 else None


def _last_date(digits: str) -> dt.date | None:
    """The latest date whose YYYYMMDD is not above `digits` (8 digits), or None."""
    y, m, d = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    if m > 12:
        m, d = 12, 31
    elif m == 0 or (m == 1 and d == 0):
        y, m, d = y - 1, 12, 31
    elif d == 0:
        m, d = m - 1, 31
    if y < 1:
        return None
    return dt.date(y, m, min(d, calendar.monthrange(y, m)[1]))


def birth_dates_of_prefix(digits: str) -> tuple[dt.date, dt.date] | None:
    """The birth dates a citizen ID's digits 7 to 14 (YYYYMMDD, GB 11643) may hold when they start
    with `digits` (1 to 8 digits): (first, last), or None when no date starts so ("196013")."""
    lo, hi = _first_date(digits.ljust(8, "0")), _last_date(digits.ljust(8, "9"))
    return (lo, hi) if lo and hi and lo <= hi else None


def id_prefix_search(qs: QuerySet[Person], code: str) -> QuerySet[Person]:
    """The persons of `qs` whose document number starts with `code` (normalised), though the number is
    encrypted (core.crypto, docs/encryption.md). Indexed columns narrow it, then the few candidates
    left are decrypted and compared:

    * a long number (15 or more: citizen IDs and permits in their form) keeps its first six in clear
      (`id_region`, shown by the masked form anyway): up to six characters are `id_region`'s start;
    * a citizen ID's digits 7 to 14 are its birth date (GB 11643, checked on every write:
      `Person.clean`), so 7 to 14 digits are the region and a range of `birth_date`, exactly;
    * 15 to 17 digits, and any other document in that region, are decrypted and compared (at most
      the people of one region born on one day, or the few permits of the region);
    * a short document (a passport, an old permit: no region kept) is decrypted and compared, among
      the short documents of `qs` only.
    """
    found = Q(pk__in=[] if len(code) >= 15 else
              [pk for pk, number in qs.filter(id_region="").values_list("pk", "id_number")
               if normalize_code(number).startswith(code)])
    if len(code) <= 6:
        return qs.filter(found | Q(id_region__startswith=code))
    region = qs.filter(id_region=code[:6])
    citizen = Q(id_type=Person.IdType.CITIZEN_ID)
    dates = birth_dates_of_prefix(code[6:14]) if code[:17].isdigit() else None
    if dates is None:  # no citizen ID starts so
        region = region.exclude(citizen)
    elif len(code) <= 14:
        found |= Q(pk__in=region.filter(citizen, birth_date__range=dates).values("pk"))
        region = region.exclude(citizen)
    else:
        region = region.filter(~citizen | Q(birth_date__range=dates))
    found |= Q(pk__in=[pk for pk, number in region.values_list("pk", "id_number")
                       if normalize_code(number).startswith(code)])
    return qs.filter(found)


def employer_search(*, user: Any, query: str) -> QuerySet[Employer]:
    """A credit code (any case, full-width, with spaces), part of the name, or pinyin initials of
    part of the name (华信 → hx)."""
    q = _typed(query)
    qs = employer_list(user=user)
    if not q:
        return qs.none()
    code = normalize_code(q)
    if len(code) == 18 and code.isalnum() and code.isascii():
        return qs.filter(credit_code=code)
    if _INITIALS_RE.match(q):
        return qs.filter(Q(name_initials__contains=q.lower()) | Q(name__icontains=q))
    return qs.filter(name__startswith=q) if len(q) < 2 else qs.filter(name__contains=q)


def paid_pension_contributions(*, person: Person, on: dt.date) -> Any:
    """The person's pension contribution rows that count as contribution months on `on`: months up to the
    month of `on`, with an employer's pension contribution, paid on or before `on` as the employer's
    books say. A declared month not (yet) paid is no contribution month (京政发〔2006〕2号: 缴费年限 are the
    years actually paid). The months counted (`pension_months_in_beijing`) and the average contribution
    index (`benefits.selectors.contribution_index`) read them through the one reading of a paid month that
    the rights record, 我的养老金 and the account read too (`collection.selectors.paid_contributions`;
    review-user13 (8): the case page counted 7 months where the portal counted 6)."""
    from shebao.collection.selectors import insurance_counted, paid_contributions

    rows = [r.pk for r in paid_contributions(person=person, as_of=on)
            if insurance_counted("pension", r.amounts.__getitem__)]
    return Contribution.objects.filter(pk__in=rows)


def pension_months_in_beijing(*, person: Person, on: dt.date) -> int:
    """Months of pension contributions in Beijing up to and including the month of `on`, paid by `on`.

    A month counts once however many employers paid for it (a part-time worker's second
    employer does not make a month twice as long), and only months that were paid
    (`paid_pension_contributions`).
    """
    return (
        paid_pension_contributions(person=person, on=on)
        .aggregate(months=Count("month", distinct=True))["months"]
    )  # COUNT(DISTINCT month) (month is never NULL): one statement without a subquery to compile


def employer_get(*, user: Any, pk: int) -> Employer | None:
    """One employer the user may see (with its district), or None: another district's is not found.

    The same rule as `employer_list` (scope_queryset), checked in Python after one indexed read:
    it is on the path of every employer's submission.
    """
    # By key: a slice, no ORDER BY to compile. Not read: what a submission never shows or checks, the
    # bank account (decrypted on every read) and the timestamps (converted on every read); a caller
    # reading one of them gets it by a query of its own.
    found = (Employer.objects.select_related("district")
             .defer("bank_account", "bank_account_hash", "created_at", "credit_code_override_reason",
                    "credit_code_override_by", "credit_code_override_at")
             .filter(pk=pk)[:1])
    employer = found[0] if found else None
    if employer is None or not user_may_see_district(user, employer.district_id):
        return None
    return employer
