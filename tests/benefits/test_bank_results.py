"""The bank's result files for money out (payroll 2.1, refunds 1.2c) read alike and are believed only
when they can be true (review-input3 E1, E2, E11, E12; review-user3 U15):

- a result for a transfer or refund whose payment file never reached the bank (not released by a
  second person, or released and never downloaded) is refused whole, nothing applied;
- a payment date before the file's release or after today is refused, in both importers;
- both importers take the same result values (成功/失败, success/failed) and Chinese headers;
- a date that is not on the calendar is said not to exist (not a "format error"), and a damaged
  workbook is described in Chinese without the library's exception name.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError

from shebao.benefits import payroll
from shebao.benefits.models import PayrollRun, ResultFile, Transfer
from shebao.collection import ledger, refunds, releases
from shebao.collection.models import BankFile, LedgerTransaction, Refund
from tests import personas
from tests.benefits.conftest import send_to_bank
from tests.nothing_written import nothing_written
from tests.personas import SETUP

pytestmark = pytest.mark.django_db
HEAD = "transfer_id,amount,result,reason,bank_reference,date\n"
RELEASED = dt.date(2020, 2, 20)


def _yuan(t: Transfer) -> str:
    return f"{t.amount_fen // 100}.{t.amount_fen % 100:02d}"


def _line(t: Transfer, day: object, result: str = "success") -> str:
    if result.lower() in ("success", "成功"):
        return f"{t.pk},{_yuan(t)},{result},,B{t.pk},{day}\n"
    return f"{t.pk},{_yuan(t)},{result},账户已销户,,{day}\n"


def _untouched(run: PayrollRun) -> None:
    """The run and its transfers as the refused file found them, and no trace of the file."""
    run.refresh_from_db()
    assert run.status == PayrollRun.Status.READY
    assert set(run.transfers.values_list("status", flat=True)) == {Transfer.Status.PENDING}
    assert not run.transfers.exclude(paid_on=None).exists()
    assert not ResultFile.objects.exists()
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.BENEFIT_PAYMENT).exists()


@pytest.fixture
def run(three_retirees, settings):
    settings.SHEBAO_TODAY = RELEASED
    return payroll.payroll_run_start(actor=SETUP, month="2020-02")


@pytest.fixture
def checker(db):
    return personas.make_staff("payroll_checker", role=personas.Role.MUNICIPAL_ADMIN, office_code="110000",
                               display_name="市中心复核员")


# --- E1: a result for a file that never left the building ----------------------------------------
def test_a_payroll_result_for_a_file_never_released_is_refused_and_nothing_applied(run):
    data = (HEAD + "".join(_line(t, RELEASED) for t in run.transfers.order_by("pk"))).encode()
    with nothing_written():
        report = payroll.payroll_result_import(data=data, filename="r.csv", actor=SETUP)
    assert report.refused and len(report.lines) == 3
    assert all("未经第二人复核放行，不应已送银行" in ln.detail for ln in report.lines)
    assert f"发放批次#{run.pk}" in report.lines[0].detail
    _untouched(run)


def test_a_payroll_result_for_a_released_file_never_downloaded_is_refused(run, checker):
    releases.payroll_file_release(run=run, actor=checker)
    payroll.payroll_file_read(run=run, actor=SETUP, what="sha256")  # the checksum alone is not the file
    t = run.transfers.order_by("pk").first()
    with nothing_written():
        report = payroll.payroll_result_import(data=(HEAD + _line(t, RELEASED)).encode(), filename="r.csv",
                                               actor=SETUP)
    assert report.refused and "复核放行后从未下载" in report.lines[0].detail
    _untouched(run)


def test_a_retry_run_and_an_immediate_run_need_their_own_release(run, checker):
    send_to_bank(run)
    t = run.transfers.order_by("pk").first()
    payroll.payroll_result_import(data=(HEAD + _line(t, RELEASED, "failed")).encode(), filename="f.csv", actor=SETUP)
    retry = payroll.payroll_retry_start(run=run, actor=SETUP)
    new = retry.transfers.get()
    with nothing_written():
        report = payroll.payroll_result_import(data=(HEAD + _line(new, RELEASED)).encode(), filename="r.csv",
                                               actor=SETUP)
    assert report.refused and "未经第二人复核放行" in report.lines[0].detail
    new.refresh_from_db()
    retry.refresh_from_db()
    assert (new.status, retry.status) == (Transfer.Status.PENDING, PayrollRun.Status.READY)


def test_the_result_page_refuses_an_unreleased_file_in_chinese_and_writes_nothing(run, client, collection_clerk):
    client.force_login(collection_clerk)
    upload = io.BytesIO((HEAD + _line(run.transfers.order_by("pk").first(), RELEASED)).encode())
    upload.name = "r.csv"
    with nothing_written():
        r = client.post("/office/benefits/payroll/results/", {"file": upload, "encoding": ""})
    assert r.status_code == 400 and "未经第二人复核放行，不应已送银行" in r.content.decode()
    _untouched(run)


# --- E2: the payment date lies between the release and today --------------------------------------
@pytest.mark.parametrize(("day", "why"), [
    ("2019-01-01", "早于支付文件复核放行日期2020-02-20"),
    ("2020-02-19", "早于支付文件复核放行日期2020-02-20"),
    ("2020-02-26", "晚于今天（2020-02-25）"),
    ("2021-02-19", "晚于今天（2020-02-25）"),
])
def test_a_payroll_payment_date_outside_release_and_today_is_refused(run, settings, day, why):
    send_to_bank(run)
    settings.SHEBAO_TODAY = dt.date(2020, 2, 25)
    t = run.transfers.order_by("pk").first()
    for result in ("success", "failed"):
        with nothing_written():
            report = payroll.payroll_result_import(data=(HEAD + _line(t, day, result)).encode(), filename="r.csv",
                                                   actor=SETUP)
        assert report.refused and why in report.lines[0].detail
    _untouched(run)


def test_a_payroll_payment_dated_from_the_release_to_today_is_posted_on_that_day(run, settings):
    send_to_bank(run)
    settings.SHEBAO_TODAY = dt.date(2020, 2, 25)
    first, second, third = run.transfers.order_by("pk")
    report = payroll.payroll_result_import(data=(HEAD + _line(first, "2020-02-20") + _line(second, "2020-02-25")
                                                 + _line(third, "2020-02-22")).encode(), filename="r.csv", actor=SETUP)
    assert not report.refused
    assert sorted(Transfer.objects.values_list("paid_on", flat=True)) == [
        dt.date(2020, 2, 20), dt.date(2020, 2, 22), dt.date(2020, 2, 25)]
    assert LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.BENEFIT_PAYMENT).occurred_on == dt.date(2020, 2, 25)


# --- E12 and U15: the same values and headers; a day that does not exist ------------------------------
def test_the_payroll_importer_takes_chinese_values_and_headers(run):
    send_to_bank(run)
    first, second, third = run.transfers.order_by("pk")
    data = ("支付明细编号,金额,支付结果,失败原因,银行流水号,支付日期\n" + _line(first, "2020-02-20", "成功")
            + _line(second, "2020/2/20", "失败") + _line(third, "2020年2月20日", "SUCCESS")).encode("gb18030")
    report = payroll.payroll_result_import(data=data, filename="结果.csv", actor=SETUP)
    assert not report.refused, [ln.detail for ln in report.lines]
    assert [ln.outcome for ln in report.lines] == ["支付成功", "支付失败", "支付成功"]
    assert list(Transfer.objects.order_by("pk").values_list("status", flat=True)) == ["paid", "failed", "paid"]


def test_the_payroll_importer_reads_a_workbook_with_chinese_headers(run):
    import openpyxl

    send_to_bank(run)
    first = run.transfers.order_by("pk").first()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["支付明细编号", "金额（元）", "支付结果", "失败原因", "银行流水号", "支付日期"])
    sheet.append([first.pk, first.amount_fen / 100, "成功", None, "B77", dt.datetime(2020, 2, 20)])
    out = io.BytesIO()
    book.save(out)
    report = payroll.payroll_result_import(data=out.getvalue(), filename="结果.xlsx", actor=SETUP)
    assert not report.refused, [ln.detail for ln in report.lines]
    first.refresh_from_db()
    assert (first.status, first.bank_reference, first.paid_on) == ("paid", "B77", RELEASED)


def test_an_unknown_result_value_names_the_values_both_importers_take(run):
    send_to_bank(run)
    t = run.transfers.order_by("pk").first()
    with nothing_written():
        report = payroll.payroll_result_import(data=(HEAD + _line(t, RELEASED, "maybe")).encode(), filename="r.csv",
                                               actor=SETUP)
    assert "支付结果“maybe”无效（应为“成功”或“失败”（也可写success或failed））" in report.lines[0].detail


@pytest.mark.parametrize(("day", "why"), [("2020-02-31", "2020年2月只有29天"), ("2019-02-29", "2019年2月只有28天"),
                                          ("2020-13-01", "没有13月"), ("2020-04-31", "2020年4月只有30天")])
def test_a_day_not_on_the_calendar_is_said_not_to_exist(run, day, why):
    send_to_bank(run)
    t = run.transfers.order_by("pk").first()
    with nothing_written():
        report = payroll.payroll_result_import(data=(HEAD + _line(t, day)).encode(), filename="r.csv", actor=SETUP)
    assert f"日期“{day}”不存在：{why}" in report.lines[0].detail
    assert "格式错误" not in report.lines[0].detail
    _untouched(run)


# --- The refund importer: the same rules ------------------------------------------------------------
@pytest.fixture
def refund_file(employer_chaoyang, person_chaoyang, collection_clerk, municipal_admin, settings):
    from shebao.cases import services as cases
    from tests.cases.conftest import employ, valid_details

    employ(person_chaoyang, employer_chaoyang)  # the case's content names its employee

    settings.SHEBAO_TODAY = RELEASED
    txn = ledger.ledger_post(kind="refund", occurred_on=dt.date(2020, 2, 18), actor=SETUP, lines=[
        ledger.Line("income:pension", None, 100), ledger.Line("refund_payable", employer_chaoyang.pk, -100)])
    case, _ = cases.case_submit(actor=municipal_admin, business="monthly_report_back_payment", channel="counter",
                                employer=employer_chaoyang, applicant_kind="employer", applied_on=dt.date(2020, 2, 10),
                                idempotency_key="bank-results-refund", details=valid_details(
                                    "monthly_report_back_payment", employer=employer_chaoyang,
                                    applied_on=dt.date(2020, 2, 10)))
    Refund.objects.create(case=case, employer=employer_chaoyang, kind="overpayment", amount_fen=100,
                          payee_name="张三", bank_name="工行", bank_account="6222020000001234567", approval=txn)
    return refunds.refund_payment_file_create(actor=collection_clerk)


def _refund_unpaid(file) -> None:
    refund = file.refunds.get()
    assert refund.status == Refund.Status.IN_FILE and refund.settlement is None
    assert not BankFile.objects.filter(kind=BankFile.Kind.REFUND_RESULT).exists()
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REFUND_PAID).exists()


def test_a_refund_result_for_a_released_file_never_downloaded_is_refused(refund_file, municipal_admin):
    releases.refund_payment_file_release(file=refund_file, actor=municipal_admin)
    refund = refund_file.refunds.get()
    with nothing_written(), pytest.raises(ValidationError) as refused:
        refunds.refund_result_import(data=f"refund_id,status,paid_on,reason\n{refund.pk},成功,2020-02-20,\n".encode(),
                                     filename="r.csv", actor=SETUP)
    assert "复核放行后从未下载，不应已送银行" in refused.value.messages[0]
    _refund_unpaid(refund_file)


@pytest.mark.parametrize(("day", "why"), [
    ("2019-01-01", "早于支付文件复核放行日期2020-02-20"),
    ("2020-02-26", "晚于今天（2020-02-25）"),
    ("2020-02-31", "日期“2020-02-31”不存在：2020年2月只有29天"),
])
def test_a_refund_payment_date_outside_release_and_today_is_refused(refund_file, municipal_admin, collection_clerk,
                                                                    settings, day, why):
    releases.refund_payment_file_release(file=refund_file, actor=municipal_admin)
    refunds.refund_payment_file_read(file=refund_file, actor=collection_clerk)
    settings.SHEBAO_TODAY = dt.date(2020, 2, 25)
    refund = refund_file.refunds.get()
    with nothing_written(), pytest.raises(ValidationError) as refused:
        refunds.refund_result_import(data=f"refund_id,status,paid_on,reason\n{refund.pk},成功,{day},\n".encode(),
                                     filename="r.csv", actor=collection_clerk)
    assert why in refused.value.messages[0] and "格式错误" not in refused.value.messages[0]
    _refund_unpaid(refund_file)


@pytest.mark.parametrize("status", ["success", "SUCCESS", "支付成功", "成功"])
def test_the_refund_importer_takes_english_values_and_chinese_headers(refund_file, municipal_admin, collection_clerk,
                                                                      status):
    releases.refund_payment_file_release(file=refund_file, actor=municipal_admin)
    refunds.refund_payment_file_read(file=refund_file, actor=collection_clerk)
    refund = refund_file.refunds.get()
    report = refunds.refund_result_import(data=f"退费编号,支付结果,支付日期,失败原因\n{refund.pk},{status},2020-02-20,\n"
                                          .encode("gb18030"), filename="退费结果.csv", actor=collection_clerk)
    assert report.paid == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID and refund.settlement.occurred_on == RELEASED


def test_a_damaged_workbook_is_described_in_chinese_without_an_exception_name(refund_file, collection_clerk):
    fake = b"PK\x03\x04" + b"\x00" * 200
    with nothing_written(), pytest.raises(ValidationError) as refused:
        refunds.refund_result_import(data=fake, filename="r.xlsx", actor=collection_clerk)
    message = refused.value.messages[0]
    assert "无法读取Excel工作簿：文件已损坏" in message
    assert not re.search(r"[A-Za-z]*(Error|Exception|BadZip)", message)
    report = payroll.payroll_result_import(data=fake, filename="r.xlsx", actor=SETUP)
    assert report.refused and not re.search(r"Error|BadZip", report.lines[0].detail)
