"""A real headless Chromium: a clerk logs in and sees the Chinese home page."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_logs_in_and_sees_the_chinese_home_page(page, clerk_chaoyang, person_chaoyang):
    page.goto(page.live_server_url + "/")
    assert "工作人员登录" in page.content()
    screenshot(page, "01-login")
    page.fill("#id_username", "clerk_cy")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page
    page.wait_for_selector("text=欢迎")  # sent to sign in from the home page (?next=/), back there
    assert "朝阳区经办员" in page.content()
    screenshot(page, "02-home")
    page.fill("input[name=q]", "zs")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("text=张三")
    page.click("text=张三")
    page.wait_for_selector("text=养老保险账户")
    assert person_chaoyang.id_number not in page.content()
    page.fill("input[name=reason]", "核对身份")
    page.click("text=显示")
    page.wait_for_selector(f"text={person_chaoyang.id_number}")
    screenshot(page, "03-person")
