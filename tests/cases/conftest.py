"""Case-handling fixtures: an API client per persona, registry people matching the decision examples,
and a media folder of the test's own."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from shebao.cases.models import Case
from shebao.registry.models import Contribution, EmploymentSpell
from shebao.rules.dates import month_of_date
from tests import personas
from tests.uploads import JPEG, PDF, PNG  # noqa: F401 - whole files (the upload check decodes them)

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "decision-examples.jsonl"


def example(ident: str) -> dict[str, Any]:
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["id"] == ident:
            return row
    raise KeyError(ident)


def client_for(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def give_pension_months(person, employer, months: int, *, before: dt.date) -> None:
    """Paid pension contributions for the `months` calendar months before the month of `before`."""
    y, m = map(int, month_of_date(before).split("-"))
    rows = []
    for _ in range(months):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        rows.append(Contribution(
            person=person, employer=employer, month=f"{y:04d}-{m:02d}", paid_on=dt.date(y, m, 20),
            **{f"{t}_{part}_fen": 100 for t in Contribution.INSURANCE_TYPES for part in ("base", "employer")},
            pension_personal_fen=10, unemployment_personal_fen=10, medical_personal_fen=10))
    Contribution.objects.bulk_create(rows)


def upload(name: str = "doc.pdf", content: bytes = PDF) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def valid_details(business: str, *, person: Any = None, employer: Any = None, facts: dict[str, Any] | None = None,
                  applied_on: Any = None) -> dict[str, Any] | None:
    """Content of `business` that its definition and its registry checks accept, for a test that
    submits an application to say something else (its routing, workflow, messages): the demo's
    `staff.demo_content.example_details`, read from the registry, never written. The test's stated
    facts (period, refund kind, changed fields) are kept. None for an unknown business."""
    from shebao.staff.demo_content import example_details

    return example_details(business, person=person, employer=employer, facts=facts, applied_on=applied_on)


def employ(person, employer, *, from_month: str = "2009-01") -> None:
    """`person` employed by `employer` since `from_month` (once): what an employer's application's
    content names (its employee, months of employment) must be in the registry."""
    EmploymentSpell.objects.get_or_create(person=person, employer=employer, defaults={"from_month": from_month})


def with_content(bodies: list[dict[str, Any]], *, employer: Any, person: Any) -> list[dict[str, Any]]:
    """Submission bodies (the benchmarks') with their content, and the registry it names laid down once:
    `person` employed by `employer` since 2015-01, and a paid due of the employer large enough for
    every refund a run repeats (each refunds 100.00 yuan of it)."""
    from tests.collection.conftest import book_due

    if not EmploymentSpell.objects.filter(person=person, employer=employer).exists():
        EmploymentSpell.objects.create(person=person, employer=employer, from_month="2015-01")
        book_due(employer, "2019-12", 10**11, paid_on=dt.date(2020, 1, 15))
    return [{**b, "details": valid_details(b["business"], person=b.get("person"), employer=b.get("employer"),
                                           facts=b.get("facts"), applied_on=b.get("applied_on"))} for b in bodies]


def submit(client: APIClient, *, key: str | None = None, **body: Any):
    """POST an application to the case API. Without `details`, the business's valid content
    (`valid_details`) is sent, as every road now requires; give `details` to test the content itself."""
    if "details" not in body and isinstance(body.get("business"), str):
        details = valid_details(body["business"], person=body.get("person"), employer=body.get("employer"),
                                facts=body.get("facts"), applied_on=body.get("applied_on"))
        if details:
            body["details"] = details
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/cases/", body, format="json", **headers)


def act(client: APIClient, case_id: int, action: str, **body: Any):
    """POST a transition with the version the case has now, as a client sends the version it read
    (review-input12 F13: required, 428 without it); ``version=None`` sends none."""
    if "version" not in body:
        body["version"] = Case.objects.values_list("version", flat=True).get(pk=case_id)
    elif body["version"] is None:
        del body["version"]
    return client.post(f"/api/v1/cases/{case_id}/transitions/", {"action": action, **body}, format="json")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"


@pytest.fixture
def employer_chaoyang(employer_chaoyang, person_chaoyang):
    """The employer of 朝阳区 with its employee 张三 (person_chaoyang), employed since 2009-01 and with no
    contribution to it: what an application's content names (a back-payment's person and months) is
    then in the registry, as the checks every road runs require (`valid_details`)."""
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2009-01")
    return employer_chaoyang


@pytest.fixture
def person_130(person_chaoyang, employer_chaoyang):
    """张三 of 朝阳区: man born 1975-05-01, general account, 130 Beijing pension months by 2020-02 (1.2a),
    paid with a former employer (so the months of a back-payment to this one are unpaid)."""
    former = personas.make_employer("北京朝阳原单位有限公司", serial=5)
    give_pension_months(person_chaoyang, former, 130, before=dt.date(2020, 2, 10))
    return person_chaoyang


@pytest.fixture
def paid_due(employer_chaoyang):
    """A pension due of 2019-12 of 1,000.00 yuan of the 朝阳 employer, paid on 2020-01-15: what a refund
    of its employee 张三 refunds (`valid_details`)."""
    from tests.collection.conftest import book_due

    return book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))


@pytest.fixture
def backfill_person_far(db, employer_chaoyang):
    """A man of 朝阳区 born 1960-08-10: in 2020-02 more than 3 months from 60 (4.2 postponed); insured
    by the 朝阳 employer from 1980 (the employer applies for its own people)."""
    person = personas.make_person("王五", birth=dt.date(1960, 8, 10), serial=3)
    EmploymentSpell.objects.create(person=person, employer=employer_chaoyang, from_month="1980-09")
    return person


@pytest.fixture
def backfill_person_near(db, employer_chaoyang):
    """A man of 朝阳区 born 1960-04-10: within 3 months of 60 on 2020-02-20 (4.2 near retirement);
    insured by the 朝阳 employer from 1980."""
    person = personas.make_person("赵六", birth=dt.date(1960, 4, 10), serial=4)
    EmploymentSpell.objects.create(person=person, employer=employer_chaoyang, from_month="1980-05")
    return person


@pytest.fixture
def cy(clerk_chaoyang):
    return client_for(clerk_chaoyang)


@pytest.fixture
def rv(reviewer_chaoyang):
    return client_for(reviewer_chaoyang)


@pytest.fixture
def city(municipal_admin):
    return client_for(municipal_admin)
