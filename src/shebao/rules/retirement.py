"""Statutory retirement ages by birth cohort, gender and category (4.2, 2.1, every age question).

Source: 国发〔1978〕104号 (men 60, women cadres 55, women workers 50) and the NPC Standing
Committee's decision of 2024-09-13 on the gradual rise of the statutory retirement age (in force
2025-01-01): from birth month 1965-01 men's age rises by one month every four months of birth up
to 63; women cadres (55) from 1970-01, one month every four months up to 58; women workers (50)
from 1975-01, one month every two months up to 55. The numbers are pack data
(``packs/base/parameters/retirement.yaml``); this module only applies them.

The schedule is a law on birth cohorts: a person's age is the one in force on the day they reach
it. The reform's first cohorts are those who would have retired from 2025-01 on, so every earlier
cohort keeps its age under the reform; the latest version therefore gives every cohort its age,
and is the one applied (on any day of application, so that a person applying in late 2024 is told
the age they will really retire at). That a new version leaves the age of every cohort that
reached it before the version's first day alone is checked when the pack is compiled: a pack that
breaks it is refused, never applied half-way. An age is counted in whole months; the day it is
reached is the birthday that many months later, the Civil Code way (Reading 4.2; a birthday on the
31st is reached on the last day of a shorter month).

>>> from shebao.rules import load_policy
>>> r = retirement_for(load_policy("base"), birth_date=date(1965, 1, 15), gender="male")
>>> (r.age_years, r.age_months, r.month, r.day)
(60, 1, '2025-02', datetime.date(2025, 2, 15))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .dates import SCALAR, InputError, add_months, birth_date_check, day_number, month_index, month_str
from .policy import Policy
from .yamlload import PackError

# Category keys of the schedule's parameters, in the order of the code ``category_code`` gives.
KEYS = ("male", "female_cadre", "female_worker")
PARAMETERS = ("retirement.statutory_age", "retirement.target_age", "retirement.rise_from_birth_month",
              "retirement.rise_every_birth_months")


@dataclass(frozen=True)
class CohortRule:
    """One category's ages in one version: ``base_months`` for births before ``from_month``, then
    one month more per ``every`` months of birth (the first cohort already one more), at most
    ``target_months``. Months are counted from 1970-01 (``dates.month_index``)."""

    base_months: int
    target_months: int
    from_month: int = 0
    every: int = 1

    def age_months(self, birth_month: Any, ops: Any) -> Any:
        """Age in months for birth months (an int or a NumPy column)."""
        rise_max = self.target_months - self.base_months
        if rise_max == 0:
            return self.base_months
        # (m - from) // every + 1 is 1 for the first `every` cohorts, <= 0 for every earlier one.
        rise = ops.minimum(ops.maximum((birth_month - self.from_month) // self.every + 1, 0), rise_max)
        return self.base_months + rise


@dataclass(frozen=True)
class Schedule:
    """The latest version of the schedule: one :class:`CohortRule` per category, in ``KEYS`` order."""

    rules: tuple[CohortRule, ...]

    def age_months(self, birth_day: Any, category: Any, ops: Any = SCALAR) -> Any:
        """Statutory age in months of people born on ``birth_day`` (day numbers since 1970-01-01)
        of ``category`` (0 male, 1 female cadre, 2 female worker); ints or NumPy columns alike."""
        birth_month = ops.month_of(birth_day)
        ages = [r.age_months(birth_month, ops) for r in self.rules]
        return ops.where(category == 0, ages[0], ops.where(category == 1, ages[1], ages[2]))


def schedule(policy: Policy) -> Schedule:
    """The policy's schedule, compiled once per policy; a malformed one is a :class:`PackError`."""
    memo = policy._compiled.get("retirement_schedule")
    if memo is None:
        memo = policy._compiled["retirement_schedule"] = _compile(policy)
    return memo  # type: ignore[no-any-return]


def _compile(policy: Policy) -> Schedule:
    params = {n: policy.parameter(n) for n in PARAMETERS if policy.has(n)}
    if "retirement.statutory_age" not in params:
        raise KeyError(f"pack {policy.name} has no parameter 'retirement.statutory_age'")
    days = sorted({v.effective for p in params.values() for v in p.values})
    versions = []
    for eff in days:
        values = {n: p.value(eff) for n, p in params.items()}
        base = values["retirement.statutory_age"]
        if base is None:
            continue
        target = values.get("retirement.target_age") or base
        start = values.get("retirement.rise_from_birth_month")
        every = values.get("retirement.rise_every_birth_months")
        rules = []
        for k in KEYS:
            if target[k] < base[k]:
                p = params["retirement.target_age"]
                raise PackError(p.file, p.line, f"retirement.target_age on {eff}: {k} below the statutory age")
            if target[k] == base[k]:
                rules.append(CohortRule(12 * base[k], 12 * base[k]))
                continue
            if start is None or every is None or every[k] < 1:
                p = params["retirement.target_age"]
                raise PackError(p.file, p.line, f"retirement on {eff}: {k} rises to {target[k]} without "
                                "rise_from_birth_month and rise_every_birth_months >= 1")
            rules.append(CohortRule(12 * base[k], 12 * target[k], month_index(start[k]), every[k]))
        versions.append((eff, tuple(rules)))
    for (_, before), (eff, after) in zip(versions, versions[1:]):
        _check_no_retroactive_change(before, after, eff, params["retirement.statutory_age"])
    return Schedule(versions[-1][1])


_FIRST_BIRTH_MONTH = month_index("1900-01")


def _check_no_retroactive_change(before: tuple[CohortRule, ...], after: tuple[CohortRule, ...], eff: str,
                                 where: Any) -> None:
    """Refuse a version that changes the age of a cohort reaching it before the version's first day
    (checked from the first of each birth month: the earliest birthday of the cohort)."""
    first_day = date.fromisoformat(eff)
    last = month_index(eff[:7])
    for k, (old, new) in enumerate(zip(before, after)):
        for m in range(_FIRST_BIRTH_MONTH, last + 1):
            age = new.age_months(m, SCALAR)
            if age != old.age_months(m, SCALAR) and add_months(date.fromisoformat(month_str(m) + "-01"), age) < first_day:
                raise PackError(where.file, where.line, f"retirement schedule of {eff}: changes the age of "
                                f"{KEYS[k]} born in {month_str(m)}, who reached it before {eff}")


def category_code(gender: str, cadre: bool | None) -> int:
    """0 male, 1 female cadre, 2 female worker; a woman's category is required (4.2: never guessed)."""
    if gender == "male":
        return 0
    if gender == "female":
        if cadre is None:
            raise InputError("女性须注明身份类别 category（cadre 干部 或 worker 工人）")
        return 1 if cadre else 2
    raise InputError(f"gender 须为 male 或 female，收到 {gender!r}")


@dataclass(frozen=True)
class Retirement:
    """A person's statutory retirement: the age (``age_years`` years and ``age_months`` months), the
    month (``YYYY-MM``) and the day on which it is reached."""

    age_years: int
    age_months: int
    month: str
    day: date

    @property
    def total_months(self) -> int:
        return 12 * self.age_years + self.age_months


def retirement_for(policy: Policy, *, birth_date: date, gender: str, cadre: bool | None = None) -> Retirement:
    """The statutory retirement of a person born on ``birth_date`` (``gender`` "male" | "female";
    ``cadre`` for women: True cadre, False worker). Raises :class:`InputError` on a missing or
    unknown category, :class:`PackError` on a malformed schedule."""
    born = day_number(birth_date_check(birth_date))
    total = int(schedule(policy).age_months(born, category_code(gender, cadre)))
    return Retirement(total // 12, total % 12, month_str(month_index(birth_date.isoformat()[:7]) + total),
                      add_months(birth_date, total))


def format_age_zh(total_months: int) -> str:
    """``720`` -> ``"60周岁"``, ``721`` -> ``"60岁1个月"`` (the decision's annex writes ages so)."""
    years, months = divmod(int(total_months), 12)
    return f"{years}周岁" if months == 0 else f"{years}岁{months}个月"


def format_age_en(total_months: int) -> str:
    """``720`` -> ``"60"``, ``721`` -> ``"60 years 1 month"``."""
    years, months = divmod(int(total_months), 12)
    if months == 0:
        return str(years)
    return f"{years} years {months} month{'s' if months > 1 else ''}"


__all__ = ["KEYS", "PARAMETERS", "CohortRule", "Retirement", "Schedule", "category_code", "format_age_en",
           "format_age_zh", "retirement_for", "schedule"]
