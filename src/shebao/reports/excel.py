"""Spreadsheet (.xlsx) downloads of the leaders' tables and the clerks' lists, in constant memory.

openpyxl's write-only workbook writes each row to a temporary file as it comes (nothing of the sheet
is kept in memory), and the finished file is streamed to the browser in blocks by a FileResponse; a
list of 100,000 rows costs a query iterator and a file, never a list of 100,000 rows.

Cells keep their kind, so a leader can sum, sort and chart them in the spreadsheet: money is given
as `Yuan` (integer fen) and stored as a number of yuan with the two-decimal number format
``#,##0.00``; counts (`Count`, or a plain int such as a case number) as integers; shares (`Share`,
per mille) as a fraction with ``0.0%``; dates as dates (``yyyy-mm-dd``), date-times as Beijing local
date-times. On a page the same values print as they always did (`str`: ``1,234.56``, ``1,234``,
``12.3%``), so one table feeds the page and its download.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is read by Excel as a formula: written as text (OWASP CSV injection).
_FORMULA = re.compile(r"^[=+\-@\t\r]")
PROGRESS_EVERY = 1000  # rows between two progress reports of a background export


YUAN_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
SHARE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


@dataclass(frozen=True)
class Yuan:
    """Money in integer fen: ``1,234.56`` on a page, the number 1234.56 (``#,##0.00``) in a sheet."""

    fen: int

    def __str__(self) -> str:
        from shebao.core.money import format_yuan

        return format_yuan(self.fen)


@dataclass(frozen=True)
class Count:
    """A count: ``1,234`` on a page, the integer 1234 (``#,##0``) in a sheet."""

    n: int

    def __str__(self) -> str:
        return f"{self.n:,}"


@dataclass(frozen=True)
class Share:
    """A share in per mille (‰), or None where its base is zero: ``12.3%`` / ``—`` on a page, the
    fraction 0.123 (``0.0%``) or an empty cell in a sheet."""

    permille: int | None

    def __str__(self) -> str:
        return "—" if self.permille is None else f"{self.permille / 10:.1f}%"


def _formatted(ws: Any, value: Any, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


def _cell_value(ws: Any, value: Any) -> Any:
    """The value (or formatted cell) a sheet stores for `value` (see the module docstring)."""
    if isinstance(value, str):
        return "'" + value if _FORMULA.match(value) else value
    if isinstance(value, Yuan):
        return _formatted(ws, Decimal(int(value.fen)).scaleb(-2), YUAN_FORMAT)
    if isinstance(value, Count):
        return _formatted(ws, int(value.n), COUNT_FORMAT)
    if isinstance(value, Share):
        return None if value.permille is None else _formatted(ws, Decimal(int(value.permille)).scaleb(-3),
                                                              SHARE_FORMAT)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return _formatted(ws, local.replace(tzinfo=None), DATETIME_FORMAT)  # a sheet has no time zones
    if isinstance(value, dt.date):
        return _formatted(ws, value, DATE_FORMAT)
    return value


# Column widths are measured on the header and the first rows (a write-only sheet takes its widths before
# its first row, and the rows are streamed, so the whole column is never seen).
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH = 6
MAX_WIDTH = 60


def text_width(text: str) -> float:
    """The width of `text` in Excel's units (the width of '0' in the sheet's font): a wide or full-width
    character (Chinese) counts two, any other one."""
    return float(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text))


def _shown(value: Any) -> str:
    """The text a sheet shows for `value` (the page's form: ``1,234.56``, ``2020-02-20``)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return "0000-00-00 00:00:00"
    if isinstance(value, dt.date):
        return "0000-00-00"
    return str(value)


def column_widths(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[float]:
    """One width per column (Excel units): the widest of the header and `rows` as shown, plus two for the
    filter button and padding, kept between MIN_WIDTH and MAX_WIDTH (a longer text wraps in its cell
    when the reader widens nothing: it is still all there)."""
    widths = [text_width(str(h)) for h in header]
    for row in rows:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], text_width(_shown(value)))
    return [min(MAX_WIDTH, max(MIN_WIDTH, w + 2)) for w in widths]


def _sheet_title(title: str) -> str:
    """`title` as Excel takes a sheet's name: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "Sheet"


def xlsx_write(path: str, *, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
               progress: Any = None, caption: str = "") -> int:
    """Write one sheet (`title`, a bold header row, then `rows`) to `path`; returns the data rows written.

    `caption`, if given, is a bold first row above the header saying what the sheet is (its period,
    unit, when it was made: review-user8 F4, a forwarded dashboard sheet named no period).
    Values are stored by kind (module docstring). `progress`, if given, is called with the rows
    written so far every 1,000 rows (a background export's progress, reports.jobs)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(title))
    rows = iter(rows)
    first = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS))
    for i, width in enumerate(column_widths(header, first), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3" if caption else "A2"  # the header stays in view while the reader scrolls
    if caption:
        cell = WriteOnlyCell(ws, value=caption)
        cell.font = Font(bold=True)
        ws.append([cell])
    bold = []
    for h in header:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = Font(bold=True)
        bold.append(cell)
    ws.append(bold)
    count = 0
    for row in itertools.chain(first, rows):
        ws.append([_cell_value(ws, v) for v in row])
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    wb.save(path)
    return count


def xlsx_response(filename: str, *, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
                  caption: str = "") -> FileResponse:
    """A download of one sheet, written in constant memory to a temporary file and streamed from it.

    `filename` is the Chinese name the browser saves (``.xlsx`` appended); the temporary file is
    removed when the response is closed. `caption`: a title row above the header (`xlsx_write`).
    """
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=True)  # noqa: SIM115 (closed by the response)
    xlsx_write(tmp.name, title=title, header=header, rows=rows, caption=caption)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX)
    name = f"{filename}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response
