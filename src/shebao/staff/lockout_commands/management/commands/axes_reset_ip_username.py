"""django-axes' ``axes_reset_ip_username`` in Chinese (shebao.staff.lockout_commands)."""

from __future__ import annotations

from typing import Any

from axes.utils import reset

from shebao.core.commands import ShebaoCommand
from shebao.core.masking import echo
from shebao.staff.lockout_commands.shared import ip_arg, removed_line, username_arg, usernames_kept


class Command(ShebaoCommand):
    help = "清除某一IP地址上某一用户名的登录失败记录，解除由此产生的锁定"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("ip", type=ip_arg, help="IP地址")
        parser.add_argument("username", type=username_arg, help="用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        ip, typed = options["ip"], options["username"]
        count = sum(reset(ip=ip, username=name) for name in usernames_kept(typed))
        self.stdout.write(removed_line(f"IP地址 {ip} 上的用户名“{echo(typed)}”", count))
