"""A few dozen demo applications, submitted through the same service as the counter and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shebao.registry.models import Employer, Person

# (business, applicant kind, facts, channel)
SAMPLES: list[tuple[str, str, dict[str, Any], str]] = [
    ("monthly_report_back_payment", "employer", {}, "online"),
    ("base_difference_back_payment", "employer", {}, "email"),
    ("individual_back_payment", "employer", {"period": {"from": "2019-11", "to": "2020-01"}}, "online"),
    ("individual_back_payment", "employer", {"period": {"from": "2018-01", "to": "2019-06"}}, "fax"),
    ("individual_back_payment", "employer", {"period": {"from": "2012-01", "to": "2016-12"}}, "post"),
    ("refund", "person", {"refund_kind": "base_difference"}, "counter"),
    ("refund", "employer", {"refund_kind": "overpayment"}, "online"),
    ("person_change", "person", {"fields": ["phone", "address"]}, "counter"),
    ("person_change", "employer", {"fields": ["phone", "ethnicity"]}, "email"),
    ("account_backfill", "employer", {}, "post"),
    ("insured_registration", "employer", {}, "fax"),
]


def demo_cases_create(*, actor: Any, district_code: str, count: int, applied_on: dt.date) -> int:
    from shebao.cases.services import case_submit
    from shebao.core.errors import DomainError

    persons = list(Person.objects.filter(district__code=district_code, pension_account__isnull=False)
                   .order_by("pk")[: count])
    employers = list(Employer.objects.filter(district__code=district_code).order_by("pk")[: max(1, count // 4)])
    made = 0
    for i in range(count):
        if not persons or not employers:
            break
        business, kind, facts, channel = SAMPLES[i % len(SAMPLES)]
        try:
            case_submit(actor=actor, business=business, channel=channel, person=persons[i % len(persons)],
                        employer=employers[i % len(employers)] if kind == "employer" else None,
                        applicant_kind=kind, applied_on=applied_on, facts=facts,
                        idempotency_key=f"demo-{district_code}-{i}",
                        work_injury_medical=(i % 17 == 0))
            made += 1
        except DomainError:
            continue  # a generated person may not fit a business (e.g. a woman without cadre status)
    return made
