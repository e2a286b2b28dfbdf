"""The interactive API documentation in a real Chromium: it renders from the site's own files (the
page fixture refuses any request leaving the app) and reads in Chinese."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    page.goto(page.live_server_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page


def test_swagger_ui_renders_offline_in_chinese(page, clerk_chaoyang):
    sign_in(page, "clerk_cy")
    page.goto(page.live_server_url + "/api/schema/")
    page.wait_for_selector("text=社保经办 REST API")
    page.wait_for_selector("text=登记业务申请")
    for words in ("业务申请", "办理环节", "参保登记", "记录电话核实"):
        assert words in page.content()
    screenshot(page, "30-api-docs")


def test_redoc_renders_offline(page, clerk_chaoyang):
    sign_in(page, "clerk_cy")
    page.goto(page.live_server_url + "/api/schema/redoc/")
    # (Polled from here: the page's Content-Security-Policy forbids the eval that wait_for_function uses.)
    for _ in range(100):
        if "查询参保人员" in page.inner_text("body"):
            break
        page.wait_for_timeout(100)
    assert "查询参保人员" in page.inner_text("body") and "社保经办 REST API" in page.content()
