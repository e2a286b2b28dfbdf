"""Bank files: the deduction result file (3.1) and the remittance statement (3.2).

A file is read and checked in full before anything is written; a malformed file is refused with
every bad line and its reason, and nothing is applied. A good file is applied in one transaction,
so an import interrupted halfway (the process killed, the machine stopped) leaves the books as
they were, and running it again gives exactly one clean run. The file's SHA-256 is stored:
importing the same file twice changes nothing.

Formats (a header line, then one line per item; amounts in yuan with at most two decimals):

    deduction result:  item_id,credit_code,amount,result,reason,bank_reference,date
                       (result: success | failed; reason required when failed)
    remittances:       bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo

Files come as banks and Excel write them (`read_table`): CSV in UTF-8 (with or without a BOM),
GB18030/GBK (Chinese Windows' default), UTF-16 with a BOM (Excel's "Unicode text", tab-separated),
or an .xlsx workbook (its first sheet, read with openpyxl). Amounts may carry thousands separators
("12,345.60"); dates may be written 2020-03-05, 2020/3/5, 2020年3月5日, 20200305 or as Excel's day
number. Every value is normalised once (`core.normalize`): full-width digits, spaces inside account
numbers and lower-case credit codes read as the same value. A number that Excel turned into
scientific notation ("2.02003E+19") or stored as a number of more than 15 digits has lost digits:
the file is refused, naming the line and the column. Errors name the line where the fault is.

A remittance line that matches an already received transfer on value date, amount, payer account
and credit code (the same transfer in two statements whose references differ in form) is held as
a probable duplicate for staff and never credited automatically (`duplicate_key`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from shebao.cases.documents import KIND_ZH, MAGIC
from shebao.collection import services
from shebao.collection.models import BankFile, DeductionItem, Due, Payment, RemittanceLine
from shebao.collection.releases import remittance_second_person_reason
from shebao.core import clock
from shebao.core.audit import audit_bulk_create, audit_update, snapshot
from shebao.core.inputs import happened_date_problem, id_text, no_such_day, text_problem
from shebao.core.money import amount_cap_problem, format_yuan
from shebao.core.normalize import normalize_code, normalize_number_text, normalize_text
from shebao.core.permissions import actor_label, require
from shebao.registry.models import Employer

DEDUCTION_COLUMNS = ["item_id", "credit_code", "amount", "result", "reason", "bank_reference", "date"]
REMITTANCE_COLUMNS = ["bank_reference", "value_date", "amount", "payer_name", "payer_account", "credit_code", "memo"]
COLUMN_LABELS = {
    "item_id": "扣款明细编号", "credit_code": "统一社会信用代码", "amount": "金额", "result": "扣款结果",
    "reason": "失败原因", "bank_reference": "银行流水号", "date": "日期", "value_date": "到账日期",
    "payer_name": "付款人", "payer_account": "付款账号", "memo": "附言",
}
# Columns holding identifiers: normalised as codes, and never accepted as numbers Excel rounded.
CODE_COLUMNS = {"item_id", "credit_code", "bank_reference", "payer_account"}
DATE_COLUMNS = {"date", "value_date"}
_AMOUNT_RE = re.compile(r"^(\d{1,13}|\d{1,3}(?:,\d{3}){1,4})(?:\.(\d{1,2}))?$")
_SCIENTIFIC_RE = re.compile(r"^[+-]?\d+(?:\.\d*)?[Ee][+-]?\d+$")
# Excel's day numbers of 1970-01-01 .. 2099-12-31 (day 0 is 1899-12-30 in its 1900 date system).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_DAYS = range(25569, 73051)
# Excel keeps 15 significant digits: an integer of more has been rounded.
_EXCEL_DIGITS = 15
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
    held: int = 0
    amount_fen: int = 0
    notes: list[str] = field(default_factory=list)


def cut(text: str, limit: int = 30) -> str:
    """A cell's text as a message quotes it: at most ``limit`` characters, then "…" (a cell may hold
    131,072; review-input14 8: error messages never echo a huge input whole)."""
    return text if len(text) <= limit else text[:limit] + "…"


def parse_amount_fen(text: str) -> int:
    """Yuan text to fen, exactly, no floats: ``parse_amount_fen("1234.5") == 123450``,
    ``parse_amount_fen("12,345.60") == 1234560`` (thousands separators only where they belong),
    ``parse_amount_fen("￥１２，３４５．６０") == 1234560``. More than the project's cap
    (`core.money.AMOUNT_FEN_MAX`, 10,000,000,000.00 yuan) is refused: the remittance, deduction and
    payroll result files and the roster's 缴费基数 all read amounts here (review-input14 1)."""
    value = normalize_number_text(text)
    shown = cut(text)  # a cell of 100,000 characters is not quoted whole
    if _SCIENTIFIC_RE.match(value):
        raise ValueError(f"金额“{shown}”是Excel的科学计数法，原数字可能已丢失，请将该列设为数值或文本后重新导出")
    m = _AMOUNT_RE.match(value)
    if not m:
        raise ValueError(f"金额“{shown}”格式错误（应为元，最多两位小数，千位分隔符只能每三位一个）")
    fen = int(m.group(1).replace(",", "")) * 100 + int((m.group(2) or "0").ljust(2, "0"))
    if fen <= 0:
        raise ValueError("金额必须大于零")
    if problem := amount_cap_problem(fen):
        raise ValueError(problem)
    return fen


_DATE_RES = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0{1,2}:00(?::00)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def _parse_date(text: str) -> dt.date:
    """A date as banks and Excel write it: 2020-03-05, 2020/3/5, 2020.3.5, 2020年3月5日, 20200305,
    "2020/3/5 0:00", or Excel's day number (43895 = 2020-03-05). Day-first or month-first layouts
    (05/03/2020) are refused: they cannot be told apart."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if value.isdigit() and len(value) == 5 and int(value) in _EXCEL_DAYS:
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    for pattern in _DATE_RES:
        m = pattern.match(value)
        if m:
            year, month, day_no = int(m.group(1)), int(m.group(2)), int(m.group(3))
            try:
                day = dt.date(year, month, day_no)
            except ValueError:
                # the form is right, the day is not on the calendar (2020-02-31): say so, not "format"
                raise ValueError(f"日期“{cut(text)}”不存在：{no_such_day(year, month)}") from None
            # A value date of no plausible year (0001-01-01, 9999-12-31) drives no late fee (core.inputs).
            # and none after today: the bank cannot have booked money that has not arrived (review-input12 F4)
            problem = happened_date_problem(day, today=clock.today())
            if problem:
                raise ValueError(f"日期“{cut(text)}”{problem}")
            return day
    raise ValueError(f"日期“{cut(text)}”格式错误（应为年-月-日，如2020-03-05）")


# The values of a bank's result column, as banks and staff write them (English or Chinese); the payroll,
# refund and deduction result files all read them here so that they accept the same (review E12).
SUCCESS_VALUES = frozenset({"success", "succeeded", "ok", "paid", "成功", "支付成功", "扣款成功", "已支付"})
FAILURE_VALUES = frozenset({"failed", "failure", "fail", "失败", "支付失败", "扣款失败", "未支付"})
RESULT_VALUES_ZH = "“成功”或“失败”（也可写success或failed）"


def bank_result_outcome(text: str) -> bool | None:
    """True for a success, False for a failure, None for a value that is neither (the caller refuses
    the line naming RESULT_VALUES_ZH). Case, full-width letters and surrounding spaces do not matter."""
    value = unicodedata.normalize("NFKC", text or "").strip().lower()
    if value in SUCCESS_VALUES:
        return True
    if value in FAILURE_VALUES:
        return False
    return None


def payment_date_problem(day: dt.date, *, not_before: dt.date, not_before_what: str) -> str:
    """Why ``day``, the date a bank's result says money was paid, cannot be (Chinese), or "".

    A payment happens after its payment file was made and released for the bank
    (``not_before``, named ``not_before_what``) and not after today (`core.clock`): an earlier date
    back-dates the ledger, a later one records a payment that has not happened (review E2)."""
    today = clock.today()
    if day < not_before:
        return (f"支付日期{day.isoformat()}早于{not_before_what}{not_before.isoformat()}，"
                "银行不可能在此之前支付，请核对")
    if day > today:
        return f"支付日期{day.isoformat()}晚于今天（{today.isoformat()}），不能记载尚未发生的支付，请核对"
    return ""


class _Refuse(Exception):
    """A file that cannot be read at all; `errors` (line number, reason) is never empty."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors or [(1, "文件无法读取")]


def _column(columns: list[str], name: str) -> str:
    return f"第{columns.index(name) + 1}列“{COLUMN_LABELS.get(name, name)}”（{name}）"


def _decode(data: bytes, encoding: str | None) -> str:
    """The text of a CSV file. Without `encoding`: a BOM decides (UTF-8, UTF-16), else UTF-8 if the
    whole file is UTF-8, else GB18030 (a superset of GBK and GB2312). A byte that fits no encoding
    is reported on its own line (lines are split on LF, which no multi-byte character contains)."""
    if encoding:
        candidates = [encoding]
    elif data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise _Refuse([(1, f"文件不是有效的UTF-16编码（第{e.start}字节）")]) from None
    else:
        candidates = ["utf-8", "gb18030"]
    failures: dict[str, list[tuple[int, str]]] = {}
    for name in candidates:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            pass
        bad: list[tuple[int, str]] = []
        for line_no, raw in enumerate(data.split(b"\n"), start=1):
            try:
                raw.decode(name)
            except UnicodeDecodeError as e:
                bad.append((line_no, f"第{e.start + 1}个字节0x{raw[e.start]:02X}无法按{_ENCODING_LABELS.get(name, name)}"
                                     "读取（文件编码有误或内容已损坏）"))
            except LookupError:
                raise _Refuse([(1, f"不支持的文件编码“{name}”")]) from None
        failures[name] = bad
    # Report the lines under the encoding that read the most of the file. Every line may decode on
    # its own while the whole does not (an odd number of bytes under UTF-16): the file is refused all
    # the same, never read as nothing (bad-input review D8).
    return_errors = min(failures.values(), key=len)
    if not return_errors:
        label = "、".join(_ENCODING_LABELS.get(n, n.upper()) for n in candidates)
        return_errors = [(1, f"文件无法按{label}编码读取（所选编码有误或文件已损坏），请选择正确的编码后重新上传")]
    raise _Refuse(return_errors)


_ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030/GBK", "gbk": "GBK",
                    "utf-16": "UTF-16", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}


def csv_error_zh(error: csv.Error) -> str:
    """The csv module's refusal of a line in Chinese: its own text is English ("field larger than field
    limit (131072)"), and was shown so to an employer on the portal (review-input14 4)."""
    text = str(error)
    if m := re.match(r"field larger than field limit \((\d+)\)", text):
        return f"单元格超过{int(m.group(1))}个字符（文件可能已损坏或引号不配对），请核对后重新上传"
    if "NUL" in text:
        return "含有空字符，文件可能已损坏或不是文本文件，请另存为CSV后重新上传"
    if "new-line character" in text or "newline" in text:
        return "未加引号的单元格中有换行符，请用Excel另存为CSV后重新上传"
    return "CSV格式错误，无法读取该行（文件可能已损坏或引号不配对），请核对后重新上传"


def _csv_rows(data: bytes, encoding: str | None) -> list[tuple[int, list[str]]]:
    text = _decode(data, encoding)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for values in reader:
            out.append((start, values))
            start = reader.line_num + 1
    except csv.Error as e:
        raise _Refuse([(start, csv_error_zh(e))]) from None
    return out


def _xlsx_cell(value: Any, name: str) -> str:
    """One workbook cell as text, refusing numbers Excel has already rounded."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if name in CODE_COLUMNS:
            if value != int(value) or len(str(abs(int(value)))) > _EXCEL_DIGITS:
                raise ValueError(f"“{value:.6G}”是Excel存成数值的长号码，超过{_EXCEL_DIGITS}位的数字已丢失，"
                                 "请将该列设为文本后重新导出")
            return str(int(value))
        if name == "amount" and isinstance(value, float):
            from decimal import Decimal

            return format(Decimal(repr(value)), "f")
        if name in DATE_COLUMNS:
            return str(int(value)) if value == int(value) else repr(value)
        return str(value)
    return str(value)


# What a person is told of a workbook no reader can open (damaged, encrypted, or not a workbook at
# all): never the reader's exception class (BadZipFile, CalamineError; bad-input review 3, E11).
UNREADABLE_WORKBOOK = ("无法读取Excel工作簿：文件已损坏、已加密或不是.xlsx格式，"
                       "请在Excel中另存为.xlsx（不设密码）或导出为CSV后重新上传")


def _header_name(cell: Any, columns: list[str], headers: Mapping[str, Sequence[str]] | None) -> str:
    """The column a header cell names: the column's own (English) name, its Chinese label
    (COLUMN_LABELS) or one of the importer's Chinese headers (``headers``); else the cell's text."""
    text = normalize_text(str(cell) if cell is not None else "").lstrip("\ufeff").strip().lower()
    for name in columns:
        names = {name, COLUMN_LABELS.get(name, name), *((headers or {}).get(name, ()))}
        if text in {normalize_text(n).lower() for n in names}:
            return name
    return text


# A workbook's cells are read into a dense range (calamine) or padded rows (openpyxl) as large as the
# box from A1 to its farthest cell: one cell at row 1,000,000 of a 5 KB file cost 17 s and 922 MB
# (review-input10 F3). The box is measured from the sheets' XML before either reader opens it.
XLSX_MAX_COLUMNS = 200
XLSX_MAX_ROWS = 500_000  # a bank's file: more lines than a day of the city's deductions or remittances has
XLSX_MAX_SHEET_XML = 256 * 1024 * 1024
_XLSX_TAG_RE = re.compile(rb"<(?:[A-Za-z]\w*:)?(row|c|dimension)\b([^>]*)>")
# An attribute as XML allows it (review-input13 F1: r='XFD1048576' and r = "…" were passed over unmeasured,
# and calamine, reading them, asked for 512 GB and aborted the server): either quote, spaces around =.
_XLSX_ATTR_RE = re.compile(rb"""(?:^|\s)(r|ref)\s*=\s*(["'])(.*?)\2""", re.S)
_XLSX_CELL_RE = re.compile(r"([A-Z]{0,3})([0-9]+)")
_XLSX_UNREADABLE_POSITION = "Excel工作表中有无法识别的单元格位置，请另存为标准的.xlsx或导出为CSV后重新上传"


def _xlsx_position(attrs: bytes, name: bytes) -> tuple[int, int] | None | str:
    """The (column, row) an element's `name` attribute gives (column 0 when only a row), None when it has
    none, or a refusal when it has one that is no cell position (a reader might still read it: refuse
    rather than pass it unmeasured). Character references are decoded as XML decodes them."""
    import html

    for key, _, value in _XLSX_ATTR_RE.findall(attrs):
        if key != name:
            continue
        text = html.unescape(value.decode("utf-8", "replace")).strip().upper()
        if name == b"ref":  # a dimension: its last corner
            text = text.rsplit(":", 1)[-1].replace("$", "")
        found = _XLSX_CELL_RE.fullmatch(text)
        if not found:
            return _XLSX_UNREADABLE_POSITION
        letters, digits = found.group(1).encode(), found.group(2).lstrip("0") or "0"
        return (_column_number(letters) if letters else 0), (int(digits) if len(digits) <= 12 else 10 ** 12)
    return None


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def workbook_extent_problem(data: bytes, *, max_rows: int, max_columns: int = XLSX_MAX_COLUMNS) -> str:
    """Why an .xlsx's cells reach too far to be read, in Chinese, or "" when every sheet's farthest cell
    lies within `max_rows` rows and `max_columns` columns (a zip that is no workbook: "", left to the
    reader's own refusal).

    Each worksheet part is scanned for its declared box (``<dimension ref="A1:XFD20000"/>``) and its rows'
    and cells' positions (``r="XFD1048576"``, either quote, character references decoded, or counted where
    a writer leaves them out); a position that is none is refused, and a part that unpacks past
    XLSX_MAX_SHEET_XML is refused unread."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = [i for i in archive.infolist() if i.filename.startswith("xl/worksheets/") and
                 i.filename.endswith(".xml")]
        for info in parts:
            if info.file_size > XLSX_MAX_SHEET_XML:
                return (f"Excel工作簿解压后过大（超过{XLSX_MAX_SHEET_XML // 1024 // 1024}MB），"
                        "请删除多余的工作表或导出为CSV后重新上传")
            xml = archive.read(info)
            row = column = rows = columns = 0
            for tag, attrs in _XLSX_TAG_RE.findall(xml):
                found = _xlsx_position(attrs, b"ref" if tag == b"dimension" else b"r")
                if isinstance(found, str):
                    return found
                if tag == b"dimension":  # openpyxl pads every row to the declared box (review-input13 F9)
                    if found is not None:
                        rows, columns = max(rows, found[1]), max(columns, found[0])
                    continue
                if tag == b"row":
                    if found and found[0]:  # a row's position is a number alone
                        return _XLSX_UNREADABLE_POSITION
                    row = found[1] if found else row + 1
                    column = 0
                else:
                    column = found[0] if found and found[0] else column + 1
                    if found and found[0]:
                        row = max(row, found[1])
                rows, columns = max(rows, row), max(columns, column)
            if rows > max_rows or columns > max_columns:
                return (f"Excel工作表的单元格范围过大（达到第{rows}行、第{columns}列，最多{max_rows}行、{max_columns}列）："
                        "请删除表格以外的内容（或远处的空单元格格式），或导出为CSV后重新上传")
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        return ""
    return ""


def _xlsx_rows(data: bytes, columns: list[str], headers: Mapping[str, Sequence[str]] | None = None
               ) -> list[tuple[int, list[str]]]:
    import openpyxl

    extent = workbook_extent_problem(data, max_rows=XLSX_MAX_ROWS)
    if extent:
        raise _Refuse([(1, extent)])
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged or encrypted workbook: openpyxl raises many kinds
        raise _Refuse([(1, UNREADABLE_WORKBOOK)]) from None
    sheet = book.worksheets[0]
    out: list[tuple[int, list[str]]] = []
    errors: list[tuple[int, str]] = []
    header: list[str] = []
    for row_no, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        if not header:
            header = [_header_name(c, columns, headers) for c in cells]
            out.append((row_no, header))
            continue
        values = []
        for i, cell in enumerate(cells):
            name = header[i] if i < len(header) else ""
            try:
                values.append(_xlsx_cell(cell, name))
            except ValueError as e:
                errors.append((row_no, f"{_column(columns, name) if name in columns else f'第{i + 1}列'}：{e}"))
                values.append("")
        out.append((row_no, values))
    book.close()
    if errors:
        raise _Refuse(errors)
    return out


# What a file that is not a table declares by its first bytes: named in the refusal, since read as text
# its bytes become a header of garbled characters (a PNG renamed .csv read as GB18030 began “塒NG”).
# The kinds a document upload takes (PDF, JPEG, PNG) are read from the one table of their signatures,
# `cases.documents.MAGIC`, with its Chinese names (`KIND_ZH`); the others are known only here.
_NOT_A_TABLE: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版Excel工作簿（.xls）或其他Office文件"),
    *((magic, KIND_ZH[ctype]) for magic, ctype, _ext in MAGIC),
    (b"GIF8", "GIF图片"),
    (b"Rar!", "RAR压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z压缩包"),
    (b"\x1f\x8b", "gzip压缩包"),
)


def not_a_table(data: bytes) -> str:
    """Why `data` is neither a CSV text nor an .xlsx workbook, in Chinese, or "" when it may be one.

    A known signature names the kind (an old .xls, a PDF, an image, an archive). Other bytes are read as
    text, where a NUL or control character is named in its cell and line (a CSV's cell may hold one by
    mistake); an .xlsx (a zip) is left to openpyxl, which refuses a zip that is not a workbook."""
    for magic, kind in _NOT_A_TABLE:
        if data.startswith(magic):
            return (f"文件实为{kind}，不是CSV或.xlsx表格：请从银行系统导出CSV，或在Excel中另存为.xlsx后重新上传")
    return ""


def read_table(data: bytes, columns: list[str], *, encoding: str | None = None,
               headers: Mapping[str, Sequence[str]] | None = None
               ) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    """The data lines of a bank file as (line number, {column: normalised text}), and the errors.

    `data` is CSV (encoding detected, or `encoding` as chosen on upload) or an .xlsx workbook
    (recognised by its content). Identifier columns are normalised as codes (NFKC, no spaces or
    hyphens, upper case), the others as text. A value in scientific notation in an identifier or
    amount column is an error naming its line and column: Excel has lost its digits.
    The header names the columns in this order, each by its English name or a Chinese one
    (`_header_name`: COLUMN_LABELS, or the importer's ``headers``, e.g. {"refund_id": ["退费编号"]}).
    """
    binary = not_a_table(data)
    if binary:
        return [], [(1, binary)]
    try:
        raw = _xlsx_rows(data, columns, headers) if data[:4] == b"PK\x03\x04" else _csv_rows(data, encoding)
    except _Refuse as e:
        return [], e.errors
    if not raw:
        return [], [(1, "文件为空")]
    header_no, header = raw[0]
    if [_header_name(h, columns, headers) for h in header] != columns:
        chinese = [((headers or {}).get(c) or [COLUMN_LABELS.get(c, c)])[0] for c in columns]
        return [], [(header_no, f"表头应为“{','.join(columns)}”或“{','.join(chinese)}”，实为“{','.join(map(str, header))}”")]
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[tuple[int, str]] = []
    for line_no, values in raw[1:]:
        if not values or all(not str(v).strip() for v in values):
            continue
        if len(values) != len(columns):
            errors.append((line_no, f"应有{len(columns)}列，实有{len(values)}列"))
            continue
        row: dict[str, str] = {}
        lost = False
        for name, value in zip(columns, values, strict=True):
            text = normalize_text(value)
            problem = text_problem(text)
            if problem:  # a NUL or bidi control in a cell: never stored (bad-input review 3, E4)
                errors.append((line_no, f"{_column(columns, name)}：{problem}"))
                lost = True
                continue
            if (name in CODE_COLUMNS or name == "amount") and _SCIENTIFIC_RE.match(normalize_code(text)):
                errors.append((line_no, f"{_column(columns, name)}：“{cut(text)}”是Excel的科学计数法，原数字已丢失，"
                                        "请将该列设为文本后从银行系统重新导出"))
                lost = True
            row[name] = normalize_code(text) if name in CODE_COLUMNS else text
        if not lost:
            rows.append((line_no, row))
    if not rows and not errors:
        errors.append((1, "文件没有数据行"))
    return rows, errors


def _read_rows(data: bytes, columns: list[str], encoding: str | None = None
               ) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    return read_table(data, columns, encoding=encoding)


def _known_file(data: bytes) -> tuple[str, BankFile | None]:
    digest = hashlib.sha256(data).hexdigest()
    return digest, BankFile.objects.filter(sha256=digest).first()


# Two imports at the same moment (a double click, two clerks with the same file, a command beside the
# page): both passed the "already imported?" look-up, and the second's insert broke a unique constraint
# (the file's SHA-256, a bank reference) and answered 500 (review-input12 F5).
IMPORT_RACE_PROBLEM = "另一次导入同时写入了相同的记录，本次未导入任何一行，请稍后重新导入"


def already_imported_note(imported_at: dt.datetime) -> str:
    from django.utils import timezone

    return f"该文件已于{timezone.localtime(imported_at):%Y-%m-%d %H:%M}导入，未做任何更改"


def file_claimed(create: Callable[[], Any]) -> bool:
    """Write an imported file's record (unique by its SHA-256) in a savepoint of its own, first thing
    in the import's transaction: False when an import of the same bytes wrote it first (it waited for
    that one to commit on PostgreSQL), so the caller answers "already imported" as for a file
    imported a minute before, and writes nothing."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return False
    return True


@contextmanager
def import_transaction() -> Iterator[None]:
    """One import's transaction. A unique constraint broken by another import at the same moment
    (the same bank line in two files imported at once) refuses the whole file, nothing written,
    in Chinese (ValidationError: a form error on the page, the command's error) instead of a 500."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise ValidationError(IMPORT_RACE_PROBLEM) from None


def _imported_meanwhile(digest: str) -> ImportResult:
    """The answer to an import whose file another import wrote a moment before (`file_claimed`)."""
    known = BankFile.objects.get(sha256=digest)
    return ImportResult(already_imported=True, notes=[already_imported_note(known.imported_at)])


def _actor_label(actor: Any) -> str:
    return actor_label(actor)


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


def import_deduction_result(*, data: bytes, filename: str, actor: Any, encoding: str | None = None
                            ) -> ImportResult:
    """Import the bank's result of a deduction run: successes are received and allocated, failures
    are recorded with the bank's reason (and can be retried). `encoding` as chosen on upload, else
    detected (`read_table`)."""
    require(actor, "deduction_result.import")
    digest, known = _known_file(data)
    if known is not None:
        return ImportResult(already_imported=True, notes=[already_imported_note(known.imported_at)])
    rows, errors = _read_rows(data, DEDUCTION_COLUMNS, encoding)
    items = {i.pk: i for i in DeductionItem.objects.select_related("employer").filter(
        pk__in=[n for n in (id_text(r["item_id"]) for _, r in rows) if n is not None])}
    parsed: list[_DeductionLine] = []
    seen: set[int] = set()
    for line_no, r in rows:
        problems = []
        item = items.get(id_text(r["item_id"]))
        if item is None:
            problems.append(f"扣款明细编号“{cut(r['item_id'])}”不存在")
        elif item.pk in seen:
            problems.append(f"扣款明细{item.pk}在文件中重复出现")
        elif item.employer.credit_code != r["credit_code"]:
            problems.append(f"统一社会信用代码“{cut(r['credit_code'])}”与扣款明细不符")
        amount = 0
        try:
            amount = parse_amount_fen(r["amount"])
            if item is not None and amount != item.amount_fen:
                problems.append(f"金额与扣款明细不符（应为{format_yuan(item.amount_fen)}元）")
        except ValueError as e:
            problems.append(str(e))
        outcome = bank_result_outcome(r["result"])
        if outcome is None:
            problems.append(f"扣款结果“{cut(r['result'])}”无效（应为{RESULT_VALUES_ZH}）")
        if outcome is False and not r["reason"]:
            problems.append("扣款失败必须注明原因")
        if outcome is True and not r["bank_reference"]:
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
        parsed.append(_DeductionLine(line_no, item, outcome is True, amount, r["reason"],
                                     r["bank_reference"], day))
    if errors:
        raise ImportRefused(sorted(errors))

    result = ImportResult(lines=len(parsed))
    with import_transaction():
        if not file_claimed(lambda: BankFile.objects.create(
                kind=BankFile.Kind.DEDUCTION_RESULT, sha256=digest, filename=filename[:255], lines=len(parsed),
                imported_by_label=_actor_label(actor))):
            return _imported_meanwhile(digest)
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


def duplicate_key(*, value_date: dt.date, amount_fen: int, payer_account: str, credit_code: str
                  ) -> tuple[dt.date, int, str, str] | None:
    """What makes two statement lines one transfer whatever their references say: the value date,
    the amount, the payer's account and the credit code (both normalised). None when the line names
    neither an account nor a code: then nothing identifies the payer and no line is held for it."""
    account, code = normalize_code(payer_account), normalize_code(credit_code)
    if not account and not code:
        return None
    return value_date, amount_fen, account, code


def _line_key(line: RemittanceLine) -> tuple[dt.date, int, str, str]:
    return (line.value_date, line.amount_fen, normalize_code(line.payer_account), normalize_code(line.credit_code))


def _received_duplicates(keys: set[tuple[dt.date, int, str, str]]) -> dict[tuple[dt.date, int, str, str],
                                                                          RemittanceLine]:
    """The lines already received for any of these keys (one indexed read by value date)."""
    if not keys:
        return {}
    found: dict[tuple[dt.date, int, str, str], RemittanceLine] = {}
    for line in (RemittanceLine.objects.filter(value_date__in={k[0] for k in keys},
                                               amount_fen__in={k[1] for k in keys})
                 .exclude(status=RemittanceLine.Status.DUPLICATE).order_by("pk")):
        key = duplicate_key(value_date=line.value_date, amount_fen=line.amount_fen,
                            payer_account=line.payer_account, credit_code=line.credit_code)
        if key in keys and key not in found:
            found[key] = line
    return found


def import_remittances(*, data: bytes, filename: str, actor: Any, encoding: str | None = None
                       ) -> ImportResult:
    """Import bank statement lines: each is matched to an employer and allocated, or queued for staff.

    A line whose reference was already imported is skipped; a line that is the same transfer as
    one already received (`duplicate_key`) is stored as a probable duplicate, held for staff and not
    credited. `encoding` as chosen on upload, else detected (`read_table`).
    """
    require(actor, "remittance.import")
    digest, known = _known_file(data)
    if known is not None:
        return ImportResult(already_imported=True, notes=[already_imported_note(known.imported_at)])
    rows, errors = _read_rows(data, REMITTANCE_COLUMNS, encoding)
    parsed: list[_RemittanceLine] = []
    seen: set[str] = set()
    for line_no, r in rows:
        problems = []
        if not r["bank_reference"]:
            problems.append("缺少银行流水号")
        elif len(r["bank_reference"]) > 64:
            problems.append("银行流水号超过64个字符")
        elif r["bank_reference"] in seen:
            problems.append(f"银行流水号“{cut(r['bank_reference'])}”在文件中重复出现")
        amount, day = 0, None
        try:
            amount = parse_amount_fen(r["amount"])
        except ValueError as e:
            problems.append(str(e))
        try:
            day = _parse_date(r["value_date"])
        except ValueError as e:
            problems.append(str(e))
        if len(r["payer_account"]) > 40:
            problems.append("付款账号超过40个字符")
        if r["credit_code"] and len(r["credit_code"]) != 18:
            problems.append(f"统一社会信用代码“{cut(r['credit_code'])}”应为18位")
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
    with import_transaction():
        if not file_claimed(lambda: BankFile.objects.create(
                kind=BankFile.Kind.REMITTANCE_STATEMENT, sha256=digest, filename=filename[:255], lines=len(parsed),
                imported_by_label=_actor_label(actor))):
            return _imported_meanwhile(digest)
        bank_file = BankFile.objects.get(sha256=digest)
        # Lines already received under these references: the same line again is skipped, a line that
        # reuses a reference for another transfer (another amount, date, payer) is held for staff.
        existing: dict[str, list[RemittanceLine]] = defaultdict(list)
        for old in RemittanceLine.objects.filter(bank_reference__in=list(seen)).order_by("pk"):
            existing[old.bank_reference].append(old)
        keys = {p.line_no: duplicate_key(value_date=p.day, amount_fen=p.amount_fen,
                                         payer_account=p.values["payer_account"], credit_code=p.values["credit_code"])
                for p in parsed}
        received = _received_duplicates({k for k in keys.values() if k is not None})
        created = []
        for p in parsed:
            v = p.values
            key = keys[p.line_no]
            same_reference = existing.get(v["bank_reference"], [])
            if any(_line_key(old) == (p.day, p.amount_fen, normalize_code(v["payer_account"]),
                                      normalize_code(v["credit_code"])) for old in same_reference):
                # The same bank line in another file (statements overlap): received once only.
                result.skipped += 1
                after_line_applied(p.line_no)
                continue
            earlier = received.get(key) if key is not None else None
            if same_reference:
                # The reference was received before for another transfer: never credited on its own,
                # never dropped silently (issue 12 §6; the ledger keeps one payment per reference).
                earlier = same_reference[0]
                result.notes.append(f"第{p.line_no}行的银行流水号{v['bank_reference']}此前已导入，但到账日期、金额、"
                                    "付款账号或信用代码不同，已暂停入账，待人工核实")
            line = RemittanceLine.objects.create(
                bank_file=bank_file, line_no=p.line_no, bank_reference=v["bank_reference"], value_date=p.day,
                amount_fen=p.amount_fen, payer_name=v["payer_name"][:200], payer_account=v["payer_account"][:40],
                credit_code=v["credit_code"], memo=v["memo"][:200],
                status=RemittanceLine.Status.DUPLICATE if earlier else RemittanceLine.Status.UNMATCHED,
                duplicate_of=earlier)
            created.append(line)
            if earlier is not None and same_reference:
                result.held += 1
                after_line_applied(p.line_no)
                continue
            if earlier is not None:
                # The same transfer under another reference: staff decide, the money is not received twice.
                result.held += 1
                result.notes.append(f"第{p.line_no}行与已导入的流水{earlier.bank_reference}为同一笔转账（到账日期、金额、"
                                    "付款账号、信用代码均相同），已暂停入账，待人工核实")
                after_line_applied(p.line_no)
                continue
            if key is not None:
                received[key] = line
            result.amount_fen += p.amount_fen
            employer, how = matcher.match(v, p.amount_fen)
            if employer is not None and remittance_second_person_reason(line, employer):
                # The payer is known as another employer: a person asks, a second person decides
                # (collection.releases); the machine does not guess.
                result.notes.append(f"第{p.line_no}行按{how}对应的单位与付款人已登记的单位不同，留待人工匹配并复核")
                employer = None
            if employer is not None:
                services.remittance_match(line=line, employer=employer, actor=actor, matched_by=f"自动：{how}")
                matcher.forget(employer.pk)
                result.matched += 1
            else:
                result.unmatched += 1
            result.applied += 1
            after_line_applied(p.line_no)
        audit_bulk_create(actor=actor, model=RemittanceLine, objs=created, reason=f"导入汇款对账单 {filename}")
    return result
