"""The monthly pension payroll (2.1): every active entitlement paid exactly once, a run killed half-way
and re-run pays nothing twice, late declarations get their arrears month by month, the bank's results
are imported and failures retried, and every payment is posted in balanced ledger entries."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shebao.benefits import payroll, selectors
from shebao.benefits.models import PayrollFile, PayrollRun, PensionMonth, Transfer
from shebao.benefits.services import BANK, EXPENSE, PAYABLE
from shebao.collection import releases
from shebao.collection.ledger import account_balance, unbalanced_transactions
from shebao.collection.models import LedgerTransaction
from shebao.core import clock
from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused
from tests.benefits.conftest import MONTHLY_2019, declare, send_to_bank
from tests.personas import SETUP

RAISED_2020 = 383681  # 365410 raised by the 2020 adjustment (5 %), 19270.5 fen rounded half up


def months_of(retiree) -> dict[str, int]:
    return dict(PensionMonth.objects.filter(retiree=retiree).order_by("month").values_list("month", "amount_fen"))


def result_file(rows: list[tuple[Transfer, str]]) -> bytes:
    lines = ["transfer_id,amount,result,reason,bank_reference,date"]
    for t, outcome in rows:
        amount = f"{t.amount_fen // 100}.{t.amount_fen % 100:02d}"
        if outcome == "success":
            lines.append(f"{t.pk},{amount},success,,B{t.pk:08d},{clock.today()}")
        else:
            lines.append(f"{t.pk},{amount},failed,账户已销户,,{clock.today()}")
    return ("\n".join(lines) + "\n").encode()


def test_a_run_pays_every_active_entitlement_every_month_owed_exactly_once(three_retirees, settings):
    zhao, qian, sun = three_retirees
    run = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    assert run.status == PayrollRun.Status.READY and run.transfers_count == 3
    assert months_of(zhao) == {"2019-11": MONTHLY_2019, "2019-12": MONTHLY_2019, "2020-01": RAISED_2020,
                               "2020-02": RAISED_2020}
    assert months_of(qian) == {"2020-01": RAISED_2020, "2020-02": RAISED_2020}
    assert months_of(sun) == {"2020-02": MONTHLY_2019}  # retired in 2020: the 2020 rise is not theirs
    assert run.amount_fen == 2 * MONTHLY_2019 + 4 * RAISED_2020 + MONTHLY_2019
    # the expense is accrued once, balanced
    assert run.accrual.kind == LedgerTransaction.Kind.BENEFIT_ACCRUAL
    assert account_balance(account=EXPENSE) == run.amount_fen == -account_balance(account=PAYABLE)
    assert unbalanced_transactions() == []
    # the payment file: full accounts, owner-only, checksum beside it
    file = PayrollFile.objects.get(run=run)
    path = settings.SHEBAO_BANK_FILE_DIR / file.filename
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = path.read_bytes()
    assert zhao.bank_account.encode() in data and data.count(b"\r\n") == 4
    assert AuditEvent.objects.filter(model="benefits.PayrollFile", object_pk=str(file.pk)).exists()
    # the same month again: the same run, nothing more
    again = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    assert again.pk == run.pk and Transfer.objects.count() == 3 and PensionMonth.objects.count() == 7
    # the next month pays only that month
    march = payroll.payroll_run_start(actor=SETUP, month="2020-03")
    assert march.transfers_count == 3
    assert sorted(PensionMonth.objects.filter(transfer__run=march).values_list("month", flat=True)) == ["2020-03"] * 3


def test_a_run_killed_half_way_and_run_again_pays_nothing_twice(three_retirees):
    class Killed(Exception):
        pass

    def kill(made: int) -> None:
        raise Killed(made)

    with pytest.raises(Killed):
        payroll.payroll_run_start(actor=SETUP, month="2020-02", chunk_size=1, after_chunk=kill)
    run = PayrollRun.objects.get(month="2020-02", kind=PayrollRun.Kind.REGULAR)
    assert run.status == PayrollRun.Status.BUILDING and run.transfers.count() == 1
    assert run.accrual is None and not PayrollFile.objects.exists()  # nothing to the bank yet
    done = payroll.payroll_run_start(actor=SETUP, month="2020-02", chunk_size=1)
    assert done.pk == run.pk and done.status == PayrollRun.Status.READY
    assert Transfer.objects.count() == 3 and PensionMonth.objects.count() == 4 + 2 + 1
    pairs = list(PensionMonth.objects.values_list("retiree_id", "month"))
    assert len(pairs) == len(set(pairs))
    assert account_balance(account=EXPENSE) == done.amount_fen == sum(Transfer.objects.values_list("amount_fen", flat=True))


def test_the_database_itself_refuses_a_second_payment_of_a_month(three_retirees):
    run = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    m = PensionMonth.objects.filter(transfer__run=run).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        PensionMonth.objects.create(retiree_id=m.retiree_id, month=m.month, amount_fen=1, kind="regular",
                                    transfer=m.transfer)


def test_a_late_declaration_gets_each_month_from_retirement_as_arrears_with_a_statement(db):
    for m in ("2020-01", "2020-02"):  # nobody to pay yet: no run is made (review finding D15)
        with pytest.raises(ValidationError, match="没有应发放的待遇"):
            payroll.payroll_run_start(actor=SETUP, month=m)
    assert not PayrollRun.objects.exists()
    # retired 2019-10-15, declared only on 2020-02-20 (the epidemic): nothing was paid so far
    late = declare("李四", birth=dt.date(1959, 10, 15), serial=21, declared_on=dt.date(2020, 2, 20))
    march = payroll.payroll_run_start(actor=SETUP, month="2020-03")
    t = march.transfers.get(retiree=late)
    assert t.amount_fen == 2 * MONTHLY_2019 + 3 * RAISED_2020
    statement = selectors.arrears_statement(late)
    assert [(s.month, s.amount_fen, s.kind) for s in statement] == [
        ("2019-11", MONTHLY_2019, "补发"), ("2019-12", MONTHLY_2019, "补发"), ("2020-01", RAISED_2020, "补发"),
        ("2020-02", RAISED_2020, "补发")]
    assert all(s.run == march for s in statement)
    assert PensionMonth.objects.get(retiree=late, month="2020-03").kind == PensionMonth.Kind.REGULAR


def test_a_retiree_declared_after_the_months_run_is_paid_by_a_supplementary_run(three_retirees):
    payroll.payroll_run_start(actor=SETUP, month="2020-02")
    late = declare("周五", birth=dt.date(1959, 11, 2), serial=22, declared_on=dt.date(2020, 2, 21))
    sup = payroll.payroll_supplementary_start(actor=SETUP, month="2020-02")
    assert sup.kind == PayrollRun.Kind.SUPPLEMENTARY and sup.transfers_count == 1
    assert sorted(months_of(late)) == ["2019-12", "2020-01", "2020-02"]
    with pytest.raises(ValidationError, match="没有需要补发"):
        payroll.payroll_supplementary_start(actor=SETUP, month="2020-02")
    assert PayrollRun.objects.filter(kind=PayrollRun.Kind.SUPPLEMENTARY).count() == 1


def test_results_are_imported_failures_retried_and_every_payment_posted(three_retirees, settings):
    zhao, qian, sun = three_retirees
    run = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    tz, tq, ts = (run.transfers.get(retiree=r) for r in (zhao, qian, sun))
    send_to_bank(run)
    report = payroll.payroll_result_import(data=result_file([(tz, "success"), (tq, "success"), (ts, "failed")]),
                                           filename="result.csv", actor=SETUP)
    assert not report.refused and [ln.outcome for ln in report.lines] == ["支付成功", "支付成功", "支付失败"]
    tz.refresh_from_db()
    ts.refresh_from_db()
    assert tz.status == Transfer.Status.PAID and tz.payment.kind == LedgerTransaction.Kind.BENEFIT_PAYMENT
    assert ts.status == Transfer.Status.FAILED and ts.failure_reason == "账户已销户"
    assert account_balance(account=BANK) == -(tz.amount_fen + tq.amount_fen)
    assert account_balance(account=PAYABLE) == -ts.amount_fen  # still owed to sun
    assert list(selectors.failed_transfers()) == [ts]
    run.refresh_from_db()
    assert run.status == PayrollRun.Status.CLOSED  # every transfer has its result
    assert PayrollFile.objects.get(run=run).purged_at is not None
    assert not (settings.SHEBAO_BANK_FILE_DIR / f"payroll-run-{run.pk}.csv").exists()
    # the same file again changes nothing
    again = payroll.payroll_result_import(data=result_file([(tz, "success"), (tq, "success"), (ts, "failed")]),
                                          filename="result.csv", actor=SETUP)
    assert again.already_imported and LedgerTransaction.objects.filter(kind="benefit_payment").count() == 1
    # retry: the failed transfer's months move to the retry, paid once
    retry = payroll.payroll_retry_start(run=run, actor=SETUP)
    assert retry.kind == PayrollRun.Kind.RETRY and retry.transfers_count == 1 and retry.accrual is None
    new = retry.transfers.get()
    assert list(PensionMonth.objects.filter(retiree=sun).values_list("transfer_id", flat=True)) == [new.pk]
    ts.refresh_from_db()
    assert ts.retried_by == new and list(selectors.failed_transfers()) == []
    with pytest.raises(ValidationError, match="没有待重发"):
        payroll.payroll_retry_start(run=run, actor=SETUP)
    send_to_bank(retry)
    payroll.payroll_result_import(data=result_file([(new, "success")]), filename="retry.csv", actor=SETUP)
    assert account_balance(account=PAYABLE) == 0
    assert -account_balance(account=BANK) == run.amount_fen == account_balance(account=EXPENSE)
    assert unbalanced_transactions() == []


def test_a_malformed_result_file_is_refused_whole_and_changes_nothing(three_retirees):
    run = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    t = run.transfers.first()
    data = (b"transfer_id,amount,result,reason,bank_reference,date\n"
            + f"{t.pk},{t.amount_fen // 100}.{t.amount_fen % 100:02d},success,,B1,2020-02-25\n".encode()
            + b"999999,1.00,maybe,,,2020-02-25\n")
    report = payroll.payroll_result_import(data=data, filename="bad.csv", actor=SETUP)
    assert report.refused
    reasons = " ".join(ln.detail for ln in report.lines)
    assert "支付明细编号“999999”不存在" in reasons and "支付结果“maybe”无效" in reasons
    assert not Transfer.objects.exclude(status=Transfer.Status.PENDING).exists()
    assert not LedgerTransaction.objects.filter(kind="benefit_payment").exists()


def test_the_payment_file_is_read_only_by_the_desk_and_each_download_recorded(three_retirees, collection_clerk,
                                                                             clerk_chaoyang, municipal_admin):
    run = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    releases.payroll_file_release(run=run, actor=municipal_admin)  # a second person releases it first
    got = payroll.payroll_file_read(run=run, actor=collection_clerk)
    assert got.filename == f"payroll-run-{run.pk}.csv" and got.data.decode().startswith("支付明细编号,证件号码（遮蔽）,户名,银行账号,金额（元）\r\n")
    assert run.file.downloads.get().actor == collection_clerk
    with pytest.raises(ActionRefused):
        payroll.payroll_file_read(run=run, actor=clerk_chaoyang)
    assert run.file.downloads.count() == 1


@pytest.mark.parametrize("transfer_id", ["9223372036854775808", "²", "①", "１２"])
def test_a_result_line_whose_number_is_no_id_is_refused_not_a_server_error(three_retirees, transfer_id):
    # str.isdigit() is true of "²" and "①" (int() refuses them) and of numbers past a 64-bit column.
    payroll.payroll_run_start(actor=SETUP, month="2020-02")
    data = ("transfer_id,amount,result,reason,bank_reference,date\n"
            f"{transfer_id},1.00,success,,B1,2020-02-25\n").encode()
    report = payroll.payroll_result_import(data=data, filename="bad.csv", actor=SETUP)
    assert report.refused
    assert not Transfer.objects.exclude(status=Transfer.Status.PENDING).exists()
    assert not LedgerTransaction.objects.filter(kind="benefit_payment").exists()


def test_a_district_clerk_may_not_start_a_run_and_nothing_is_written(three_retirees, clerk_chaoyang):
    with pytest.raises(ActionRefused) as e:
        payroll.payroll_run_start(actor=clerk_chaoyang, month="2020-02")
    assert "生成养老金发放批次" in e.value.zh
    assert not PayrollRun.objects.exists() and not Transfer.objects.exists()


def test_a_malformed_month_is_refused_in_chinese(db):
    with pytest.raises(ValidationError, match="发放月份应为"):
        payroll.payroll_run_start(actor=SETUP, month="2020-13")
    assert not PayrollRun.objects.exists()


@pytest.mark.parametrize("month", ["9999-12", "2100-01", "1900-01", "1989-12"])
def test_a_month_outside_the_plausible_business_dates_is_refused_and_nothing_paid(three_retirees, settings, month):
    # Review finding: month=9999-12 wrote 287,274 pension months for three retirees and a payment file
    # of ¥1.48 billion. Regular and supplementary runs alike refuse it, nothing written.
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    for start in (payroll.payroll_run_start, payroll.payroll_supplementary_start):
        with pytest.raises(ValidationError, match="早于1990-01|晚于本月"):
            start(actor=SETUP, month=month)
    assert not PayrollRun.objects.exists() and not Transfer.objects.exists()


def test_a_long_payment_file_opened_on_several_processes_is_the_same_file(three_retirees, monkeypatch):
    """A file of FILE_CHUNK lines or more opens its accounts over `crypto.Workers` (Fernet, one call a token,
    in processes of their own): the bytes, the lines and the total are those of the file opened here,
    every account in full, in the order of the transfers."""
    run = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    here = payroll.payment_file_bytes(run)
    started = []
    real = payroll.crypto.Workers

    class Counted(real):
        def __enter__(self):
            started.append(self.count)
            return super().__enter__()

    monkeypatch.setattr(payroll.crypto, "Workers", Counted)
    monkeypatch.setattr(payroll, "FILE_CHUNK", 2)  # 3 lines: a full chunk, then one line
    spread = payroll.payment_file_bytes(run)
    assert started == [2]  # started once for the file, on two processes
    assert spread == here and here[1] == 3 and here[2] == run.amount_fen
    lines = here[0].decode().splitlines()[1:]
    transfers = list(run.transfers.order_by("pk").select_related("retiree"))
    assert [line.split(",")[0] for line in lines] == [str(t.pk) for t in transfers]
    assert [line.split(",")[3] for line in lines] == [t.retiree.bank_account for t in transfers]
    assert sorted(t.retiree.bank_account for t in transfers) == sorted(r.bank_account for r in three_retirees)
