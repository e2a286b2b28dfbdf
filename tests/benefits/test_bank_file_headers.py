"""Every file that goes to a bank, and every header a page or command asks a bank's result in, is in
Chinese (review-user10 F8: the pension payment file's header read ``transfer_id,id_number_masked,…``,
read by the bank's clerk). The columns are in docs/bank_files.md; the English names of the result
files are still taken, as banks' interfaces write them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from shebao.benefits import payroll
from shebao.collection import bankfiles, refunds
from shebao.collection.models import DeductionRun
from tests.personas import SETUP

pytestmark = pytest.mark.django_db
ASCII_WORD = re.compile(r"[A-Za-z_]{2,}")


def _header(data: bytes) -> str:
    return data.decode("utf-8").splitlines()[0]


def test_the_pension_payment_file_header_is_chinese(three_retirees, settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    run = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    data, lines, _ = payroll.payment_file_bytes(run)
    assert _header(data) == "支付明细编号,证件号码（遮蔽）,户名,银行账号,金额（元）"
    first = data.decode().splitlines()[1].split(",")
    assert lines == 3 and first[0] == str(run.transfers.order_by("pk").first().pk)  # the columns in that order


def test_the_deduction_request_and_refund_payment_files_headers_are_chinese():
    data, lines, _ = bankfiles.request_file_bytes(DeductionRun.objects.create())
    assert (_header(data), lines) == ("扣款明细编号,统一社会信用代码,单位名称,银行账号,金额（元）", 0)
    assert _header(refunds.refund_payment_file_bytes([])) == "退费编号,收款人户名,开户银行,银行账号,金额（元）"


def test_the_result_headers_asked_by_pages_and_command_are_chinese(client, collection_clerk):
    client.force_login(collection_clerk)
    for kind in ("deduction_result", "remittances"):
        page = client.get(reverse("collection:bank_file_import", args=[kind])).content.decode()
        said = re.search(r"首行表头为“<code[^>]*>([^<]*)</code>”", page)[1]
        assert said and not ASCII_WORD.search(said), (kind, said)
    page = client.get(reverse("collection:refund_desk")).content.decode()
    said = re.search(r"首行表头为“<code[^>]*>([^<]*)</code>”", page)[1]
    assert said == "退费编号,支付结果,支付日期,失败原因"
    from shebao.collection.management.commands.import_refund_result import Command

    assert "表头 退费编号,支付结果,支付日期,失败原因；" in Command.help


def test_a_result_file_under_the_chinese_header_is_imported(three_retirees, settings):
    """What the demo and a bank's clerk send: the Chinese header with 成功/失败."""
    from tests.benefits.conftest import send_to_bank

    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    run = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    send_to_bank(run)
    head = ",".join(payroll.RESULT_HEADERS_ZH[c][0] for c in payroll.RESULT_COLUMNS)
    rows = [f"{t.pk},{t.amount_fen // 100}.{t.amount_fen % 100:02d},成功,,B{t.pk},2020-02-20"
            for t in run.transfers.order_by("pk")]
    report = payroll.payroll_result_import(data=("\n".join([head, *rows]) + "\n").encode(), filename="r.csv",
                                           actor=SETUP)
    assert not report.refused and run.transfers.filter(status="paid").count() == 3
