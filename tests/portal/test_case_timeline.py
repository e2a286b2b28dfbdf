"""A case's history names every event in Chinese (review-user9 F2: on the person's page an upload
was a second bare "审核中"): one selector (`cases.timeline.case_timeline`) for the person's and the
employer's portal pages and the back office's case page."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from shebao.cases import services as cases
from shebao.cases import timeline, workflows
from shebao.cases.models import Case, CaseTransition
from tests.businesses.walk import PDF
from tests.portal.conftest import transfer_in_submitted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("document_day")]
SERVICES = Path(cases.__file__)


def walked_transfer_in(client, settings, person, clerk, reviewer) -> Case:
    """A person's transfer in walked to completion: submitted, its 参保缴费凭证 uploaded at once,
    accepted (the upload answers the item), refused on review, sent again, accepted and approved."""
    case = transfer_in_submitted(client, settings, person)
    url = f"/portal/person/cases/{case.pk}/documents/"
    assert client.post(url, {"name": "参保缴费凭证", "file": io.BytesIO(PDF)}).status_code == 302
    case = cases.case_accept(case=case, actor=clerk)
    owed = case.owed_documents.get()
    cases.owed_document_review(owed=owed, actor=reviewer, accepted=False, note="印章不清晰")
    assert client.post(url, {"owed": owed.pk, "file": io.BytesIO(PDF + b"\n% clearer\n")}).status_code == 302
    owed.refresh_from_db()
    cases.owed_document_review(owed=owed, actor=reviewer, accepted=True)
    return cases.case_approve(case=case, actor=reviewer)


def _timeline_html(page: str) -> str:
    return re.search(r'<section class="card" id="timeline".*?</section>', page, re.S).group(0)


def _texts(section: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", li.replace("<br>", " "))).strip()
            for li in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)]


def test_the_person_reads_each_event_named_and_no_bare_status_twice(
        client, settings, insured, clerk_chaoyang, reviewer_chaoyang):
    case = walked_transfer_in(client, settings, insured, clerk_chaoyang, reviewer_chaoyang)
    rows = _texts(_timeline_html(client.get(f"/portal/person/cases/{case.pk}/").content.decode()))
    steps = [re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d ", "", r) for r in rows]
    assert steps == [
        "本人：提交申请 已提交待受理",
        "本人：材料已上传：参保缴费凭证",
        "经办机构：已受理 审核中",
        "经办机构：提前上传的材料已收取：参保缴费凭证 已提前上传的“参保缴费凭证”即为所需材料，无需补交",
        "经办机构：退回补正：参保缴费凭证 审核意见：印章不清晰",
        "本人：材料已上传：参保缴费凭证",
        "经办机构：材料审核通过：参保缴费凭证",
        "经办机构：审批通过 已办结",
    ]
    # Never a staff member's name or a checksum on the applicant's page.
    joined = " ".join(rows)
    assert clerk_chaoyang.get_username() not in joined and str(reviewer_chaoyang) not in joined
    assert "SHA-256" not in joined


def test_the_back_office_reuses_it_with_who_and_the_whole_note(
        client, settings, insured, clerk_chaoyang, reviewer_chaoyang):
    case = walked_transfer_in(client, settings, insured, clerk_chaoyang, reviewer_chaoyang)
    staff = type(client)()
    staff.force_login(reviewer_chaoyang)
    page = staff.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    section = re.search(r'<ul class="timeline">.*?</ul>', page, re.S).group(0)
    text = " ".join(_texts(section))
    assert "材料已上传：参保缴费凭证" in text and "SHA-256" in text  # staff read the checksum
    assert f"{clerk_chaoyang}：已受理（已提交待受理 → 审核中）" in text
    assert "退回补正：参保缴费凭证" in text and "印章不清晰" in text
    assert [e.label for e in timeline.case_timeline(case, staff=True)][:2] == ["登记申请", "材料已上传：参保缴费凭证"]


def test_the_employer_page_uses_the_same_names(client, settings, admin_chaoyang, employer_chaoyang,
                                               person_chaoyang, clerk_chaoyang):
    from shebao.registry.models import EmploymentSpell
    from tests.portal.conftest import sign_in_employer

    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    sign_in_employer(client, settings, admin_chaoyang)
    r = client.post("/portal/employer/cases/new/", {
        "business": "individual_back_payment", "period_from": "2019-11", "period_to": "2019-12",
        "bases": "2019-11,8000\n2019-12,8000", "id_number": person_chaoyang.id_number})
    case = Case.objects.get(pk=int(r["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert client.post(f"/portal/employer/cases/{case.pk}/documents/",
                       {"name": "劳动合同", "file": io.BytesIO(PDF)}).status_code == 302
    rows = _texts(_timeline_html(client.get(f"/portal/employer/cases/{case.pk}/").content.decode()))
    assert [re.sub(r"^\S+ \S+ ", "", r) for r in rows] == ["本单位：提交申请 已提交待受理",
                                                          "本单位：材料已上传：劳动合同"]


@pytest.mark.parametrize(("note", "label"), [
    ("138****0000 已核实", "电话核实已完成"),
    ("138****0000 未接通 晚些再拨", "电话核实未接通"),
    ("138****0000 本人否认", "电话核实：本人否认申请"),
])
def test_a_phone_check_is_named_by_its_outcome_and_its_number_kept_from_the_applicant(
        insured, clerk_chaoyang, note, label):
    case = Case.objects.create(business="transfer_in", business_zh="转入", applicant_kind="person", person=insured,
                               channel="online", applied_on=dt.date(2020, 2, 20), mode="regular",
                               explanation_zh="—", pack="p", pack_version="1", office=clerk_chaoyang.office)
    CaseTransition.objects.create(case=case, action="phone_check", from_status="submitted", to_status="submitted",
                                  actor=clerk_chaoyang, actor_label="x", note=note)
    (entry,) = timeline.case_timeline(case)
    assert (entry.label, entry.status_zh, entry.by_zh, entry.detail) == (label, "", "经办机构", "")
    assert timeline.case_timeline(case, staff=True)[0].detail == note


def test_every_action_the_services_record_has_a_chinese_name():
    """A new event or workflow step fails here until the timeline names it (never a code, never a
    bare state)."""
    source = SERVICES.with_name("services.py").read_text(encoding="utf-8")
    recorded = set(re.findall(r'_record_event\([^,]+, [^,]+, "(\w+)"', source))
    recorded |= {cases.OWED_ANSWERED, cases.CORRECT_EVENT, "submit"}
    recorded |= {t.action for t in workflows.TRANSITIONS}
    named = set(timeline.STEP_NAMES) | set(timeline.EVENT_NAMES)
    assert recorded - named == set()
    assert all(re.search(r"[\u4e00-\u9fff]", v) for v in [*timeline.STEP_NAMES.values(),
                                                           *timeline.EVENT_NAMES.values()])
