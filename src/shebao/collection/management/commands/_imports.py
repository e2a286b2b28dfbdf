"""Shared by the two bank-file commands: read the file, report refusals with line numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from shebao.collection.importers import ImportRefused, ImportResult


def run_import(path: str, importer: Callable[..., ImportResult]) -> ImportResult:
    p = Path(path)
    if not p.is_file():
        raise CommandError(f"找不到文件：{path}")
    try:
        return importer(data=p.read_bytes(), filename=p.name)
    except ImportRefused as e:
        lines = "\n".join(f"  第{n}行：{reason}" for n, reason in e.errors)
        raise CommandError(f"文件“{p.name}”有{len(e.errors)}处错误，未导入任何数据：\n{lines}") from None


def describe(result: ImportResult, out: Any) -> bool:
    if result.already_imported:
        for note in result.notes:
            out.write(note)
        return False
    return True
