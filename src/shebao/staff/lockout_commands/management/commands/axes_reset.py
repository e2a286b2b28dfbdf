"""django-axes' ``axes_reset`` in Chinese (shebao.staff.lockout_commands)."""

from __future__ import annotations

from typing import Any

from axes.utils import reset

from shebao.core.commands import ShebaoCommand


class Command(ShebaoCommand):
    help = "清除全部登录失败记录，解除所有账号（工作人员与网上办事）的登录锁定"

    def handle(self, *args: Any, **options: Any) -> None:
        count = reset()
        if count:
            self.stdout.write(f"已清除全部{count}条登录失败记录，所有账号的锁定已解除")
        else:
            self.stdout.write("没有登录失败记录，无需解除")
