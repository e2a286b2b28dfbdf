"""The leader's payroll figures on real payroll rows (review-user4 U5).

The finding: 待遇补发 read 0.00 while the run of 2020-02 paid a retiree three months of arrears, because
the figure summed the supplementary runs, and arrears are paid by the regular run too; and 待遇未到账
lumped two fast-track work-injury payments awaiting the bank with a frozen pension. The class: a figure
counts the thing it names, from the rows that record it: back pay is every month a transfer pays before
its run's month (arrears, yearly-adjustment top-ups, work-injury months), in whatever run; money not
yet received is split by benefit (pension, work injury) and by why (failed, awaiting the bank).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from shebao.benefits import payroll
from shebao.benefits.models import PensionMonth, PensionTopUp, Transfer
from shebao.reports import selectors
from shebao.reports.tallies import tallies_refresh
from tests import personas
from tests.benefits.conftest import MONTHLY_2019, declare, send_to_bank
from tests.benefits.test_payroll import RAISED_2020, result_file
from tests.personas import SETUP

FEB = (dt.date(2020, 2, 1), dt.date(2020, 2, 29))


def on(settings, day: str) -> None:
    settings.SHEBAO_TODAY = dt.date.fromisoformat(day)


def figures(user) -> dict[str, int | None]:
    board = selectors.dashboard_figures(user=user, start=FEB[0], end=FEB[1])
    return {f.code: board.value(f.code) for f in selectors.FIGURES}, board


@pytest.mark.parametrize("full", [False, True])
def test_back_pay_counts_the_arrears_of_the_regular_run_and_the_adjustment_top_ups(db, settings, full,
                                                                                  reviewer_chaoyang):
    leader = personas.make_staff("leader_payroll", role="leader", office_code="110000")
    on(settings, "2019-10-01")
    zhao = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))
    on(settings, "2020-02-15")  # declared late: paid from 2019-11 by the run of 2020-02
    li = declare("李四", birth=dt.date(1959, 10, 20), serial=14, declared_on=dt.date(2020, 2, 15))
    tallies_refresh(full=True)

    on(settings, "2020-02-20")
    feb = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    t_zhao, t_li = Transfer.objects.get(run=feb, retiree=zhao), Transfer.objects.get(run=feb, retiree=li)
    send_to_bank(feb)
    payroll.payroll_result_import(data=result_file([(t_zhao, "failed"), (t_li, "success")]), filename="feb.csv",
                                  actor=SETUP)
    injured = personas.make_person("工伤甲", serial=31)
    payroll.immediate_payment_start(actor=reviewer_chaoyang, person=injured, bank_account="6222020000000000031",
                                    amount_fen=5_000_000, memo="一次性伤残补助金")
    # the 2020 notice is out: January and February are topped up, 李四's; 赵一's wait for the retry of his
    # failed months (a difference follows its month: review-user5 F4, e2bbff0)
    on(settings, "2020-04-20")
    sup = payroll.payroll_supplementary_start(actor=SETUP, month="2020-02")
    tallies_refresh(full=full)

    got, board = figures(leader)
    arrears = PensionMonth.objects.filter(kind="arrears").aggregate(s=Sum("amount_fen"))["s"]
    assert arrears == 6 * MONTHLY_2019  # 2019-11 .. 2020-01 of each: the 2020 rise was not out on 02-20
    top_ups = PensionTopUp.objects.aggregate(s=Sum("amount_fen"))["s"]
    assert top_ups == 2 * (RAISED_2020 - MONTHLY_2019) == sup.amount_fen
    assert set(PensionTopUp.objects.values_list("retiree", flat=True)) == {li.pk}
    assert got["payroll_back_pay_fen"] == arrears + top_ups
    assert board.total.keys("back_pay") == {"arrears": (6, arrears), "adjustment": (2, top_ups)}
    # not received: the failed pension and the top-ups awaiting the bank; the injury payment apart
    assert got["payroll_unpaid_fen"] == t_zhao.amount_fen + sup.amount_fen
    assert got["work_injury_unpaid_fen"] == 5_000_000
    assert board.total.keys("payroll_unpaid") == {
        "pension:failed": (1, t_zhao.amount_fen), "pension:pending": (1, sup.amount_fen),
        "work_injury:pending": (1, 5_000_000)}
    assert got["payroll_paid_fen"] == t_li.amount_fen
    # each district sees its own share: both retirees and the injured worker are of 朝阳
    (office, sums), = [(o, s) for o, s in board.districts if s.fen("back_pay")]
    assert office.code == "110105" and sums.fen("back_pay") == arrears + top_ups


def test_the_breakdowns_name_every_key_in_chinese(db):
    names = selectors.BREAKDOWN["payroll_unpaid"].names()
    assert names["pension:failed"] == "基本养老金·支付失败"
    assert names["work_injury:pending"] == "工伤保险待遇·待银行结果"
    assert set(selectors.BREAKDOWN["back_pay"].names()) == {"arrears", "adjustment", "work_injury"}


@pytest.mark.parametrize("full", [False, True])
def test_the_default_month_range_shows_the_run_paid_in_it_and_a_corrected_resend_is_counted_once(
        db, settings, full):
    """Review-user8 F4 on real rows: the run of 2020-02 pays 李四 on 02-20 and 赵一's transfer fails; the
    account is corrected and the transfer sent again (a retry run, pending). The leader's default
    30 days (02-10..03-10), and 02-15..02-25 (the payroll day itself), show what was paid, and 赵一's
    money not received once: the failed transfer and its resend are the same money."""
    leader = personas.make_staff("leader_resend", role="leader", office_code="110000")
    on(settings, "2019-10-01")
    zhao = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))
    li = declare("李四", birth=dt.date(1959, 10, 20), serial=14, declared_on=dt.date(2019, 10, 1))
    tallies_refresh(full=True)
    on(settings, "2020-02-20")
    feb = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    t_zhao, t_li = Transfer.objects.get(run=feb, retiree=zhao), Transfer.objects.get(run=feb, retiree=li)
    send_to_bank(feb)
    payroll.payroll_result_import(data=result_file([(t_zhao, "failed"), (t_li, "success")]), filename="feb.csv",
                                  actor=SETUP)
    on(settings, "2020-03-10")
    admin = personas.make_staff("resend_admin", role=personas.Role.MUNICIPAL_ADMIN, office_code="110000")
    retry = payroll.failed_transfer_resend(actor=admin, transfer=t_zhao, bank_account="6222020200112233445",
                                           reason="本人提供新的银行卡复印件")
    resend = Transfer.objects.get(run=retry)
    assert resend.status == "pending" and resend.amount_fen == t_zhao.amount_fen
    tallies_refresh(full=full)

    for start, end in ((dt.date(2020, 2, 10), dt.date(2020, 3, 10)), (dt.date(2020, 2, 15), dt.date(2020, 2, 25))):
        board = selectors.dashboard_figures(user=leader, start=start, end=end)
        assert board.value("payroll_paid_fen") == t_li.amount_fen, start
        assert board.value("payroll_unpaid_fen") == t_zhao.amount_fen, start  # not 2 ×
        assert board.total.keys("payroll_unpaid") == {"pension:pending": (1, t_zhao.amount_fen)}, start
        # the series draws February's money in the range's first period, inside the chart
        assert sum(s.fen("payroll", "paid") for _, s in board.series) == t_li.amount_fen
        assert min(day for day, _ in board.series) >= start
    # the resend paid: nothing left unpaid, both paid once
    send_to_bank(retry)
    payroll.payroll_result_import(data=result_file([(resend, "success")]), filename="retry.csv", actor=SETUP)
    tallies_refresh(full=full)
    board = selectors.dashboard_figures(user=leader, start=dt.date(2020, 2, 10), end=dt.date(2020, 3, 10))
    assert board.value("payroll_unpaid_fen") == 0
    assert board.value("payroll_paid_fen") == t_li.amount_fen + t_zhao.amount_fen
