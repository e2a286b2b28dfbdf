"""`shebao reverse_payment --payment ID --user NAME --reason TEXT`: ask for a payment booked in error to be
reversed; `--approve REQUEST --user OTHER` (or `--decline`): a second person decides (maker and checker)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

from shebao.collection.ledger import LedgerError
from shebao.collection.models import Payment, PaymentReversal
from shebao.collection.services import payment_reverse, payment_reverse_approve
from shebao.core.commands import ShebaoCommand
from shebao.core.inputs import command_id
from shebao.core.money import format_yuan


class Command(ShebaoCommand):
    help = ("冲正一笔收款：一名工作人员申请（--payment、--reason），另一名工作人员复核（--approve 申请编号）后，"
            "写入反向凭证，相关应缴恢复为未缴，汇款退回待匹配队列。")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--payment", type=command_id, help="收款编号（申请冲正）")
        parser.add_argument("--approve", type=command_id, metavar="REQUEST", help="复核同意此冲正申请")
        parser.add_argument("--decline", type=command_id, metavar="REQUEST", help="复核不同意此冲正申请")
        parser.add_argument("--user", required=True, help="操作人用户名")
        parser.add_argument("--reason", default="", help="冲正原因（申请时）或复核意见")

    def handle(self, *args: Any, **opts: Any) -> None:
        from django.contrib.auth import get_user_model

        try:
            actor = get_user_model().objects.get(username=opts["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"用户“{opts['user']}”不存在") from None
        try:
            if opts["approve"] or opts["decline"]:
                pk = opts["approve"] or opts["decline"]
                try:
                    request = PaymentReversal.objects.select_related("payment").get(pk=pk)
                except PaymentReversal.DoesNotExist:
                    raise CommandError(f"冲正申请{pk}不存在") from None
                decided = payment_reverse_approve(reversal=request, actor=actor, approve=bool(opts["approve"]),
                                                  note=opts["reason"])
                if decided.reversal_id:
                    self.stdout.write(f"已冲正收款#{request.payment_id}（{format_yuan(request.payment.amount_fen)}元），"
                                      f"冲正凭证#{decided.reversal_id}")
                else:
                    self.stdout.write(f"已驳回冲正申请#{pk}，收款#{request.payment_id}不变")
                return
            if not opts["payment"]:
                raise CommandError("请用 --payment 指定要冲正的收款，或用 --approve/--decline 复核冲正申请")
            try:
                payment = Payment.objects.get(pk=opts["payment"])
            except Payment.DoesNotExist:
                raise CommandError(f"收款{opts['payment']}不存在") from None
            request = payment_reverse(payment=payment, actor=actor, reason=opts["reason"])
        except (ValidationError, LedgerError) as e:
            raise CommandError("；".join(getattr(e, "messages", [str(e)]))) from None
        except PermissionDenied as e:  # the table's rows, the district line, or the same person deciding
            raise CommandError(str(e)) from None
        self.stdout.write(f"已申请冲正收款#{payment.pk}（申请编号{request.pk}），须由另一名工作人员复核："
                          f"shebao reverse_payment --approve {request.pk} --user 复核人")
