"""The statements of a submission, request shape by request shape (issue 14: the submission bench's
mixed workload). Each shape of bench/bench_cases_api.py's mix, new and retried with its key, is held to
the statements it needs, named by verb and table, in order: a read that comes back (a check reading a
pair's spells twice, a lookup repeated) fails here before it costs the bench."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from shebao.staff.services import api_token_create
from tests import personas
from tests.cases.conftest import with_content

CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


def _shape(sql: str) -> str:
    """A statement as its verb and main table: ``SELECT registry_person``, ``INSERT cases_case``."""
    text = sql.lstrip()
    verb = text.split(None, 1)[0].upper()
    while (shorter := re.sub(r"\([^()]*\)", "", text)) != text:  # subqueries out: the statement's own FROM
        text = shorter
    if verb == "SELECT":
        found = re.search(r'\bFROM\s+"(\w+)"', text)
    elif verb == "INSERT":
        found = re.search(r'^INSERT\s+INTO\s+"(\w+)"', text)
    else:
        found = re.search(r'^\w+\s+"(\w+)"', text)
    return f"{verb} {found.group(1) if found else '?'}"


@pytest.fixture
def bench_like(clerk_chaoyang, employer_chaoyang, person_chaoyang):
    """The bench's three bodies (with_content: the person employed since 2015-01, a paid due) and a key."""
    _token, key = api_token_create(actor=personas.SETUP, user=clerk_chaoyang, name="statements")
    bodies = with_content([
        {"business": "monthly_report_back_payment", "channel": "online", "employer": employer_chaoyang.pk,
         "applied_on": "2020-02-10", "contact_phone": "13800138000"},
        {"business": "individual_back_payment", "channel": "online", "applicant_kind": "employer",
         "employer": employer_chaoyang.pk, "person": person_chaoyang.pk, "applied_on": "2020-02-10",
         "facts": {"period": {"from": "2019-03", "to": "2019-06"}}, "contact_phone": "13800138000"},
        {"business": "refund", "channel": "online", "applicant_kind": "person", "person": person_chaoyang.pk,
         "applied_on": "2020-02-10", "facts": {"refund_kind": "overpayment"}, "contact_phone": "13800138000"},
    ], employer=employer_chaoyang, person=person_chaoyang)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client, dict(zip(("monthly_report", "individual", "refund"), bodies, strict=True))


def _statements(client: APIClient, body: dict, key: str, status: int) -> list[str]:
    with CaptureQueriesContext(connection) as q:
        r = client.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert r.status_code == status, r.json()
    return [_shape(x["sql"]) for x in q.captured_queries if not x["sql"].lstrip().upper().startswith(CONTROL)]


INSERTS = ["INSERT cases_case", "INSERT cases_casetransition", "INSERT core_auditevent", "INSERT cases_outboxmessage"]
# What each shape reads before its inserts: the key (with the policy's state), the applicant, then the
# content's registry checks and the rules' facts.
READS = {
    # people_employed_in_months (the people named, their spells), months_not_contributed
    "monthly_report": ["SELECT staff_apitoken", "SELECT registry_employer", "SELECT registry_person",
                       "SELECT registry_employmentspell", "SELECT registry_contribution"],
    # the person's merge state; person_of_employer and person_employed_in_months share one read of the
    # spells; months_not_contributed; the pension months the rules read
    "individual": ["SELECT staff_apitoken", "SELECT registry_employer", "SELECT registry_person",
                   "SELECT registry_person", "SELECT registry_employmentspell", "SELECT registry_contribution",
                   "SELECT registry_contribution"],
    # the person's merge state; refund_dues_of_applicant (dues, the person's spell with their employer,
    # paid, relief credited); refund_within_paid (collection.refundable.refund_room: the employer
    # locked, the applications in handling found by the dues they name, the books); the pension months
    "refund": ["SELECT staff_apitoken", "SELECT registry_person", "SELECT registry_person",
               "SELECT collection_due", "SELECT registry_employmentspell", "SELECT collection_allocation",
               "SELECT collection_due", "SELECT collection_due", "SELECT registry_employer", "SELECT cases_refunddue",
               "SELECT collection_allocation", "SELECT collection_refunditem", "SELECT collection_due",
               "SELECT collection_due", "SELECT registry_contribution"],
}


@pytest.mark.parametrize("shape", list(READS))
def test_each_shape_of_the_bench_is_its_reads_and_four_inserts_and_a_retry_reads_its_case(bench_like, shape):
    client, bodies = bench_like
    # A refund also writes the dues it names into their plain index (cases.RefundDue) after the case.
    inserts = [*INSERTS[:1], "INSERT cases_refunddue", *INSERTS[1:]] if shape == "refund" else INSERTS
    assert _statements(client, bodies[shape], f"k-{shape}", 201) == [*READS[shape], *inserts]
    # The retry runs the same checks; the key's constraint refuses its insert and the first case is read.
    # A refund's retry finds the first application in handling on its dues: the index twice (the
    # applications on these dues, the dues they name) and that one application's content.
    reads = READS[shape]
    if shape == "refund":
        at = reads.index("SELECT cases_refunddue")
        reads = [*reads[:at], "SELECT cases_refunddue", "SELECT cases_refunddue", "SELECT cases_case", *reads[at + 1:]]
    assert _statements(client, bodies[shape], f"k-{shape}", 200) == [*reads, "INSERT cases_case", "SELECT cases_case"]

