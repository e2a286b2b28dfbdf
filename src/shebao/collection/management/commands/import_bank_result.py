"""`shebao import_bank_result FILE`: the bank's result of a deduction run (3.1)."""

from __future__ import annotations

from typing import Any

from shebao.collection.bankfiles import bank_result_import
from shebao.collection.management.commands._imports import describe, run_import
from shebao.core.commands import ShebaoCommand
from shebao.core.money import format_yuan


class Command(ShebaoCommand):
    help = ("导入银行扣款结果文件（UTF-8 CSV，表头 item_id,credit_code,amount,result,reason,bank_reference,date）。"
            "格式错误则整份拒绝并列出行号；同一文件重复导入不做任何更改。")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **opts: Any) -> None:
        result = run_import(opts["file"], bank_result_import, "import_bank_result")
        if describe(result, self.stdout):
            self.stdout.write(f"导入{result.lines}行：扣款成功{result.succeeded}笔，合计{format_yuan(result.amount_fen)}元；"
                              f"扣款失败{result.failed}笔（可重试）；已处理过跳过{result.skipped}行")
