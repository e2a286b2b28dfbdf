"""The payroll desk in a real Chromium on a 390 x 844 phone: the month's run and its payment file, the
bank's result answered line by line, the failed payment shown and retried, a late retiree's arrears
statement month by month."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shebao.benefits.models import PayrollFile, PayrollRun, Transfer
from shebao.core import clock
from tests.benefits.conftest import declare, send_to_bank
from tests.web.test_phone_viewport import fits, phone, sign_in  # noqa: F401  (phone is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_payroll_desk_works_from_a_phone(phone, municipal_admin, tmp_path):  # noqa: F811
    on_time = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 20))
    late = declare("李四", birth=dt.date(1959, 11, 3), serial=12, declared_on=dt.date(2020, 2, 18))
    sign_in(phone, municipal_admin.username)
    base = phone.live_server_url

    phone.goto(base + "/office/benefits/payroll/")
    fits(phone, "benefits-01-runs")
    phone.fill("input[name=month]", "2020-02")
    phone.click("button:has-text('生成批次')")
    phone.wait_for_selector("text=SHA-256校验值")
    run = PayrollRun.objects.get(kind="regular")
    assert PayrollFile.objects.get(run=run).sha256 in phone.content()
    assert run.transfers_count == 2
    fits(phone, "benefits-02-run")
    # the kind paid reads on one line, not "基本/养老/金" beside the masked account (review-user5 F10)
    lines = phone.eval_on_selector_all("td.benefit", """cells => cells.map(c => {
        const r = document.createRange(); r.selectNodeContents(c);
        return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; })""")
    assert lines and all(n == 1 for n in lines), lines

    t_on_time, t_late = (run.transfers.get(retiree=r) for r in (on_time, late))
    send_to_bank(run)  # a second person released the file and the desk sent it
    today = clock.today()
    path = tmp_path / "result.csv"
    path.write_text("transfer_id,amount,result,reason,bank_reference,date\n"
                    f"{t_on_time.pk},{t_on_time.amount_fen / 100:.2f},failed,账户已冻结,,{today}\n"
                    f"{t_late.pk},{t_late.amount_fen / 100:.2f},success,,B0001,{today}\n", encoding="utf-8")
    phone.goto(base + "/office/benefits/payroll/results/")
    columns = phone.inner_text("#result-columns")
    assert "支付明细编号" in columns and "“成功”或“失败”" in columns and "success" not in columns
    phone.set_input_files("input[name=file]", str(path))
    phone.click("button:has-text('导入')")
    phone.wait_for_selector("text=已导入")
    text = phone.inner_text("main")
    assert "支付失败" in text and "账户已冻结" in text and "支付成功" in text
    fits(phone, "benefits-03-results")

    phone.goto(base + "/office/benefits/payroll/")
    assert "账户已冻结" in phone.inner_text("main")  # the failed payment, shown until retried
    phone.goto(base + f"/office/benefits/payroll/{run.pk}/")
    phone.click("button:has-text('重新发放')")
    phone.wait_for_url(re.compile(r"/office/benefits/payroll/\d+/$"))
    retry = PayrollRun.objects.get(kind="retry")
    assert retry.transfers.get().retiree == on_time
    assert Transfer.objects.get(pk=t_on_time.pk).retried_by_id is not None
    assert "已生成重发批次" in phone.inner_text("main")

    phone.goto(base + f"/office/benefits/retirees/{late.pk}/")
    text = phone.inner_text("main")
    assert "补发明细" in text and all(m in text for m in ("2019-12", "2020-01"))
    fits(phone, "benefits-04-retiree")
