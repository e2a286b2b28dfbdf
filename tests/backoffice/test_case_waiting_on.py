"""review-user8 F7: once the clerk's part of a case is done, the case page offered the clerk only 驳回 and
never said the case now waits for the reviewer's 审批通过; a clerk with many cases could not tell which
wait on them. The page says whose step comes next when it is not the reader's; the data-exchange inputs
of an owed document carry their names."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases import services, workflows
from shebao.cases.models import Status
from tests.businesses.walk import prepare, submit
from tests.cases.conftest import valid_details

pytestmark = pytest.mark.django_db


def test_the_clerk_reads_that_the_case_waits_for_the_reviewer(client, settings, clerk_chaoyang, reviewer_chaoyang,
                                                                person_chaoyang):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 2)
    case = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=dt.date(2020, 3, 2),
                  details=valid_details("person_change", person=person_chaoyang))
    client.force_login(clerk_chaoyang)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert 'id="waiting-on"' not in page  # the clerk's own step (受理) comes next
    case = services.case_accept(case=prepare(case, clerk_chaoyang), actor=clerk_chaoyang, outcome="已核对")
    assert case.status not in (Status.COMPLETED, Status.REJECTED)
    assert "approve" not in workflows.available_actions(case, clerk_chaoyang)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    # the forms owed are the clerk's to collect: the notice says so, not that the clerk's step is done
    # (look9: 您这一步已完成 stood beside materials still 未收到)
    assert case.owed_documents.exists()
    assert 'id="waiting-on"' in page and "办理所需材料尚未收齐" in page
    assert "之后由区复核人员或市中心管理员审批通过" in page and "您这一步已完成" not in page
    assert "<label>共享来源 <input" in page and "<label>凭证号 <input" in page  # the exchange's inputs named
    for owed in case.owed_documents.all():  # the owed forms, exchanged and accepted
        owed = services.owed_document_exchange(owed=owed, actor=clerk_chaoyang, source="市公安局", reference="GA-1")
        services.owed_document_review(owed=owed, actor=reviewer_chaoyang, accepted=True)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert 'id="waiting-on"' in page and "本申请等待区复核人员或市中心管理员审批通过" in page and "您这一步已完成" in page
    client.force_login(reviewer_chaoyang)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert 'id="waiting-on"' not in page and "审批通过" in page  # the reviewer's own step
    case.refresh_from_db()
    case = services.case_transition(case=case, actor=reviewer_chaoyang, action="approve")
    assert case.status == Status.COMPLETED and workflows.waiting_on(case, clerk_chaoyang) == []
