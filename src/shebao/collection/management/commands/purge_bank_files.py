"""`shebao purge_bank_files`: delete the deduction request files no longer needed (run it daily)."""

from __future__ import annotations

from typing import Any

from shebao.collection.bankfiles import deduction_files_purge
from shebao.core.commands import ShebaoCommand
from shebao.core.permissions import SystemActor


class Command(ShebaoCommand):
    help = ("删除不再需要的银行扣款请求文件：扣款结果已全部导入的，或超过保存期限"
            "（SHEBAO_BANK_FILE_RETENTION_DAYS 天）的。文件的校验值和下载记录保留。")

    def handle(self, *args: Any, **opts: Any) -> None:
        purged = deduction_files_purge(actor=SystemActor.command("purge_bank_files"))
        for f in purged:
            self.stdout.write(f"已删除批次#{f.run_id}的扣款请求文件 {f.filename}（{f.purge_reason}）")
        self.stdout.write(f"共删除{len(purged)}个文件")
