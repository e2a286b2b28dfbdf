"""Money out needs two different people whatever their roles (issue 16 §3): a refund (1.2c) is approved
by someone who did not register it, capture its commitment letter, record its phone check or accept it.
One municipal admin (who holds every case role) can no longer take a refund through alone."""

from __future__ import annotations

import pytest

from shebao.cases import workflows
from shebao.cases.models import Case, CaseTransition
from shebao.core.models import AuditEvent
from tests.cases.conftest import act, client_for, example, submit
from tests.nothing_written import nothing_written

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _paid(paid_due):
    """Every refund here refunds the 朝阳 employer's paid due (tests/cases/conftest.paid_due)."""


def prepared_refund(maker_client, person) -> dict:
    """A refund registered, with its letter and a confirmed phone call, accepted: all by `maker_client`."""
    ex = example("p10")
    case = submit(maker_client, business=ex["business"], channel="online", person=person.pk,
                  applied_on=ex["applied_on"], facts={"refund_kind": ex["refund_kind"]}).json()
    assert case["workflow"] == "refund"
    maker_client.post(f"/api/v1/cases/{case['id']}/commitment-letter/",
                      {"text": "本人承诺退费信息真实。", "signer": "张三", "signed_at": "2020-02-10T09:30:00+08:00"},
                      format="json")
    assert maker_client.post(f"/api/v1/cases/{case['id']}/phone-checks/", {"outcome": "confirmed"},
                             format="json").status_code == 201
    assert act(maker_client, case["id"], "accept").json()["status"] == "in_review"
    return case


def test_one_admin_cannot_take_a_refund_through_alone(municipal_admin, person_chaoyang):
    admin = client_for(municipal_admin)
    case = prepared_refund(admin, person_chaoyang)
    with nothing_written():
        refused = act(admin, case["id"], "approve")
    assert refused.status_code == 403
    problem = refused.json()
    assert problem["errors"][0]["code"] == "second_person_required" and "另一名工作人员" in problem["errors"][0]["reason_zh"]
    assert Case.objects.get(pk=case["id"]).status == "in_review"
    # Nor is "approve" offered to them.
    assert "approve" not in workflows.available_actions(Case.objects.get(pk=case["id"]), municipal_admin)


def test_a_second_admin_approves_what_the_first_prepared(municipal_admin, person_chaoyang):
    from tests import personas

    other = personas.make_staff("admin_two", role=personas.Role.MUNICIPAL_ADMIN, office_code="110000",
                                display_name="市中心管理员乙")
    case = prepared_refund(client_for(municipal_admin), person_chaoyang)
    done = act(client_for(other), case["id"], "approve")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    approval = CaseTransition.objects.get(case_id=case["id"], action="approve")
    assert approval.actor == other
    assert AuditEvent.objects.filter(model="cases.Case", object_pk=str(case["id"]), actor=other,
                                     reason__startswith="审批通过").exists()


# (Accepting is a clerk's step, which the reviewer role may not make: the admin test above covers it.)
@pytest.mark.parametrize("step", ["submit", "commitment_letter", "phone_check"])
def test_a_reviewer_who_made_any_earlier_step_may_not_approve(step, clerk_chaoyang, reviewer_chaoyang,
                                                               person_chaoyang):
    """The reviewer role does not make a checker: having prepared any part of the refund rules one out."""
    cy, rv = client_for(clerk_chaoyang), client_for(reviewer_chaoyang)
    ex = example("p10")
    by = {s: (rv if s == step else cy) for s in ("submit", "commitment_letter", "phone_check", "accept")}
    case = submit(by["submit"], business=ex["business"], channel="online", person=person_chaoyang.pk,
                  applied_on=ex["applied_on"], facts={"refund_kind": ex["refund_kind"]}).json()
    by["commitment_letter"].post(f"/api/v1/cases/{case['id']}/commitment-letter/",
                                 {"text": "承诺", "signer": "张三", "signed_at": "2020-02-10T09:30:00+08:00"},
                                 format="json")
    by["phone_check"].post(f"/api/v1/cases/{case['id']}/phone-checks/", {"outcome": "confirmed"}, format="json")
    assert act(by["accept"], case["id"], "accept").json()["status"] == "in_review"
    with nothing_written():
        refused = act(rv, case["id"], "approve")
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "second_person_required"
