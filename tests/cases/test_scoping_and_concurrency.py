"""Front desk / back office (0.4), district scoping, two clerks at once, retried submissions."""

from __future__ import annotations

import threading

import pytest

from shebao.cases.models import Case, CaseTransition
from shebao.core.errors import DomainError
from tests import personas
from tests.cases.conftest import act, client_for, submit, upload
from tests.nothing_written import nothing_written


def _direct(client, employer, **kw):
    return submit(client, business="monthly_report_back_payment", channel="counter", employer=employer.pk,
                  applied_on="2020-02-10", **kw).json()


def test_the_front_desk_registers_and_the_back_office_of_the_district_handles(cy, employer_chaoyang, clerk_chaoyang):
    back = client_for(personas.make_staff("back_cy", role=personas.Role.DISTRICT_CLERK, office_code="110105"))
    case = _direct(cy, employer_chaoyang)
    assert case["channel"] == "counter" and case["office"]["code"] == "110105"
    assert Case.objects.get(pk=case["id"]).submitted_by == clerk_chaoyang
    assert act(back, case["id"], "accept", outcome="后台入账").json()["status"] == "completed"


def test_a_clerk_of_another_district_cannot_see_or_touch_the_case(cy, clerk_haidian, employer_chaoyang,
                                                                   person_chaoyang):
    hd = client_for(clerk_haidian)
    case = _direct(cy, employer_chaoyang)
    cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload()}, format="multipart")
    doc = cy.get(f"/api/v1/cases/{case['id']}/").json()["documents"][0]
    assert cy.get(doc["url"]).status_code == 200
    with nothing_written():
        refused = hd.get(f"/api/v1/cases/{case['id']}/")
    assert refused.status_code == 404
    with nothing_written():
        refused = act(hd, case["id"], "accept", outcome="x")
    assert refused.status_code == 404
    with nothing_written():
        refused = hd.get(doc["url"])
    assert refused.status_code == 404
    assert hd.get("/api/v1/cases/").json()["results"] == []
    with nothing_written():
        r = submit(hd, business="refund", channel="online", person=person_chaoyang.pk, facts={"refund_kind": "other"})
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "person"
    assert CaseTransition.objects.filter(case_id=case["id"]).count() == 2  # submit, document


def test_two_clerks_acting_on_the_same_case_one_wins_the_other_gets_409(cy, employer_chaoyang):
    other = client_for(personas.make_staff("clerk_cy2", role=personas.Role.DISTRICT_CLERK, office_code="110105"))
    case = _direct(cy, employer_chaoyang)
    first = act(cy, case["id"], "accept", outcome="甲办理", version=case["version"])
    second = act(other, case["id"], "accept", outcome="乙办理", version=case["version"])
    assert first.status_code == 200 and second.status_code == 409
    assert "他人" in second.json()["errors"][0]["reason_zh"]
    assert Case.objects.get(pk=case["id"]).outcome == "甲办理"
    # With the version read after the first, the state itself refuses the second action.
    case2 = _direct(cy, employer_chaoyang)
    act(cy, case2["id"], "accept", outcome="甲")
    with nothing_written():
        refused = act(other, case2["id"], "accept", outcome="乙")
    assert refused.status_code == 409


def test_a_retried_submission_returns_the_first_application(cy, employer_chaoyang):
    r1 = _direct(cy, employer_chaoyang) and submit(cy, key="k-1", business="monthly_report_back_payment",
                                                   channel="online", employer=employer_chaoyang.pk)
    r2 = submit(cy, key="k-1", business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk)
    assert r1.status_code == 201 and r2.status_code == 200
    assert r1.json()["id"] == r2.json()["id"] and r2["Idempotent-Replayed"] == "true"
    assert Case.objects.filter(idempotency_key="k-1").count() == 1
    with nothing_written():
        changed = submit(cy, key="k-1", business="base_difference_back_payment", channel="online",
                         employer=employer_chaoyang.pk)
    assert changed.status_code == 422 and changed.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_retry_writes_nothing_and_reads_the_first_case(cy, employer_chaoyang):
    """The insert skips on the (submitted_by, key) constraint: no second case, and none of the rows
    that go with one (transition, audit, notification) are written for the retry."""
    from shebao.cases.models import CaseTransition, OutboxMessage
    from shebao.core.models import AuditEvent

    body = {"business": "monthly_report_back_payment", "channel": "online", "employer": employer_chaoyang.pk,
            "contact_phone": "13800138000"}
    first = submit(cy, key="retried", **body)
    assert first.status_code == 201
    again = submit(cy, key="retried", **body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    case_id = first.json()["id"]
    assert Case.objects.filter(idempotency_key="retried").count() == 1
    assert CaseTransition.objects.filter(case_id=case_id).count() == 1
    assert AuditEvent.objects.filter(model="cases.Case", object_pk=str(case_id)).count() == 1
    assert OutboxMessage.objects.filter(case_id=case_id).count() == 1


def test_a_retry_of_an_accepted_request_returns_it_even_if_it_would_be_refused_now(cy, employer_chaoyang,
                                                                                    monkeypatch):
    """Between the first try and the retry the rules may have changed (an announcement, a new pack):
    the retry still gets the first case, whole, while a new request is refused."""
    from shebao.cases import routing

    body = {"business": "monthly_report_back_payment", "channel": "online", "employer": employer_chaoyang.pk,
            "applied_on": "2020-02-10", "contact_email": "hr@example.com"}
    first = submit(cy, key="before-the-change", **body)
    assert first.status_code == 201

    def refuse(*args, **kwargs):
        raise DomainError("规则已变更，不再受理", "no longer accepted", field="facts")

    monkeypatch.setattr(routing, "route", refuse)
    again = submit(cy, key="before-the-change", **body)
    assert again.status_code == 200 and again.json() == first.json()
    with nothing_written():
        fresh = submit(cy, key="after-the-change", **body)
    assert fresh.status_code == 400 and fresh.json()["errors"][0]["field"] == "facts"
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_under_threads(clerk_chaoyang, employer_chaoyang):
    """Eight real threads on their own connections retry one submission at once (on SQLite too: the
    test database is a file, so writers wait their turn as in production): one case is made."""
    from django.db import connection

    barrier = threading.Barrier(8)
    results: list[int] = []

    def retry() -> None:
        try:
            c = client_for(clerk_chaoyang)
            barrier.wait()
            results.append(submit(c, key="race", business="monthly_report_back_payment", channel="online",
                                  employer=employer_chaoyang.pk).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(results) == 8, results
    assert sorted(results).count(201) == 1 and Case.objects.filter(idempotency_key="race").count() == 1
