"""The money code of collection by value: the ledger's postings and balances, the assessment's sums.

These are the tests the mutation run (``make mutation``) sets against ``collection/ledger.py`` and
the money functions of ``collection/assessment.py`` (issue 22): each asserts amounts in fen.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest

from shebao.collection import assessment, ledger
from shebao.collection.assessment import (
    AssessmentResult,
    DueColumns,
    DueFees,
    EmployerFigures,
    WhatIf,
    _by_district,
    _employer_figures,
    _free_until,
    _normal_due,
    _sum_by,
    fees_of,
)
from shebao.collection.ledger import LedgerError, Line
from shebao.collection.models import LedgerTransaction, Posting
from shebao.rules import late_fee_for_due, load_policy
from shebao.rules.dates import day_number, month_index
from tests.personas import SETUP

DEFAULT = load_policy()
LIFTED = load_policy(overrides={"epidemic_lifted_on": "2020-04-30"})


# The ledger.


def _lines(employer_id: int, amount: int) -> list[Line]:
    return [Line(ledger.BANK, None, amount), Line(ledger.RECEIVABLE, employer_id, -amount)]


def test_a_balanced_transaction_is_written_whole_without_its_zero_lines(employer_chaoyang):
    e = employer_chaoyang.pk
    txn = ledger.ledger_post(actor=SETUP, kind="payment", occurred_on=dt.date(2020, 3, 2), memo="汇" * 250, reason="因" * 201,
                             lines=[*_lines(e, 12_345), Line(ledger.EMPLOYER_CREDIT, e, 0)])
    rows = sorted(Posting.objects.filter(transaction=txn).values_list("account", "employer_id", "amount_fen"))
    assert rows == [("bank", None, 12_345), ("receivable", e, -12_345)]
    assert (txn.kind, txn.occurred_on, len(txn.memo), len(txn.reason)) == ("payment", dt.date(2020, 3, 2), 200, 200)
    assert (txn.author, txn.author_label, txn.reverses) == (None, SETUP.label, None)  # a named job, never blank


def test_the_author_of_a_transaction_is_the_signed_in_user(employer_chaoyang, clerk_chaoyang):
    txn = ledger.ledger_post(kind="payment", occurred_on=dt.date(2020, 3, 2), lines=_lines(employer_chaoyang.pk, 1),
                             actor=clerk_chaoyang)
    assert (txn.author, txn.author_label) == (clerk_chaoyang, clerk_chaoyang.get_username())


@pytest.mark.parametrize("lines", [
    [Line(ledger.BANK, None, 1.5), Line(ledger.RECEIVABLE, None, -1.5)],
    [Line(ledger.BANK, None, 100), Line(ledger.RECEIVABLE, None, -99)],
    [Line(ledger.BANK, None, 100), Line(ledger.RECEIVABLE, None, -101), Line(ledger.RECEIVABLE, None, 0)],
    [Line(ledger.BANK, None, 5)],
])
def test_a_fractional_or_unbalanced_transaction_is_refused_and_nothing_is_written(db, lines):
    with pytest.raises(LedgerError):
        ledger.ledger_post(actor=SETUP, kind="payment", occurred_on=dt.date(2020, 1, 1), lines=lines)
    assert LedgerTransaction.objects.count() == 0 and Posting.objects.count() == 0


def test_the_refusal_of_an_unbalanced_transaction_gives_its_sum(db):
    with pytest.raises(LedgerError, match="-2"):
        ledger.ledger_post(actor=SETUP, kind="payment", occurred_on=dt.date(2020, 1, 1),
                           lines=[Line(ledger.BANK, None, 100), Line(ledger.RECEIVABLE, None, -102)])


def test_a_reversal_negates_every_posting_and_names_who_and_why(employer_chaoyang, clerk_chaoyang):
    e = employer_chaoyang.pk
    txn = ledger.ledger_post(actor=SETUP, kind="payment", occurred_on=dt.date(2020, 3, 2), lines=[
        Line(ledger.BANK, None, 30_000), Line(ledger.RECEIVABLE, e, -20_000), Line(ledger.EMPLOYER_CREDIT, e, -10_000)])
    for actor, reason in ((clerk_chaoyang, "  "), (None, "错账")):
        with pytest.raises(LedgerError):
            ledger.ledger_reverse(txn=txn, actor=actor, reason=reason)
    assert LedgerTransaction.objects.count() == 1
    rev = ledger.ledger_reverse(txn=txn, actor=clerk_chaoyang, reason="错账", occurred_on=dt.date(2020, 3, 5))
    assert sorted(Posting.objects.filter(transaction=rev).values_list("account", "employer_id", "amount_fen")) == [
        ("bank", None, -30_000), ("employer_credit", e, 10_000), ("receivable", e, 20_000)]
    assert (rev.kind, rev.occurred_on, rev.reverses, rev.reason, rev.author) == (
        "reversal", dt.date(2020, 3, 5), txn, "错账", clerk_chaoyang)
    assert rev.memo == f"冲正凭证#{txn.pk}"
    with pytest.raises(LedgerError, match=str(txn.pk)):
        ledger.ledger_reverse(txn=txn, actor=clerk_chaoyang, reason="再次")
    assert ledger.account_balance(account=ledger.BANK) == 0
    other = ledger.ledger_post(actor=SETUP, kind="payment", occurred_on=dt.date(2020, 3, 2), lines=_lines(e, 7))
    assert ledger.ledger_reverse(txn=other, actor=clerk_chaoyang, reason="x").occurred_on == dt.date.today()


def test_balances_per_account_and_employer(employer_chaoyang, employer_haidian):
    a, b = employer_chaoyang.pk, employer_haidian.pk
    ledger.ledger_post(actor=SETUP, kind="dues", occurred_on=dt.date(2020, 1, 1), lines=[
        Line(ledger.RECEIVABLE, a, 10_000), Line(ledger.RECEIVABLE, b, 2_500),
        Line(ledger.income_account("pension"), None, -12_500)])
    ledger.ledger_post(actor=SETUP, kind="payment", occurred_on=dt.date(2020, 1, 5), lines=_lines(a, 4_000))
    assert ledger.income_account("pension") == "income:pension"
    assert ledger.account_balances(account=ledger.RECEIVABLE) == {a: 6_000, b: 2_500}
    assert ledger.account_balances(account=ledger.RECEIVABLE, employer_ids=[b]) == {b: 2_500}
    assert ledger.account_balances(account=ledger.RECEIVABLE, employer_ids=[]) == {}
    assert ledger.account_balance(account=ledger.RECEIVABLE) == 8_500
    assert ledger.account_balance(account=ledger.RECEIVABLE, employer_id=a) == 6_000
    assert ledger.account_balance(account="income:pension") == -12_500
    assert ledger.account_balance(account="nothing") == 0
    assert ledger.unbalanced_transactions() == []


def test_an_unbalanced_transaction_written_behind_the_ledgers_back_is_found(db):
    txns = [LedgerTransaction.objects.create(kind="payment", occurred_on=dt.date(2020, 1, 1)) for _ in range(3)]
    for txn, amount in zip(txns, (5, 0, -7), strict=True):
        Posting.objects.create(transaction=txn, account=ledger.BANK, amount_fen=amount)
    assert ledger.unbalanced_transactions() == [(txns[0].pk, 5), (txns[2].pk, -7)]
    assert ledger.unbalanced_transactions(limit=1) == [(txns[0].pk, 5)]


# The assessment's sums (no database: columns in, figures out).


def test_sums_by_group_are_exact_beyond_float_precision():
    big = 2**53 + 1
    assert _sum_by(np.asarray([0, 1, 0, 2]), np.asarray([big, 7, 1, -3], dtype=np.int64), 4).tolist() == [
        big + 1, 7, -3, 0]
    assert _sum_by(np.asarray([], dtype=np.int64), np.asarray([], dtype=np.int64), 2).tolist() == [0, 0]


def test_the_normal_due_date_of_every_month_is_the_25th_or_the_months_last_day():
    months = [f"{y}-{m:02d}" for y in range(2019, 2022) for m in range(1, 13)]
    assert [_normal_due(month_index(m), DEFAULT) for m in months] == [
        dt.date(int(m[:4]), int(m[5:]), 25) for m in months]
    late = DEFAULT.with_announcement({"collection.normal_due_day": 31}, effective="2020-01-31")
    assert [_normal_due(month_index(m), late) for m in months] == [
        dt.date(int(m[:4]), int(m[5:]), calendar.monthrange(int(m[:4]), int(m[5:]))[1]) for m in months]


def test_the_fee_free_day_is_the_earlier_of_the_due_dates_under_every_policy():
    months = [month_index(m) for m in ("2019-12", "2020-01", "2020-02", "2020-03")]
    free = _free_until(months, [DEFAULT, LIFTED])
    assert free == {months[0]: dt.date(2019, 12, 25), months[1]: dt.date(2020, 1, 25),
                    months[2]: dt.date(2020, 2, 25), months[3]: dt.date(2020, 3, 25)}
    moved = DEFAULT.with_announcement({"collection.normal_due_day": 28,
                                       "collection.period_overrides": {"2020-03": "2020-03-20"}},
                                      effective="2020-01-31")
    assert _free_until(months[2:], [moved]) == {months[2]: dt.date(2020, 2, 28), months[3]: dt.date(2020, 3, 20)}
    assert _free_until([], [DEFAULT]) == {}


def _cols() -> DueColumns:
    days = [day_number(dt.date(2020, 1, 10)), -1, day_number(dt.date(2020, 7, 1)), day_number(dt.date(2020, 1, 20)), -1]
    return DueColumns(employer_id=np.asarray([7, 7, 9, 9, 9]),
                      month_no=np.asarray([month_index(m) for m in ("2019-12", "2019-12", "2020-02", "2020-01",
                                                                    "2020-06")]),
                      amount_fen=np.asarray([1_000_000, 200_000, 1_000_000, 50_000, 80_000]),
                      paid_day=np.asarray(days), dues_total=5)


def test_fees_of_charges_paid_dues_to_their_day_and_open_ones_to_the_assessment_day():
    as_of = dt.date(2020, 6, 10)
    fees = fees_of(_cols(), as_of=as_of, policy=LIFTED)
    # Row 2 was paid after the assessment day: open on that day. Row 4 (2020-06) is not yet due.
    assert fees.unpaid_overdue.tolist() == [False, True, True, False, False]
    expected = [late_fee_for_due("2019-12", 1_000_000, paid_on="2020-01-10", policy=LIFTED),
                late_fee_for_due("2019-12", 200_000, as_of=as_of, policy=LIFTED),
                late_fee_for_due("2020-02", 1_000_000, as_of=as_of, policy=LIFTED),
                late_fee_for_due("2020-01", 50_000, paid_on="2020-01-20", policy=LIFTED),
                late_fee_for_due("2020-06", 80_000, as_of=as_of, policy=LIFTED)]
    assert fees.late_fee_fen.tolist() == [f.late_fee_fen for f in expected] == [8_000, 16_800, 0, 0, 0]
    assert fees.waived_fen.tolist() == [f.waived_fen for f in expected] == [0, 0, 53_000, 0, 0]
    on_the_day = fees_of(_cols(), as_of=dt.date(2020, 7, 1), policy=LIFTED)
    assert on_the_day.unpaid_overdue.tolist() == [False, True, False, False, True]


def test_the_figures_per_employer(monkeypatch):
    monkeypatch.setattr(assessment, "_districts_of", lambda employers: np.asarray([3] * len(employers)))
    cols = _cols()
    fees = DueFees(np.asarray([False, True, True, False, True]), np.asarray([8_000, 16_800, 0, 0, 40]),
                   np.asarray([0, 0, 53_000, 0, 2]))
    f = _employer_figures(cols, fees)
    assert f.employer_id.tolist() == [7, 9]
    assert f.arrears_fen.tolist() == [200_000, 1_080_000]
    assert f.overdue_dues.tolist() == [1, 2]
    assert f.late_fee_fen.tolist() == [24_800, 40]
    assert f.waived_fen.tolist() == [0, 53_002]
    assert f.district_id.tolist() == [3, 3]
    empty = _employer_figures(DueColumns(*(np.zeros(0, dtype=np.int64) for _ in range(4))),
                              DueFees(np.zeros(0, bool), np.zeros(0, np.int64), np.zeros(0, np.int64)))
    assert empty.employer_id.tolist() == [] and empty.district_id.tolist() == []


def _figures() -> EmployerFigures:
    return EmployerFigures(np.asarray([1, 2, 3, 4]), np.asarray([20, 10, 20, 10]), np.asarray([500, 0, 700, 1]),
                           np.asarray([2, 0, 1, 1]), np.asarray([30, 5, 0, 1]), np.asarray([0, 9, 4, 0]))


def test_totals_and_sums_by_district():
    assert _by_district(_figures()) == {
        10: {"arrears_fen": 1, "late_fee_fen": 6, "waived_fen": 9, "employers_in_arrears": 1},
        20: {"arrears_fen": 1_200, "late_fee_fen": 30, "waived_fen": 4, "employers_in_arrears": 2}}
    result = AssessmentResult(dt.date(2020, 6, 10), DEFAULT, _figures(), dues_total=9, rows_read=4)
    assert result.totals == {"arrears_fen": 1_201, "late_fee_fen": 36, "waived_fen": 13, "employers_in_arrears": 3,
                             "overdue_dues": 4}


def test_the_net_change_of_a_what_if():
    w = WhatIf(dt.date(2020, 6, 10), dt.date(2020, 4, 30), 2, 700, 1_000, 0, 0, {}, [], 0, 0.0)
    assert w.net_fen == -300
