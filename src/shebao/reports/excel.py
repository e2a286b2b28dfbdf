"""Spreadsheet (.xlsx) downloads of the leaders' tables and the clerks' lists, in constant memory.

openpyxl's write-only workbook writes each row to a temporary file as it comes (nothing of the sheet
is kept in memory), and the finished file is streamed to the browser in blocks by a FileResponse; a
list of 100,000 rows costs a query iterator and a file, never a list of 100,000 rows.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is read by Excel as a formula: written as text (OWASP CSV injection).
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _cell_value(value: Any) -> Any:
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def xlsx_write(path: str, *, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write one sheet (`title`, a bold header row, then `rows`) to `path`; returns the data rows written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    bold = []
    for h in header:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = Font(bold=True)
        bold.append(cell)
    ws.append(bold)
    count = 0
    for row in rows:
        ws.append([_cell_value(v) for v in row])
        count += 1
    wb.save(path)
    return count


def xlsx_response(filename: str, *, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> FileResponse:
    """A download of one sheet, written in constant memory to a temporary file and streamed from it.

    `filename` is the Chinese name the browser saves (``.xlsx`` appended); the temporary file is
    removed when the response is closed.
    """
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=True)  # noqa: SIM115 (closed by the response)
    xlsx_write(tmp.name, title=title, header=header, rows=rows)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX)
    name = f"{filename}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response
