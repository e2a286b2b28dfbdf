"""Reads of the registry, always scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Q, QuerySet

from shebao.core.normalize import normalize_code, normalize_text
from shebao.core.scoping import scope_queryset, user_may_see_district
from shebao.registry.models import Contribution, Employer, Office, Person, PersonNameWord
from shebao.rules.dates import month_of_date


def person_list(*, user: Any) -> QuerySet[Person]:
    return scope_queryset(Person.objects.select_related("district"), user=user)


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

    Every branch is an indexed equality or prefix match, so it stays fast on a million people.
    """
    q = _typed(query)
    qs = person_list(user=user)
    if not q:
        return qs.none()
    code = normalize_code(q)
    if _FULL_ID_RE.match(code):
        return qs.filter(id_number=code)
    if _DIGITS_RE.match(code):
        return qs.filter(id_last4=code)
    if _ID_PREFIX_RE.match(code):
        return qs.filter(id_number__startswith=code)
    if _INITIALS_RE.match(q):
        word = PersonNameWord.objects.filter(word__startswith=q.lower()).values("person_id")
        return qs.filter(Q(name_initials__startswith=q.lower()) | Q(pk__in=word))
    return qs.filter(Q(name=q) | Q(name__startswith=q))


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


def pension_months_in_beijing(*, person: Person, on: dt.date) -> int:
    """Months of pension contributions in Beijing up to and including the month before `on`.

    A month counts once however many employers paid for it (a part-time worker's second
    employer does not make a month twice as long), and only months that were paid.
    """
    return (
        Contribution.objects.filter(
            person=person, month__lt=month_of_date(on), pension_employer_fen__gt=0, paid_on__isnull=False,
            paid_on__lte=on,
        )
        .values("month")
        .distinct()
        .count()
    )


def employer_get(*, user: Any, pk: int) -> Employer | None:
    """One employer the user may see (with its district), or None: another district's is not found.

    The same rule as `employer_list` (scope_queryset), checked in Python after one indexed read:
    it is on the path of every employer's submission.
    """
    employer = Employer.objects.select_related("district").filter(pk=pk).first()
    if employer is None or not user_may_see_district(user, employer.district_id):
        return None
    return employer
