"""Every case gets the queue's deadline from the pack: the service time limit, or 9's fast track."""

from __future__ import annotations

import datetime as dt

from shebao.cases.services import case_submit
from shebao.core.policy import current_policy
from tests.cases.conftest import valid_details


def test_a_case_is_due_within_the_service_time_limit(db, clerk_chaoyang, person_chaoyang, paid_due):
    applied = dt.date(2020, 3, 2)
    case, _ = case_submit(actor=clerk_chaoyang, business="refund", channel="counter", person=person_chaoyang,
                          applied_on=applied, details=valid_details(
                              "refund", person=person_chaoyang, facts={"refund_kind": "overpayment"},
                              applied_on=applied))
    days = current_policy().value("service.time_limit_days", applied)
    assert days == 20 and case.deadline == applied + dt.timedelta(days=days)


def test_medical_staff_work_injury_is_due_within_the_fast_track_and_first_in_line(db, clerk_chaoyang,
                                                                                  person_chaoyang):
    """9: a medical worker infected on duty. Her treatment costs (manual reimbursement, by post) are
    handled on Beijing's fast track: due within the pack's fast-track days, ahead of the queue. The
    same application without that fact keeps the service time limit: the fact, not the business,
    moves the deadline."""
    from shebao.backoffice.selectors import QueueFilter, queue, queue_page
    from shebao.cases.services import WORK_INJURY_PRIORITY

    applied = dt.date(2020, 3, 2)
    policy = current_policy()
    fast, normal = policy.value("work_injury.fast_track_days", applied), policy.value("service.time_limit_days", applied)
    assert (fast, normal) == (3, 20)
    ordinary, _ = case_submit(actor=clerk_chaoyang, business="medical_manual_reimbursement", channel="post",
                              person=person_chaoyang, applied_on=applied - dt.timedelta(days=19))
    injured, _ = case_submit(actor=clerk_chaoyang, business="medical_manual_reimbursement", channel="post",
                             person=person_chaoyang, applied_on=applied, work_injury_medical=True)
    assert injured.deadline == applied + dt.timedelta(days=fast)
    assert ordinary.deadline == applied - dt.timedelta(days=19) + dt.timedelta(days=normal)
    # The ordinary case is due first (2020-03-03 against 2020-03-05), yet the fast-track case leads the queue.
    assert ordinary.deadline < injured.deadline and injured.priority == WORK_INJURY_PRIORITY
    rows, _ = queue_page(queue(user=clerk_chaoyang, f=QueueFilter()), page=1)
    assert [c.pk for c in rows] == [injured.pk, ordinary.pk]
