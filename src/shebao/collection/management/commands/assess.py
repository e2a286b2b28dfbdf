"""`shebao assess --as-of DATE [--lifted-on DATE --what-if]`: the city-wide assessment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from shebao.collection.assessment import assessment_what_if
from shebao.collection.jobs import assessment_start
from shebao.core.commands import ShebaoCommand
from shebao.core.money import format_yuan
from shebao.core.permissions import SystemActor
from shebao.core.policy import current_policy, policy_what_if
from shebao.registry.models import Office
from shebao.rules import epidemic_lifted_on


def _date(text: str, name: str) -> dt.date:
    from shebao.core.inputs import iso_date

    try:
        return iso_date(text, label=f"{name}日期")
    except ValueError as e:
        raise CommandError(str(e)) from None


# Run at the server's shell: the trail names the job, not a person.
JOB = SystemActor.command("assess")


class Command(ShebaoCommand):
    help = ("核定全市各单位截至某日的欠费、滞纳金和减免并保存批次；加 --lifted-on DATE --what-if "
            "则按假设的疫情解除日期试算变化（不保存）。")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", required=True, help="核定日 YYYY-MM-DD")
        parser.add_argument("--lifted-on", help="假设的疫情解除日期 YYYY-MM-DD（与 --what-if 同用）")
        parser.add_argument("--what-if", action="store_true", help="只试算，不保存")

    def handle(self, *args: Any, **opts: Any) -> None:
        as_of = _date(opts["as_of"], "核定")
        names = dict(Office.objects.values_list("pk", "name"))
        if opts["what_if"] or opts["lifted_on"]:
            if not (opts["what_if"] and opts["lifted_on"]):
                raise CommandError("试算须同时给出 --lifted-on DATE 和 --what-if")
            lifted = _date(opts["lifted_on"], "疫情解除")
            policy = current_policy()
            w = assessment_what_if(as_of=as_of, policy=policy, hypothetical=policy_what_if(lifted_on=lifted),
                                   lifted_on=lifted)
            current = epidemic_lifted_on(policy)
            self.stdout.write(f"试算（不保存）：核定日{as_of}，假设疫情解除日期{lifted}"
                              f"（现行公告：{current or '未公布'}），应缴{w.dues_total}笔，用时{w.seconds:.2f}秒")
            self.stdout.write(f"受影响单位{w.employers_affected}家；滞纳金增加{format_yuan(w.fees_added_fen)}元，"
                              f"减少{format_yuan(w.fees_removed_fen)}元，净变化{format_yuan(w.net_fen)}元；"
                              f"减免由{format_yuan(w.waived_before_fen)}元变为{format_yuan(w.waived_after_fen)}元")
            for d, v in sorted(w.by_district.items(), key=lambda kv: names.get(kv[0], "")):
                self.stdout.write(f"  {names.get(d, d)}：受影响{v['employers_affected']}家，"
                                  f"增加{format_yuan(v['fees_added_fen'])}元，减少{format_yuan(v['fees_removed_fen'])}元")
            return
        # The same service as the page's 开始核定: a job, run here and now, as a named system job.
        try:
            job = assessment_start(as_of=as_of, actor=JOB, inline=True)
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from None
        if job.run is None:
            raise CommandError(job.error or "核定未完成")
        run = job.run
        by_district = {d.district_id: {"arrears_fen": d.arrears_fen, "late_fee_fen": d.late_fee_fen,
                                       "waived_fen": d.waived_fen} for d in run.districts.all()}
        self.stdout.write(f"核定批次#{run.pk}：核定日{as_of}，政策{run.policy_name} {run.policy_version}"
                          f"（疫情解除日期：{run.lifted_on or '未公布'}），应缴{run.dues}笔，用时{run.seconds:.2f}秒")
        self.stdout.write(f"欠费单位{run.employers_in_arrears}家，欠费{format_yuan(run.arrears_fen)}元，"
                          f"滞纳金{format_yuan(run.late_fee_fen)}元，减免{format_yuan(run.waived_fen)}元")
        from shebao.collection.selectors import relief_by_rule

        for r in relief_by_rule(as_of=as_of):  # relief packs in force: the employer shares relieved
            self.stdout.write(f"政策包减免单位缴费{format_yuan(r['relief_fen'])}元（{r['dues']}笔）：{r['text']}")
        for d, v in sorted(by_district.items(), key=lambda kv: names.get(kv[0], "")):
            if any(v.values()):
                self.stdout.write(f"  {names.get(d, d)}：欠费{format_yuan(v['arrears_fen'])}元，"
                                  f"滞纳金{format_yuan(v['late_fee_fen'])}元，减免{format_yuan(v['waived_fen'])}元")
