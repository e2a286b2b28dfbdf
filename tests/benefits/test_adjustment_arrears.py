"""Yearly pension adjustments are paid from the day their notice is issued, the months before as
arrears (review-user4 U4).

The finding: a retiree's January-February 2020 pension, paid by the run of 2020-02 on the business
date 2020-02-20, included the 2020 5 % adjustment, which 人社部发〔2020〕22号 set in April 2020. The
class: an adjustment is dated by the notice that set it (``reference.issued`` in the pack); a payroll
made before that day pays without it; a payroll made on or after it pays it from its effective month,
and every month already paid without it gets the difference (调整补发, `PensionTopUp`) from the next
run, the regular one or the supplementary run, once and only once.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shebao.benefits import payroll, selectors
from shebao.benefits.models import PayrollRun, PensionMonth, PensionTopUp, Transfer
from shebao.benefits.services import EXPENSE, PAYABLE
from shebao.collection.ledger import account_balance, unbalanced_transactions
from shebao.core.models import AuditEvent
from shebao.rules import load_policy
from shebao.rules.pension import adjustments
from tests.benefits.conftest import MONTHLY_2019, declare, send_to_bank
from tests.benefits.test_payroll import RAISED_2020, months_of, result_file
from tests.nothing_written import nothing_written
from tests.personas import SETUP

DIFF = RAISED_2020 - MONTHLY_2019  # 19271 fen a month for 2020-01 on
NOTICE_2020 = "人社部发〔2020〕22号"


def on(settings, day: str) -> None:
    settings.SHEBAO_TODAY = dt.date.fromisoformat(day)


@pytest.fixture
def zhao_and_sun(db, settings):
    """赵一 retired 2019-10 (the 2020 rise is his), 孙三 retired 2020-01 (it is not)."""
    on(settings, "2019-10-01")
    zhao = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))
    on(settings, "2020-01-02")
    sun = declare("孙三", birth=dt.date(1960, 1, 20), serial=13, declared_on=dt.date(2020, 1, 2))
    return zhao, sun


def top_ups_of(retiree) -> dict[str, int]:
    return dict(PensionTopUp.objects.filter(retiree=retiree).order_by("month").values_list("month", "amount_fen"))


def test_the_pack_dates_the_2020_rise_by_its_notice():
    a = {x.effective: x for x in adjustments(load_policy("base"))}["2020-01-01"]
    assert a.rate_x100k == 5000 and NOTICE_2020 in a.document and a.issued == "2020-04-17"
    # known before the notice: not there; known on its day: there
    assert "2020-01-01" not in {x.effective for x in adjustments(load_policy("base"), "2020-04-16")}
    assert "2020-01-01" in {x.effective for x in adjustments(load_policy("base"), "2020-04-17")}


def test_a_run_made_before_the_notice_pays_without_it_and_the_supplementary_run_pays_the_difference(
        zhao_and_sun, settings):
    zhao, sun = zhao_and_sun
    on(settings, "2020-02-20")  # the review's business date
    feb = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    assert months_of(zhao) == {m: MONTHLY_2019 for m in ("2019-11", "2019-12", "2020-01", "2020-02")}
    assert set(PensionMonth.objects.filter(transfer__run=feb).values_list("known_on", flat=True)) == {
        dt.date(2020, 2, 20)}
    on(settings, "2020-03-10")
    payroll.payroll_run_start(actor=SETUP, month="2020-03")
    on(settings, "2020-04-10")  # the April run is made a week before the notice
    payroll.payroll_run_start(actor=SETUP, month="2020-04")
    assert months_of(zhao)["2020-04"] == MONTHLY_2019 and PensionTopUp.objects.count() == 0

    on(settings, "2020-04-20")  # the notice is out: the supplementary run pays the difference
    expense_before = account_balance(account=EXPENSE)
    sup = payroll.payroll_supplementary_start(actor=SETUP, month="2020-04")
    assert sup.kind == PayrollRun.Kind.SUPPLEMENTARY and sup.transfers_count == 1
    t = Transfer.objects.get(run=sup)
    assert t.retiree == zhao and t.amount_fen == 4 * DIFF == sup.amount_fen
    assert top_ups_of(zhao) == {m: DIFF for m in ("2020-01", "2020-02", "2020-03", "2020-04")}
    assert top_ups_of(sun) == {}  # retired in 2020: the 2020 rise is not his
    assert set(PensionTopUp.objects.values_list("adjustment", "known_on")) == {("2020-01-01", dt.date(2020, 4, 20))}
    assert all(NOTICE_2020 in d for d in PensionTopUp.objects.values_list("document", flat=True))
    # the months themselves are not paid again, and 2019's months owe nothing
    assert PensionMonth.objects.filter(transfer__run=sup).count() == 0
    # accrued, balanced, audited
    assert account_balance(account=EXPENSE) - expense_before == 4 * DIFF
    assert account_balance(account=EXPENSE) == -account_balance(account=PAYABLE)
    assert unbalanced_transactions() == []
    assert AuditEvent.objects.filter(reason=f"{sup}：生成支付明细").exists()
    # paid once: a second supplementary run finds nothing, writes nothing
    with nothing_written(), pytest.raises(ValidationError, match="没有需要补发"):
        payroll.payroll_supplementary_start(actor=SETUP, month="2020-04")
    # the statement lists each month of the top-up with the run that paid it
    lines = [(s.month, s.kind, s.amount_fen, s.run.pk) for s in selectors.arrears_statement(zhao)
             if s.kind.startswith("调整补发")]
    assert lines == [(m, "调整补发", DIFF, sup.pk) for m in ("2020-01", "2020-02", "2020-03", "2020-04")]

    on(settings, "2020-05-08")  # May is paid raised, and nothing of January-April again
    may = payroll.payroll_run_start(actor=SETUP, month="2020-05")
    assert Transfer.objects.get(run=may, retiree=zhao).amount_fen == RAISED_2020
    paid = {m: months_of(zhao)[m] + top_ups_of(zhao).get(m, 0) for m in months_of(zhao)}
    assert [paid[m] for m in ("2020-01", "2020-02", "2020-03", "2020-04", "2020-05")] == [RAISED_2020] * 5
    assert paid["2019-12"] == MONTHLY_2019


def test_the_regular_run_after_the_notice_pays_the_month_raised_and_the_difference_in_one_transfer(
        zhao_and_sun, settings):
    zhao, sun = zhao_and_sun
    on(settings, "2020-02-20")
    payroll.payroll_run_start(actor=SETUP, month="2020-02")
    on(settings, "2020-03-20")
    payroll.payroll_run_start(actor=SETUP, month="2020-03")
    on(settings, "2020-04-20")
    apr = payroll.payroll_run_start(actor=SETUP, month="2020-04")
    t = Transfer.objects.get(run=apr, retiree=zhao)
    assert t.amount_fen == RAISED_2020 + 3 * DIFF
    assert months_of(zhao)["2020-04"] == RAISED_2020
    assert top_ups_of(zhao) == {"2020-01": DIFF, "2020-02": DIFF, "2020-03": DIFF}
    assert Transfer.objects.filter(run=apr, retiree=zhao).count() == 1
    assert Transfer.objects.get(run=apr, retiree=sun).amount_fen == MONTHLY_2019


def test_a_failed_top_up_is_retried_and_its_months_move_to_the_retry(zhao_and_sun, settings):
    zhao, _ = zhao_and_sun
    on(settings, "2020-02-20")
    payroll.payroll_run_start(actor=SETUP, month="2020-02")
    on(settings, "2020-04-20")
    sup = payroll.payroll_supplementary_start(actor=SETUP, month="2020-02")
    t = Transfer.objects.get(run=sup)
    assert t.amount_fen == 2 * DIFF
    send_to_bank(sup)
    payroll.payroll_result_import(data=result_file([(t, "failed")]), filename="r.csv", actor=SETUP)
    retry = payroll.payroll_retry_start(run=sup, actor=SETUP)
    new = Transfer.objects.get(run=retry)
    assert new.amount_fen == 2 * DIFF
    assert set(PensionTopUp.objects.filter(retiree=zhao).values_list("transfer_id", flat=True)) == {new.pk}
    # nothing is owed again for those months
    with pytest.raises(ValidationError, match="没有需要补发"):
        payroll.payroll_supplementary_start(actor=SETUP, month="2020-02")


def test_the_per_row_and_set_based_paths_pay_the_same_once_the_notice_is_out(zhao_and_sun, settings):
    from tests.benefits.test_payroll_set_based import _built

    on(settings, "2020-02-20")
    payroll.payroll_run_start(actor=SETUP, month="2020-02")
    on(settings, "2020-03-20")
    payroll.payroll_run_start(actor=SETUP, month="2020-03")
    on(settings, "2020-04-20")
    assert _built("2020-04", set_based=True) == _built("2020-04", set_based=False)


# --- The working names every figure's unit and period ---------------------------------------------
def test_the_retiree_page_says_years_of_contribution_and_a_yearly_rate_and_dates_the_rise_by_its_notice(
        client, zhao_and_sun, clerk_chaoyang, settings):
    zhao, _ = zhao_and_sun
    client.force_login(clerk_chaoyang)
    on(settings, "2020-02-20")
    payroll.payroll_run_start(actor=SETUP, month="2020-02")
    text = client.get(reverse("backoffice:retiree", args=[zhao.pk])).content.decode()
    # U4: "缴费年限360个月 × 1%" read as 1 % a month; the 1 % is a year's share
    assert "缴费年限360个月 × 1%" not in text
    assert "× 缴费年限30年（360个月） × 每缴费1年1%" in text
    assert "计发基数8,847.00元/月" in text and "个人账户储存额139,000.00元 ÷ 计发月数139个月" in text
    # review-user14 (7): why the stored amount differs from the person page's principal-only balance
    assert "<dt>个人账户储存额</dt><dd>退休时核定，为历年个人缴费本金加记账利息" in text and "不含利息，两者不同" in text
    assert "2020年调整" not in text  # not known on 2020-02-20
    assert "2020-02养老金</dt><dd>3,654.10元/月" in text
    on(settings, "2020-04-20")
    payroll.payroll_supplementary_start(actor=SETUP, month="2020-02")
    text = client.get(reverse("backoffice:retiree", args=[zhao.pk])).content.decode()
    assert "在上年12月养老金基础上提高5%（每年调整一次），自2020-01起为3,836.81元/月" in text
    assert f"{NOTICE_2020}）（2020-04-17印发" in text
    assert "2020-04养老金</dt><dd>3,836.81元/月" in text
    history = text.split("<h2>逐月发放记录</h2>", 1)[1]
    assert history.count("<td>调整补发</td>") == 2  # 2020-01 and 2020-02 in the history, each after its month
