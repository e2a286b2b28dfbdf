"""`shebao staff_otp USERNAME`: bind a new TOTP authenticator (the second factor) to a staff account and
print its secret once; `--code` prints the code of the moment on a demo copy (DEBUG on) only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from shebao.core.commands import ShebaoCommand
from shebao.core.permissions import SystemActor
from shebao.staff.models import User
from shebao.staff.otp import code_now, secret_base32
from shebao.staff.services import staff_otp_enroll

COMMAND = SystemActor.command("staff_otp")


class Command(ShebaoCommand):
    help = "为工作人员绑定动态口令（第二重验证），打印一次密钥。Bind a TOTP authenticator to a staff account."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="工作人员用户名")
        parser.add_argument("--code", action="store_true",
                            help="只打印当前的动态口令（仅限演示环境 DEBUG=true）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            user = User.objects.get(username=opts["username"])
        except User.DoesNotExist:
            raise CommandError(f"没有用户名为“{opts['username']}”的工作人员")
        if opts["code"]:
            if not settings.DEBUG:
                raise CommandError("只有演示环境（DEBUG=true）可以打印当前动态口令；正式环境请用绑定的验证器应用。")
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                raise CommandError(f"{user.get_username()}尚未绑定动态口令：先运行 shebao staff_otp {user.get_username()}")
            self.stdout.write(code_now(device))
            return
        device = staff_otp_enroll(actor=COMMAND, user=user)
        self.stdout.write(f"已为{user.get_username()}绑定动态口令（原有的已作废）。请在验证器应用中添加：")
        self.stdout.write(f"  密钥（只显示这一次）：{secret_base32(device)}")
        self.stdout.write(f"  或扫描/打开此地址：{device.config_url}")
