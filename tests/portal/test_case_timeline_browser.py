"""The person's case history in a real Chromium on a 390x844 phone and a 1366x768 desktop
(review-user9 F2): every step names what happened (材料已上传：参保缴费凭证, 已受理, 已补正, 退回补正 …),
no bare repeated state, the list fits the screen and passes the accessibility engine."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot
from tests.portal.test_accessibility import AXE, serious_violations
from tests.portal.test_case_timeline import walked_transfer_in
from tests.portal.test_person_browser import sign_in
from tests.portal.test_person_transfer_browser import VIEWPORTS, fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_case_history_names_each_event_on_a_phone_and_a_desktop(
        browser, client, settings, live_server, tmp_path, insured, clerk_chaoyang, reviewer_chaoyang, viewport):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHEBAO_PORTAL_CODE_GAP_SECONDS = 0  # the walk signed in a moment ago; the browser signs in again
    case = walked_transfer_in(client, settings, insured, clerk_chaoyang, reviewer_chaoyang)
    # The accessibility engine is injected by the test only: the app's Content Security Policy refuses it.
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.live_server_url = live_server.url
    sign_in(page, settings, insured)
    page.goto(f"{live_server.url}/portal/person/cases/{case.pk}/")
    history = page.locator("#timeline li")
    expect(history).to_have_count(8)
    texts = history.all_inner_texts()
    for wanted in ["材料已上传：参保缴费凭证", "已受理", "提前上传的材料已收取：参保缴费凭证", "退回补正：参保缴费凭证",
                   "审核意见：印章不清晰", "材料审核通过：参保缴费凭证", "审批通过"]:
        assert any(wanted in t for t in texts), (wanted, texts)
    assert sum("审核中" in t for t in texts) == 1, texts  # the acceptance's state, once
    page.locator("#timeline").scroll_into_view_if_needed()
    fits(page, "case history")
    screenshot(page, f"75-portal-case-history-{viewport}")
    if AXE.exists():
        assert serious_violations(page) == []
    context.close()
