"""The workflow table itself: one place, every row well formed."""

from __future__ import annotations

from shebao.cases import workflows
from shebao.cases.models import Status


def test_every_workflow_has_a_row_to_accept_and_to_reject():
    for wf in workflows.WORKFLOWS:
        actions = {t.action for t in workflows.TRANSITIONS if t.workflow == wf}
        assert {"accept", "reject"} <= actions, wf


def test_every_row_leads_to_a_known_state_and_names_who_may_make_it():
    for t in workflows.TRANSITIONS:
        assert t.target in Status.values
        assert t.sources and set(t.sources) <= set(Status.values)
        assert t.roles


def test_every_workflow_can_reach_completed():
    for wf in workflows.WORKFLOWS:
        reached = {Status.SUBMITTED.value}
        for _ in range(10):
            for t in workflows.TRANSITIONS:
                if t.workflow == wf and reached & t.sources:
                    reached.add(t.target)
        assert Status.COMPLETED in reached and Status.REJECTED in reached, wf


def test_refunds_and_near_retirement_have_their_own_workflows():
    assert workflows.workflow_of(mode="commitment", requires=["commitment_letter", "phone_verification"]) == "refund"
    assert workflows.workflow_of(mode="commitment", requires=["commitment_letter", "copies_by_post"]) == "near_retirement"
    assert workflows.workflow_of(mode="commitment", requires=["commitment_letter"]) == "commitment"


def test_the_table_is_served_as_data(cy):
    rows = cy.get("/api/v1/cases/workflows/").json()
    assert {"workflow": "refund", "action": "approve"}.items() <= next(
        r for r in rows if r["workflow"] == "refund" and r["action"] == "approve").items()
    assert "phone_confirmed" in next(r for r in rows if r["workflow"] == "refund" and r["action"] == "approve")["guards"]
