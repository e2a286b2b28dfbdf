"""The refund payment desk in a real Chromium: the center's collection clerk on a 390 x 844 phone makes
the bank file and reads back the bank's result; the municipal administrator, a second person, releases
it on a desktop (1.2c; issue 16 §3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shebao.collection.models import Refund, RefundPaymentFile
from shebao.core import clock
from tests.businesses.test_refund import _approved
from tests.conftest import screenshot
from tests.personas import PASSWORD
from tests.web.test_phone_viewport import fits, phone, sign_in  # noqa: F401  (phone is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refund_is_paid_through_the_desk_on_a_phone_and_a_desktop(
        phone, page, clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due,  # noqa: F811
        collection_clerk, municipal_admin, settings, tmp_path):
    settings.SHEBAO_BANK_FILE_DIR = tmp_path / "bank"
    refund = _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due)
    sign_in(phone, collection_clerk.username)
    phone.goto(phone.live_server_url + "/collection/refunds/")
    assert f"#{refund.pk}" in phone.inner_text("#waiting")
    fits(phone, "refunds-01-waiting")
    phone.click("button:has-text('生成退费支付文件')")
    phone.wait_for_selector("text=须由另一名工作人员复核放行")
    file = RefundPaymentFile.objects.get()
    assert file.filename in phone.inner_text("#files")
    fits(phone, "refunds-02-file")

    page.goto(page.live_server_url + "/login/")
    page.fill("#id_username", municipal_admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page
    page.goto(page.live_server_url + "/collection/refunds/")
    page.click("#files button:has-text('复核放行')")
    page.wait_for_selector("text=已复核放行，可以下载发送银行")
    assert municipal_admin.display_name in page.inner_text("#files")  # the release names the second person, by name (U13)
    screenshot(page, "desktop-refunds-03-released")

    phone.reload()
    with phone.expect_download() as download:
        phone.click("#files a:has-text('下载发送银行')")
    data = Path(download.value.path()).read_bytes()
    assert b"6222020000001234567" in data
    result = tmp_path / "退费结果.csv"
    # The bank pays after the release, on the business day (a date before the release is refused, pay17 E2).
    paid_on = clock.today().isoformat()
    result.write_bytes(f"refund_id,status,paid_on,reason\n{refund.pk},成功,{paid_on},\n".encode("gb18030"))
    phone.set_input_files("#result input[name=file]", str(result))
    phone.click("button:has-text('导入支付结果')")
    phone.wait_for_selector("#result-report")
    assert "支付成功1笔" in phone.inner_text("#result-report")
    fits(phone, "refunds-04-result")
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
