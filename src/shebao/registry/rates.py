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


def contribution_rates(*, month: str, pack: str = "base") -> ContributionRates:
    """Rates, floors and ceilings in force for the contribution month `month` (``YYYY-MM``, read on its
    first day). ValueError for a month that is not ``YYYY-MM``; see `rates_in_force` for a month no
    pack covers."""
    return rates_in_force(dt.date(int(month[:4]), int(month[5:7]), 1), pack)


def contribution_shares(rates: ContributionRates, bases_fen, industry_class) -> dict[str, tuple]:
    """Employer and personal fen of each insurance type for people declared on `bases_fen` (an int64
    array, one base per person) by employers of `industry_class` (array, 1..8; outside is clipped):
    pension, unemployment and work injury on the pension floor, medical and maternity on the medical
    floor, all under the ceiling; the medical personal share adds its fixed fen (the `base` pack).

    The per-person form of what `collection.services.dues_build` computes in SQL for a month's dues;
    a back-payment's or a declaration's contribution rows must charge the same fen. Returns
    {insurance: (employer array, personal array)} and the clipped bases under key "bases".
    """
    bases = np.asarray(bases_fen, dtype=np.int64)
    pension = np.clip(bases, rates.pension_floor_fen, rates.ceiling_fen)
    medical = np.clip(bases, rates.medical_floor_fen, rates.ceiling_fen)
    zero = np.zeros_like(pension)
    injury = np.asarray(rates.work_injury_by_class, dtype=np.int64)[
        np.clip(np.asarray(industry_class, dtype=np.int64), 1, 8) - 1]
    return {
        "pension": (share_fen(pension, rates.pension_employer), share_fen(pension, rates.pension_personal)),
        "unemployment": (share_fen(pension, rates.unemployment_employer),
                         share_fen(pension, rates.unemployment_personal)),
        "medical": (share_fen(medical, rates.medical_employer),
                    share_fen(medical, rates.medical_personal) + rates.medical_personal_fixed_fen),
        "maternity": (share_fen(medical, rates.maternity_employer), zero),
        "work_injury": (share_fen(pension, injury), zero),
        "bases": (pension, medical),
    }
