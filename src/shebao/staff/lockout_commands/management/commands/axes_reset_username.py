"""django-axes' ``axes_reset_username`` in Chinese (shebao.staff.lockout_commands)."""

from __future__ import annotations

from typing import Any

from axes.utils import reset

from shebao.core.commands import ShebaoCommand
from shebao.core.masking import echo
from shebao.staff.lockout_commands.shared import removed_line, username_arg, usernames_kept


class Command(ShebaoCommand):
    help = "解除账号因多次登录失败而被锁定的状态（清除这些用户名的登录失败记录）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", nargs="+", type=username_arg, help="用户名，可填多个")

    def handle(self, *args: Any, **options: Any) -> None:
        for typed in options["username"]:
            count = sum(reset(username=name) for name in usernames_kept(typed))
            self.stdout.write(removed_line(f"用户名“{echo(typed)}”", count))
