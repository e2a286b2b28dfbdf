"""`shebao refund_file create | list | download ID --output PATH`: refund payment files (1.2c).

The same services as the collection desk's page (/collection/refunds/), acting as a named system
job: `create` writes the payment file of every refund waiting; a second person releases it on the
page (a system job never releases money out: collection.releases); `download` writes a released
file for the bank (owner-only, each download recorded); `list` shows the files and their state.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from shebao.collection import refunds
from shebao.collection.models import PaymentFileRelease, RefundPaymentFile
from shebao.core.commands import ShebaoCommand
from shebao.core.inputs import id_text
from shebao.core.money import format_yuan
from shebao.core.permissions import SystemActor


class Command(ShebaoCommand):
    help = ("退费支付文件：create 生成退费支付文件，含全部“已核准，待退款”和“退款未成功，待重新支付”的退费（须由另一名工作人员在征缴页面复核放行）；"
            "list 列出支付文件及其放行、支付情况；download 编号 --output 路径 下载已放行的文件发送银行（每次下载记入审计）。")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["create", "list", "download"], help="create、list 或 download")
        parser.add_argument("file_id", nargs="?", help="退费支付文件编号（download 时必填）")
        parser.add_argument("--output", help="download 写入的文件路径（不得已存在）")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = SystemActor.command("refund_file")
        action = opts["action"]
        if action == "create":
            try:
                file = refunds.refund_payment_file_create(actor=actor)
            except ValidationError as e:
                raise CommandError("；".join(e.messages)) from None
            self.stdout.write(f"已生成退费支付文件#{file.pk} {file.filename}：{file.lines}笔，合计{format_yuan(file.amount_fen)}元；"
                              "须由一名工作人员在“征缴—退费支付”页面复核放行后才能下载发送银行")
            return
        if action == "list":
            released = set(PaymentFileRelease.objects.filter(kind=PaymentFileRelease.Kind.REFUND)
                           .values_list("file_pk", flat=True))
            files = list(RefundPaymentFile.objects.order_by("-pk")[:50])
            if not files:
                self.stdout.write("尚未生成退费支付文件")
            for f in files:
                state = "已复核放行" if str(f.pk) in released else "待复核放行"
                paid = f.refunds.filter(status="paid").count()
                self.stdout.write(f"#{f.pk} {f.filename}：{f.lines}笔，{format_yuan(f.amount_fen)}元，{state}，已支付{paid}笔")
            return
        pk = id_text(opts.get("file_id") or "")
        if pk is None:
            raise CommandError("请给出退费支付文件编号，如：shebao refund_file download 3 --output refunds.csv")
        if not opts.get("output"):
            raise CommandError("请用 --output 指定写入的文件路径")
        file = RefundPaymentFile.objects.filter(pk=pk).first()
        if file is None:
            raise CommandError(f"退费支付文件#{pk}不存在")
        out = Path(opts["output"])
        if out.exists():
            raise CommandError(f"文件{out}已存在，不覆盖")
        try:
            data = refunds.refund_payment_file_read(file=file, actor=actor)
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from None
        # Full account numbers: readable by the owner only, created exclusively (never over another file).
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        self.stdout.write(f"已写入{out}（{file.lines}笔，合计{format_yuan(file.amount_fen)}元，SHA-256 {file.sha256}）")
