"""The pension shown is the pension paid (review-user5 F3, F4, F10's dates).

F3: after a yearly adjustment the retirees list and the retiree's heading showed the amount at
retirement beside a payroll paying the raised one. The class: wherever a retiree's monthly pension is
stated as a figure, it is this month's as the payroll pays it (`selectors.monthly_now_fen`, the
payroll's own rule), the amount at retirement named as such.
F4: the arrears statement mixed 补发 and 调整补发 without a type; and a top-up was paid on months whose
own pension had failed at the bank and was not yet sent again, with nothing on the page saying a
retry was due. The class: a difference follows its month: owed once the month itself is sent.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from shebao.benefits import payroll
from shebao.benefits.models import PensionTopUp, Transfer
from tests.benefits.conftest import MONTHLY_2019, declare, send_to_bank
from tests.benefits.test_payroll import RAISED_2020, result_file
from tests.personas import SETUP

DIFF = RAISED_2020 - MONTHLY_2019


def on(settings, day: str) -> None:
    settings.SHEBAO_TODAY = dt.date.fromisoformat(day)


def yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


@pytest.fixture
def zhao(db, settings):
    """赵一, retired 2019-10, declared in time: the 2020 rise (notice of 2020-04-17) is his."""
    on(settings, "2019-10-01")
    return declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))


def top_ups(retiree) -> dict[str, int]:
    return dict(PensionTopUp.objects.filter(retiree=retiree).order_by("month").values_list("month", "amount_fen"))


def test_the_list_and_the_heading_show_the_amount_paid_this_month(client, zhao, settings, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    on(settings, "2020-02-20")  # before the notice: the amount at retirement is this month's
    listing = client.get(reverse("backoffice:retirees")).content.decode()
    assert "<th>2020-02养老金（元）</th><th>退休时核定（元）</th>" in listing
    assert f"<td>{yuan(MONTHLY_2019)}</td><td>{yuan(MONTHLY_2019)}</td>" in listing
    on(settings, "2020-04-20")  # the notice is out: April is paid raised, and the run pays it
    apr = payroll.payroll_run_start(actor=SETUP, month="2020-04")
    assert Transfer.objects.filter(run=apr, retiree=zhao).get().months.get(month="2020-04").amount_fen == RAISED_2020
    listing = client.get(reverse("backoffice:retirees")).content.decode()
    assert "<th>2020-04养老金（元）</th>" in listing
    assert f"<td>{yuan(RAISED_2020)}</td><td>{yuan(MONTHLY_2019)}</td>" in listing
    page = client.get(reverse("backoffice:retiree", args=[zhao.pk])).content.decode()
    assert f"<h2>2020-04养老金：{yuan(RAISED_2020)}元/月</h2>" in page
    assert f"退休时核定{yuan(MONTHLY_2019)}元/月" in page
    assert f"核定待遇：{yuan(MONTHLY_2019)}" not in page
    # F10: one date format on both pages (the month as 2019-10, the day as 2019-10-01)
    for text in (listing.split("<tbody>", 1)[1].split("</tbody>", 1)[0],
                 page.split('<dl class="facts">', 1)[1].split("</dl>", 1)[0]):
        assert "2019-10-01" in text and not re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text)


def test_a_top_up_waits_for_its_month_to_be_sent_again_and_the_page_says_a_retry_is_due(
        client, zhao, settings, clerk_chaoyang):
    on(settings, "2020-02-20")
    feb = payroll.payroll_run_start(actor=SETUP, month="2020-02")  # 2019-11 .. 2020-02, before the notice
    t = Transfer.objects.get(run=feb, retiree=zhao)
    send_to_bank(feb)
    payroll.payroll_result_import(data=result_file([(t, "failed")]), filename="r.csv", actor=SETUP)
    on(settings, "2020-03-20")
    payroll.payroll_run_start(actor=SETUP, month="2020-03")
    on(settings, "2020-04-20")
    apr = payroll.payroll_run_start(actor=SETUP, month="2020-04")
    # March was received: its difference is paid; January and February were not: theirs waits
    assert top_ups(zhao) == {"2020-03": DIFF}
    assert Transfer.objects.get(run=apr, retiree=zhao).amount_fen == RAISED_2020 + DIFF
    client.force_login(clerk_chaoyang)
    page = client.get(reverse("backoffice:retiree", args=[zhao.pk])).content.decode()
    assert 'id="unpaid"' in page
    unpaid = page.split('id="unpaid"', 1)[1].split("</p>", 1)[0]
    assert "2019-11、2019-12、2020-01、2020-02养老金" in unpaid and "账户已销户" in unpaid
    assert f"批次#{feb.pk}" in unpaid and "尚未重新发放" in unpaid
    # the statement says which line is which
    arrears = page.split("<h2>补发明细</h2>", 1)[1].split("<h2>", 1)[0]
    assert "<th>类型</th>" in arrears
    assert "<td>2019-11</td><td>补发</td>" in arrears and "<td>2020-03</td><td>调整补发</td>" in arrears
    # sent again: the retry itself pays the differences of the months it sends (award17: they no longer wait
    # for the next monthly run), accrued as new expense; the failed amount was accrued by February's run
    retry = payroll.payroll_retry_start(run=feb, actor=SETUP)
    assert Transfer.objects.get(run=retry).amount_fen == t.amount_fen + 2 * DIFF
    assert top_ups(zhao) == {"2020-01": DIFF, "2020-02": DIFF, "2020-03": DIFF}
    assert PensionTopUp.objects.get(retiree=zhao, month="2020-01").transfer.run_id == retry.pk
    retry.refresh_from_db()
    assert retry.accrual is not None and sum(
        line.amount_fen for line in retry.accrual.postings.all() if line.amount_fen > 0) == 2 * DIFF
    assert 'id="unpaid"' not in client.get(reverse("backoffice:retiree", args=[zhao.pk])).content.decode()
    on(settings, "2020-05-08")
    may = payroll.payroll_run_start(actor=SETUP, month="2020-05")
    assert top_ups(zhao) == {"2020-01": DIFF, "2020-02": DIFF, "2020-03": DIFF}  # none paid twice
    assert Transfer.objects.get(run=may, retiree=zhao).amount_fen == RAISED_2020


def test_a_retry_before_the_notice_sends_the_same_amount_and_the_run_after_it_tops_up(zhao, settings):
    """The retry releases only differences that are owed: before the notice (2020-04-17) nothing is, so it
    sends what failed, and the first run after the notice tops the months up, once."""
    on(settings, "2020-02-20")
    feb = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    t = Transfer.objects.get(run=feb, retiree=zhao)
    send_to_bank(feb)
    payroll.payroll_result_import(data=result_file([(t, "failed")]), filename="r.csv", actor=SETUP)
    on(settings, "2020-03-20")
    retry = payroll.payroll_retry_start(run=feb, actor=SETUP)
    retry.refresh_from_db()
    assert Transfer.objects.get(run=retry).amount_fen == t.amount_fen and retry.accrual is None
    assert top_ups(zhao) == {}
    on(settings, "2020-04-20")
    apr = payroll.payroll_run_start(actor=SETUP, month="2020-04")
    assert top_ups(zhao) == {"2020-01": DIFF, "2020-02": DIFF}  # March and April are paid raised
    assert Transfer.objects.get(run=apr, retiree=zhao).amount_fen == 2 * RAISED_2020 + 2 * DIFF
