"""The bank-result page explains the file in Chinese (review-user5 F10: it showed the interface's English
header and "结果为 success 或 failed"): it names the Chinese headers the import takes, and a file
headed so, with 成功/失败, is imported."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from shebao.benefits import payroll
from shebao.benefits.models import Transfer
from tests.benefits.conftest import declare, send_to_bank
from tests.personas import SETUP
from tests.visible_text import page_problems


def test_the_page_names_the_chinese_columns_and_a_file_headed_so_is_imported(client, db, settings, municipal_admin):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    client.force_login(municipal_admin)
    html = client.get(reverse("backoffice:payroll_result_import")).content.decode()
    columns = html.split('id="result-columns"', 1)[1].split("</details>", 1)[0]
    headers = [payroll.RESULT_HEADERS_ZH[c][0] for c in payroll.RESULT_COLUMNS]
    assert [columns.index(f"<td>{h}</td>") for h in headers] == sorted(columns.index(f"<td>{h}</td>") for h in headers)
    assert "“成功”或“失败”" in columns
    # product and encoding names (Excel, UTF-8, GBK, Windows) are what a clerk sees on their computer
    assert not page_problems(html, allowed={"Excel", "UTF", "GBK", "Windows"})
    assert "success" not in html and "transfer_id" not in html
    # what the page says is what the import takes
    declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))
    run = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    t = run.transfers.get()
    send_to_bank(run)
    data = (",".join(headers) + "\n"
            + f"{t.pk},{t.amount_fen // 100}.{t.amount_fen % 100:02d},成功,,B0001,2020-02-20\n").encode()
    payroll.payroll_result_import(data=data, filename="r.csv", actor=SETUP)
    assert Transfer.objects.get(pk=t.pk).status == Transfer.Status.PAID
