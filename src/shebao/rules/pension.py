"""The basic pension of an employee (2.1): the entitlement at retirement, its yearly adjustments and
the months a payroll owes (arrears).

Source: 国务院关于完善企业职工基本养老保险制度的决定（国发〔2005〕38号）第六条 and its annex (the
months-divisor table), Beijing's implementation 京政发〔2006〕2号 (transitional pension), the yearly
adjustment notices of the Ministry of Human Resources and Social Security. The numbers are pack data
(``packs/base/parameters/pension.yaml`` and ``wage.yaml``); this module only applies them.

Money is integer fen. Each part (basic, account, transitional) is computed exactly (fractions) and
rounded half up to the fen on its own; the monthly amount is the sum of the rounded parts. A yearly
adjustment is rounded half up to the fen too, on the amount then in force.

>>> from shebao.rules import load_policy
>>> e = entitlement_for(load_policy("base"), retired_on=date(2020, 3, 10), age_months=720,
...                     index_x10k=10_000, contribution_months=360, deemed_months=0, account_balance_fen=13_927_800)
>>> [e.basic_fen, e.account_fen, e.transitional_fen, e.monthly_fen == 265410 + 100200]
[265410, 100200, 0, True]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, NamedTuple

from .dates import InputError, month_index, month_str
from .policy import Policy

RATE_SCALE = 100_000  # rates are per 100 000 (1 % = 1000), as every pack rate
INDEX_SCALE = 10_000  # the average contribution index is kept to four decimals (1.2345 -> 12345)


def round_half_up(x: Fraction) -> int:
    """Round a non-negative exact amount half up to an integer (四舍五入): 1/2 -> 1, 3/2 -> 2.

    >>> round_half_up(Fraction(5, 2)), round_half_up(Fraction(249, 100))
    (3, 2)
    """
    if x < 0:
        raise ValueError("round_half_up takes a non-negative amount")
    return int((x * 2 + 1) // 2)


def basic_pension_fen(*, average_wage_fen: int, index_x10k: int, contribution_months: int,
                      rate_x100k: int = 1000) -> int:
    """Monthly basic pension (基础养老金) = (C + C × index) / 2 × years × 1 %, half up to the fen.

    ``average_wage_fen``: C, the previous year's average monthly wage in force at retirement (fen);
    ``index_x10k``: the person's average contribution index × 10 000 (the indexed wage is
    C × index); ``contribution_months``: months of contribution, deemed ones included (years =
    months / 12). 国发〔2005〕38号 第六条.

    >>> basic_pension_fen(average_wage_fen=884700, index_x10k=10_000, contribution_months=360)
    265410
    """
    _check_non_negative(average_wage_fen=average_wage_fen, index_x10k=index_x10k,
                        contribution_months=contribution_months)
    indexed = Fraction(average_wage_fen * index_x10k, INDEX_SCALE)
    return round_half_up((average_wage_fen + indexed) / 2 * Fraction(contribution_months, 12)
                         * Fraction(rate_x100k, RATE_SCALE))


def account_pension_fen(*, account_balance_fen: int, divisor: int) -> int:
    """Monthly personal-account pension (个人账户养老金) = balance / months-divisor, half up to the fen.

    >>> account_pension_fen(account_balance_fen=13_927_800, divisor=139)
    100200
    """
    _check_non_negative(account_balance_fen=account_balance_fen)
    if divisor <= 0:
        raise InputError("the months-divisor must be positive", zh="计发月数须为正数", field="divisor")
    return round_half_up(Fraction(account_balance_fen, divisor))


def transitional_pension_fen(*, average_wage_fen: int, index_x10k: int, deemed_months: int,
                             rate_x100k: int) -> int:
    """Monthly transitional pension (过渡性养老金) = C × index × deemed years × rate, half up to the fen.

    ``deemed_months``: months of deemed contribution before the personal account began (视同缴费年限).
    京政发〔2006〕2号 (Beijing: 1.0 % a year).

    >>> transitional_pension_fen(average_wage_fen=884700, index_x10k=12000, deemed_months=10 * 12, rate_x100k=1000)
    106164
    """
    _check_non_negative(average_wage_fen=average_wage_fen, index_x10k=index_x10k,
                        deemed_months=deemed_months)
    return round_half_up(Fraction(average_wage_fen * index_x10k, INDEX_SCALE) * Fraction(deemed_months, 12)
                         * Fraction(rate_x100k, RATE_SCALE))


def account_divisor(policy: Policy, *, age_months: int, on: date) -> int:
    """The months-divisor of the personal account for a retirement at ``age_months`` on ``on``.

    The annex of 国发〔2005〕38号 lists whole years of age (40-70). Reading 2.1 (ours): an age of
    years and months, as the 2024 schedule gives, takes the divisor of its whole years, the one the
    person has completed; an age outside the table is refused (InputError).
    """
    table = policy.value("pension.account_divisor", on)
    key = str(age_months // 12)
    if table is None or key not in table:
        raise InputError(f"no months-divisor for age {age_months // 12} (the table covers 40-70)",
                         zh=f"退休年龄{age_months // 12}岁不在个人账户养老金计发月数表内（40至70岁）", field="age_months")
    return int(table[key])


@dataclass(frozen=True)
class Entitlement:
    """A retiree's monthly pension at retirement (fen) and what it was computed from.

    ``parameters``: name -> {"value", "document"} of every pack value used, for the statement.
    """

    basic_fen: int
    account_fen: int
    transitional_fen: int
    average_wage_fen: int
    divisor: int
    parameters: dict[str, Any]

    @property
    def monthly_fen(self) -> int:
        return self.basic_fen + self.account_fen + self.transitional_fen


def entitlement_for(policy: Policy, *, retired_on: date, age_months: int, index_x10k: int,
                    contribution_months: int, deemed_months: int, account_balance_fen: int) -> Entitlement:
    """The entitlement of a person retiring on ``retired_on`` at ``age_months`` (see the module doc).

    Raises InputError for a negative input, an age outside the divisor table, or a day on which the
    pack has no average wage.
    """
    wage, p_wage = policy.stated_value("wage.average_monthly_fen", retired_on)
    rate, p_rate = policy.stated_value("pension.basic_rate", retired_on)
    trate, p_trate = policy.stated_value("pension.transitional_rate", retired_on)
    divisor = account_divisor(policy, age_months=age_months, on=retired_on)
    _, p_div = policy.stated_value("pension.account_divisor", retired_on)
    p_div = {**p_div, "value": divisor}
    return Entitlement(
        basic_fen=basic_pension_fen(average_wage_fen=wage, index_x10k=index_x10k,
                                    contribution_months=contribution_months, rate_x100k=rate),
        account_fen=account_pension_fen(account_balance_fen=account_balance_fen, divisor=divisor),
        transitional_fen=transitional_pension_fen(average_wage_fen=wage, index_x10k=index_x10k,
                                                  deemed_months=deemed_months, rate_x100k=trate),
        average_wage_fen=wage, divisor=divisor,
        parameters={"wage.average_monthly_fen": p_wage, "pension.basic_rate": p_rate,
                    "pension.transitional_rate": p_trate, "pension.account_divisor": p_div},
    )


class Adjustment(NamedTuple):
    """One yearly adjustment of the pack: in force from ``effective`` ("YYYY-MM-DD", 1 January of
    its year), ``rate_x100k`` per 100 000, set by ``document`` issued on ``issued`` ("YYYY-MM-DD"):
    no payroll made before ``issued`` may pay it (the notice did not exist yet)."""

    effective: str
    rate_x100k: int
    issued: str
    document: str

    @property
    def year_start(self) -> str:
        """The month from which it raises a pension ("YYYY-01"): those retired before it get it."""
        return f"{self.effective[:4]}-01"


def adjustments(policy: Policy, known_on: date | str | None = None) -> tuple[Adjustment, ...]:
    """The yearly adjustments of the pack in order of effect, those issued on or before ``known_on``
    (a business date) only; ``None``: every one, as if all were known.

    Raises InputError when a value of ``pension.yearly_adjustment_rate`` does not say when its notice
    was issued (``reference.issued`` in the pack): the day it becomes payable is part of the rule.
    """
    memo = policy._compiled.get("pension_adjustments")
    if memo is None:
        p = policy.parameter("pension.yearly_adjustment_rate")
        out = []
        for v in p.values:
            if v.value is None:
                continue
            if not v.reference.issued:
                raise InputError(f"yearly adjustment {v.effective}: its reference has no issue date",
                                 zh=f"{v.effective}起的养老金调整未载明通知印发日期，无法确定何时可以发放",
                                 field="pension.yearly_adjustment_rate")
            out.append(Adjustment(v.effective, int(v.value), v.reference.issued, v.reference.document))
        memo = policy._compiled["pension_adjustments"] = tuple(out)
    if known_on is None:
        return memo  # type: ignore[no-any-return]
    day = known_on.isoformat() if isinstance(known_on, date) else known_on
    return tuple(a for a in memo if a.issued <= day)


def applied_adjustments(policy: Policy, *, retirement_month: str, month: str,
                        known_on: date | str | None = None) -> list[Adjustment]:
    """The adjustments that raise ``month``'s pension of someone retired in ``retirement_month``, as
    known on ``known_on`` (see `monthly_amount_fen`), in the order they apply."""
    first_day = f"{month}-01"
    return [a for a in adjustments(policy, known_on)
            if a.effective <= first_day and retirement_month < a.year_start]


def monthly_amount_fen(policy: Policy, *, initial_fen: int, retirement_month: str, month: str,
                       known_on: date | str | None = None) -> int:
    """The monthly pension owed for ``month`` to someone retired in ``retirement_month`` with
    ``initial_fen`` a month at retirement, as a payroll made on business date ``known_on`` pays it:
    each yearly adjustment in force by the first of ``month`` and issued on or before ``known_on``
    raises it, for those retired before 1 January of the adjustment's year (the notices' "上年底前已
    按规定办理退休手续"), by its rate, half up to the fen, on the amount then in force.
    ``known_on=None`` applies every adjustment in force (the amount once every notice is out).

    A payroll made before a notice's issue date pays without it; once it is out, the months from its
    effective month are owed the difference (`top_up_fen`, paid as 调整补发 by the next run).

    >>> from shebao.rules import load_policy
    >>> monthly_amount_fen(load_policy("base"), initial_fen=300000, retirement_month="2018-06", month="2020-03")
    330750
    >>> monthly_amount_fen(load_policy("base"), initial_fen=300000, retirement_month="2018-06", month="2020-03",
    ...                    known_on="2020-03-20")
    315000
    """
    _check_non_negative(initial_fen=initial_fen)
    amount = initial_fen
    for a in applied_adjustments(policy, retirement_month=retirement_month, month=month, known_on=known_on):
        amount += round_half_up(Fraction(amount * a.rate_x100k, RATE_SCALE))
    return amount


def top_up_fen(*, owed_fen: int, paid_fen: int) -> int:
    """What a month already paid ``paid_fen`` is still owed when it is now owed ``owed_fen``: the
    difference when positive (调整补发), else 0 (an amount paid is never taken back here: a recovery
    is its own decision, benefits.services).

    >>> top_up_fen(owed_fen=419213, paid_fen=399250), top_up_fen(owed_fen=399250, paid_fen=399250)
    (19963, 0)
    """
    _check_non_negative(owed_fen=owed_fen, paid_fen=paid_fen)
    return max(0, owed_fen - paid_fen)


def payable_months(*, retirement_month: str, through: str) -> list[str]:
    """The months a pension is owed for, from the month after ``retirement_month`` through ``through``
    (2.1: paid from the month after retirement; nothing when ``through`` is not after it).

    >>> payable_months(retirement_month="2019-11", through="2020-02")
    ['2019-12', '2020-01', '2020-02']
    """
    start = month_index(retirement_month) + 1
    return [month_str(m) for m in range(start, month_index(through) + 1)]


def arrears_months(*, retirement_month: str, first_regular_month: str) -> list[str]:
    """2.1 arrears (补发) of a retiree declared late: the months from the month after the retirement
    month through the month before the first regular payment.

    >>> arrears_months(retirement_month="2019-11", first_regular_month="2020-03")
    ['2019-12', '2020-01', '2020-02']
    """
    return payable_months(retirement_month=retirement_month,
                          through=month_str(month_index(first_regular_month) - 1))


# What each input of this module is called in a message a clerk reads (glossary terms).
_LABELS = {
    "average_wage_fen": "上年度全市职工月平均工资（分）",
    "index_x10k": "本人平均缴费工资指数",
    "contribution_months": "缴费月数",
    "deemed_months": "视同缴费月数",
    "account_balance_fen": "个人账户储存额（分）",
    "initial_fen": "退休时月养老金（分）",
    "owed_fen": "应发金额（分）",
    "paid_fen": "已发金额（分）",
}


def _check_non_negative(**values: int) -> None:
    for name, v in values.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise InputError(f"{name} must be a non-negative integer, got {v!r}",
                             zh=f"{_LABELS[name]}须为非负整数", field=name)


__all__ = ["Adjustment", "Entitlement", "account_divisor", "account_pension_fen", "adjustments",
           "applied_adjustments", "arrears_months",
           "basic_pension_fen", "entitlement_for", "monthly_amount_fen", "payable_months", "round_half_up",
           "top_up_fen", "transitional_pension_fen"]


# --- The average contribution index (本人平均缴费工资指数) ------------------------------------------
@dataclass(frozen=True)
class IndexYear:
    """One calendar year of the working: its contribution months, the sum of their monthly bases,
    and the sum of each month's base divided by the average monthly wage in force that month (the
    previous year's, as the pack dates it; ``None`` when the pack has none for a month)."""

    year: int
    months: int
    bases_fen: int
    average_wages_fen: tuple[int, ...]  # the distinct averages applied, in order
    ratio_sum: Fraction | None  # Σ base / average over the year's months; None: an average is missing

    @property
    def index_x10k(self) -> int | None:
        """The year's own index ×10 000 (its average ratio), or None."""
        return None if self.ratio_sum is None else round_half_up(self.ratio_sum * INDEX_SCALE / self.months)


@dataclass(frozen=True)
class IndexWorking:
    """How the average contribution index was computed from a contribution record: the years, and
    the index ×10 000 over every month, or ``None`` with ``missing`` saying in Chinese what data it
    lacks (no record; months whose average wage the pack does not hold)."""

    years: tuple[IndexYear, ...]
    index_x10k: int | None
    months: int
    missing: tuple[str, ...]


def average_index(policy: Policy, bases: dict[str, int]) -> IndexWorking:
    """本人平均缴费工资指数 from a contribution record (国发〔2005〕38号; 京政发〔2006〕2号 for Beijing):
    each month's contribution base divided by the city's average monthly wage of the previous year
    (the pack's ``wage.average_monthly_fen`` in force in that month), averaged over all months:
    Σ(base_m / wage_m) / n, kept to four decimals (×10 000, rounded half up).

    ``bases``: ``{"YYYY-MM": monthly pension base in fen}``, one entry per contribution month.
    Incomplete (``index_x10k`` None, ``missing`` says why) when there are no months or the pack has no
    average for some month: the index is never computed from part of the record.

    >>> from shebao.rules import load_policy
    >>> w = average_index(load_policy("base"), {"2019-07": 884_700, "2019-08": 1_769_400})
    >>> w.index_x10k, w.years[0].average_wages_fen
    (15000, (884700,))
    """
    if not bases:
        return IndexWorking((), None, 0, ("登记系统中没有本人的缴费记录（各月缴费基数）",))
    by_year: dict[int, list[tuple[str, int]]] = {}
    for month, base in sorted(bases.items()):
        month_index(month)  # refuses what is no month
        if base < 0:
            raise InputError(f"negative base in {month}", zh=f"{month}的缴费基数不能为负数", field="bases")
        by_year.setdefault(int(month[:4]), []).append((month, base))
    years, total, uncovered = [], Fraction(0), []
    for year, rows in sorted(by_year.items()):
        ratio: Fraction | None = Fraction(0)
        wages: list[int] = []
        for month, base in rows:
            wage = policy.parameter("wage.average_monthly_fen").value(f"{month}-01")
            if not wage:
                ratio = None
                uncovered.append(month)
                continue
            if wage not in wages:
                wages.append(wage)
            if ratio is not None:
                ratio += Fraction(base, wage)
        years.append(IndexYear(year, len(rows), sum(b for _, b in rows), tuple(wages), ratio))
        if ratio is not None:
            total += ratio
    n = len(bases)
    if uncovered:
        spans = _spans(uncovered)
        return IndexWorking(tuple(years), None, n, (
            f"政策参数中没有{spans}适用的上年度本市职工月平均工资（共{len(uncovered)}个月），无法按缴费记录计算",))
    return IndexWorking(tuple(years), round_half_up(total * INDEX_SCALE / n), n, ())


def _spans(months: list[str]) -> str:
    """'2001-01至2017-06、2019-03' for sorted months (runs of consecutive months joined)."""
    out, start, prev = [], months[0], months[0]
    for m in months[1:]:
        if month_index(m) != month_index(prev) + 1:
            out.append(start if start == prev else f"{start}至{prev}")
            start = m
        prev = m
    out.append(start if start == prev else f"{start}至{prev}")
    return "、".join(out)
