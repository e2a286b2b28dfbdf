"""`shebao import_refund_result FILE [--encoding gbk]`: the bank's result of a refund payment file (1.2c)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from shebao.collection.bankfiles import upload_encoding
from shebao.collection.refunds import refund_result_import, result_header_zh
from shebao.core.commands import ShebaoCommand, read_input_file
from shebao.core.permissions import SystemActor


class Command(ShebaoCommand):
    help = (f"导入银行退费支付结果文件（CSV或.xlsx，表头 {result_header_zh()}；结果为“成功”或“失败”）。"
            "支付成功的退费冲销应付退费，失败的留待下一份支付文件；有任何一行错误则整份不导入；同一文件重复导入不做任何更改。")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--encoding", default="", help="文件编码：utf-8、gbk 或 utf-16（默认自动识别）")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        data = read_input_file(opts["file"])
        try:
            encoding = upload_encoding(opts["encoding"])
            report = refund_result_import(data=data, filename=path.name,
                                          actor=SystemActor.command("import_refund_result"),
                                          encoding=encoding or None)
        except ValidationError as e:
            lines = "\n".join(f"  {m}" for m in e.messages)
            raise CommandError(f"文件“{path.name}”未导入任何数据：\n{lines}") from None
        if report.already_imported:
            self.stdout.write(f"文件“{path.name}”此前已导入，未做任何更改")
            return
        self.stdout.write(f"已导入“{path.name}”：支付成功{report.paid}笔（已冲销应付退费），"
                          f"支付失败{report.failed}笔（留待下一份支付文件）")
