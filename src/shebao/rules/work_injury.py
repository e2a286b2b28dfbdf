"""Work-injury benefits (9) by the 工伤保险条例 (2010 revision): the one-off disability allowance and
the monthly disability allowance by grade, the funeral grant and the one-off work-death benefit.

The numbers are pack data (``packs/base/parameters/work_injury.yaml``, ``wage.yaml``); this module only
applies them. Money is integer fen; each benefit is computed exactly and rounded half up to the fen.
Medical costs are paid as billed (第三十条: the fund pays what the catalogues admit), not computed here.

>>> from shebao.rules import load_policy
>>> b = disability_benefits(load_policy("base"), grade=1, wage_fen=1_000_000, on=date(2020, 2, 10))
>>> (b.lump_sum_fen, b.monthly_fen)
(27000000, 900000)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from .dates import InputError
from .pension import RATE_SCALE, round_half_up
from .policy import Policy

GRADES = range(1, 11)


def person_wage(policy: Policy, *, wage_fen: int, on: date) -> tuple[int, dict[str, Any]]:
    """The person's wage (本人工资) as benefits count it, and the parameters that bounded it, for the
    decision that keeps them: 工伤保险条例（2010年修订）第六十四条第二款, "本人工资低于统筹地区职工平均工资
    60%的，按照统筹地区职工平均工资的60%计算；高于统筹地区职工平均工资300%的，按照统筹地区职工平均工资的
    300%计算". ``wage_fen`` (fen a month, a non-negative integer) is held between the floor and the ceiling,
    each the regional average monthly wage in force on ``on`` (``wage.average_monthly_fen``) times its
    rate (``work_injury.wage_floor_rate`` 60 %, ``work_injury.wage_ceiling_rate`` 300 %, in hundred-thousandths), half
    up to the fen; a wage exactly at a bound is that bound. InputError for a wage that is not a
    non-negative integer, or when the pack has no average in force on ``on``.

    >>> from shebao.rules import load_policy
    >>> person_wage(load_policy("base"), wage_fen=100_000, on=date(2020, 2, 10))[0]  # 60 % of 8847 yuan
    530820
    """
    if not isinstance(wage_fen, int) or isinstance(wage_fen, bool) or wage_fen < 0:
        raise InputError("wage_fen must be a non-negative integer", zh="本人工资须为非负整数（分）", field="wage_fen")
    average, p_average = policy.stated_value("wage.average_monthly_fen", on)
    floor_rate, p_floor = policy.stated_value("work_injury.wage_floor_rate", on)
    ceiling_rate, p_ceiling = policy.stated_value("work_injury.wage_ceiling_rate", on)
    floor = round_half_up(Fraction(average * floor_rate, RATE_SCALE))
    ceiling = round_half_up(Fraction(average * ceiling_rate, RATE_SCALE))
    return min(max(wage_fen, floor), ceiling), {
        "wage.average_monthly_fen": p_average, "work_injury.wage_floor_rate": p_floor,
        "work_injury.wage_ceiling_rate": p_ceiling}


def person_wage_fen(policy: Policy, *, wage_fen: int, on: date) -> int:
    """The person's wage (本人工资) held between 60 % and 300 % of the regional average monthly wage in
    force on ``on`` (第六十四条第二款): `person_wage` without its parameters."""
    return person_wage(policy, wage_fen=wage_fen, on=on)[0]


@dataclass(frozen=True)
class DisabilityBenefits:
    """A grade's benefits: the one-off allowance (fen) and, for grades 1-4, the monthly allowance (fen;
    0 for grades 5-10, whose monthly allowance depends on employment and is not paid by the fund here)."""

    grade: int
    wage_fen: int
    lump_sum_fen: int
    monthly_fen: int
    parameters: dict[str, Any] = field(default_factory=dict)


def disability_benefits(policy: Policy, *, grade: int, wage_fen: int, on: date) -> DisabilityBenefits:
    """Benefits of disability ``grade`` (1-10, 劳动能力鉴定) for a person whose wage is ``wage_fen`` a
    month, assessed on ``on``: 第三十五条 (grades 1-4: 27/25/23/21 months and 90/85/80/75 % a month),
    第三十六条 (5-6: 18/16 months), 第三十七条 (7-10: 13/11/9/7 months), of the wage held to its bounds
    (`person_wage`, 第六十四条第二款), whose parameters the result's ``parameters`` keep with the rest.
    InputError for another grade."""
    if grade not in GRADES:
        raise InputError(f"disability grade must be 1-10, got {grade!r}", zh="伤残等级须为一级至十级", field="grade")
    wage, p_wage = person_wage(policy, wage_fen=wage_fen, on=on)
    months, p_months = policy.stated_value("work_injury.disability_lump_sum_months", on)
    rates, p_rates = policy.stated_value("work_injury.disability_monthly_rate", on)
    key = f"grade_{grade}"
    monthly = round_half_up(Fraction(wage * rates[key], RATE_SCALE)) if key in rates else 0
    return DisabilityBenefits(grade, wage, wage * int(months[key]), monthly,
                              {**p_wage, "work_injury.disability_lump_sum_months": p_months,
                               "work_injury.disability_monthly_rate": p_rates})


def disability_allowance_fen(policy: Policy, *, monthly_fen: int, month: str) -> tuple[int, dict[str, Any]]:
    """The monthly disability allowance (伤残津贴, grades 1-4) owed for ``month`` (YYYY-MM) on an award
    of ``monthly_fen`` a month: the award, or the minimum wage in force on the first of the month when
    the award is lower (第三十五条第一款: the fund makes up the difference). Returns (fen, the floor's
    parameter and source).

    >>> from shebao.rules import load_policy
    >>> disability_allowance_fen(load_policy("base"), monthly_fen=150000, month="2020-03")[0]
    220000
    """
    if monthly_fen <= 0:
        raise InputError(f"monthly allowance must be positive, got {monthly_fen!r}", zh="伤残津贴须为正数",
                         field="monthly_fen")
    floor, p_floor = policy.stated_value("work_injury.disability_allowance_floor_fen", date.fromisoformat(f"{month}-01"))
    return max(monthly_fen, int(floor)), {"work_injury.disability_allowance_floor_fen": p_floor}


def allowance_top_up_fen(*, allowance_fen: int, pension_fen: int) -> int:
    """The monthly disability allowance of a grade 1-4 worker once retired (第三十五条第二款): the
    allowance stops and the basic pension is paid; when the pension is lower the work-injury fund
    makes up the difference. Returns that difference in fen (0 when the pension is not lower).

    >>> allowance_top_up_fen(allowance_fen=500000, pension_fen=365410), allowance_top_up_fen(allowance_fen=1, pension_fen=2)
    (134590, 0)
    """
    if allowance_fen < 0 or pension_fen < 0:
        raise InputError("amounts must be non-negative", zh="金额不能为负数", field="allowance_fen")
    return max(0, allowance_fen - pension_fen)


# --- Survivors' pensions (供养亲属抚恤金) -------------------------------------------------------------
RELATIONS = ("spouse", "child", "parent", "other")
ADULT_AGE_YEARS = 18  # 因工死亡职工供养亲属范围规定（劳动和社会保障部令第18号）第四条第（一）项


@dataclass(frozen=True)
class Dependant:
    """One dependant (供养亲属) of a worker who died of a work injury, as the rule sees them:
    ``relation`` one of RELATIONS ("spouse" 配偶; "child" 子女; "parent" 父母; "other" the other
    relatives of 劳动和社会保障部令第18号 第二条) and ``lone`` True for an orphan or a lone elder
    (孤儿、孤寡老人), who get 10 % more (第三十九条第一款第（二）项)."""

    relation: str
    lone: bool = False


def survivor_pensions_fen(policy: Policy, *, wage_fen: int, dependants: list[Dependant] | tuple[Dependant, ...],
                          on: date) -> tuple[list[int], dict[str, Any]]:
    """The monthly survivors' pensions (供养亲属抚恤金) of the dependants eligible in one month, in the
    order given, in fen, and the parameters used (第三十九条第一款第（二）项): a share of the deceased's
    wage ``wage_fen`` (本人工资, already held to its bounds: `person_wage_fen`) for each dependant, 40 %
    for the spouse and 30 % for each other dependant, 10 % more for an orphan or a lone elder (pack:
    ``work_injury.survivor_pension_rate``), each half up to the fen; their sum at most the wage
    (``work_injury.survivor_pension_cap_rate``, 100 %). A sum over the cap is reduced in proportion
    to the shares, each floored to the fen and the fen left over given one each to the largest
    remainders (first listed first on a tie), so the sum is exactly the cap: the project's reading,
    as the article sets the cap and not how to reach it. Values in force on ``on``.

    >>> from shebao.rules import load_policy
    >>> p = load_policy("base")
    >>> survivor_pensions_fen(p, wage_fen=1_000_000, dependants=[Dependant("spouse"), Dependant("child")], on=date(2020, 3, 1))[0]
    [400000, 300000]
    >>> survivor_pensions_fen(p, wage_fen=1_000_000, dependants=[Dependant("spouse")] + [Dependant("child", True)] * 2, on=date(2020, 3, 1))[0]
    [333334, 333333, 333333]
    """
    if not isinstance(wage_fen, int) or isinstance(wage_fen, bool) or wage_fen < 0:
        raise InputError("wage_fen must be a non-negative integer", zh="本人工资须为非负整数（分）", field="wage_fen")
    rates, p_rates = policy.stated_value("work_injury.survivor_pension_rate", on)
    cap_rate, p_cap = policy.stated_value("work_injury.survivor_pension_cap_rate", on)
    spouses = 0
    shares = []
    for d in dependants:
        if d.relation not in RELATIONS:
            raise InputError(f"unknown relation {d.relation!r}", zh="供养亲属关系无效", field="relation")
        spouses += d.relation == "spouse"
        rate = rates["spouse"] if d.relation == "spouse" else rates["other"]
        if d.lone:
            rate += rates["lone_supplement"]
        shares.append(round_half_up(Fraction(wage_fen * rate, RATE_SCALE)))
    if spouses > 1:
        raise InputError("at most one spouse", zh="配偶只能有一人", field="relation")
    params = {"work_injury.survivor_pension_rate": p_rates, "work_injury.survivor_pension_cap_rate": p_cap}
    cap = round_half_up(Fraction(wage_fen * cap_rate, RATE_SCALE))
    total = sum(shares)
    if total <= cap:
        return shares, params
    exact = [Fraction(x * cap, total) for x in shares]
    floors = [int(x) for x in exact]
    left = cap - sum(floors)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    return floors, params


def survivor_last_month(*, relation: str, birth_date: date, unable_to_work: bool) -> str:
    """The last month a dependant is paid for by age, or "" when age never ends it: a child is paid
    through the month they turn 18 unless wholly unable to work (劳动和社会保障部令第18号 第四条第（一）
    项: the pension stops at 18; the project's reading pays the month of the birthday, as the child was
    eligible when it began). Every other ending (remarriage, employment, adoption, death: 第四条) is an
    event recorded when it happens.

    >>> survivor_last_month(relation="child", birth_date=date(2010, 5, 31), unable_to_work=False)
    '2028-05'
    >>> survivor_last_month(relation="spouse", birth_date=date(1980, 1, 1), unable_to_work=False)
    ''
    """
    if relation not in RELATIONS:
        raise InputError(f"unknown relation {relation!r}", zh="供养亲属关系无效", field="relation")
    if relation != "child" or unable_to_work:
        return ""
    return f"{birth_date.year + ADULT_AGE_YEARS:04d}-{birth_date.month:02d}"


@dataclass(frozen=True)
class DeathBenefits:
    """第三十九条: the funeral grant and the one-off work-death benefit (fen); the survivors' pensions
    are monthly, per dependant (`survivor_pensions_fen`)."""

    funeral_grant_fen: int
    death_lump_sum_fen: int
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def total_fen(self) -> int:
        return self.funeral_grant_fen + self.death_lump_sum_fen


def death_benefits(policy: Policy, *, died_on: date) -> DeathBenefits:
    """Funeral grant = 6 months of the region's average monthly wage of the previous year; one-off
    work-death benefit = 20 × the previous year's national urban per-capita disposable income; both
    the values in force on ``died_on`` (第三十九条第一款第（一）、（三）项)."""
    average, p_avg = policy.stated_value("wage.average_monthly_fen", died_on)
    months, p_months = policy.stated_value("work_injury.funeral_grant_months", died_on)
    income, p_income = policy.stated_value("wage.national_urban_disposable_income_fen", died_on)
    multiple, p_multiple = policy.stated_value("work_injury.death_lump_sum_multiple", died_on)
    return DeathBenefits(average * months, income * multiple, {
        "wage.average_monthly_fen": p_avg, "work_injury.funeral_grant_months": p_months,
        "wage.national_urban_disposable_income_fen": p_income, "work_injury.death_lump_sum_multiple": p_multiple})


__all__ = ["DeathBenefits", "Dependant", "DisabilityBenefits", "allowance_top_up_fen", "death_benefits",
           "disability_benefits", "person_wage", "person_wage_fen", "survivor_last_month", "survivor_pensions_fen"]


# The plausible gap between generations: a parent at least this many years older than their child (and a
# grandparent twice as many). Births to mothers under 14 are a few in a hundred thousand in the national
# statistics; a typed number younger than that for a parent is a wrong number or a wrong relation, which
# the clerk is asked to check (review-input7 F12: a newborn was accepted as the dead worker's parent).
GENERATION_MIN_YEARS = 14
# A child may be born after their parent's death and still be one of the close relatives: 民法典 第十六条
# (a foetus counts as born for an estate) and a pregnancy's length: at most 300 days after the death.
POSTHUMOUS_BIRTH_MAX_DAYS = 300
# The lawful age of marriage is pack data with its article, dated (婚姻法（1980年）第六条, then 民法典 第一千零
# 四十七条 from 2021-01-01): ``work_injury.spouse_min_age``. The two figures above are not law but the
# project's plausibility checks (no article sets a parent's least age gap, nor a pregnancy's length).
_RELATION_ZH = {"spouse": "配偶", "child": "子女", "parent": "父母", "sibling": "兄弟姐妹",
                "grandparent": "祖父母、外祖父母", "grandchild": "孙子女、外孙子女", "other": "其他供养亲属"}


def _years_between(earlier: date, later: date) -> int:
    """Whole years from ``earlier`` to ``later`` (an age on a day); negative when ``later`` is earlier."""
    if later < earlier:
        return -_years_between(later, earlier)
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def relative_age_problem(policy: Policy, *, relation: str, birth_date: date, male: bool, worker_birth_date: date,
                         died_on: date, who: str = "领取人") -> str | None:
    """Why a relative born on ``birth_date`` (read from their citizen ID number; ``male`` from its
    17th digit) cannot be the ``relation`` of a worker born on ``worker_birth_date`` who died on
    ``died_on``, in Chinese (the relative called ``who``), or None. The relations are the close relatives' of 工伤保险条例 第三十九条
    (配偶、子女、父母、兄弟姐妹、祖父母、外祖父母、孙子女、外孙子女; 劳动和社会保障部令第18号 for the
    dependants' pensions):

    - a parent at least GENERATION_MIN_YEARS older than the worker, a grandparent twice that;
    - a child at least GENERATION_MIN_YEARS younger, a grandchild twice that; a child may be born up to
      POSTHUMOUS_BIRTH_MAX_DAYS after the death;
    - a spouse of marriageable age on the day of the death (``work_injury.spouse_min_age`` of ``policy`` in
      force on ``died_on``: 民法典 第一千零四十七条, before 2021 婚姻法 第六条: a man 22, a woman 20);
    - every relative but a child born (no later than the death).
    Brothers and sisters may be of any age.

    >>> from shebao.rules import load_policy
    >>> base = load_policy("base")
    >>> "年长不足14岁" in relative_age_problem(base, relation="parent", birth_date=date(2020, 2, 20), male=True,
    ...                                    worker_birth_date=date(1988, 4, 6), died_on=date(2020, 3, 2))
    True
    >>> relative_age_problem(base, relation="parent", birth_date=date(1960, 1, 1), male=True,
    ...                      worker_birth_date=date(1988, 4, 6), died_on=date(2020, 3, 2)) is None
    True
    >>> relative_age_problem(base, relation="spouse", birth_date=date(1998, 3, 3), male=False,
    ...                      worker_birth_date=date(1988, 4, 6), died_on=date(2018, 3, 2))
    '领取人出生于1998-03-03，死者死亡时（2018-03-02）未满20周岁（法定婚龄），不能是死者的配偶；请核对证件号码和与死者的关系'
    """
    zh = _RELATION_ZH.get(relation, relation)
    born = f"{who}出生于{birth_date.isoformat()}"
    worker = f"死者（{worker_birth_date.isoformat()}出生）"
    gap = _years_between(birth_date, worker_birth_date)  # years the relative is older than the worker
    if relation == "child":
        if (birth_date - died_on).days > POSTHUMOUS_BIRTH_MAX_DAYS:
            return f"{born}，晚于死者死亡（{died_on.isoformat()}）{POSTHUMOUS_BIRTH_MAX_DAYS}天以上，不能是死者的子女，请核对证件号码"
        if -gap < GENERATION_MIN_YEARS:
            return (f"{born}，比{worker}年轻不足{GENERATION_MIN_YEARS}岁，不像是死者的子女；"
                    "请核对证件号码和与死者的关系")
        return None
    if birth_date > died_on:
        return f"{born}，晚于死者死亡（{died_on.isoformat()}），不能是死者的{zh}，请核对证件号码"
    if relation in ("parent", "grandparent"):
        least = GENERATION_MIN_YEARS * (2 if relation == "grandparent" else 1)
        if gap < least:
            return (f"{born}，比{worker}年长不足{least}岁，不能是死者的{zh}；"
                    "请核对证件号码和与死者的关系")
    elif relation == "grandchild":
        if -gap < GENERATION_MIN_YEARS * 2:
            return (f"{born}，比{worker}年轻不足{GENERATION_MIN_YEARS * 2}岁，不像是死者的{zh}；"
                    "请核对证件号码和与死者的关系")
    elif relation == "spouse":
        least = int(policy.stated_value("work_injury.spouse_min_age", died_on)[0]["male" if male else "female"])
        if _years_between(birth_date, died_on) < least:
            return (f"{born}，死者死亡时（{died_on.isoformat()}）未满{least}周岁（法定婚龄），不能是死者的配偶；"
                    "请核对证件号码和与死者的关系")
    return None
