"""`shebao build_dues --months 2020-01 2020-02`: dues of those months from the contribution rows."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from shebao.collection.services import dues_build
from shebao.core.commands import ShebaoCommand
from shebao.core.money import format_yuan
from shebao.core.permissions import SystemActor
from shebao.rules.dates import InputError, month_index, month_str

# Run at the server's shell: the trail names the job, not a person.
JOB = SystemActor.command("build_dues")


class Command(ShebaoCommand):
    help = "按缴费记录生成应缴费款（重复运行不会重复生成）。例：shebao build_dues --from 2019-07 --to 2020-06"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--months", nargs="*", default=[], help="费款所属期，YYYY-MM")
        parser.add_argument("--from", dest="from_month", help="起始月 YYYY-MM")
        parser.add_argument("--to", dest="to_month", help="终止月 YYYY-MM（含）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            months = [month_str(month_index(m)) for m in opts["months"]]
            if opts["from_month"] or opts["to_month"]:
                if not (opts["from_month"] and opts["to_month"]):
                    raise CommandError("--from 和 --to 须同时给出")
                a, b = month_index(opts["from_month"]), month_index(opts["to_month"])
                if b < a:
                    raise CommandError("终止月早于起始月")
                months += [month_str(i) for i in range(a, b + 1)]
        except InputError as e:
            raise CommandError(e.zh) from None
        if not months:
            raise CommandError("请用 --months 或 --from/--to 指定月份")
        try:
            result = dues_build(months=sorted(set(months)), actor=JOB)
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from None
        self.stdout.write(f"生成应缴{result.dues}笔，合计{format_yuan(result.amount_fen)}元；"
                          f"历史已缴收款{result.history_payments}笔；已有应缴的单位月份{result.skipped_pairs}个未重复生成")
