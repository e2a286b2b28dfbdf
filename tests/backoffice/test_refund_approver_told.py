"""A refund's approval never dead-ends unexplained (1.2c, maker and checker; review user3 U5): the
refusal before a confirmed call says the approver must not make the call, the phone-check panel says
so in advance, and when 审批通过 is withheld from a reviewer who prepared the case the page says why
and who can approve."""

from __future__ import annotations

import pytest

from shebao.cases.models import Case
from tests import personas
from tests.cases.conftest import act, client_for, example, submit
from tests.nothing_written import nothing_written

pytestmark = pytest.mark.django_db


def _accepted_refund(clerk, person, *, confirmed: bool) -> int:
    from tests.businesses.desk import refund_fields

    refund_fields(person)  # the person's employer and a paid due of it, which the refund's content names
    api = client_for(clerk)
    ex = example("p10")
    case = submit(api, business=ex["business"], channel="online", person=person.pk, applied_on=ex["applied_on"],
                  facts={"refund_kind": ex["refund_kind"]}).json()
    api.post(f"/api/v1/cases/{case['id']}/commitment-letter/",
             {"text": "本人承诺退费信息真实。", "signer": "张三", "signed_at": "2020-02-10T09:30:00+08:00"}, format="json")
    api.post(f"/api/v1/cases/{case['id']}/phone-checks/", {"outcome": "confirmed" if confirmed else "not_reached"},
             format="json")
    assert act(api, case["id"], "accept").json()["status"] == "in_review"
    return case["id"]


def test_the_refusal_without_a_confirmed_call_says_the_approver_must_not_call(clerk_chaoyang, reviewer_chaoyang,
                                                                             person_chaoyang):
    pk = _accepted_refund(clerk_chaoyang, person_chaoyang, confirmed=False)
    with nothing_written():
        refused = act(client_for(reviewer_chaoyang), pk, "approve")
    assert refused.status_code == 422, refused.json()
    reason = refused.json()["errors"][0]["reason_zh"]
    assert "尚无已确认的电话核实记录" in reason and "即不能再审批本申请" in reason
    page = client_for(reviewer_chaoyang)
    page.force_login(reviewer_chaoyang)
    html = page.get(f"/office/cases/{pk}/").content.decode()
    assert "记录核实结果的人员不能再审批本退费" in html


def test_a_reviewer_who_made_the_call_is_told_why_and_who_can_approve(client, clerk_chaoyang, reviewer_chaoyang,
                                                                     person_chaoyang):
    pk = _accepted_refund(clerk_chaoyang, person_chaoyang, confirmed=False)
    rv = client_for(reviewer_chaoyang)
    assert rv.post(f"/api/v1/cases/{pk}/phone-checks/", {"outcome": "confirmed"}, format="json").status_code == 201
    client.force_login(reviewer_chaoyang)
    html = client.get(f"/office/cases/{pk}/").content.decode()
    assert 'id="withheld-approve"' in html and "不能审批通过" in html
    assert "本区目前没有其他可以审批的工作人员" in html  # 朝阳 has one reviewer: say so, and whom to ask
    personas.make_staff("cy_review2", role=personas.Role.DISTRICT_REVIEWER, office_code="110105",
                        display_name="朝阳区复核员乙")
    html = client.get(f"/office/cases/{pk}/").content.decode()
    assert "可以审批的工作人员：朝阳区复核员乙" in html
    assert Case.objects.get(pk=pk).status == "in_review"
