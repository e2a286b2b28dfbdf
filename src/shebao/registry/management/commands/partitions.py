from __future__ import annotations

from django.core.management.base import CommandError
from django.db import connection

from shebao.core.commands import ShebaoCommand
from shebao.registry import partitions
from shebao.rules.dates import InputError, month_index

LABELS = {partitions.TABLE: "缴费记录表", partitions.POSTING_TABLE: "记账分录行表"}
MAX_AHEAD = 120  # review-input7 F14: --ahead 100000 ran past 9999-12 and crashed; 5,000 would make 5,000 tables


class Command(ShebaoCommand):
    help = ("为按月分区的表（缴费记录、记账分录行）建分区（PostgreSQL），至本月之后若干个月；"
            "已有的分区不变，可重复运行。Create the missing monthly partitions of every partitioned table "
            "(contributions, ledger postings; idempotent).")

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, default=12, help="本月之后预建的月数（默认12）")
        parser.add_argument("--month", action="append", default=[], help="另须建分区的月份 YYYY-MM（可多次）")

    def handle(self, *args, **opts):
        if not 0 <= opts["ahead"] <= MAX_AHEAD:
            raise CommandError(f"预建月数须在0至{MAX_AHEAD}之间（每月一个分区表，十年足够）")
        for month in opts["month"]:
            try:
                month_index(month, "calendar_month")
            except InputError as e:
                raise CommandError(e.zh) from None
            if not "1951-01" <= month <= "2099-12":  # a partition's bound is the next month, 'YYYY-MM' (7 characters)
                raise CommandError(f"月份{month}不在可建分区的范围（1951-01至2099-12）内")
        if connection.vendor != "postgresql":
            self.stdout.write("本数据库（SQLite）不分区，无需建分区。")
            return
        waiting = [LABELS.get(table, table) for table in partitions.TABLES if not partitions.is_partitioned(table)]
        if waiting:
            raise CommandError(f"{'、'.join(waiting)}尚未分区：请先运行 migrate。")
        created = partitions.partitions_ensure(months=opts["month"], ahead=opts["ahead"])
        if created:
            self.stdout.write(f"已建分区{len(created)}个：{'、'.join(created)}")
        else:
            self.stdout.write("分区已齐备，未新建。")
