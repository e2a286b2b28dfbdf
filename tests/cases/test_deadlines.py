"""Every case gets the queue's deadline from the pack: the service time limit, or 9's fast track."""

from __future__ import annotations

import datetime as dt

from shebao.cases.services import case_submit
from shebao.core.policy import current_policy


def test_a_case_is_due_within_the_service_time_limit(db, clerk_chaoyang, person_chaoyang):
    applied = dt.date(2020, 3, 2)
    case, _ = case_submit(actor=clerk_chaoyang, business="refund", channel="counter", person=person_chaoyang,
                          applied_on=applied, facts={"refund_kind": "overpayment"})
    days = current_policy().value("service.time_limit_days", applied)
    assert days == 20 and case.deadline == applied + dt.timedelta(days=days)


def test_medical_staff_work_injury_is_due_within_the_fast_track_and_first_in_line(db, clerk_chaoyang,
                                                                                  person_chaoyang):
    applied = dt.date(2020, 3, 2)
    case, _ = case_submit(actor=clerk_chaoyang, business="refund", channel="counter", person=person_chaoyang,
                          applied_on=applied, facts={"refund_kind": "overpayment"}, work_injury_medical=True)
    assert case.deadline == applied + dt.timedelta(days=3)
    assert case.priority > 0
