"""List the stored names the name rule refuses or would spell otherwise, and (``--fix``) store the rule's
spelling where it only normalises, flagging the others (registry.stored_names; review F1)."""

from __future__ import annotations

from typing import Any

from shebao.core.commands import ShebaoCommand

KIND_ZH = {"refuse": "不符合姓名规则", "normalise": "写法待规范"}


class Command(ShebaoCommand):
    help = ("列出登记于姓名规则之前、现不符合规则（如含空格、不可见字符、非姓名用字）或写法待规范（如间隔号写作“•”、"
            "全角字母）的人员姓名，及其未办结的申请。加 --fix：按规则规范写法（每条记入审计记录，含原姓名和新姓名），"
            "不符合规则的姓名不作猜测，记入审计记录作标记，须凭证件办理个人信息变更更正。")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--fix", action="store_true", help="规范写法并标记不符合规则的姓名")

    def handle(self, *args: Any, **options: Any) -> None:
        from shebao.core.masking import echo
        from shebao.core.permissions import SystemActor
        from shebao.registry.stored_names import stored_names_check, stored_names_normalise

        found = stored_names_check()
        for f in found:
            cases = f"，未办结申请：{'、'.join(f'#{pk}' for pk in f.open_cases)}" if f.open_cases else ""
            said = f.problem if f.kind == "refuse" else f"规范写法为“{f.new}”"
            self.stdout.write(f"人员#{f.person_id} 姓名“{echo(f.old)}”{KIND_ZH[f.kind]}：{said}{cases}")
        refused = sum(f.kind == "refuse" for f in found)
        self.stdout.write(f"共{len(found)}个姓名：不符合姓名规则{refused}个，写法待规范{len(found) - refused}个。"
                          if found else "未发现不符合姓名规则或写法待规范的姓名。")
        if options["fix"]:
            normalised, flagged = stored_names_normalise(actor=SystemActor("names_check", "系统作业：姓名规范检查"))
            self.stdout.write(f"已规范{normalised}个姓名的写法，已标记{flagged}个不符合规则的姓名（均记入审计记录）。")
