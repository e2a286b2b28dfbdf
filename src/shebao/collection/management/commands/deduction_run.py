"""`shebao deduction_run [--retry RUN]`: a bank-deduction run and its request file (3.1).

The same service as the page's 生成扣款批次: the request file (full account numbers, for the bank)
is written to the protected directory with its .sha256; this command prints where, and its
checksum, never the accounts themselves.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from shebao.collection.bankfiles import bank_file_dir, deduction_run_retry_start, deduction_run_start
from shebao.collection.models import DeductionRun
from shebao.core.commands import ShebaoCommand
from shebao.core.inputs import command_id
from shebao.core.money import format_yuan
from shebao.core.permissions import SystemActor

# Run at the server's shell: the trail names the job, not a person.
JOB = SystemActor.command("deduction_run")


class Command(ShebaoCommand):
    help = ("生成银行扣款批次和发送银行的扣款请求文件（含完整账号，保存在受保护目录，附SHA-256校验文件）；"
            "--retry 批次号 对失败的单位重新扣款。")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--retry", type=command_id, help="重试该批次中扣款失败的单位")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = JOB
        try:
            if opts["retry"]:
                run = deduction_run_retry_start(run=DeductionRun.objects.get(pk=opts["retry"]), actor=actor)
            else:
                run = deduction_run_start(actor=actor)
        except DeductionRun.DoesNotExist:
            raise CommandError(f"扣款批次{opts['retry']}不存在") from None
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from None
        file = run.request_file
        self.stdout.write(f"扣款批次#{run.pk}：{file.lines}家单位，合计{format_yuan(file.amount_fen)}元")
        self.stdout.write(f"扣款请求文件：{bank_file_dir() / file.filename}")
        self.stdout.write(f"SHA-256：{file.sha256}")
        self.stdout.write(f"最迟删除：{file.keep_until:%Y-%m-%d %H:%M}（扣款结果全部导入后即删除）")
