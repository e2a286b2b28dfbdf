"""django-axes' ``axes_reset_logs`` in Chinese (shebao.staff.lockout_commands)."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler

from shebao.core.commands import ShebaoCommand
from shebao.staff.lockout_commands.shared import days_arg


class Command(ShebaoCommand):
    help = "删除早于给定天数的登录日志记录（不影响当前的登录锁定）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--age", type=days_arg, default=30, help="保留最近多少天的记录，默认30天")

    def handle(self, *args: Any, **options: Any) -> None:
        count = AxesProxyHandler.reset_logs(age_days=options["age"])
        if count:
            self.stdout.write(f"已删除{count}条{options['age']}天以前的登录日志记录")
        else:
            self.stdout.write(f"没有{options['age']}天以前的登录日志记录，无需删除")
