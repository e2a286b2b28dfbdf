"""`shebao deliver`: send the outbox's notifications (e-mail through Django's EMAIL_BACKEND: SMTP, or
files on a demo copy; SMS and WeChat adapters)."""

from __future__ import annotations

import signal
import time
from typing import Any

from shebao.cases.notifications import deliver_batch
from shebao.core.commands import ShebaoCommand


class Command(ShebaoCommand):
    help = "发送待发通知（至少一次送达；消息编号供接收方去重）。Deliver queued notifications, at least once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="发送到期的通知后退出")
        parser.add_argument("--batch", type=int, default=100, help="每批发送的条数")
        parser.add_argument("--lease-seconds", type=int, default=60,
                            help="领取通知的进程中断后，经过这么多秒重新发送")
        parser.add_argument("--interval", type=float, default=2.0, help="两次查询待发通知之间的秒数")

    def handle(self, *args: Any, **opts: Any) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True  # finish the message in hand, then exit

        signal.signal(signal.SIGTERM, stop)
        total = {"sent": 0, "failed": 0}
        while True:
            counts = deliver_batch(limit=opts["batch"], lease_seconds=opts["lease_seconds"])
            for k, v in counts.items():
                total[k] += v
            if opts["once"] and counts["sent"] + counts["failed"] < opts["batch"]:
                break
            if stopping:
                break
            if counts["sent"] + counts["failed"] == 0:
                time.sleep(opts["interval"])
        self.stdout.write(f"已发送 {total['sent']} 条，失败待重试 {total['failed']} 条 (sent {total['sent']}, "
                          f"failed {total['failed']})")
