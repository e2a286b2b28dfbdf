"""`shebao decide`: listed by `shebao help`; the `shebao` script runs it without starting Django."""

from __future__ import annotations

import sys

from shebao.core.commands import ShebaoCommand


class Command(ShebaoCommand):
    help = "规则命令（无需数据库）：见 shebao decide --help。Rules command, no database needed."

    def run_from_argv(self, argv: list[str]) -> None:
        from shebao.rules.cli import main

        sys.exit(main(argv[1:]))
