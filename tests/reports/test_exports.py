"""Excel downloads of the clerks' lists: the page's rows, personal numbers masked unless the role may
read them, and then the download recorded as a read of each person's data (issue 20)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shebao.cases.models import Case, Flag
from shebao.core.models import PersonalDataAccess
from tests import personas


def _xlsx(response) -> list[list]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


@pytest.fixture
def cases(db, person_chaoyang, employer_haidian):
    made = []
    for i in range(3):
        made.append(Case.objects.create(
            business="b", business_zh="参保人员信息变更", applicant_kind="person", person=person_chaoyang,
            channel="online", applied_on=dt.date(2020, 2, 10 + i), mode="direct", explanation_zh="说明", pack="p",
            pack_version="1", office=person_chaoyang.district, contact_phone="13812345678"))
    Case.objects.create(business="b", business_zh="海淀的申请", applicant_kind="employer", employer=employer_haidian,
                        channel="online", applied_on=dt.date(2020, 2, 10), mode="direct", explanation_zh="说明",
                        pack="p", pack_version="1", office=employer_haidian.district)
    Flag.objects.create(case=made[0], office=made[0].office, kind="manual_operation", description="手工记账",
                        stage="queued")
    return made


def test_a_clerk_downloads_the_queue_in_full_and_the_read_is_recorded(client, clerk_chaoyang, cases,
                                                                      person_chaoyang):
    client.force_login(clerk_chaoyang)
    rows = _xlsx(client.get(reverse("backoffice:queue_export")))
    assert rows[0][:4] == ["申请编号", "业务", "参保人员", "证件号码"]
    assert sorted(r[0] for r in rows[1:]) == sorted(c.pk for c in cases)  # 朝阳区 only
    assert {r[3] for r in rows[1:]} == {person_chaoyang.id_number}
    assert {r[12] for r in rows[1:]} == {"13812345678"}
    reads = PersonalDataAccess.objects.filter(actor=clerk_chaoyang, object_pk=str(person_chaoyang.pk))
    assert reads.count() == 1 and reads.get().field == "待办导出"


def test_a_role_that_may_not_read_personal_data_gets_masked_numbers_and_no_read_is_recorded(
        client, db, cases, person_chaoyang):
    hall = personas.make_staff("hall_cy_x", role="hall_manager", office_code="110105")
    client.force_login(hall)
    rows = _xlsx(client.get(reverse("backoffice:queue_export")))
    assert len(rows) == 4
    assert person_chaoyang.id_number not in {r[3] for r in rows[1:]}
    assert {r[3] for r in rows[1:]} == {person_chaoyang.id_number_masked}
    assert "13812345678" not in {r[12] for r in rows[1:]}
    assert not PersonalDataAccess.objects.exists()


def test_a_person_search_downloads_as_posted_and_the_review_queue_as_listed(client, clerk_chaoyang, cases,
                                                                           person_chaoyang):
    client.force_login(clerk_chaoyang)
    assert client.get(reverse("backoffice:persons_export"), {"q": "张三"}).status_code == 405
    rows = _xlsx(client.post(reverse("backoffice:persons_export"), {"q": "张三"}))
    assert rows[1][0] == "张三" and rows[1][2] == person_chaoyang.id_number and len(rows) == 2
    assert PersonalDataAccess.objects.filter(field="人员查询导出").count() == 1
    rows = _xlsx(client.get(reverse("backoffice:review_export"), {"stage": "queued"}))
    assert [r[3] for r in rows[1:]] == [cases[0].pk] and rows[1][5] == "手工记账"


def test_a_formula_typed_into_a_field_is_written_as_text(client, clerk_chaoyang, cases):
    Flag.objects.filter(case=cases[0]).update(description="=HYPERLINK(\"http://x\")")
    client.force_login(clerk_chaoyang)
    rows = _xlsx(client.get(reverse("backoffice:review_export"), {"stage": "queued"}))
    assert rows[1][5] == "'=HYPERLINK(\"http://x\")"


def test_the_export_link_follows_a_filter_changed_in_the_page(client, clerk_chaoyang, cases):
    """review-user5 F1: filtering the queue by htmx redrew the rows but left the export link unfiltered, so the
    spreadsheet held every open case. The redrawn rows carry the link again (out of band) with the filter,
    and that link's file holds exactly the rows the page shows."""
    import html
    import re

    from shebao.cases.models import Status

    Case.objects.filter(pk=cases[0].pk).update(status=Status.IN_REVIEW)
    client.force_login(clerk_chaoyang)
    part = client.get(reverse("backoffice:queue"), {"status": "in_review"}, HTTP_HX_REQUEST="true").content.decode()
    link = re.search(r'<a id="queue-export" hx-swap-oob="true" href="([^"]+)"', part)
    assert link, part[-600:]
    url = html.unescape(link.group(1))
    assert "status=in_review" in url
    rows = _xlsx(client.get(url))
    assert [r[0] for r in rows[1:]] == [cases[0].pk]
    # a whole page (no htmx) has the link once, not out of band
    page = client.get(reverse("backoffice:queue"), {"status": "in_review"}).content.decode()
    assert page.count('id="queue-export"') == 1 and "hx-swap-oob" not in page
