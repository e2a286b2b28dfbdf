"""In a real Chromium, on a desktop and on a 390 x 844 phone: the queue asked for page 150 of one page
shows its cases and says there is no page 150 (review-user6 F9); a person search refused by the query
guard shows the clerk still signed in (F10)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shebao.cases.services import case_submit
from tests.backoffice.test_browser_walkthrough import login
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_a_page_beyond_the_end_and_a_refused_search_in_a_browser(page, clerk_chaoyang, person_chaoyang, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    case, _ = case_submit(actor=clerk_chaoyang, business="person_change", channel="counter", person=person_chaoyang,
                          applicant_kind="person", details={"changes": {"phone": "010-88880001"}})
    login(page, "clerk_cy")
    page.goto(page.live_server_url + "/office/queue/?page=150")
    expect(page.locator("#page-beyond")).to_have_text("没有第150页：共1页，下面是最后一页（第1页）。")
    expect(page.locator(f"a[href='/office/cases/{case.pk}/']").first).to_be_visible()
    assert "没有符合条件的申请" not in page.inner_text("main")
    screenshot(page, f"queue-beyond-{viewport[0]}")

    response = page.goto(page.live_server_url + "/persons/?q=110105196507131772")
    assert response.status == 400
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    assert str(clerk_chaoyang) in page.inner_text("body")
    assert "110105196507131772" not in page.content()
    screenshot(page, f"search-refused-signed-in-{viewport[0]}")
