"""`shebao reconcile`: prove that the books balance; exit status 1 when they do not."""

from __future__ import annotations

import sys
from typing import Any

from shebao.collection.reconcile import books_reconcile
from shebao.core.commands import ShebaoCommand
from shebao.core.money import format_yuan


class Command(ShebaoCommand):
    help = "对账：核对总账借贷平衡、应收与未缴应缴、收款与分配及预缴余额；不平时退出码为1。"

    def handle(self, *args: Any, **opts: Any) -> None:
        r = books_reconcile()
        f = r.figures
        self.stdout.write(f"凭证{f['transactions']}张，分录行{f['postings']}行；应缴合计{format_yuan(f['dues_fen'])}元，"
                          f"收款{format_yuan(f['received_fen'])}元 = 已分配{format_yuan(f['allocated_fen'])}元 + "
                          f"预缴余额{format_yuan(f['employer_credit_fen'])}元；应收余额{format_yuan(f['receivable_fen'])}元")
        if r.ok:
            self.stdout.write("账务平衡。")
            return
        for p in r.problems:
            self.stderr.write(p)
        self.stderr.write(f"账务不平：{len(r.problems)}项问题。")
        sys.exit(1)
