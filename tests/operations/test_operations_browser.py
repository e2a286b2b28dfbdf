"""The agency's own work in a real headless Chromium, on a desktop and on a 390x844 phone: a hall
manager's day (the log, a disinfection round, a reading of 37.3 °C or more, a suspected case
reported), seen and acknowledged by the municipal center; a leader's inspection with a finding; a
message to all employers of a district approved by a second person and delivered, with the status of
every recipient."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.notifications import FileAdapter, deliver_batch
from shebao.operations import outreach
from shebao.operations.models import HallDayLog, Incident, Inspection, Outreach
from tests import personas
from tests.conftest import screenshot
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def login(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto(page.live_server_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page


def fits(page, viewport: str) -> None:
    if viewport == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{page.url} is {width} px wide"


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_hall_managers_day_and_a_leaders_inspection(page, settings, tmp_path, viewport):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"
    page.set_viewport_size(VIEWPORTS[viewport])
    personas.make_staff("hall_cy", role=personas.Role.HALL_MANAGER, office_code="110105", display_name="朝阳区大厅主管")
    personas.make_staff("leader_cy", role=personas.Role.LEADER, office_code="110105", display_name="朝阳区领导")
    personas.make_staff("admin_city", role=personas.Role.MUNICIPAL_ADMIN, office_code="110000",
                        display_name="市中心管理员")
    hall = personas.office("110105")

    # The hall manager's day: the log, a disinfection round, a fever, a suspected case reported.
    login(page, "hall_cy")
    page.click(".mainnav >> text=大厅")
    page.click("text=本大厅今日日志")
    page.fill("input[name=visitors_checked]", "132")
    page.fill("input[name=ventilation]", "开窗通风3次")
    page.check("input[name=posters_in_place]")
    page.click("#log-form button")
    page.wait_for_selector("#visitors:has-text('132')")
    page.fill("#round-form input[name=area]", "等候区、叫号机")
    page.fill("#round-form input[name=done_by]", "保洁员李某")
    page.click("#round-form button")
    page.wait_for_selector("#rounds")
    page.fill("#fever-form input[name=celsius]", "38.2")
    page.fill("#fever-form textarea[name=action]", "复测仍为38.2℃，引导至隔离室")
    page.click("#fever-form button")
    page.wait_for_selector("#fevers:has-text('38.2℃')")
    fits(page, viewport)
    screenshot(page, f"50-{viewport}-hall-day")
    page.click("#report-incident")
    page.fill("textarea[name=description]", "来访群众测温38.2℃，自述发热两天")
    page.check("input[name=isolation_room_used]")
    page.click("#incident-form button")
    page.wait_for_selector("#ack-state:has-text('待市中心签收')")
    # the duty office by name, not the system's internal address (review-user12 F16)
    told = page.inner_text("#center-messages")
    assert "市中心值班室" in told and "@" not in told
    fits(page, viewport)
    incident = Incident.objects.get()
    log = HallDayLog.objects.get()
    assert (log.visitors_checked, log.fevers.get().tenths, log.rounds.count()) == (132, 382, 1)
    assert incident.hall == hall and incident.isolation_room_used

    # The center sees it and acknowledges it.
    login(page, "admin_city")
    page.click(".mainnav >> text=大厅")
    assert "1 件待签收" in page.inner_text("#open-incidents")
    page.click("text=疫情事件报告")
    page.click(f"tr[data-incident='{incident.pk}'] a")
    page.click("#ack-form button")
    page.wait_for_selector("#ack-state:has-text('市中心已签收')")
    fits(page, viewport)
    screenshot(page, f"51-{viewport}-incident-acknowledged")
    incident.refresh_from_db()
    assert incident.acknowledged_by.username == "admin_city"

    # The leader on duty inspects: the isolation room is not ready.
    login(page, "leader_cy")
    page.goto(page.live_server_url + f"/office/halls/{hall.pk}/inspect/")
    for item in ("masks_gloves", "temperature", "disinfection", "posters"):
        page.check(f"input[name=ok_{item}][value='1']")
    page.check("input[name=ok_isolation_room][value='0']")
    page.fill("input[name=finding_isolation_room]", "隔离室堆放杂物")
    fits(page, viewport)
    page.click("#inspect-form button")
    page.wait_for_selector("#checklist")
    assert "隔离室可用：未落实" in page.inner_text("#checklist") and "隔离室堆放杂物" in page.inner_text("body")
    fits(page, viewport)
    screenshot(page, f"52-{viewport}-inspection")
    assert Inspection.objects.get().findings.get().item == "isolation_room"


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_message_to_all_employers_approved_by_a_second_person(page, settings, tmp_path, viewport):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"
    page.set_viewport_size(VIEWPORTS[viewport])
    personas.make_staff("clerk_cy", role=personas.Role.DISTRICT_CLERK, office_code="110105", display_name="朝阳区经办员")
    personas.make_staff("reviewer_cy", role=personas.Role.DISTRICT_REVIEWER, office_code="110105",
                        display_name="朝阳区复核员")
    a = personas.make_employer("北京朝阳甲科技有限公司", serial=21)
    b = personas.make_employer("北京朝阳乙商贸有限公司", serial=22)
    outreach.employer_contact_save(actor=personas.SETUP, employer=a, phone="13800000021", email="hr@jia.example")
    outreach.employer_contact_save(actor=personas.SETUP, employer=b, email="hr@yi.example",
                                   postal_address="北京市朝阳区望京街2号")

    login(page, "clerk_cy")
    page.click(".mainnav >> text=通知")
    page.click("text=＋ 疫情期间“不见面”办理提示")
    page.check("input[name=channels][value=letter]")
    fits(page, viewport)
    page.click("#outreach-form button")
    page.wait_for_selector("#preview")
    assert "北京朝阳甲科技有限公司：疫情防控期间" in page.inner_text("#preview")
    assert "须由另一人审核" in page.inner_text("body") and page.locator("#check").count() == 0
    fits(page, viewport)
    screenshot(page, f"53-{viewport}-outreach-preview")
    message = Outreach.objects.get()

    login(page, "reviewer_cy")
    page.goto(page.live_server_url + f"/office/outreach/{message.pk}/")
    page.click("#check form[action$='/approve/'] button")
    page.wait_for_selector("#recipients")
    assert "已批准发送" in page.inner_text("#state") and "待发送" in page.inner_text("#recipients")
    assert deliver_batch(adapter=FileAdapter) == {"sent": 3, "failed": 0}
    page.reload()
    statuses = page.eval_on_selector_all("#recipients tbody tr .status", "els => els.map(e => e.innerText)")
    assert sorted(statuses) == sorted(["已发送", "已发送", "已发送", "纸质信函（待邮寄）", "无联系方式，未发送",
                                       "无联系方式，未发送"])
    assert "13800000021" not in page.inner_text("body") and "138****0021" in page.inner_text("body")
    fits(page, viewport)
    screenshot(page, f"54-{viewport}-outreach-delivered")
    message.refresh_from_db()
    assert message.checker.username == "reviewer_cy" and message.maker.username == "clerk_cy"
    assert not page.external_requests
