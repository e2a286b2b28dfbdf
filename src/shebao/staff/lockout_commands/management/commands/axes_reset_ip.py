"""django-axes' ``axes_reset_ip`` in Chinese (shebao.staff.lockout_commands)."""

from __future__ import annotations

from typing import Any

from axes.utils import reset

from shebao.core.commands import ShebaoCommand
from shebao.staff.lockout_commands.shared import ip_arg, removed_line


class Command(ShebaoCommand):
    help = "清除来自这些IP地址的登录失败记录，解除由此产生的锁定"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("ip", nargs="+", type=ip_arg, help="IP地址，可填多个")

    def handle(self, *args: Any, **options: Any) -> None:
        for ip in options["ip"]:
            self.stdout.write(removed_line(f"IP地址 {ip}", reset(ip=ip)))
