"""`shebao reports_refresh [--full]`: bring the leaders' tallies up to date with the audit trail.

Run it every few minutes (cron or a systemd timer) as a backstop; the tallies are also refreshed after
the writes that change them (reports.refresher), never by the dashboard's read.
``--full`` recounts every tally from the rows: after a bulk load that wrote no audit events
(`shebao generate`), or to check the tallies.
"""

from __future__ import annotations

from shebao.core.commands import ShebaoCommand
from shebao.reports.tallies import tallies_refresh


class Command(ShebaoCommand):
    help = "刷新领导看板统计（按审计记录增量刷新；--full 全量重算）"

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="全量重算所有统计")

    def handle(self, *args, **options):
        result = tallies_refresh(full=options["full"])
        what = "全量重算" if result.full else f"读取审计记录{result.events}条"
        parts = "，".join(f"{k} {v}" for k, v in result.buckets.items()) or "无变化"
        self.stdout.write(f"统计已刷新（{what}）：{parts}")
