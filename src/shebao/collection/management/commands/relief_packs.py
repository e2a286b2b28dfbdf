"""`shebao relief_packs [--what-if PACK | --publish PACK | --apply-known]`: the relief packs, their what-if,
publication, and the relief of rules whose document was issued after the dues were decided.

Without an option: every relief pack with its rules (document, clause and the day each applies from),
whether it is in force, and what a later notice would still relieve. ``--what-if PACK``: what
publishing it now would relieve on the dues already built, by district and by rule, and who could
defer (nothing is stored). ``--publish PACK``: put it in force (a named system job). ``--apply-known``:
relieve what notices issued since relieve (补减免, `collection.relief.relief_known_apply`); run it again
and nothing changes, so it may be scheduled daily.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from shebao.collection.models import ReliefPublication
from shebao.collection.relief import (
    relief_known_apply,
    relief_newly_known,
    relief_pack_publish,
    relief_packs_available,
    relief_what_if,
)
from shebao.core import clock
from shebao.core.commands import ShebaoCommand
from shebao.core.money import format_yuan
from shebao.core.permissions import SystemActor
from shebao.registry.models import Office
from shebao.rules.dates import month_str
from shebao.rules.relief import INSURANCE_LABELS, load_relief_pack

JOB = SystemActor.command("relief_packs")


def _insurances(codes: Any) -> str:
    return "、".join(INSURANCE_LABELS[c] for c in sorted(codes))


class Command(ShebaoCommand):
    help = ("列出减免缓缴政策包及其条目；--what-if 试算发布的影响（不保存）；--publish 发布执行；"
            "--apply-known 执行发布或核定后印发的文件的减免（补减免）。")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--what-if", metavar="PACK", help="试算发布该政策包的影响（不保存）")
        parser.add_argument("--publish", metavar="PACK", help="发布执行该政策包")
        parser.add_argument("--apply-known", action="store_true", help="执行发布或核定后印发的文件的减免（补减免）")

    def handle(self, *args: Any, **opts: Any) -> None:
        w = self.stdout.write
        names = relief_packs_available()
        for option in ("what_if", "publish"):
            if opts[option] and opts[option] not in names:
                raise CommandError(f"没有名为“{opts[option]}”的减免缓缴政策包；可选：{'、'.join(names)}")
        if opts["publish"]:
            try:
                p = relief_pack_publish(pack=opts["publish"], actor=JOB)
            except ValidationError as e:
                raise CommandError("；".join(e.messages)) from None
            w(f"已发布执行“{p.title}”：当即减免应缴{p.dues}笔、单位{p.employers}家，减少欠缴"
              f"{format_yuan(p.reduced_fen)}元，退至预缴余额{format_yuan(p.credited_fen)}元")
            return
        if opts["apply_known"]:
            records = relief_known_apply(actor=JOB)
            if not records:
                w(f"业务日期{clock.today():%Y-%m-%d}：没有需要补减免的应缴费用")
            for r in records:
                w(f"已补减免：{r.document}（{r.document_issued_on}起适用），应缴{r.dues}笔、单位{r.employers}家，"
                  f"减少欠缴{format_yuan(r.reduced_fen)}元，退至预缴余额{format_yuan(r.credited_fen)}元")
            return
        if opts["what_if"]:
            impact = relief_what_if(pack=opts["what_if"])
            offices = dict(Office.objects.values_list("pk", "name"))
            in_force = ReliefPublication.objects.filter(pack=impact.pack.name).exists()
            w(f"试算（不保存）：发布“{impact.pack.title}”{'（已发布执行）' if in_force else '（尚未发布）'}")
            w(f"可减免应缴{impact.dues}笔、单位{impact.employers}家，合计{format_yuan(impact.relief_fen)}元"
              f"（减少欠缴{format_yuan(impact.reduced_fen)}元，退至预缴余额{format_yuan(impact.credited_fen)}元）")
            for district, v in sorted(impact.by_district.items(), key=lambda kv: offices.get(kv[0], "")):
                w(f"  {offices.get(district, district)}：单位{v['employers']}家，减少欠缴{format_yuan(v['reduced_fen'])}元，"
                  f"退至预缴余额{format_yuan(v['credited_fen'])}元")
            for key, v in sorted(impact.by_rule.items()):
                rule = impact.pack.rule(key)
                w(f"  {rule.label if rule else key}：{v['dues']}笔，{format_yuan(v['relief_fen'])}元"
                  + (f"（{rule.reference.document} {rule.reference.clause}）" if rule else ""))
            if impact.pack.deferrals:
                w(f"符合缓缴条件的单位{impact.deferral_eligible_employers}家，可缓缴单位缴费"
                  f"{format_yuan(impact.deferral_eligible_fen)}元")
            if impact.unclassified_employers:
                w(f"注意：{impact.unclassified_employers}家企业尚未划型，不享受按规模的减免")
            return
        published = dict(ReliefPublication.objects.values_list("pack", "published_on"))
        for name in names:
            pack = load_relief_pack(name)
            status = f"{published[name]}发布执行" if name in published else "尚未发布"
            w(f"{name}：{pack.title}（{status}）")
            for r in pack.reliefs:
                w(f"  减免 {r.id}：{r.label}；{_insurances(r.coverage.insurances)}单位缴费{r.kind_zh}，"
                  f"{month_str(r.coverage.month_from)}至{month_str(r.coverage.month_to)}"
                  f"（{r.reference.document} {r.reference.clause}；{r.issued_on}起适用）")
            for d in pack.deferrals:
                limit = "、".join(x for x in (f"不超过{d.max_months}个月" if d.max_months else "",
                                             f"最迟{d.latest_due}" if d.latest_due else "") if x)
                w(f"  缓缴 {d.id}：{d.label}；{_insurances(d.coverage.insurances)}，"
                  f"{month_str(d.coverage.month_from)}至{month_str(d.coverage.month_to)}，{limit}"
                  f"（{d.reference.document} {d.reference.clause}；{d.issued_on}起适用）")
        for n in relief_newly_known():
            w(f"待补减免（--apply-known）：{n.document}（{n.issued_on}起适用），应缴{n.dues}笔、单位{n.employers}家，"
              f"减少欠缴{format_yuan(n.reduced_fen)}元，退至预缴余额{format_yuan(n.credited_fen)}元")
