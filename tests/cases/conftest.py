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

from shebao.registry.models import Contribution
from shebao.rules.dates import month_of_date
from tests import personas

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "decision-examples.jsonl"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


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


def submit(client: APIClient, *, key: str | None = None, **body: Any):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/cases/", body, format="json", **headers)


def act(client: APIClient, case_id: int, action: str, **body: Any):
    return client.post(f"/api/v1/cases/{case_id}/transitions/", {"action": action, **body}, format="json")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"


@pytest.fixture
def person_130(person_chaoyang, employer_chaoyang):
    """张三 of 朝阳区: man born 1975-05-01, general account, 130 Beijing pension months by 2020-02 (1.2a)."""
    give_pension_months(person_chaoyang, employer_chaoyang, 130, before=dt.date(2020, 2, 10))
    return person_chaoyang


@pytest.fixture
def backfill_person_far(db):
    """A man of 朝阳区 born 1960-08-10: in 2020-02 more than 3 months from 60 (4.2 postponed)."""
    return personas.make_person("王五", birth=dt.date(1960, 8, 10), serial=3)


@pytest.fixture
def backfill_person_near(db):
    """A man of 朝阳区 born 1960-04-10: within 3 months of 60 on 2020-02-20 (4.2 near retirement)."""
    return personas.make_person("赵六", birth=dt.date(1960, 4, 10), serial=4)


@pytest.fixture
def cy(clerk_chaoyang):
    return client_for(clerk_chaoyang)


@pytest.fixture
def rv(reviewer_chaoyang):
    return client_for(reviewer_chaoyang)


@pytest.fixture
def city(municipal_admin):
    return client_for(municipal_admin)
