"""Print the latest portal sign-in code sent by SMS (a demo or development copy only)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from shebao.core.commands import ShebaoCommand


class Command(ShebaoCommand):
    help = "显示最近一条网上办事登录短信验证码（仅限 DEBUG 的演示或开发环境，读取短信文件）。"

    def add_arguments(self, parser):
        parser.add_argument("--mobile", default="", help="只看发往该手机号码的验证码")

    def handle(self, *args, **opts):
        if not settings.DEBUG:
            raise CommandError("只能在演示或开发环境（DEBUG=true）中使用。")
        path = Path(settings.SHEBAO_NOTIFY_DIR) / "sms.jsonl"
        if not path.exists():
            raise CommandError(f"还没有发送过短信（{path} 不存在）。")
        found = None
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if row.get("event") == "portal_sign_in_code" and (not opts["mobile"] or row.get("to") == opts["mobile"]):
                found = row
        if found is None:
            raise CommandError("没有找到网上办事登录验证码短信。")
        code = re.search(r"\d{6}", found["body"])
        self.stdout.write(f"{found['to']}：{code.group(0) if code else found['body']}")
