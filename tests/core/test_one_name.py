"""One name and one road per idea (issue 14): spellings that were removed do not come back.

Each entry is a pattern of the old spelling, where it may still appear, and what to write instead.
(The deprecated aliases RoutingError and TransitionError, kept for one session so that branches written
before the change still imported, are gone.)
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "shebao"

REMOVED = [
    # One domain error (core.errors), one constructor: DomainError(zh, en, field=...).
    (r"\bRoutingError\b", set(), "DomainError(zh, en, field=...) from shebao.core.errors"),
    (r"\bUploadError\b", set(), "UploadRefused(zh, en, field=...) from shebao.core.errors"),
    (r"\bTransitionError\b", set(),
     "Conflict(zh, en, field=...) (or another kind) from shebao.core.errors"),
    # The lifted date: one reader (rules.epidemic_lifted_on; core.policy.epidemic_lifted_on for the
    # policy in force), one stored spelling (announcement_publish stores the parameter's own name).
    (r"def lifted_on_in_force\b|def policy_lifted_on\b|routing\.lifted_on\b|def lifted_on\(\)", set(),
     "shebao.core.policy.epidemic_lifted_on() or shebao.rules.epidemic_lifted_on(policy)"),
    (r"parameter__in=\[", set(), "one spelling: filter(parameter=\"epidemic.lifted_on\")"),
    # (Tests may read the pack's parameter itself; the code reads the date through the reader.)
    (r"\.value\(\"epidemic\.lifted_on\"\)|\.value\(\"epidemic_lifted_on\"\)",
     {"src/shebao/rules/policy.py", "src/shebao/rules/decision.py", "tests/"},
     "shebao.rules.epidemic_lifted_on(policy)"),
    # One month encoding: months since 1970-01 (the rules core's, datetime64[M]'s); registry/months.py
    # (year*12 + month-1) is gone.
    (r"registry\.months\b|\bparse_month\(|\bformat_month\(|def add_month\b", set(),
     "shebao.rules.dates.month_index / month_str / month_of_date / month_add"),
    # The policy in force: one module (core.policy: current_policy, policy_with, policy_what_if); the
    # collection app's shim is gone. Rates of a contribution month: registry.rates.contribution_rates.
    (r"collection\.policy\b|\bpolicy_in_force\b|\bpolicy_announcement_ids\b", set(),
     "shebao.core.policy.current_policy / policy_what_if; shebao.registry.rates.contribution_rates"),
    # The rules core's words (issue 14 §3): facts, ops (ScalarOps or NumpyOps) and param (the parameter
    # resolver), as the @derived formulas read them; not F, G, xp or R.
    (r"\bxp\b|\bF\[|\bG\[|\blambda F\b|\(F: |\bF: dict|\.R\(|\.R = ", set(),
     "facts / group_facts / ops / param"),
    # One mapper per front end.
    (r"\bclass DomainErrors\b|def _error_text\b|def _messages\b|def _errors\b", set(),
     "shebao.api.errors.problem_exception_handler (API) or shebao.backoffice.errors.refusal (pages)"),
]


def _sources():
    for top in ("src", "tests", "bench"):
        for path in (ROOT / top).rglob("*.py"):
            if path.name != "test_one_name.py":
                yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_removed_spellings_do_not_come_back():
    found = []
    for rel, text in _sources():
        for pattern, allowed, instead in REMOVED:
            if rel in allowed or ("tests/" in allowed and rel.startswith("tests/")):
                continue
            for n, line in enumerate(text.splitlines(), 1):
                if re.search(pattern, line):
                    found.append(f"{rel}:{n}: {line.strip()}  -> write {instead}")
    assert found == [], "\n".join(found)
