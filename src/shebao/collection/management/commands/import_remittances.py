"""`shebao import_remittances FILE`: bank statement lines of remittances (3.2)."""

from __future__ import annotations

from typing import Any

from shebao.collection.bankfiles import remittance_statement_import
from shebao.collection.management.commands._imports import describe, run_import
from shebao.core.commands import ShebaoCommand
from shebao.core.money import format_yuan


class Command(ShebaoCommand):
    help = ("导入银行汇款对账单（UTF-8 CSV，表头 bank_reference,value_date,amount,payer_name,payer_account,"
            "credit_code,memo）。按信用代码、缴费参考号或金额自动匹配单位，未匹配的进入待匹配队列。")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **opts: Any) -> None:
        result = run_import(opts["file"], remittance_statement_import, "import_remittances")
        if describe(result, self.stdout):
            self.stdout.write(f"导入{result.lines}行，合计{format_yuan(result.amount_fen)}元：自动匹配{result.matched}笔，"
                              f"待人工匹配{result.unmatched}笔，重复流水跳过{result.skipped}笔")
