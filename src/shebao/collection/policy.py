"""The one place the collection app obtains a policy: swap here when the policy source changes.

`shebao.core.policy` builds the pack plus every stored announcement (0.1); a what-if is the same
policy with one more, unstored announcement.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shebao.rules import Policy


def policy_in_force() -> Policy:
    from shebao.core.policy import current_policy

    return current_policy()


def policy_what_if(*, lifted_on: dt.date) -> Policy:
    """The policy in force plus a hypothetical announcement of the lifted date (0.3)."""
    from shebao.core.policy import policy_with

    return policy_with({"epidemic.lifted_on": lifted_on.isoformat()}, title="假设公告：疫情解除日期")


def policy_announcement_ids(policy: Policy) -> list[str]:
    return [a.id for a in policy.announcements]


def contribution_rates(*, month: str) -> Any:
    """Rates, floors and ceilings in force for a contribution month (the `base` pack's data)."""
    from shebao.registry.rates import rates_in_force

    return rates_in_force(dt.date(int(month[:4]), int(month[5:7]), 1))
