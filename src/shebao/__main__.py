"""The `shebao` command: the project's manage.py.

The rule commands (`decide`, `late_fee`, `retirement`, `audit_deadline`) need no database and are called by other tools on
large inputs, so they run without starting Django at all.
"""

from __future__ import annotations

import os
import sys

PURE_RULE_COMMANDS = {"audit_deadline", "decide", "late_fee", "retirement", "rules"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in PURE_RULE_COMMANDS:
        from shebao.rules.cli import main as rules_main

        return rules_main(argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.config.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from shebao.core.commands import ShebaoManagementUtility

        ShebaoManagementUtility(argv).execute()  # usage errors in Chinese (review-input13 F7)
    except ImproperlyConfigured as e:
        # A setting the operator must fix (a production secret, the host list, a key): said in one
        # Chinese line, not a Python traceback (review-user13 (9): the demo's printed hint, run without
        # DEBUG=true, ended in an English traceback).
        print(f"配置错误：{e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
