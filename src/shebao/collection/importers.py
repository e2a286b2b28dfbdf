"""Bank files: the deduction result file (3.1) and the remittance statement (3.2).

A file is read and checked in full before anything is written; a malformed file is refused with
every bad line and its reason, and nothing is applied. A good file is applied in one transaction,
so an import interrupted halfway (the process killed, the machine stopped) leaves the books as
they were, and running it again gives exactly one clean run. The file's SHA-256 is stored:
importing the same file twice changes nothing.

Formats (UTF-8 CSV with a header line; amounts in yuan with at most two decimals):

    deduction result:  item_id,credit_code,amount,result,reason,bank_reference,date
                       (result: success | failed; reason required when failed)
    remittances:       bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Sum

from shebao.collection import services
from shebao.collection.models import BankFile, DeductionItem, Due, Payment, RemittanceLine
from shebao.core.audit import audit_bulk_create, audit_update, snapshot
from shebao.core.money import format_yuan
from shebao.registry.models import Employer

DEDUCTION_COLUMNS = ["item_id", "credit_code", "amount", "result", "reason", "bank_reference", "date"]
REMITTANCE_COLUMNS = ["bank_reference", "value_date", "amount", "payer_name", "payer_account", "credit_code", "memo"]
_AMOUNT_RE = re.compile(r"^(\d{1,13})(?:\.(\d{1,2}))?$")
_REFERENCE_RE = re.compile(r"SB(\d{8})")
_CREDIT_CODE_RE = re.compile(r"(?<![0-9A-Z])([0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Z])")


def after_line_applied(line_no: int) -> None:
    """Called after each line is applied, inside the transaction (tests inject faults here)."""


class ImportRefused(Exception):
    """The file is malformed: nothing was applied. `errors` lists (line number, reason)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"第{n}行：{reason}" for n, reason in errors))


@dataclass
class ImportResult:
    already_imported: bool = False
    lines: int = 0
    applied: int = 0
    skipped: int = 0
    matched: int = 0
    unmatched: int = 0
    succeeded: int = 0
    failed: int = 0
    amount_fen: int = 0
    notes: list[str] = field(default_factory=list)


def parse_amount_fen(text: str) -> int:
    """Yuan text to fen, exactly: ``parse_amount_fen("1234.5") == 123450``; no floats."""
    m = _AMOUNT_RE.match(text.strip())
    if not m:
        raise ValueError(f"金额“{text}”格式错误（应为元，最多两位小数）")
    fen = int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))
    if fen <= 0:
        raise ValueError("金额必须大于零")
    return fen


def _parse_date(text: str) -> dt.date:
    try:
        if len(text.strip()) != 10:
            raise ValueError
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"日期“{text}”格式错误（应为YYYY-MM-DD）") from None


def _read_rows(data: bytes, columns: list[str]) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return [], [(1, f"文件不是UTF-8编码（第{e.start}字节）")]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[tuple[int, str]] = []
    try:
        header = next(reader)
    except StopIteration:
        return [], [(1, "文件为空")]
    except csv.Error as e:
        return [], [(1, f"无法读取表头：{e}")]
    if [h.strip() for h in header] != columns:
        return [], [(1, f"表头应为“{','.join(columns)}”，实为“{','.join(header)}”")]
    try:
        for values in reader:
            line_no = reader.line_num
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != len(columns):
                errors.append((line_no, f"应有{len(columns)}列，实有{len(values)}列"))
                continue
            rows.append((line_no, {c: v.strip() for c, v in zip(columns, values, strict=True)}))
    except csv.Error as e:
        errors.append((reader.line_num, f"CSV格式错误：{e}"))
    if not rows and not errors:
        errors.append((1, "文件没有数据行"))
    return rows, errors


def _known_file(data: bytes) -> tuple[str, BankFile | None]:
    digest = hashlib.sha256(data).hexdigest()
    return digest, BankFile.objects.filter(sha256=digest).first()


def _actor_label(actor: Any) -> str:
    return actor.get_username() if getattr(actor, "is_authenticated", False) else "system"


# --- Deduction results (3.1) -------------------------------------------------------------------
@dataclass
class _DeductionLine:
    line_no: int
    item: DeductionItem
    success: bool
    amount_fen: int
    reason: str
    bank_reference: str
    day: dt.date


def import_deduction_result(*, data: bytes, filename: str, actor: Any = None) -> ImportResult:
    """Import the bank's result of a deduction run: successes are received and allocated, failures
    are recorded with the bank's reason (and can be retried)."""
    digest, known = _known_file(data)
    if known is not None:
        return ImportResult(already_imported=True, notes=[f"文件已于{known.imported_at:%Y-%m-%d %H:%M}导入，未做任何更改"])
    rows, errors = _read_rows(data, DEDUCTION_COLUMNS)
    items = {i.pk: i for i in DeductionItem.objects.select_related("employer").filter(
        pk__in=[int(r["item_id"]) for _, r in rows if r["item_id"].isdigit()])}
    parsed: list[_DeductionLine] = []
    seen: set[int] = set()
    for line_no, r in rows:
        problems = []
        item = items.get(int(r["item_id"])) if r["item_id"].isdigit() else None
        if item is None:
            problems.append(f"扣款明细编号“{r['item_id']}”不存在")
        elif item.pk in seen:
            problems.append(f"扣款明细{item.pk}在文件中重复出现")
        elif item.employer.credit_code != r["credit_code"]:
            problems.append(f"统一社会信用代码“{r['credit_code']}”与扣款明细不符")
        amount = 0
        try:
            amount = parse_amount_fen(r["amount"])
            if item is not None and amount != item.amount_fen:
                problems.append(f"金额与扣款明细不符（应为{format_yuan(item.amount_fen)}元）")
        except ValueError as e:
            problems.append(str(e))
        if r["result"] not in ("success", "failed"):
            problems.append(f"扣款结果“{r['result']}”无效（应为success或failed）")
        if r["result"] == "failed" and not r["reason"]:
            problems.append("扣款失败必须注明原因")
        if r["result"] == "success" and not r["bank_reference"]:
            problems.append("扣款成功必须有银行流水号")
        day = None
        try:
            day = _parse_date(r["date"])
        except ValueError as e:
            problems.append(str(e))
        if problems:
            errors += [(line_no, p) for p in problems]
            continue
        assert item is not None and day is not None
        seen.add(item.pk)
        parsed.append(_DeductionLine(line_no, item, r["result"] == "success", amount, r["reason"],
                                     r["bank_reference"], day))
    if errors:
        raise ImportRefused(sorted(errors))

    result = ImportResult(lines=len(parsed))
    with transaction.atomic():
        BankFile.objects.create(kind=BankFile.Kind.DEDUCTION_RESULT, sha256=digest, filename=filename[:255],
                                lines=len(parsed), imported_by_label=_actor_label(actor))
        for p in parsed:
            item = DeductionItem.objects.select_for_update().get(pk=p.item.pk)
            if item.status != DeductionItem.Status.PENDING:
                # Already handled (by an earlier file with the same line): nothing to do twice.
                result.skipped += 1
                after_line_applied(p.line_no)
                continue
            before = snapshot(item)
            if p.success:
                item.payment = services.payment_receive(
                    employer=item.employer, amount_fen=p.amount_fen, received_on=p.day,
                    source=Payment.Source.BANK_DEDUCTION, actor=actor, reference=p.bank_reference,
                    memo=f"银行扣款 批次{item.run_id} 明细{item.pk}")
                item.status = DeductionItem.Status.SUCCEEDED
                result.succeeded += 1
                result.amount_fen += p.amount_fen
            else:
                item.status, item.failure_reason = DeductionItem.Status.FAILED, p.reason[:200]
                result.failed += 1
            item.save()
            audit_update(actor=actor, instance=item, before=before, reason=f"导入扣款结果 {filename}")
            result.applied += 1
            after_line_applied(p.line_no)
    return result


# --- Remittances (3.2) ----------------------------------------------------------------------
@dataclass
class _RemittanceLine:
    line_no: int
    values: dict[str, str]
    amount_fen: int
    day: dt.date


class _Matcher:
    """Finds the employer of a remittance: credit code, then payment reference, then a unique amount."""

    def __init__(self) -> None:
        self._open: dict[int, int] | None = None

    def _open_totals(self) -> dict[int, int]:
        if self._open is None:
            rows = (Due.objects.filter(paid_on__isnull=True, amount_fen__gt=0,
                                       employer__payment_method=Employer.PaymentMethod.REMITTANCE)
                    .values("employer_id").annotate(total=Sum("amount_fen")))
            self._open = {r["employer_id"]: int(r["total"]) for r in rows}
        return self._open

    def forget(self, employer_id: int) -> None:
        if self._open is not None:
            self._open[employer_id] = services.employer_open_total(employer_id=employer_id)

    def match(self, values: dict[str, str], amount_fen: int) -> tuple[Employer | None, str]:
        if values["credit_code"]:
            employer = Employer.objects.filter(credit_code=values["credit_code"].upper()).first()
            if employer is not None:
                return employer, "统一社会信用代码"
        m = _REFERENCE_RE.search(values["memo"].upper())
        if m:
            employer = Employer.objects.filter(pk=int(m.group(1))).first()
            if employer is not None:
                return employer, "缴费参考号"
        for code in _CREDIT_CODE_RE.findall(values["memo"].upper()):
            employer = Employer.objects.filter(credit_code=code).first()
            if employer is not None:
                return employer, "附言中的信用代码"
        by_amount: dict[int, list[int]] = defaultdict(list)
        for employer_id, total in self._open_totals().items():
            if total == amount_fen:
                by_amount[total].append(employer_id)
        if len(by_amount.get(amount_fen, [])) == 1:
            return Employer.objects.get(pk=by_amount[amount_fen][0]), "金额唯一匹配"
        return None, ""


def import_remittances(*, data: bytes, filename: str, actor: Any = None) -> ImportResult:
    """Import bank statement lines: each is matched to an employer and allocated, or queued for staff."""
    digest, known = _known_file(data)
    if known is not None:
        return ImportResult(already_imported=True, notes=[f"文件已于{known.imported_at:%Y-%m-%d %H:%M}导入，未做任何更改"])
    rows, errors = _read_rows(data, REMITTANCE_COLUMNS)
    parsed: list[_RemittanceLine] = []
    seen: set[str] = set()
    for line_no, r in rows:
        problems = []
        if not r["bank_reference"]:
            problems.append("缺少银行流水号")
        elif len(r["bank_reference"]) > 64:
            problems.append("银行流水号超过64个字符")
        elif r["bank_reference"] in seen:
            problems.append(f"银行流水号“{r['bank_reference']}”在文件中重复出现")
        amount, day = 0, None
        try:
            amount = parse_amount_fen(r["amount"])
        except ValueError as e:
            problems.append(str(e))
        try:
            day = _parse_date(r["value_date"])
        except ValueError as e:
            problems.append(str(e))
        if r["credit_code"] and len(r["credit_code"]) != 18:
            problems.append(f"统一社会信用代码“{r['credit_code']}”应为18位")
        if problems:
            errors += [(line_no, p) for p in problems]
            continue
        assert day is not None
        seen.add(r["bank_reference"])
        parsed.append(_RemittanceLine(line_no, r, amount, day))
    if errors:
        raise ImportRefused(sorted(errors))

    result = ImportResult(lines=len(parsed))
    matcher = _Matcher()
    with transaction.atomic():
        bank_file = BankFile.objects.create(kind=BankFile.Kind.REMITTANCE_STATEMENT, sha256=digest,
                                            filename=filename[:255], lines=len(parsed),
                                            imported_by_label=_actor_label(actor))
        existing = set(RemittanceLine.objects.filter(bank_reference__in=list(seen)).values_list("bank_reference",
                                                                                               flat=True))
        created = []
        for p in parsed:
            v = p.values
            if v["bank_reference"] in existing:
                # The same bank line in another file (statements overlap): received once only.
                result.skipped += 1
                after_line_applied(p.line_no)
                continue
            line = RemittanceLine.objects.create(
                bank_file=bank_file, line_no=p.line_no, bank_reference=v["bank_reference"], value_date=p.day,
                amount_fen=p.amount_fen, payer_name=v["payer_name"][:200], payer_account=v["payer_account"][:40],
                credit_code=v["credit_code"].upper(), memo=v["memo"][:200])
            created.append(line)
            result.amount_fen += p.amount_fen
            employer, how = matcher.match(v, p.amount_fen)
            if employer is not None:
                services.remittance_match(line=line, employer=employer, actor=None, matched_by=f"自动：{how}")
                matcher.forget(employer.pk)
                result.matched += 1
            else:
                result.unmatched += 1
            result.applied += 1
            after_line_applied(p.line_no)
        audit_bulk_create(actor=actor, model=RemittanceLine, objs=created, reason=f"导入汇款对账单 {filename}")
    return result
