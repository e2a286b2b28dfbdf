from __future__ import annotations

import time

from django.core.management.base import CommandError
from tqdm import tqdm

from shebao.core.commands import ShebaoCommand
from shebao.registry.generator import GenerateOptions, generate
from shebao.rules.dates import InputError, month_index


class Command(ShebaoCommand):
    help = "生成确定性的模拟城市数据（单位、人员、账户、参保经历、缴费记录）。Generate a deterministic city."

    def add_arguments(self, parser):
        parser.add_argument("--employers", type=int, required=True, help="单位数")
        parser.add_argument("--persons", type=int, required=True, help="人员数")
        parser.add_argument("--from", dest="from_month", default="2018-01", help="起始月 YYYY-MM")
        parser.add_argument("--months", type=int, default=24, help="月数")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（同一种子生成同一城市）")
        parser.add_argument("--batch", type=int, default=500, help="每批单位数")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, **opts):
        if opts["employers"] < 1 or opts["persons"] < 0 or opts["months"] < 1:
            raise CommandError("单位数须≥1，人员数须≥0，月数须≥1")
        try:
            month_index(opts["from_month"], "calendar_month")
        except InputError as e:
            raise CommandError(e.zh) from None
        options = GenerateOptions(employers=opts["employers"], persons=opts["persons"],
                                  from_month=opts["from_month"], months=opts["months"], seed=opts["seed"],
                                  batch_employers=opts["batch"])
        started = time.perf_counter()
        with tqdm(total=options.employers, unit="单位", disable=opts["no_progress"], file=self.stderr) as bar:
            try:
                result = generate(options, progress=bar.update)
            except LookupError as e:  # a month the base pack has no rates or bases for
                raise CommandError(str(e)) from None
        seconds = time.perf_counter() - started
        rows = result.employers + 3 * result.persons + result.contributions
        self.stdout.write(
            f"已生成：单位{result.employers}个，人员{result.persons}人，缴费记录{result.contributions}条，"
            f"用时{seconds:.1f}秒（{rows / max(seconds, 1e-9):,.0f}行/秒）"
        )
