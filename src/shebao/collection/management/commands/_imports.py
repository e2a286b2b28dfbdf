"""Shared by the two bank-file commands: read the file, import it through the same service as the
upload page (acting as a named system job), report refusals with line numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from shebao.collection.bankfiles import ImportReport
from shebao.collection.importers import ImportResult
from shebao.core.commands import read_input_file
from shebao.core.permissions import SystemActor


def run_import(path: str, service: Callable[..., ImportReport], command: str) -> ImportResult:
    p = Path(path)
    data = read_input_file(path)
    try:
        report = service(data=data, filename=p.name, actor=SystemActor.command(command))
    except ValidationError as e:
        raise CommandError("；".join(e.messages)) from None
    if report.refused:
        lines = "\n".join(f"  第{ln.line_no}行：{ln.detail}" for ln in report.lines)
        raise CommandError(f"文件“{p.name}”有{len(report.lines)}处错误，未导入任何数据：\n{lines}")
    assert report.result is not None
    return report.result


def describe(result: ImportResult, out: Any) -> bool:
    if result.already_imported:
        for note in result.notes:
            out.write(note)
        return False
    return True
