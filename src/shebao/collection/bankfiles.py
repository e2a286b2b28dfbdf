"""The collection desk's bank files, as services the pages and the commands share (3.1, 3.2).

- `deduction_run_start` / `deduction_run_retry_start`: a deduction run and its request file for
  the bank. The file carries each employer's FULL account number (a masked number cannot be
  executed by a bank); it is protected instead: written under `SHEBAO_BANK_FILE_DIR` with owner-only
  permissions and a `.sha256` beside it, fetched only through `deduction_file_read` (collection
  role only, each download recorded with its audit event), and deleted by `deduction_files_purge`
  once every line of the run has the bank's result, or `SHEBAO_BANK_FILE_RETENTION_DAYS` after it
  was written, whichever comes first.
- `bank_result_import` / `remittance_statement_import`: an uploaded bank file, imported by the
  importers of `collection.importers`; the outcome comes back line by line (`ImportReport`).

Each entry point checks who acts (the permission table, `core.permissions`), so a page or a
command that forgets a check is still refused; a command acts as a named `SystemActor`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shebao.collection import importers, services
from shebao.collection.models import (
    BankFile,
    DeductionFile,
    DeductionFileDownload,
    DeductionItem,
    DeductionRun,
    RemittanceLine,
)
from shebao.core import clock
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.inputs import empty_upload_problem
from shebao.core.money import format_yuan
from shebao.core.permissions import SystemActor, actor_label, actor_user, require

REQUEST_COLUMNS = ["item_id", "credit_code", "employer_name", "bank_account", "amount"]
# the request file's header line as the bank's clerk reads it (review-user10 F8), one per REQUEST_COLUMNS
# column in its order; the result file names item_id the same (importers.COLUMN_LABELS). docs/bank_files.md
REQUEST_HEADERS_ZH = ["扣款明细编号", "统一社会信用代码", "单位名称", "银行账号", "金额（元）"]


def bank_file_dir() -> Path:
    """The directory of request files (created owner-only on first use)."""
    path = Path(settings.SHEBAO_BANK_FILE_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _paths(file: Any) -> tuple[Path, Path]:
    base = bank_file_dir() / file.filename
    return base, base.with_name(base.name + ".sha256")


def _actor_label(actor: Any) -> str:
    return actor_label(actor)


def request_file_bytes(run: DeductionRun) -> tuple[bytes, int, int]:
    """The request file of `run`: UTF-8 CSV, columns REQUEST_COLUMNS under the Chinese header
    REQUEST_HEADERS_ZH (docs/bank_files.md), the full account, amount in yuan.

    Returns (bytes, lines, total in fen).
    """
    items = list(run.items.select_related("employer").order_by("pk"))
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(REQUEST_HEADERS_ZH)
    for i in items:
        w.writerow([i.pk, i.employer.credit_code, i.employer.name, i.employer.bank_account,
                    format_yuan(i.amount_fen).replace(",", "")])
    return out.getvalue().encode("utf-8"), len(items), sum(i.amount_fen for i in items)


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, readable by the server's account only."""
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _request_file_write(run: DeductionRun, *, now: dt.datetime) -> DeductionFile:
    data, lines, amount = request_file_bytes(run)
    digest = hashlib.sha256(data).hexdigest()
    file = DeductionFile(run=run, filename=f"deduction-run-{run.pk}.csv", sha256=digest, size=len(data), lines=lines,
                         amount_fen=amount, written_at=now,
                         keep_until=now + dt.timedelta(days=settings.SHEBAO_BANK_FILE_RETENTION_DAYS))
    path, sum_path = _paths(file)
    _write_private(path, data)
    _write_private(sum_path, f"{digest}  {file.filename}\n".encode())
    file.save()
    return file


def _remove_files(file: Any) -> None:
    for p in _paths(file):
        p.unlink(missing_ok=True)


def _start(actor: Any, build: Any) -> DeductionRun:
    now = clock.now()
    file: DeductionFile | None = None
    try:
        with transaction.atomic():
            run = build()
            file = _request_file_write(run, now=now)
            audit_create(actor=actor, instance=file, reason=f"生成扣款请求文件（{file.lines}家单位，含完整账号）")
    except BaseException:
        if file is not None:
            _remove_files(file)
        raise
    deduction_files_purge(actor=SystemActor("purge_bank_files", "扣款请求文件保存期限"), now=now)
    return run


def deduction_run_start(*, actor: Any) -> DeductionRun:
    """A deduction run of every employer with an agreement and open dues, and its request file (3.1).

    Refused (PermissionDenied) unless `actor` has the collection role at the municipal center (or
    is a named `SystemActor`); ValidationError when no employer has a deduction to make.
    """
    require(actor, "deduction_run.create")

    def build() -> DeductionRun:
        run = services.deduction_run_create(actor=actor)
        if not run.items.exists():
            raise ValidationError("没有签订扣款协议且有未缴费款的单位，未生成扣款批次")
        return run

    return _start(actor, build)


def deduction_run_retry_start(*, run: DeductionRun, actor: Any) -> DeductionRun:
    """A new run for the failed items of `run`, amounts as owed now, and its request file (3.1)."""
    require(actor, "deduction_run.retry")
    return _start(actor, lambda: services.deduction_retry(run=run, actor=actor))


@dataclass
class FileDownload:
    filename: str
    data: bytes
    sha256: str
    content_type: str


def deduction_file_read(*, run: DeductionRun, actor: Any, what: str = "file") -> FileDownload:
    """The request file of `run` (what="file") or its checksum line (what="sha256"), for `actor`.

    Refused (PermissionDenied) unless the actor has the collection role; ValidationError when the
    file was deleted (after its results were imported or its retention ended) or its bytes no
    longer match the checksum stored when it was written. Each download is recorded (a
    `DeductionFileDownload` row and its audit event), in the same transaction as the read.
    """
    require(actor, "deduction_file.download")
    if what not in ("file", "sha256"):
        raise ValidationError("下载内容只能是请求文件或校验文件")
    file = DeductionFile.objects.filter(run=run).first()
    if file is None:
        raise ValidationError("该批次没有扣款请求文件")
    now = clock.now()
    if file.purged_at is None and file.keep_until <= now:
        deduction_files_purge(actor=SystemActor("purge_bank_files", "扣款请求文件保存期限"), now=now)
        file.refresh_from_db()
    if file.purged_at is not None:
        raise ValidationError(f"扣款请求文件已于{timezone.localtime(file.purged_at):%Y-%m-%d %H:%M}删除"
                              f"（{file.purge_reason}），如需重新扣款请对失败的单位重新发起")
    path, sum_path = _paths(file)
    try:
        data = (path if what == "file" else sum_path).read_bytes()
    except FileNotFoundError:
        raise ValidationError("扣款请求文件不在服务器上，请联系系统管理员") from None
    if what == "file" and hashlib.sha256(data).hexdigest() != file.sha256:
        raise ValidationError("扣款请求文件与生成时的校验值不符，已拒绝下载，请联系系统管理员")
    with transaction.atomic():
        download = DeductionFileDownload.objects.create(
            file=file, what=what, actor=actor_user(actor),
            actor_label=_actor_label(actor))
        audit_create(actor=actor, instance=download,
                     reason=f"下载{'扣款请求文件' if what == 'file' else '校验文件'}（批次#{run.pk}）")
    name = file.filename if what == "file" else sum_path.name
    return FileDownload(name, data, file.sha256, "text/csv; charset=utf-8" if what == "file" else "text/plain")


def deduction_files_purge(*, actor: Any, now: dt.datetime | None = None) -> list[DeductionFile]:
    """Delete the request files no longer needed: every item of the run has the bank's result (no
    item pending), or the retention period (`SHEBAO_BANK_FILE_RETENTION_DAYS`) has ended.

    Returns the files deleted; each keeps its row (checksum, downloads) with `purged_at` and the reason.
    """
    require(actor, "deduction_file.purge")
    return protected_files_purge(
        DeductionFile.objects.filter(purged_at__isnull=True).select_related("run"), actor=actor,
        now=now or clock.now(),
        settled=lambda f: not f.run.items.filter(status=DeductionItem.Status.PENDING).exists(),
        settled_reason="扣款结果已全部导入", what="扣款请求文件")


def protected_files_purge(files: Any, *, actor: Any, now: dt.datetime, settled: Any, settled_reason: str,
                          what: str) -> list[Any]:
    """Delete the bytes of each protected bank file (a row with `keep_until`, `purged_at`,
    `purge_reason`, `filename`) whose retention ended or that `settled(file)` says is no longer needed;
    the row keeps its checksum and downloads, with `purged_at`, the reason and an audit row naming
    `what` (e.g. "扣款请求文件"). Shared by deduction and payroll files. The caller checks the permission."""
    purged = []
    for file in files:
        if file.keep_until <= now:
            reason = "超过保存期限"
        elif settled(file):
            reason = settled_reason
        else:
            continue
        with transaction.atomic():
            before = snapshot(file)
            file.purged_at, file.purge_reason = now, reason
            file.save(update_fields=["purged_at", "purge_reason"])
            audit_update(actor=actor, instance=file, before=before, reason=f"删除{what}：{reason}")
        _remove_files(file)  # after the row says so: a failure leaves the bytes, never a row saying "kept"
        purged.append(file)
    return purged


# --- Imports of the bank's files ----------------------------------------------------------------
@dataclass
class ReportLine:
    """One line of an import's outcome: the file's line number (or an item id) and what happened."""

    line_no: int | None
    key: str  # the line's bank reference or deduction item
    outcome: str  # 成功 / 失败 / 已匹配 / 待人工匹配 / 已处理过 / 错误
    detail: str
    ok: bool = True


@dataclass
class ImportReport:
    """What an uploaded bank file did: refused (every bad line and why), already imported, or applied."""

    kind: str
    filename: str
    refused: bool = False
    already_imported: bool = False
    result: importers.ImportResult | None = None
    lines: list[ReportLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bank_file: BankFile | None = None


def _check_upload(data: bytes, filename: str) -> None:
    if not data:
        raise ValidationError(empty_upload_problem(data, filename))
    if len(data) > settings.SHEBAO_BANK_FILE_MAX_BYTES:
        raise ValidationError(f"文件超过{settings.SHEBAO_BANK_FILE_MAX_BYTES // (1024 * 1024)}MB，请分批导入")


# Encodings a clerk may choose on upload (None: detected by the importer, `importers.read_table`).
UPLOAD_ENCODINGS = {"": "自动识别", "utf-8": "UTF-8", "gb18030": "GBK/GB18030（中文Windows默认）", "utf-16": "UTF-16"}


# Names people and systems give an encoding, read as the choice that reads it: GB18030 is a superset
# of GBK, GB2312 and Windows code page 936, so a file saved in any of them reads the same.
_ENCODING_ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "utf-8-sig": "utf-8",
                     "utf-16-le": "utf-16"}


def upload_encoding(value: str | None) -> str:
    """The encoding chosen on upload as one of UPLOAD_ENCODINGS' keys ("" = detect), whatever name it
    was given (``gbk``, ``GB2312``, ``UTF8``, ``cp936``, full-width: `codecs.lookup` and NFKC);
    ValidationError (Chinese) for an encoding no bank file comes in."""
    import codecs
    import unicodedata

    text = unicodedata.normalize("NFKC", value or "").strip().lower()
    if not text or text in UPLOAD_ENCODINGS:
        return text
    try:
        name = codecs.lookup(text).name
    except LookupError:
        name = ""
    name = _ENCODING_ALIASES.get(name, name)
    if not name or name not in UPLOAD_ENCODINGS:
        raise ValidationError(f"不支持的文件编码“{value}”，可选：" + "、".join(v for v in UPLOAD_ENCODINGS.values()))
    return name


def _run_import(kind: str, importer: Any, *, data: bytes, filename: str, actor: Any, encoding: str | None
                ) -> ImportReport:
    report = ImportReport(kind=kind, filename=filename)
    encoding = upload_encoding(encoding)
    try:
        result = importer(data=data, filename=filename, actor=actor, encoding=encoding or None)
    except importers.ImportRefused as e:
        report.refused = True
        report.lines = [ReportLine(n, "", "错误", reason, ok=False) for n, reason in e.errors]
        return report
    report.result = result
    report.already_imported = result.already_imported
    report.notes = list(result.notes)
    if not result.already_imported:
        report.bank_file = BankFile.objects.filter(sha256=hashlib.sha256(data).hexdigest()).first()
    return report


def bank_result_import(*, data: bytes, filename: str, actor: Any, encoding: str | None = None) -> ImportReport:
    """Import the bank's result of a deduction run (3.1) and report each item's outcome.

    Successes are received and allocated to the oldest dues; failures keep the bank's reason and
    can be retried. A malformed file is refused whole, with every bad line (nothing applied).
    Runs whose every item now has a result have their request file deleted.
    """
    require(actor, "deduction_result.import")
    _check_upload(data, filename)
    pending = dict(DeductionItem.objects.filter(status=DeductionItem.Status.PENDING).values_list("pk", "status"))
    report = _run_import(BankFile.Kind.DEDUCTION_RESULT, importers.import_deduction_result, data=data,
                         filename=filename, actor=actor, encoding=encoding)
    if report.result is not None and not report.already_imported:
        changed = (DeductionItem.objects.filter(pk__in=list(pending)).exclude(status=DeductionItem.Status.PENDING)
                   .select_related("employer").order_by("pk"))
        for item in changed:
            if item.status == DeductionItem.Status.SUCCEEDED:
                report.lines.append(ReportLine(None, f"明细{item.pk}", "扣款成功",
                                               f"{item.employer.name}：{format_yuan(item.amount_fen)}元，"
                                               f"收款#{item.payment_id}已按最早应缴分配"))
            else:
                report.lines.append(ReportLine(None, f"明细{item.pk}", "扣款失败",
                                               f"{item.employer.name}：{item.failure_reason}（可重新扣款）", ok=False))
        if report.result.skipped:
            report.notes.append(f"另有{report.result.skipped}行此前已导入过结果，未重复处理")
        deduction_files_purge(actor=SystemActor("purge_bank_files", "扣款结果已导入后删除请求文件"))
    return report


def remittance_statement_import(*, data: bytes, filename: str, actor: Any, encoding: str | None = None
                                ) -> ImportReport:
    """Import a bank statement of remittances (3.2) and report each line: matched (to whom, how) or queued."""
    require(actor, "remittance.import")
    _check_upload(data, filename)
    report = _run_import(BankFile.Kind.REMITTANCE_STATEMENT, importers.import_remittances, data=data,
                         filename=filename, actor=actor, encoding=encoding)
    if report.bank_file is not None:
        for line in (RemittanceLine.objects.filter(bank_file=report.bank_file)
                     .select_related("employer", "duplicate_of")
                     .order_by("line_no")):
            if line.status == RemittanceLine.Status.MATCHED:
                report.lines.append(ReportLine(line.line_no, line.bank_reference, "已匹配",
                                               f"{format_yuan(line.amount_fen)}元 → {line.employer.name}"
                                               f"（{line.matched_by}），已按最早应缴分配"))
            elif line.status == RemittanceLine.Status.DUPLICATE:
                report.lines.append(ReportLine(line.line_no, line.bank_reference, "疑似重复，暂不入账",
                                               f"{format_yuan(line.amount_fen)}元，与已导入的流水"
                                               f"{line.duplicate_of.bank_reference if line.duplicate_of else ''}"
                                               "到账日期、金额、付款账号、信用代码均相同，待人工核实", ok=False))
            else:
                report.lines.append(ReportLine(line.line_no, line.bank_reference, "待人工匹配",
                                               f"{format_yuan(line.amount_fen)}元，付款人{line.payer_name or '不明'}",
                                               ok=False))
        if report.result is not None and report.result.skipped:
            report.notes.append(f"另有{report.result.skipped}笔流水此前已导入过，未重复入账")
    return report
