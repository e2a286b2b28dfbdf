"""One open application gives a document number at a time, held by the database (review-input5 F10:
the check `id_number_not_pending` decrypted every open registration and change on each submission and
took no lock, so on PostgreSQL two registrations of one new number submitted at once could both pass).

The case keeps the blind index of the number it gives (`Case.id_number_given_hash`, the same keyed hash
as `Person.id_number_hash`); a partial unique constraint holds it to one open case; the check is one
indexed query; a submission that passed the check while its twin was being written is refused by the
constraint with the check's own message, naming the first case.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from shebao.cases import checks
from shebao.cases.models import Case, Status
from shebao.core import crypto
from shebao.registry.checks import id_check_character
from tests.businesses.walk import submit
from tests.cases.conftest import client_for
from tests.cases.conftest import submit as api_submit
from tests.nothing_written import nothing_written

APPLIED = dt.date(2020, 2, 20)


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.SHEBAO_TODAY = APPLIED


def number(serial: int) -> str:
    first17 = f"11010519650713{serial:03d}"
    return first17 + id_check_character(first17)


def citizen(n: str, **more):
    return {"insured_id_type": "citizen_id", "insured_id_number": n, "insured_name": "黄凤飘",
            "insured_mobile": "13700001111", "category": "standard", "start_month": "2020-02",
            "base_fen": 700_000, **more}


def test_the_case_keeps_the_blind_index_of_the_number_it_gives(clerk_chaoyang, employer_chaoyang,
                                                               person_chaoyang):
    case = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                  details=citizen(number(11).lower()))
    case.refresh_from_db()
    assert case.id_number_given_hash == crypto.blind_index(number(11), kind="id_number")
    assert number(11) not in case.id_number_given_hash
    change = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
                    details={"changes": {"mobile": "13900002222"}})
    assert Case.objects.get(pk=change.pk).id_number_given_hash == ""  # gives no number


def test_the_check_is_one_query_whatever_the_queue_holds(clerk_chaoyang, employer_chaoyang, monkeypatch):
    for serial in range(21, 27):
        submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
               details=citizen(number(serial)))
    decrypted: list[str] = []
    real = crypto.decrypt
    monkeypatch.setattr(crypto, "decrypt", lambda v: decrypted.append(v) or real(v))
    with CaptureQueriesContext(connection) as queries:
        found = checks.pending_for_id_number(number(24))
        missing = checks.pending_for_id_number(number(99))
    assert len(queries.captured_queries) == 2
    assert found is not None and found.id_number_given == number(24) and missing is None
    # Only the one case found is read back (its own encrypted columns, however many the model has: the
    # contact columns joined them in issue 16), not every open case.
    from shebao.core.fields import EncryptedTextField

    own = sum(isinstance(f, EncryptedTextField) for f in Case._meta.concrete_fields)
    assert own >= 4 and len(decrypted) <= own


def test_the_database_holds_one_open_case_per_number(clerk_chaoyang, employer_chaoyang):
    first = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                   details=citizen(number(31)))
    twin = Case.objects.get(pk=first.pk)
    twin.pk, twin.idempotency_key = None, None
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(force_insert=True)
    Case.objects.filter(pk=first.pk).update(status=Status.REJECTED)
    twin.pk = None
    twin.save(force_insert=True)  # the first is closed: the number is free again
    assert Case.objects.filter(id_number_given_hash=first.id_number_given_hash).count() == 2


def test_a_submission_that_passed_the_check_is_refused_by_the_constraint(clerk_chaoyang, employer_chaoyang,
                                                                        monkeypatch):
    """The race as PostgreSQL's READ COMMITTED allows it: the second submission's check ran before the
    first committed, so it found nothing; the insert is then refused with the check's message."""
    first = api_submit(client_for(clerk_chaoyang), business="insured_registration", channel="counter",
                       employer=employer_chaoyang.pk, applied_on="2020-02-20", details=citizen(number(41)))
    assert first.status_code == 201, first.content
    monkeypatch.setitem(checks.CHECKS, "id_number_not_pending", lambda ctx: [])
    with nothing_written():
        r = api_submit(client_for(clerk_chaoyang), business="insured_registration", channel="counter",
                       employer=employer_chaoyang.pk, applied_on="2020-02-20",
                       details=citizen("１１０１０５ " + number(41)[6:]))
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    errors = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert f"申请编号{first.json()['id']}" in errors["details.insured_id_number"], errors


@pytest.mark.django_db(transaction=True)
def test_registrations_of_one_number_at_the_same_moment_make_one_case(clerk_chaoyang, employer_chaoyang,
                                                                      monkeypatch):
    """Six real threads on their own connections register one new number at once, every one past the
    check (as on PostgreSQL, where none sees the others' uncommitted rows): one case, five refusals."""
    monkeypatch.setitem(checks.CHECKS, "id_number_not_pending", lambda ctx: [])
    barrier = threading.Barrier(6)
    results: list[tuple[int, str]] = []

    def register() -> None:
        try:
            c = client_for(clerk_chaoyang)
            barrier.wait()
            r = api_submit(c, business="insured_registration", channel="counter", employer=employer_chaoyang.pk,
                           applied_on="2020-02-20", details=citizen(number(51)))
            results.append((r.status_code, r.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(code for code, _ in results) == [201, 400, 400, 400, 400, 400], results
    made = Case.objects.get(business="insured_registration")
    assert all(f"申请编号{made.pk}" in body for code, body in results if code == 400), results


def test_the_migration_fills_the_open_cases_and_the_oldest_keeps_a_shared_number(clerk_chaoyang, employer_chaoyang):
    """Cases made before the column: the migration's fill gives each open case its number's index; of two
    that already shared a number (before the check of review-input4 F4), only the oldest."""
    import importlib

    from django.apps import apps

    fill = importlib.import_module("shebao.cases.migrations.0012_case_id_number_given_hash").fill
    first = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                   details=citizen(number(61)))
    Case.objects.filter(pk=first.pk).update(id_number_given_hash="")
    second = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                    details=citizen(number(61)))
    other = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                   details=citizen(number(62)))
    done = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                  details=citizen(number(63)))
    Case.objects.filter(pk=done.pk).update(status=Status.COMPLETED)
    Case.objects.update(id_number_given_hash="")
    fill(apps, None)
    hashes = dict(Case.objects.values_list("pk", "id_number_given_hash"))
    assert hashes[first.pk] == crypto.blind_index(number(61), kind="id_number") and hashes[second.pk] == ""
    assert hashes[other.pk] == crypto.blind_index(number(62), kind="id_number") and hashes[done.pk] == ""
