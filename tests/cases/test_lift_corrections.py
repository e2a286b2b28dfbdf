"""A center corrects the lifted date (0.3, 1.3, 4.2; issue 11 fault 2): the preview says what moves,
applying moves it once, both announcements and both runs are kept, odd dates need a confirmation."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.models import Case, EpidemicLift, OutboxMessage, OwedDocument
from shebao.cases.services import epidemic_lift_apply
from shebao.cases.workflows import LiftNeedsConfirmation
from shebao.core.models import Announcement, AuditEvent
from shebao.core.policy import announcements_published, current_policy
from tests.cases.conftest import act, submit


def _deferred_case(cy, person, applied_on="2020-03-02"):
    case = submit(cy, business="person_change", channel="online", person=person.pk, applied_on=applied_on,
                  facts={"fields": ["address"]}).json()
    owed = act(cy, case["id"], "accept").json()["owed_documents"]
    assert owed and all(o["due_on"] is None for o in owed)
    return case


def _lift(city, day, **extra):
    return city.post("/api/v1/cases/epidemic-lift/", {"lifted_on": day, **extra}, format="json")


def test_a_corrected_lifted_date_moves_the_due_dates_once_and_keeps_both(cy, city, person_chaoyang,
                                                                         municipal_admin):
    case = _deferred_case(cy, person_chaoyang)
    assert _lift(city, "2020-04-30").status_code == 200
    assert cy.get(f"/api/v1/cases/{case['id']}/").json()["documents_due_on"] == "2020-07-30"
    outbox_before = OutboxMessage.objects.filter(case_id=case["id"]).count()

    preview = city.get("/api/v1/cases/epidemic-lift/preview/?lifted_on=2020-05-15").json()
    assert not preview["already_applied"] and preview["confirmation"] == ""
    c = preview["correction"]
    assert (c["lifted_on_before"], c["documents_due_on_before"], c["documents_due_on"]) == (
        "2020-04-30", "2020-07-30", "2020-08-15")
    assert (c["cases_redated"], c["owed_documents_redated"], c["examples"]) == (1, 2, [case["id"]])
    assert EpidemicLift.objects.count() == 1  # a preview changes nothing

    r = _lift(city, "2020-05-15")
    assert r.status_code == 200, r.json()
    assert r.json()["sequence"] == 2 and r.json()["summary"]["applied"]["cases_redated"] == 1
    detail = cy.get(f"/api/v1/cases/{case['id']}/").json()
    assert detail["documents_due_on"] == "2020-08-15"
    assert {o["due_on"] for o in detail["owed_documents"]} == {"2020-08-15"}
    assert current_policy().value("epidemic.lifted_on") == dt.date(2020, 5, 15)
    # The case says why, the applicant is told, the change is audited.
    assert OutboxMessage.objects.filter(case_id=case["id"]).count() == outbox_before + 1
    assert AuditEvent.objects.filter(model="cases.Case", object_pk=str(case["id"]),
                                     reason__contains="更正疫情解除日期").count() == 1
    # Both announcements and both runs are kept; the first is marked as corrected.
    first, second = EpidemicLift.objects.order_by("sequence")
    assert (first.lifted_on, second.lifted_on, second.corrects_id) == (
        dt.date(2020, 4, 30), dt.date(2020, 5, 15), first.pk)
    published = {p.row.pk: p for p in announcements_published()}
    assert not published[first.announcement_id].in_force and published[second.announcement_id].in_force
    assert Announcement.objects.count() == 2

    # Applying the correction again changes nothing.
    assert _lift(city, "2020-05-15").status_code == 200
    assert EpidemicLift.objects.count() == 2 and Announcement.objects.count() == 2
    assert OutboxMessage.objects.filter(case_id=case["id"]).count() == outbox_before + 1
    assert Case.objects.get(pk=case["id"]).documents_due_on == dt.date(2020, 8, 15)

    # Correcting back to the first date is a third run, and moves the dates back.
    assert _lift(city, "2020-04-30").json()["sequence"] == 3
    assert set(OwedDocument.objects.filter(case_id=case["id"]).values_list("due_on", flat=True)) == {
        dt.date(2020, 7, 30)}
    assert current_policy().value("epidemic.lifted_on") == dt.date(2020, 4, 30)


def test_documents_already_received_and_cases_resumed_stay_as_they_are(cy, city, person_chaoyang,
                                                                       employer_chaoyang, backfill_person_far):
    case = _deferred_case(cy, person_chaoyang)
    backfill = submit(cy, business="account_backfill", channel="post", employer=employer_chaoyang.pk,
                      person=backfill_person_far.pk, applicant_kind="employer", applied_on="2020-02-20").json()
    assert act(cy, backfill["id"], "accept").json()["status"] == "postponed"
    _lift(city, "2020-04-30")
    received = OwedDocument.objects.filter(case_id=case["id"]).first()
    OwedDocument.objects.filter(pk=received.pk).update(state=OwedDocument.State.ACCEPTED)

    c = city.get("/api/v1/cases/epidemic-lift/preview/?lifted_on=2020-05-15").json()["correction"]
    assert (c["owed_documents_redated"], c["resumed_unchanged"]) == (1, 1)
    _lift(city, "2020-05-15")
    received.refresh_from_db()
    assert received.due_on == dt.date(2020, 7, 30)  # accepted: its date is history, not a deadline
    assert Case.objects.get(pk=backfill["id"]).status == "in_review"
    resumes = [t["action"] for t in cy.get(f"/api/v1/cases/{backfill['id']}/").json()["transitions"]]
    assert resumes.count("resume") == 1


@pytest.mark.parametrize("day,why", [("2020-01-30", "早于通知施行日"), ("next year", "晚于今天")])
def test_a_date_before_the_notice_or_after_today_needs_a_confirmation(cy, city, person_chaoyang, day, why):
    from shebao.core import clock

    if day == "next year":  # after today but plausible (a year far ahead is refused outright)
        day = (clock.today() + dt.timedelta(days=400)).isoformat()
    case = _deferred_case(cy, person_chaoyang)
    assert why in city.get(f"/api/v1/cases/epidemic-lift/preview/?lifted_on={day}").json()["confirmation"]
    r = _lift(city, day)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "confirmed"
    assert why in r.json()["errors"][0]["reason_zh"]
    # Nothing was written: no announcement, no run, no due date, no audit row, no message.
    assert not Announcement.objects.exists() and not EpidemicLift.objects.exists()
    assert Case.objects.get(pk=case["id"]).documents_due_on is None
    assert not AuditEvent.objects.filter(model__in=["core.Announcement", "cases.EpidemicLift"]).exists()
    outbox = OutboxMessage.objects.filter(case_id=case["id"], event="documents_due")
    assert not outbox.exists()
    assert _lift(city, day, confirmed=True).status_code == 200
    assert EpidemicLift.objects.get().lifted_on == dt.date.fromisoformat(day)


def test_a_correction_that_needs_a_confirmation_leaves_the_lift_in_force(city, municipal_admin):
    epidemic_lift_apply(actor=municipal_admin, lifted_on=dt.date(2020, 4, 30))
    with pytest.raises(LiftNeedsConfirmation):
        epidemic_lift_apply(actor=municipal_admin, lifted_on=dt.date(2020, 1, 1))
    assert EpidemicLift.objects.get().lifted_on == dt.date(2020, 4, 30)
    assert Announcement.objects.count() == 1
    assert current_policy().value("epidemic.lifted_on") == dt.date(2020, 4, 30)
