"""The set-up the merged-record tests share (tests/registry/test_merged_lookups*.py, test_merge_chains.py):
records linked as a merge leaves them, written past the merge's rules as review copies made before those
rules hold them, the business day, and the front desk's change of mobile that looks a person up by number."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.registry.models import Person

AT = dt.datetime(2020, 2, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def business_date(settings):
    """Imported by each module (``from tests.registry.merged import business_date``): 2020-02-20."""
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


def merged(*records: Person, at: dt.datetime | None = AT) -> None:
    """Each of ``records`` merged into the next (``merged(a, b, c)``: A into B, B into C), as the merge
    leaves the pointers; each record given is read again."""
    for shell, kept in zip(records, records[1:], strict=False):
        Person.objects.filter(pk=shell.pk).update(merged_into=kept, merged_at=at)
    for record in records:
        record.refresh_from_db()


def desk_change(client, id_number: str, token: str):
    """The front desk's change of mobile for the person of ``id_number``, posted to register."""
    return client.post(reverse("backoffice:front_desk"), {
        "business": "person_change", "applicant_kind": "person", "fields": ["mobile"],
        "new_mobile": "139 0000 1111", "do": "save", "id_number": id_number, "token": token})
