"""Rewrite the sign-in attempts kept before user names were hashed (shebao.staff.lockout)."""

from __future__ import annotations

from typing import Any

from shebao.core.commands import ShebaoCommand


class Command(ShebaoCommand):
    help = ("（升级迁移时已自动执行一次）把此前登录失败记录中保存的明文用户名改写为密钥散列（非本系统工作人员用户名的，如误输入的证件号码），"
            "并隐去记录中的敏感表单字段；网上办事的登录记录中未注册的登录名同样隐去。可重复执行。")

    def handle(self, *args: Any, **options: Any) -> None:
        from shebao.staff.lockout import hash_kept_usernames

        changed = hash_kept_usernames()
        labels = {"axes.AccessAttempt": "登录失败记录", "axes.AccessFailureLog": "登录失败日志",
                  "axes.AccessLog": "登录日志", "portal.SignInEvent": "网上办事登录记录"}
        for key, n in changed.items():
            self.stdout.write(f"{labels[key]}：改写{n}条")
