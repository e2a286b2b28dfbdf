"""The second factor and the lockout in a real Chromium (issue 16 §3)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt

from shebao.staff.otp import code_now
from shebao.staff.services import staff_otp_enroll
from shebao.web.forms import WRONG_WITH_SECOND_FACTOR
from tests.conftest import screenshot
from tests.personas import PASSWORD, SETUP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def device(settings, clerk_chaoyang):
    settings.SHEBAO_STAFF_MFA = True
    return staff_otp_enroll(actor=SETUP, user=clerk_chaoyang)


def submit(page, password: str, code: str) -> None:
    page.goto(page.live_server_url + "/login/")
    page.fill("#id_username", "clerk_cy")
    page.fill("#id_password", password)
    page.fill("#id_otp_token", code)
    page.click("button[type=submit]")


def test_a_clerk_signs_in_with_password_and_authenticator_code(page, device, settings):
    # django-otp holds a device for 2^(n-1) s after n wrong codes (OTP_TOTP_THROTTLE_FACTOR 1 s); a person
    # takes longer than that to type again, the test does not (CI: the right code was refused in the second).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    page.goto(page.live_server_url + "/login/")
    assert page.is_visible("#id_otp_token") and "动态口令" in page.inner_text("form")
    submit(page, PASSWORD, "000000" if code_now(device) != "000000" else "111111")
    page.wait_for_selector(f"text={WRONG_WITH_SECOND_FACTOR}")
    submit(page, PASSWORD, code_now(device))
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page
    assert "朝阳区经办员" in page.content()


def test_repeated_failures_lock_the_account_in_the_browser(page, device):
    for _ in range(4):
        submit(page, "a-wrong-guess-1", code_now(device))
        page.wait_for_selector(f"text={WRONG_WITH_SECOND_FACTOR}")
    submit(page, "a-wrong-guess-1", code_now(device))  # the fifth failure locks the account
    page.wait_for_selector("text=账号已暂时锁定")
    submit(page, PASSWORD, code_now(device))  # then even the right password and code are refused
    page.wait_for_selector("text=账号已暂时锁定")
    screenshot(page, "40-locked-out")
    page.goto(page.live_server_url + "/")
    assert "工作人员登录" in page.content()  # not signed in
    assert AccessAttempt.objects.get(username="clerk_cy").failures_since_start >= 5
