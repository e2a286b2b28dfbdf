"""Who may run the collection desk's operations: deduction runs and their bank files, the bank's
result files, remittance statements and assessment runs (notice clauses 3.1, 3.2, 0.3).

`COLLECTION_ACTIONS` is the collection part of the permission table (role x action), written so the
project-wide table (`core/permissions.py`, when it lands) can adopt it as it is: each action names
the roles that may take it and whether it needs the whole city. The services call
`collection_require` themselves, so a page or a command that forgets a check is still refused.

A command-line job acts without a signed-in user: it passes a `SystemActor` that says which job it
is (its label goes into the audit trail and the ledger), never `actor=None`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied

from shebao.staff.models import Role


@dataclass(frozen=True)
class SystemActor:
    """A job acting without a user, named in the audit trail: ``SystemActor("命令行 shebao deduction_run")``."""

    label: str
    is_authenticated: bool = False

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class CollectionAction:
    """One row of the permission table: which roles may act, and whether only the whole city's staff."""

    label: str  # what the action is, in Chinese (shown in a refusal)
    roles: frozenset[str]
    whole_city: bool = True


COLLECTION = frozenset({Role.COLLECTION_CLERK})

# action -> rule. Bank files cover every district (3.1 runs are sent centrally), so every action
# here belongs to the municipal center's collection clerks.
COLLECTION_ACTIONS: dict[str, CollectionAction] = {
    "collection.deduction_run.start": CollectionAction("生成银行扣款批次", COLLECTION),
    "collection.deduction_run.retry": CollectionAction("对扣款失败的单位重新扣款", COLLECTION),
    "collection.deduction_file.download": CollectionAction("下载银行扣款请求文件（含完整账号）", COLLECTION),
    "collection.bank_result.import": CollectionAction("导入银行扣款结果文件", COLLECTION),
    "collection.remittance_statement.import": CollectionAction("导入银行汇款对账单", COLLECTION),
    "collection.assessment.start": CollectionAction("开始征缴核定", COLLECTION),
}


def collection_may(actor: Any, action: str) -> bool:
    """Whether `actor` (a staff user or a `SystemActor`) may take `action`; KeyError for an unknown action."""
    rule = COLLECTION_ACTIONS[action]
    if isinstance(actor, SystemActor):
        return True  # the server's operator runs the commands; the label names the job in the trail
    if actor is None or not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", True):
        return False
    if getattr(actor, "role", None) not in rule.roles:
        return False
    return not rule.whole_city or bool(getattr(actor, "sees_whole_city", False))


def collection_require(actor: Any, action: str) -> None:
    """Raise PermissionDenied (in Chinese, saying who may) unless `actor` may take `action`."""
    if not collection_may(actor, action):
        rule = COLLECTION_ACTIONS[action]
        who = "、".join(Role(r).label for r in sorted(rule.roles))
        where = "市中心的" if rule.whole_city else ""
        raise PermissionDenied(f"只有{where}{who}可以{rule.label}")
