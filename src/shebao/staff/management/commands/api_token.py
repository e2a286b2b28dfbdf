"""`shebao api_token --user NAME --name PURPOSE`: make an API key (shown once); `--list`; `--revoke PREFIX`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from shebao.core.commands import ShebaoCommand
from shebao.core.permissions import SystemActor
from shebao.staff.models import ApiToken, User, token_prefix
from shebao.staff.services import api_token_create, api_token_revoke

# Run at the server's shell: the audit trail names the command, not a person.
COMMAND = SystemActor.command("api_token")


class Command(ShebaoCommand):
    help = "接口密钥：为工作人员账号创建（只显示一次）、列出或吊销。Make, list or revoke API keys."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", help="工作人员用户名")
        parser.add_argument("--name", default="", help="用途，如“网上服务平台受理”")
        parser.add_argument("--list", action="store_true", help="列出密钥（只显示前缀）")
        parser.add_argument("--revoke", metavar="PREFIX", help="吊销以此前缀开头的密钥")
        parser.add_argument("--reason", default="", help="吊销原因")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["list"]:
            qs = ApiToken.objects.select_related("user").order_by("pk")
            if opts["user"]:
                qs = qs.filter(user__username=opts["user"])
            for t in qs:
                state = f"已吊销 {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "有效"
                self.stdout.write(f"{t.prefix}…\t{t.user.username}\t{t.name}\t{state}")
            return
        if opts["revoke"]:
            if not opts["reason"]:
                raise CommandError("吊销密钥须写明原因（--reason）")
            matches = list(ApiToken.objects.filter(prefix__startswith=token_prefix(opts["revoke"])))
            if len(matches) != 1:
                raise CommandError(f"前缀“{opts['revoke']}”对应{len(matches)}个密钥，须恰好一个")
            api_token_revoke(actor=COMMAND, token=matches[0], reason=opts["reason"])
            self.stdout.write(f"已吊销密钥 {matches[0].prefix}…")
            return
        if not opts["user"] or not opts["name"]:
            raise CommandError("创建密钥须指明 --user 和 --name")
        try:
            user = User.objects.get(username=opts["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"用户“{opts['user']}”不存在或已停用") from None
        _token, key = api_token_create(actor=COMMAND, user=user, name=opts["name"])
        self.stdout.write(key)
        self.stderr.write("这是该密钥唯一一次显示，请妥善保存；调用接口时使用请求头 Authorization: Bearer <密钥>")
