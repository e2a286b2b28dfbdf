"""`shebao work_injury_import FILE...`: the file-based adapter of the work-injury data exchange (9, 2.3)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from shebao.benefits.work_injury import exchange_file_import
from shebao.core.commands import ShebaoCommand, read_input_file
from shebao.core.permissions import SystemActor


class Command(ShebaoCommand):
    help = ("导入人力资源社会保障部门的工伤认定决定和劳动能力鉴定结论（数据交换文件，每行一个JSON对象）。"
            "Import work-injury recognition and assessment decisions received by data exchange (JSON lines).")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="数据交换文件（UTF-8，每行一个JSON对象）")

    def handle(self, *args, **opts):
        actor = SystemActor.command("work_injury_import")
        refused = 0
        for name in opts["files"]:
            path = Path(name)
            data = read_input_file(name)  # the reason in Chinese, never the OS's strerror
            report = exchange_file_import(data=data, filename=path.name, actor=actor)
            if report.refused:
                refused += 1
                self.stderr.write(f"{path.name}：有错误，整份未导入")
                for n, reason in report.errors:
                    self.stderr.write(f"  第{n}行：{reason}")
            else:
                self.stdout.write(f"{path.name}：新导入{len(report.created)}条，已导入过{report.skipped}条")
        if refused:
            raise CommandError(f"{refused}个文件有错误，未导入")
