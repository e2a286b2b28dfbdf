"""Paying approved refunds (1.2c) through the bank, and cancelling one not yet paid.

- `refund_payment_file_create`: every refund payable (or failed and not cancelled) goes into one bank
  payment file: UTF-8 CSV, one line per refund with the FULL account (a bank cannot pay a masked
  one). The bytes are not stored: `refund_payment_file_bytes` rebuilds them from the refunds and the
  stored SHA-256 proves they are the same file.
- `refund_result_import`: the bank's result file (refund_id, status 成功/失败, paid_on, reason). A success
  settles the payable (refund_payable against bank, in the import's transaction); a failure leaves
  it payable for the next file. The same file imported twice changes nothing (its SHA-256).
- `refund_cancel`: a refund approved in error and not paid is undone only by a reversing entry that
  names who and why; paid money is never "cancelled".
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from shebao.collection import ledger
from shebao.collection.importers import (
    RESULT_VALUES_ZH,
    _parse_date,
    bank_result_outcome,
    file_claimed,
    payment_date_problem,
    read_table,
)
from shebao.collection.ledger import Line
from shebao.collection.models import (
    BankFile,
    LedgerTransaction,
    PaymentFileRelease,
    Refund,
    RefundFileDownload,
    RefundPaymentFile,
)
from shebao.collection.releases import bank_send_check, is_released
from shebao.core import clock
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.inputs import id_text
from shebao.core.money import format_yuan
from shebao.core.permissions import actor_label, actor_user, require

REFUND_PAYABLE = "refund_payable"
FILE_COLUMNS = ["refund_id", "payee_name", "bank_name", "bank_account", "amount"]
# the payment file's header line as the bank's clerk reads it (review-user10 F8), one per FILE_COLUMNS
# column in its order; the result file names refund_id the same (RESULT_HEADERS_ZH). docs/bank_files.md
FILE_HEADERS_ZH = ["退费编号", "收款人户名", "开户银行", "银行账号", "金额（元）"]
RESULT_COLUMNS = ["refund_id", "status", "paid_on", "reason"]
# the same columns under Chinese headers (importers.read_table); the status values are the payroll's
# (importers.bank_result_outcome: 成功/失败, success/failed)
RESULT_HEADERS_ZH = {"refund_id": ["退费编号"], "status": ["支付结果", "结果", "状态"],
                     "paid_on": ["支付日期", "日期"], "reason": ["失败原因", "原因"]}


def result_header_zh() -> str:
    """The result file's header line as the pages and the command name it: the Chinese names
    (RESULT_HEADERS_ZH, the first of each), comma-separated. The English ones are taken too."""
    return ",".join(RESULT_HEADERS_ZH[c][0] for c in RESULT_COLUMNS)


def refund_payment_file_bytes(refunds: list[Refund]) -> bytes:
    """The bank payment file of `refunds` (ordered by id): UTF-8 CSV, columns FILE_COLUMNS under the
    Chinese header FILE_HEADERS_ZH (docs/bank_files.md), amount in yuan."""
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(FILE_HEADERS_ZH)
    for r in refunds:
        w.writerow([r.pk, r.payee_name, r.bank_name, r.bank_account, format_yuan(r.amount_fen).replace(",", "")])
    return out.getvalue().encode("utf-8")


@transaction.atomic
def refund_payment_file_create(*, actor: Any) -> RefundPaymentFile:
    """A payment file of every refund waiting to be paid; raises ValidationError when there is none."""
    require(actor, "refund_file.create")
    refunds = list(Refund.objects.select_for_update().filter(
        status__in=[Refund.Status.PAYABLE, Refund.Status.FAILED]).order_by("pk"))
    if not refunds:
        raise ValidationError(f"没有“{Refund.Status.PAYABLE.label}”或“{Refund.Status.FAILED.label}”的退费")
    data = refund_payment_file_bytes(refunds)
    now = clock.now()
    file = RefundPaymentFile.objects.create(
        filename=f"refunds-{now:%Y%m%d-%H%M%S}-{len(refunds)}.csv", sha256=hashlib.sha256(data).hexdigest(),
        lines=len(refunds), amount_fen=sum(r.amount_fen for r in refunds), created_by_label=actor_label(actor))
    for r in refunds:
        before = snapshot(r)
        r.status, r.payment_file, r.failure_reason = Refund.Status.IN_FILE, file, ""
        r.save(update_fields=["status", "payment_file", "failure_reason"])
        audit_update(actor=actor, instance=r, before=before, reason=f"列入退费支付文件{file.filename}")
    audit_create(actor=actor, instance=file, reason=f"生成退费支付文件，{len(refunds)}笔")
    return file


def refund_payment_file_read(*, file: RefundPaymentFile, actor: Any) -> bytes:
    """The bytes of refund payment file `file` for the bank (full accounts), once a second person
    released it (`releases.refund_payment_file_release`); each download recorded with its audit
    event. Raises ValidationError (not released; the refunds no longer give the stored SHA-256)."""
    require(actor, "refund_file.download")
    if not is_released(PaymentFileRelease.Kind.REFUND, file.pk):
        raise ValidationError("退费支付文件尚未由第二人复核放行，不能下载发送银行：请另一名工作人员复核放行后再下载")
    data = refund_payment_file_bytes(list(file.refunds.order_by("pk")))
    if hashlib.sha256(data).hexdigest() != file.sha256:
        raise ValidationError("退费支付文件与生成时的校验值不符，已拒绝下载，请联系系统管理员")
    with transaction.atomic():
        download = RefundFileDownload.objects.create(file=file, actor=actor_user(actor), actor_label=actor_label(actor))
        audit_create(actor=actor, instance=download, reason=f"下载退费支付文件{file.filename}")
    return data


@dataclass
class RefundResultReport:
    paid: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # "第n行：…" for each line refused
    already_imported: bool = False


@transaction.atomic
def refund_result_import(*, data: bytes, filename: str, actor: Any, encoding: str | None = None
                         ) -> RefundResultReport:
    """Apply the bank's result of a payment file (columns RESULT_COLUMNS; CSV in the chosen or
    detected encoding, or .xlsx: `importers.read_table`; English or Chinese headers RESULT_HEADERS_ZH).
    All or nothing: a file that cannot be read, has another header or no data line, a line that names
    no refund in a file released by a second person and then downloaded (`releases.bank_send_check`),
    a payment date before that release or after today (`importers.payment_date_problem`, review E2),
    or an unknown status refuses the whole file (ValidationError listing every such line) and leaves
    no trace: no file record, so its SHA-256 never blocks the right file (bad-input review D8)."""
    require(actor, "refund_result.import")
    if not data:
        raise ValidationError("请选择要导入的退费支付结果文件")
    digest = hashlib.sha256(data).hexdigest()
    if BankFile.objects.filter(sha256=digest).exists():
        return RefundResultReport(already_imported=True)
    rows, problems = read_table(data, RESULT_COLUMNS, encoding=encoding, headers=RESULT_HEADERS_ZH)
    sent: dict[int, tuple[str, Any]] = {}  # payment file -> (why it cannot be at the bank, release day)
    report = RefundResultReport(errors=[f"第{n}行：{reason}" for n, reason in problems])
    plans: list[tuple[Refund, bool, Any, str]] = []
    seen: set[int] = set()
    for n, row in rows:
        refund_pk = id_text(row["refund_id"])
        refund = (Refund.objects.select_for_update().filter(pk=refund_pk).first()
                  if refund_pk is not None else None)
        if refund is None:
            report.errors.append(f"第{n}行：退费编号“{row['refund_id']}”不存在")
            continue
        if refund.pk in seen:
            report.errors.append(f"第{n}行：退费#{refund.pk}在文件中重复出现")
            continue
        seen.add(refund.pk)
        outcome = bank_result_outcome(row["status"])
        if refund.status != Refund.Status.IN_FILE:
            report.errors.append(f"第{n}行：退费#{refund.pk}当前为“{refund.get_status_display()}”，不在待银行回执的支付文件中")
            continue
        why, release_day = sent.get(refund.payment_file_id) or sent.setdefault(
            refund.payment_file_id, bank_send_check(PaymentFileRelease.Kind.REFUND, refund.payment_file_id))
        if why:
            report.errors.append(f"第{n}行：退费#{refund.pk}{why}")
        elif outcome is True:
            try:
                paid_on = _parse_date(row["paid_on"].strip())
            except ValueError as e:
                report.errors.append(f"第{n}行：支付日期有误：{e}")
                continue
            assert release_day is not None
            problem = payment_date_problem(paid_on, not_before=release_day, not_before_what="支付文件复核放行日期")
            if problem:
                report.errors.append(f"第{n}行：{problem}")
                continue
            plans.append((refund, True, paid_on, ""))
        elif outcome is False:
            plans.append((refund, False, None, (row["reason"] or "银行未说明原因").strip()[:200]))
        else:
            report.errors.append(f"第{n}行：支付结果“{row['status']}”无效（应为{RESULT_VALUES_ZH}）")
    if report.errors:
        if BankFile.objects.filter(sha256=digest).exists():
            # The same file imported at the same moment (PostgreSQL: this one waited on the refunds'
            # locks, and now finds them paid): answered as a file imported before (review-input12 F5).
            return RefundResultReport(already_imported=True)
        raise ValidationError(report.errors)
    if not plans:  # read_table refuses a file without data lines; this guard keeps the class closed
        raise ValidationError("第1行：文件没有数据行")
    # The file's record first, in a savepoint: a twin import that wrote it a moment before is answered
    # "already imported", not a 500 on the unique SHA-256 (review-input12 F5).
    if not file_claimed(lambda: BankFile.objects.create(
            kind=BankFile.Kind.REFUND_RESULT, sha256=digest, filename=filename[:255], lines=len(plans),
            imported_by_label=actor_label(actor))):
        return RefundResultReport(already_imported=True)
    for refund, ok, paid_on, reason in plans:
        before = snapshot(refund)
        if ok:
            txn = ledger.ledger_post(kind=LedgerTransaction.Kind.REFUND_PAID, occurred_on=paid_on, actor=actor,
                                     memo=f"退费#{refund.pk}银行支付：{refund.payee_name}",
                                     lines=[Line(REFUND_PAYABLE, refund.employer_id, refund.amount_fen),
                                            Line(ledger.BANK, refund.employer_id, -refund.amount_fen)])
            refund.status, refund.settlement = Refund.Status.PAID, txn
            report.paid += 1
        else:
            refund.status, refund.failure_reason = Refund.Status.FAILED, reason
            report.failed += 1
        refund.save(update_fields=["status", "settlement", "failure_reason"])
        audit_update(actor=actor, instance=refund, before=before, reason=f"退费支付结果（{filename}）"[:200])
    return report


@transaction.atomic
def refund_cancel(*, refund: Refund, actor: Any, reason: str) -> Refund:
    """Undo an approved refund not yet paid: the reversing entry of its approval, with who and why."""
    require(actor, "refund.cancel", district_id=refund.employer.district_id)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "撤销退费须说明原因"})
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status not in (Refund.Status.PAYABLE, Refund.Status.FAILED):
        raise ValidationError(f"退费当前为“{refund.get_status_display()}”，只有“{Refund.Status.PAYABLE.label}”或"
                              f"“{Refund.Status.FAILED.label}”的退费可以撤销")
    before = snapshot(refund)
    ledger.ledger_reverse(txn=refund.approval, actor=actor, reason=f"撤销退费#{refund.pk}：{reason}")
    refund.status = Refund.Status.CANCELLED
    refund.save(update_fields=["status"])
    audit_update(actor=actor, instance=refund, before=before, reason=f"撤销退费：{reason}")
    return refund
