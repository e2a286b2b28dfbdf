"""`shebao encryption_rotate`: re-encrypt personal numbers under the newest key (docs/encryption.md)."""

from __future__ import annotations

from typing import Any

from shebao.core.commands import ShebaoCommand
from shebao.core.crypto import rotate_all


class Command(ShebaoCommand):
    help = "用最新密钥重新加密证件号码、电话号码和银行账号，并重算检索散列（轮换密钥后运行）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="每批行数")

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        for label, count in rotate_all(batch=max(1, batch)).items():
            self.stdout.write(f"{label}：已重新加密{count}行")
