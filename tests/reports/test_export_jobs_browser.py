"""A clerk on a desktop and on a 390x844 phone exports a long queue in the background: the queue's
link offers the job, the job's page shows its progress bar and then the download, and the file read
back with openpyxl holds the queue's rows (issue 20)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from shebao.cases.models import Case
from tests.backoffice.test_browser_walkthrough import login
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_clerk_exports_a_long_queue_in_the_background(page, settings, clerk_chaoyang, person_chaoyang, viewport,
                                                         tmp_path):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    settings.SHEBAO_EXPORT_INLINE_ROWS = 2
    made = [Case.objects.create(
        business="b", business_zh="参保人员信息变更", applicant_kind="person", person=person_chaoyang, channel="online",
        applied_on=dt.date(2020, 2, 10 + i), mode="direct", explanation_zh="说明", pack="p", pack_version="1",
        office=person_chaoyang.district) for i in range(3)]
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "clerk_cy")
    page.goto(page.live_server_url + "/office/queue/?status=all")
    # A filter changed in the page (htmx) carries over to the export link (review-user5 F1).
    page.select_option("select[name=channel]", "online")
    expect(page.locator("#queue-export")).to_have_attribute("href", re.compile("channel=online"))
    page.click("#queue-export")
    page.wait_for_selector("#export-start")
    assert page.inner_text("#export-total") == "3"
    page.click("#export-start")
    page.wait_for_selector("#export-download")
    assert page.inner_text("#export-percent") == "100%"
    assert page.get_attribute("progress", "value") == "100"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"], width
    screenshot(page, f"62-{viewport}-export-job")
    with page.expect_download() as info:
        page.click("#export-download")
    path = tmp_path / "queue.xlsx"
    info.value.save_as(path)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][0] == "申请编号"
    assert sorted(r[0] for r in rows[1:]) == sorted(c.pk for c in made)
    assert all(isinstance(r[8], dt.datetime) and r[8].date() == c.applied_on
               for r, c in zip(sorted(rows[1:]), sorted(made, key=lambda c: c.pk), strict=True))


def test_a_clerk_exports_a_long_review_queue_in_the_background_on_a_phone(page, settings, clerk_chaoyang,
                                                                          person_chaoyang, tmp_path):
    """Every list's link goes the queue's road: the review queue's link (no `download` attribute, so
    the offer page shows instead of being saved as a file) offers the job, whose file holds the rows."""
    from shebao.cases.models import Flag

    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    settings.SHEBAO_EXPORT_INLINE_ROWS = 1
    made = [Case.objects.create(
        business="b", business_zh="参保人员信息变更", applicant_kind="person", person=person_chaoyang, channel="online",
        applied_on=dt.date(2020, 2, 10 + i), mode="direct", explanation_zh="说明", pack="p", pack_version="1",
        office=person_chaoyang.district) for i in range(2)]
    for i, case in enumerate(made):
        Flag.objects.create(case=case, office=case.office, kind="manual_operation", description=f"手工记账{i}",
                            stage="queued")
    page.set_viewport_size(VIEWPORTS["phone"])
    login(page, "clerk_cy")
    page.goto(page.live_server_url + "/office/review/?stage=queued")
    page.click("text=下载电子表格（本阶段全部标记）")
    page.wait_for_selector("#export-start")
    assert page.inner_text("#export-total") == "2"
    page.click("#export-start")
    page.wait_for_selector("#export-download")
    with page.expect_download() as info:
        page.click("#export-download")
    path = tmp_path / "review.xlsx"
    info.value.save_as(path)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][0] == "标记编号" and [r[5] for r in rows[1:]] == ["手工记账0", "手工记账1"]
