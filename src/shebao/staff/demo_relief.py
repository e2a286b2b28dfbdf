"""Demo relief (免、减、缓) for `shebao demo_setup`: employer facts, the 2020 relief pack in force and a
deferral waiting for approval, so a demo user sees relief on the relief pages and the employer
accounts. Idempotent: once the pack is in force, a later run only relieves what notices issued since
relieve (`relief_known_apply`, itself idempotent).

The demo's day is 2020-02-20 (`make demo`), the day of 人社部发〔2020〕11号. The pack is published that
day, but its relief rules rest on later documents: 医保发〔2020〕6号 (dated to February: from
2020-02-29), Beijing's notice of 2020-03-08 and 人社部发〔2020〕49号 of 2020-06-22. A decision of
2020-02-20 applies none of them (issue 19), so the demo shows the pack published with its deferral
and the rules marked "文件尚未印发". When the day passes (``make demo-data DEMO_TODAY=2020-03-09`` on the
same database, or the pack page's 执行补减免 on a copy whose date has moved), the re-relief credits
the February dues and names the notice that caused it."""

from __future__ import annotations

import datetime as dt
from typing import Any

PACK = "relief-2020-covid"
MONTH = "2020-02"
# (district, unit type, size class, industry): a small restaurant (exempt), a large manufacturer
# (halved), an individual business (exempt); in 海淀区 a micro software firm and a medium builder.
FACTS = [("110105", "enterprise", "small", "H62"), ("110105", "enterprise", "large", "C13"),
         ("110105", "individual_business", "", "F52"), ("110108", "enterprise", "micro", "I65"),
         ("110108", "enterprise", "medium", "E47")]


def _matched(employers: list[Any], wanted: list[tuple[str, str, str, str]]
             ) -> list[tuple[Any, tuple[str, str, str, str]]]:
    """Each wanted fact with an employer its name fits: the restaurant's facts go to a 餐饮管理有限公司,
    the builder's to a 建筑工程有限公司 (registry.names.industry_for_name). When no employer of that kind
    is left, the next employer takes the fact with the industry its own name says (never a builder
    recorded as a restaurant: review U15)."""
    from shebao.registry.names import industry_for_name

    free, out = list(employers), []
    for fact in wanted:
        employer = next((e for e in free if industry_for_name(e.name) == fact[3]), None)
        if employer is None and free:
            employer = free[0]
            fact = (*fact[:3], industry_for_name(employer.name) or fact[3])
        if employer is None:
            break
        free.remove(employer)
        out.append((employer, fact))
    return out


def _known_line(records: list[Any]) -> str:
    """The command's line for the re-relief of a later run ("" when there was nothing to relieve)."""
    return "；".join(f"减免缓缴：已补减免{r.document}（{r.document_issued_on:%Y-%m-%d}起适用），{r.employers}家单位"
                    f"{(r.reduced_fen + r.credited_fen) / 100:.2f}元" for r in records)


def demo_relief_create(*, clerk: Any) -> str:
    """Record facts for five employers with contributions of 2020-02, build their dues of that month,
    publish the 2020 pack (a named system job: the demo has one center account, and a person alone may
    not publish) and register a deferral of the large enterprise by ``clerk``. Returns a line for the
    command's output ("" when already done or no employer fits)."""
    from django.core.exceptions import ValidationError

    from shebao.collection.models import ReliefPublication
    from shebao.collection.relief import (
        deferral_apply,
        deferral_preview,
        employer_facts_record,
        relief_known_apply,
        relief_pack_publish,
    )
    from shebao.collection.services import dues_build
    from shebao.core import clock
    from shebao.core.permissions import SystemActor, may
    from shebao.registry.models import Contribution, Employer
    from shebao.rules.relief import load_relief_pack

    job = SystemActor("demo_setup", "演示数据准备")  # shown on the relief pages as who published
    if ReliefPublication.objects.filter(pack=PACK).exists():
        return _known_line(relief_known_apply(actor=job))
    chosen: list[tuple[Employer, tuple[str, str, str, str]]] = []
    for district in sorted({f[0] for f in FACTS}):
        wanted = [f for f in FACTS if f[0] == district]
        ids = list(Contribution.objects.filter(month=MONTH, employer__district__code=district)
                   .order_by("employer_id").values_list("employer_id", flat=True).distinct()[:200])
        chosen += _matched(list(Employer.objects.filter(pk__in=ids).order_by("pk")), wanted)
    if not chosen:
        return ""
    for employer, (_, unit_type, size, industry) in chosen:
        employer_facts_record(employer=employer, effective_from=dt.date(2020, 1, 1), unit_type=unit_type,
                              size_class=size, industry=industry, source="演示：2020年3月9日公布的划型结果", actor=job)
    dues_build(months=[MONTH], employer_ids=[e.pk for e, _ in chosen], actor=job)
    publication = relief_pack_publish(pack=PACK, actor=job, on=clock.today())
    line = (f"减免缓缴：{len(chosen)}家单位登记了类型与规模，政策包{PACK}已于{publication.published_on:%Y-%m-%d}发布执行"
            f"（即时减免{publication.employers}家单位{(publication.reduced_fen + publication.credited_fen) / 100:.2f}元）")
    later = sorted({r.issued_on for r in load_relief_pack(PACK).reliefs if r.issued_on > publication.published_on})
    if later:
        line += (f"；依据{'、'.join(f'{d:%Y-%m-%d}' for d in later)}印发文件的减免条目自印发之日起适用，"
                 f"业务日期到达后由政策包页面的“执行补减免”或 shebao relief_packs --apply-known 补减免")
    # The deferral: an enterprise of the clerk's district that still owes 2020-02 (a deferral of a
    # month paid in full defers nothing and is refused), the large one first.
    rule = load_relief_pack(PACK).deferral("hardship-deferral")
    for employer, _ in sorted(chosen, key=lambda c: (c[1][2] != "large", c[0].pk)):
        if not may(clerk, "deferral.apply", district_id=employer.district_id):
            continue
        if not deferral_preview(employer=employer, months=[MONTH], insurances=rule.coverage.insurances).dues:
            continue
        try:
            deferral_apply(employer=employer, pack=PACK, rule="hardship-deferral", months=[MONTH],
                           due_until=dt.date(2020, 8, 31), reason="演示：受疫情影响停工停产，生产经营困难", actor=clerk)
        except ValidationError:
            continue  # the policy in force puts 2020-02's due date where the rule's limit does not reach
        line += f"；{employer.name}的缓缴申请待复核员审批"
        break
    return line
