"""`shebao deduction_run [--retry RUN] [--out FILE]`: a bank-deduction run and its request file (3.1)."""

from __future__ import annotations

import csv
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shebao.collection.models import DeductionRun
from shebao.collection.services import deduction_retry, deduction_run_create
from shebao.core.masking import mask_bank_account
from shebao.core.money import format_yuan


class Command(BaseCommand):
    help = "生成银行扣款批次并输出扣款请求（账号脱敏）；--retry 批次号 对失败的单位重新扣款。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--retry", type=int, help="重试该批次中扣款失败的单位")
        parser.add_argument("--out", help="请求文件路径（默认输出到屏幕）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["retry"]:
                run = deduction_retry(run=DeductionRun.objects.get(pk=opts["retry"]))
            else:
                run = deduction_run_create()
        except DeductionRun.DoesNotExist:
            raise CommandError(f"扣款批次{opts['retry']}不存在") from None
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from None
        items = list(run.items.select_related("employer").order_by("pk"))
        fh = open(opts["out"], "w", newline="", encoding="utf-8") if opts["out"] else sys.stdout  # noqa: SIM115
        try:
            w = csv.writer(fh)
            w.writerow(["item_id", "credit_code", "employer_name", "bank_account", "amount"])
            for i in items:
                w.writerow([i.pk, i.employer.credit_code, i.employer.name, mask_bank_account(i.employer.bank_account),
                            format_yuan(i.amount_fen).replace(",", "")])
        finally:
            if opts["out"]:
                fh.close()
        self.stderr.write(f"扣款批次#{run.pk}：{len(items)}家单位，合计{format_yuan(sum(i.amount_fen for i in items))}元")
