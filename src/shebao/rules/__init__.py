"""Rules as code for the Beijing notice of 2020-01-31: pure Python, no Django.

Policy packs (dated parameters, announcements, decision tables) are data under ``packs/``;
the business catalog is ``catalog.yaml``. Public API::

    load_policy(name="beijing-2020-epidemic", *, overrides=None) -> Policy
    decide(app, policy=None, *, explain=False) -> Decision
    decide_table(columns, policy=None) -> TableDecisions
    due_date(month, policy=None) -> date
    late_fee_for_due(month, amount_fen, *, paid_on=None, as_of=None, policy=None) -> LateFee
    late_fees(months, amounts_fen, paid_on_or_as_of, policy=None) -> LateFeeColumns
    retirement_for(policy, *, birth_date, gender, cadre=None) -> Retirement   (by birth cohort)
    business(code) -> Business;  BUSINESSES: tuple[Business, ...]
    label(enum, value) -> str   (the Chinese name of an enum value: the catalog's labels)
    add_months(day, n) -> date   (Civil Code way)
"""

from __future__ import annotations

from typing import Any

from .catalog import Business, business, businesses, label
from .dates import InputError, add_months
from .decision import Decision, DecisionError, TableDecisions, decide, decide_table
from .late_fee import LateFee, LateFeeColumns, due_date, late_fee_for_due, late_fees, makeup_deadline
from .policy import Policy, epidemic_lifted_on, load_policy
from .retirement import Retirement, retirement_for
from .yamlload import PackError

__all__ = [
    "BUSINESSES", "Business", "Decision", "DecisionError", "InputError", "LateFee", "LateFeeColumns",
    "PackError", "Policy", "Retirement", "TableDecisions", "add_months", "business", "decide", "decide_table",
    "due_date", "epidemic_lifted_on", "label", "late_fee_for_due", "late_fees", "load_policy", "makeup_deadline", "retirement_for",
]


def __getattr__(name: str) -> Any:
    # The catalog is read on first use, not on import: the CLI starts fast.
    if name == "BUSINESSES":
        return businesses()
    raise AttributeError(name)
