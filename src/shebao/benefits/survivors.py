"""Survivors' pensions (供养亲属抚恤金) of a worker who died of a work injury (9; 工伤保险条例 第三十九条第一款
第（二）项): granted on the death award of a fast-track case, paid monthly on the payroll
(`benefits.payroll._build_survivors`), ended when a dependant stops being one.

- `survivor_pensions_grant`: the dependants of one death, each with their relation, whether they are
  an orphan or a lone elder (+10 %), whether wholly unable to work, and the account paid. Paid from
  the month after the death; a child through the month they turn 18 unless unable to work
  (rules/work_injury.survivor_last_month). The amounts are the rules' (40 % / 30 % / +10 % of the
  deceased's wage, the sum at most the wage), computed month by month for the dependants eligible
  then.
- `survivor_pension_end`: a dependant's pension ends after a month (remarriage, employment, adoption,
  death: 劳动和社会保障部令第18号 第四条).

Each service checks who acts before it writes and writes its audit rows in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from shebao.benefits.models import SurvivorMonth, SurvivorPension, WorkInjuryAward
from shebao.benefits.selectors import death_spouse_problem, relative_name_conflicts
from shebao.benefits.services import typed_month
from shebao.benefits.work_injury import wage_problem
from shebao.core import clock
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.inputs import bank_account_text, clean_text, person_name_checked
from shebao.core.money import format_yuan
from shebao.core.permissions import require
from shebao.core.policy import current_policy
from shebao.registry.checks import CodeError, parse_citizen_id
from shebao.rules import InputError
from shebao.rules.dates import month_index, month_str
from shebao.rules.work_injury import (
    Dependant,
    person_wage_fen,
    relative_age_problem,
    survivor_last_month,
    survivor_pensions_fen,
)

END_REASONS = {"remarriage": "配偶再婚", "employment": "就业或参军", "adoption": "被他人或组织收养",
               "death": "死亡", "ability": "恢复劳动能力（年满18周岁）"}
# The reasons that can end a dependant's pension, by their relation (劳动和社会保障部令第18号 第四条): a
# spouse's remarriage ends the spouse's, adoption a child's or another young dependant's; a parent is
# neither remarried away nor adopted (review-user8 F10: 配偶再婚 was offered for a child).
END_REASONS_BY_RELATION = {
    "spouse": ("remarriage", "employment", "death", "ability"),
    "child": ("employment", "adoption", "death", "ability"),
    "parent": ("employment", "death", "ability"),
    "other": ("employment", "adoption", "death", "ability"),
}


def end_reasons_for(relation: str) -> list[tuple[str, str]]:
    """``(key, Chinese)`` of the END_REASONS that fit a dependant of ``relation`` (a
    `SurvivorPension.Relation` value), in END_REASONS' order; all of them for an unknown relation."""
    keys = END_REASONS_BY_RELATION.get(relation, tuple(END_REASONS))
    return [(k, zh) for k, zh in END_REASONS.items() if k in keys]


@dataclass(frozen=True)
class DependantInput:
    """One dependant as the clerk records them: ``relation`` a `SurvivorPension.Relation` value, the
    citizen ID number (their birth date is read from it), ``lone`` for an orphan or a lone elder,
    ``unable_to_work`` when wholly unable to work (a child's pension then does not end at 18), the
    account (8 to 32 digits) their pension is paid to."""

    name: str
    id_number: str
    relation: str
    bank_account: str
    lone: bool = False
    unable_to_work: bool = False


def _dependant(d: DependantInput, n: int, *, award: WorkInjuryAward, died_on: dt.date, from_month: str,
               problems: dict[str, str]) -> SurvivorPension | None:
    """Dependant ``n`` checked, each refusal put in ``problems`` under its input (``name_1``, ``id_number_1``
    …): the pension to store, or None when any input of theirs is refused."""
    before = len(problems)
    name = str(d.name or "").strip()
    if not name:
        problems[f"name_{n}"] = f"请填写第{n}位供养亲属的姓名"
    else:
        try:
            name = clean_text(name, label=f"第{n}位供养亲属的姓名", max_length=50)
        except ValidationError as e:
            problems[f"name_{n}"] = e.messages[0]
        else:
            name, why = person_name_checked(name, id_type="citizen_id")  # the 户名, as on the citizen ID (review-input8 F5)
            if why:  # stored as core.person_name spells it (the 间隔号 as U+00B7: review-input9 F2)
                problems[f"name_{n}"] = f"第{n}位供养亲属的姓名{why}"
    relation = {zh: code for code, zh in SurvivorPension.Relation.choices}.get(str(d.relation or "").strip(), d.relation)
    if relation != d.relation:  # the Chinese name for its code, as the award's payee (review-input8 F7)
        d = dataclasses.replace(d, relation=relation)
    relation_ok = d.relation in SurvivorPension.Relation.values
    if not relation_ok:
        problems[f"relation_{n}"] = (f"第{n}位供养亲属与死者的关系无效，可选：" + "、".join(
            f"{zh}（{code}）" for code, zh in SurvivorPension.Relation.choices))
    cid = None
    try:
        cid = parse_citizen_id(d.id_number, today=clock.today())
    except CodeError as e:
        problems[f"id_number_{n}"] = f"第{n}位供养亲属的{e}"
    if cid is not None:
        # The number is a person's, not a form (review-input6 F5: a "spouse" was granted a pension under the
        # dead worker's own number): never the deceased's, and a registered number carries its registered name.
        if cid.number == award.person.id_number:
            problems[f"id_number_{n}"] = f"第{n}位供养亲属的证件号码是死者本人的号码，请填写供养亲属本人的号码"
        else:
            if f"name_{n}" not in problems and relative_name_conflicts(id_number=cid.number, name=name):
                problems[f"name_{n}"] = (f"第{n}位供养亲属的姓名与该证件号码登记的姓名不一致（含其他工伤待遇中为该号码"
                                         "记载的姓名），请核对姓名和证件号码")
            # the dependant's age against the relation (review-input7 F12, as for the award's relative)
            if relation_ok and (why := relative_age_problem(
                    current_policy(), relation=d.relation, birth_date=cid.birth_date, male=cid.gender == "male",
                    worker_birth_date=award.person.birth_date, died_on=died_on, who=f"第{n}位供养亲属")):
                problems[f"id_number_{n}"] = why
            if relation_ok and f"id_number_{n}" not in problems and (spouse := death_spouse_problem(
                    deceased=award.person, id_number=cid.number, relation=d.relation, male=cid.gender == "male",
                    who=f"第{n}位供养亲属")):
                problems[f"{spouse[0]}_{n}"] = spouse[1]
    if d.lone and d.relation == SurvivorPension.Relation.SPOUSE:
        problems[f"lone_{n}"] = f"第{n}位供养亲属是配偶，不属孤儿或孤寡老人"
    last = ""
    if cid is not None and relation_ok:
        try:
            last = survivor_last_month(relation=d.relation, birth_date=cid.birth_date, unable_to_work=d.unable_to_work)
        except InputError as e:
            problems[f"relation_{n}"] = e.zh
        if last and last < from_month and f"id_number_{n}" not in problems:
            problems[f"id_number_{n}"] = (f"第{n}位供养亲属（子女）于{last}已满18周岁，且未填写完全丧失劳动能力，"
                                          "不属供养亲属")
    account = ""
    try:
        account = bank_account_text(d.bank_account, label=f"第{n}位供养亲属的发放账号")
    except ValueError as e:
        problems[f"bank_account_{n}"] = str(e)
    if len(problems) > before or cid is None:
        return None
    return SurvivorPension(
        award=award, deceased=award.person, name=name, id_number=cid.number, relation=d.relation,
        birth_date=cid.birth_date, lone=bool(d.lone), unable_to_work=bool(d.unable_to_work),
        from_month=from_month, last_month=last, bank_account=account)


def survivor_pensions_grant(*, actor: Any, award: WorkInjuryAward, wage_fen: int,
                            dependants: list[DependantInput]) -> list[SurvivorPension]:
    """Grant the survivors' pensions of the death behind ``award`` (a fast-track award on a death).

    ``wage_fen``: the deceased's monthly wage (本人工资) in fen, held to 60 %..300 % of the regional
    average (第六十四条). Returns the pensions made, one per dependant, each paid from the month
    after the death. ValidationError (Chinese, keyed by the form's field: ``name_1``, ``relation_2``
    …) for an award that is not a death, pensions already granted on it, no dependant, a bad ID
    number, a second spouse (also one other than the award's payee recorded as 配偶) or a spouse of the
    worker's sex (`selectors.death_spouse_problem`), a bad account or wage; nothing is written then. ActionRefused unless the
    actor may grant them in the deceased's district.
    """
    require(actor, "survivor_pension.grant", district_id=award.person.district_id)
    assessment = award.assessment
    if assessment is None or assessment.died_on is None:
        raise ValidationError("该工伤待遇核定不是因工死亡，不能核定供养亲属抚恤金")
    if SurvivorPension.objects.filter(award=award).exists():
        raise ValidationError("该因工死亡职工的供养亲属抚恤金已核定；增减供养亲属请逐人办理停发")
    died_on = assessment.died_on
    policy = current_policy()
    from_month = month_str(month_index(died_on.isoformat()[:7]) + 1)
    # Every input checked, every refusal said at once at its input (review-user7 F2: the wage, then the
    # first dependant's number, then their account came back one submission at a time).
    problems: dict[str, str] = {}
    if isinstance(wage_fen, bool) or not isinstance(wage_fen, int) or wage_fen <= 0:
        problems["wage_fen"] = "死者生前本人工资须为正数"
    elif why := wage_problem(wage_fen, label="死者生前本人工资"):
        problems["wage_fen"] = why
    if not dependants:
        problems[""] = "请至少填写一位供养亲属"
    rows: list[SurvivorPension] = []
    for n, d in enumerate(dependants, 1):
        row = _dependant(d, n, award=award, died_on=died_on, from_month=from_month, problems=problems)
        if row is not None:
            rows.append(row)
    if problems:
        unkeyed = problems.pop("", None)
        raise ValidationError({**problems, **({"__all__": [unkeyed]} if unkeyed else {})} if problems else unkeyed)
    try:
        wage = person_wage_fen(policy, wage_fen=wage_fen, on=died_on)
        first, _ = survivor_pensions_fen(policy, wage_fen=wage, on=dt.date.fromisoformat(f"{from_month}-01"),
                                         dependants=[Dependant(r.relation, r.lone) for r in rows])
    except InputError as e:
        raise ValidationError(e.zh) from None
    with transaction.atomic():
        for r, fen in zip(rows, first, strict=True):
            r.wage_fen = wage
            r.save()
            audit_create(actor=actor, instance=r, reason=(
                f"核定供养亲属抚恤金（第三十九条）：{r.get_relation_display()}{'，孤儿或孤寡老人加发10%' if r.lone else ''}，"
                f"自{from_month}起{('至' + r.last_month) if r.last_month else ''}，首月{format_yuan(fen)}元")[:200])
    return rows


def survivor_pension_end(*, actor: Any, pension: SurvivorPension, last_month: str, reason: str) -> SurvivorPension:
    """End ``pension`` after ``last_month`` (YYYY-MM, the last month owed) for ``reason`` (a key of
    END_REASONS that fits the dependant's relation, `end_reasons_for`). The other dependants of the same death are recomputed from the next month (their
    sum may rise to the cap again). ValidationError keyed by field: a month before the first month
    or after the current one, a month already paid past (a recovery of months paid is not done here:
    the clerk is told to book it), a pension already ended. ActionRefused unless the actor may in the
    deceased's district."""
    require(actor, "survivor_pension.end", district_id=pension.deceased.district_id)
    if reason not in END_REASONS:
        raise ValidationError({"reason": "停发原因无效"})
    fits = dict(end_reasons_for(pension.relation))
    if reason not in fits:
        raise ValidationError({"reason": f"{END_REASONS[reason]}不是{pension.get_relation_display()}的停发原因，"
                                         f"可选：{'、'.join(fits.values())}"})
    month = typed_month(last_month, label="发放至", field="last_month", latest=clock.today().isoformat()[:7])
    with transaction.atomic():
        locked = SurvivorPension.objects.select_for_update().get(pk=pension.pk)
        if locked.status != SurvivorPension.Status.ACTIVE:
            raise ValidationError("该供养亲属抚恤金已停发")
        if month < month_str(month_index(locked.from_month) - 1):
            raise ValidationError({"last_month": f"发放至{month}早于起发月份{locked.from_month}之前一月"})
        if locked.last_month and month > locked.last_month:
            raise ValidationError({"last_month": f"该抚恤金本应发放至{locked.last_month}，停发月份不能更晚"})
        paid_after = list(SurvivorMonth.objects.filter(pension=locked, month__gt=month).order_by("month")
                          .values_list("month", flat=True))
        if paid_after:
            raise ValidationError({"last_month": f"{paid_after[0]}至{paid_after[-1]}已发放：停发月份不能早于已发放月份，"
                                                 "多发的月份请先办理追回"})
        before = snapshot(locked)
        locked.last_month, locked.status, locked.end_reason = month, SurvivorPension.Status.ENDED, END_REASONS[reason]
        locked.save(update_fields=["last_month", "status", "end_reason"])
        audit_update(actor=actor, instance=locked, before=before, reason=f"停发供养亲属抚恤金：{END_REASONS[reason]}，发放至{month}")
    pension.refresh_from_db()
    return pension
