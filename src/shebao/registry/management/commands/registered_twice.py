"""List the people registered under another document type with a citizen ID number (registry.duplicates)."""

from __future__ import annotations

from typing import Any

from shebao.core.commands import ShebaoCommand


class Command(ShebaoCommand):
    help = ("列出以其他证件类型（如护照）登记、号码实为居民身份证号码的人员，及疑为同一人的居民身份证登记人员，"
            "供登记管理员核实后合并或更正证件类型。只读，不作任何修改；号码遮蔽显示。")

    def handle(self, *args: Any, **options: Any) -> None:
        from shebao.registry.duplicates import registered_twice

        found = 0
        for row in registered_twice():
            found += 1
            self.stdout.write(row.shown)
        if found:
            self.stdout.write(f"共发现{found}人以其他证件类型登记了居民身份证号码。")
        else:
            self.stdout.write("未发现以其他证件类型登记的居民身份证号码。")
