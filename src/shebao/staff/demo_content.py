"""Content of an application that its business's definition and its registry checks accept, built
from the definition (`rules.business_fields.details_example`) and read from the registry: what the
demo submits (`staff.demo_cases`, `staff.demo_benefits`) and what tests submit when they test
something else than the content. Every road refuses an application without its content
(`cases.services.case_submit`), so generated applications carry it too (review-user7 F6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shebao.rules.dates import month_of_date

# A full postal address (district, street, number), which the card order's check asks for.
ADDRESS_EXAMPLE = {"postal_address": "北京市朝阳区建国路1号院2号楼301室"}


def example_details(business: str, *, person: Any = None, employer: Any = None,
                    facts: dict[str, Any] | None = None, applied_on: Any = None) -> dict[str, Any] | None:
    """Content of `business` that its definition and its registry checks accept.

    Built from the business's definition (`details_example`), so a new business gets one without
    more code; then what the registry must agree with is read from it, never written: the person's
    own ID number in the lines (or the employer's first employee's), a month in which the person is
    employed by the employer and has no contribution, a refund of the applicant's paid dues with
    money left to refund. The stated `facts` (period, refund kind, changed fields, person.x) are kept
    as the content's values. `person`/`employer`: model instances or primary keys; `applied_on`: a
    date or ``YYYY-MM-DD`` (default: today). None for an unknown business. Where the registry has
    nothing that fits (no paid due to refund), the definition's example stays and the checks refuse it."""
    from shebao.core import clock
    from shebao.registry.models import Employer, EmploymentSpell, Person
    from shebao.rules.business_fields import EXAMPLE_FEN, definitions, details_example

    if business not in definitions():
        return None
    facts = facts or {}
    today = dt.date.fromisoformat(applied_on) if isinstance(applied_on, str) else (applied_on or clock.today())
    person = Person.objects.filter(pk=person).first() if isinstance(person, int) else person
    employer = Employer.objects.filter(pk=employer).first() if isinstance(employer, int) else employer
    given: dict[str, Any] = {}
    for spec in definitions()[business].applicant_fields:  # the fields the rules read: as stated
        if spec.fact:
            head, _, tail = spec.fact.partition(".")
            value = (facts.get(head) or {}).get(tail) if tail and isinstance(facts.get(head), dict) else (
                None if tail else facts.get(head))
            if value not in (None, "", [], {}):
                given[spec.name] = value
    details = details_example(business, today=today, given=given)
    for name, value in ADDRESS_EXAMPLE.items():  # a card is posted to a full address (5.1)
        if name in details and name not in given:
            details[name] = value
    if "period" in details and "bases" in details:
        from shebao.cases.checks import months_between
        from shebao.rules.dates import InputError

        try:  # a period as typed (a test of its refusal) is sent as typed, with one line of bases
            months = months_between(details["period"]["from"], details["period"]["to"])
        except (InputError, KeyError, TypeError):
            months = []
        if months:
            details["bases"] = [{"month": m, "base_fen": EXAMPLE_FEN} for m in months]
    lines = details.get("lines")
    if lines and "id_number" in lines[0]:
        who = person
        if who is None and employer is not None:
            spell = EmploymentSpell.objects.filter(employer=employer).select_related("person").order_by("pk").first()
            who = spell.person if spell else None
        if who is not None and "old_base_fen" in lines[0]:
            # A base difference (1.1c) names a month the person contributed in, its registered base as
            # the old one and a higher new one (old_base_matches reads the contribution).
            for line in lines:
                line["id_number"] = who.id_number
            paid = contributed_month(who, employer, today)
            if paid is not None:
                for line in lines:
                    line.update(month=paid[0], old_base_fen=paid[1], new_base_fen=paid[1] + BASE_RAISE_FEN)
        elif who is not None:
            for line in lines:
                line["id_number"] = who.id_number
            month = uncontributed_month(who, employer, today)
            if month is not None:
                if "months" in details:
                    details["months"] = [month]
                for line in lines:
                    if "month" in line:
                        line["month"] = month
    if "dues" in details:
        details.update(paid_dues(employer, person))
    # whom the money or the card goes to: the applicant person, else the employer (review-user10 F7)
    for name, who in (("payee_name", person if person is not None else employer), ("recipient_name", person)):
        if name in details and name not in given and who is not None and getattr(who, "name", ""):
            details[name] = who.name[:100]
    return details


BASE_RAISE_FEN = 10_000  # a base difference's new base: 100.00 yuan above the registered one


def contributed_month(person: Any, employer: Any, today: dt.date) -> tuple[str, int] | None:
    """The latest month (``YYYY-MM``) up to `today`'s in which `person` contributed with `employer`,
    with its registered pension base in fen (what a base difference corrects), or None."""
    from shebao.registry.models import Contribution

    if employer is None:
        return None
    row = (Contribution.objects.filter(person=person, employer=employer, month__lte=month_of_date(today))
           .order_by("-month").values_list("month", "pension_base_fen").first())
    return (row[0], row[1]) if row else None


def uncontributed_month(person: Any, employer: Any, today: dt.date) -> str | None:
    """The latest month (``YYYY-MM``) up to `today`'s in which `person` is employed by `employer` and
    has no contribution with it (what a back-payment may name), or None."""
    from shebao.cases.checks import months_between
    from shebao.registry.models import Contribution, EmploymentSpell

    if employer is None:
        return None
    current = month_of_date(today)
    paid = set(Contribution.objects.filter(person=person, employer=employer).values_list("month", flat=True))
    for spell in EmploymentSpell.objects.filter(person=person, employer=employer).order_by("-from_month"):
        if spell.from_month > current:
            continue
        for month in reversed(months_between(spell.from_month, min(spell.to_month or current, current))):
            if month not in paid:
                return month
    return None


def paid_dues(employer: Any, person: Any) -> dict[str, Any]:
    """A refund of what the applicant paid: ``{"dues": [id], "amount_fen": n}`` for its first paid due
    with money left to refund (at most 100.00 yuan of it), or {} when there is none. The applicant is
    `employer`, else every employer `person` has worked for."""
    from shebao.collection.models import Due
    from shebao.collection.refundable import refundable_each
    from shebao.registry.models import EmploymentSpell

    employers = [employer] if employer is not None else [
        s.employer for s in EmploymentSpell.objects.filter(person=person).select_related("employer")]
    ids = list(Due.objects.filter(employer__in=[e for e in employers if e is not None], paid_on__isnull=False)
               .order_by("pk").values_list("pk", flat=True))
    room = {k: v for k, v in refundable_each(ids).items() if v > 0}
    if not room:
        return {}
    first = min(room)
    return {"dues": [first], "amount_fen": min(room[first], 10_000)}
