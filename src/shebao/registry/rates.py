"""Contribution rates, floors and ceilings in force on a date, read from the `base` policy pack.

Rates are integers per 100,000 (16 % = 16000) and every amount is rounded half-up to the fen with
integer arithmetic, so the same base always gives the same fen on every machine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

RATE_UNIT = 100_000


def share_fen(base_fen, rate: int):
    """Half-up rounding of base × rate / 100000, for ints or integer NumPy arrays.

    >>> share_fen(1000000, 16000)
    160000
    >>> share_fen(12345, 800)
    99
    """
    return (base_fen * rate * 2 + RATE_UNIT) // (2 * RATE_UNIT)


@dataclass(frozen=True)
class ContributionRates:
    pension_employer: int
    pension_personal: int
    unemployment_employer: int
    unemployment_personal: int
    medical_employer: int
    medical_personal: int
    medical_personal_fixed_fen: int
    maternity_employer: int
    work_injury_by_class: tuple[int, ...]  # index 0 = class 1
    pension_floor_fen: int
    medical_floor_fen: int
    ceiling_fen: int

    @staticmethod
    def share(base_fen, rate: int):
        return share_fen(base_fen, rate)

    def work_injury_share(self, base_fen, industry_class):
        rates = np.asarray(self.work_injury_by_class, dtype=np.int64)[np.asarray(industry_class) - 1]
        return share_fen(np.asarray(base_fen, dtype=np.int64), rates)


@lru_cache(maxsize=256)
def rates_in_force(on: dt.date, pack: str = "base") -> ContributionRates:
    from shebao.rules.policy import load_policy

    policy = load_policy(pack)

    def v(name: str) -> int:
        value = policy.value(f"contribution.{name}", on=on)
        if value is None:
            raise LookupError(f"政策包“{pack}”没有{on}适用的参数contribution.{name}")
        return value

    injury = v("work_injury_class_rates")
    return ContributionRates(
        pension_employer=v("pension_employer_rate"),
        pension_personal=v("pension_personal_rate"),
        unemployment_employer=v("unemployment_employer_rate"),
        unemployment_personal=v("unemployment_personal_rate"),
        medical_employer=v("medical_employer_rate"),
        medical_personal=v("medical_personal_rate"),
        medical_personal_fixed_fen=v("medical_personal_fixed_fen"),
        maternity_employer=v("maternity_employer_rate"),
        work_injury_by_class=tuple(int(injury[str(k)]) for k in range(1, 9)),
        pension_floor_fen=v("pension_base_floor_fen"),
        medical_floor_fen=v("medical_base_floor_fen"),
        ceiling_fen=v("base_ceiling_fen"),
    )
