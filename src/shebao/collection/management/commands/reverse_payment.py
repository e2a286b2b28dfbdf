"""`shebao reverse_payment --payment ID --user NAME --reason TEXT`: correct a payment booked in error."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from shebao.collection.ledger import LedgerError
from shebao.collection.models import Payment
from shebao.collection.services import payment_reverse
from shebao.core.money import format_yuan


class Command(BaseCommand):
    help = "冲正一笔收款：写入反向凭证（记录操作人和原因），相关应缴恢复为未缴，汇款退回待匹配队列。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--payment", type=int, required=True, help="收款编号")
        parser.add_argument("--user", required=True, help="操作人用户名")
        parser.add_argument("--reason", required=True, help="冲正原因")

    def handle(self, *args: Any, **opts: Any) -> None:
        from django.contrib.auth import get_user_model

        try:
            payment = Payment.objects.get(pk=opts["payment"])
            actor = get_user_model().objects.get(username=opts["user"])
        except Payment.DoesNotExist:
            raise CommandError(f"收款{opts['payment']}不存在") from None
        except get_user_model().DoesNotExist:
            raise CommandError(f"用户“{opts['user']}”不存在") from None
        try:
            reversal = payment_reverse(payment=payment, actor=actor, reason=opts["reason"])
        except (ValidationError, LedgerError) as e:
            raise CommandError("；".join(getattr(e, "messages", [str(e)]))) from None
        except PermissionDenied as e:  # the table's payment.reverse: the named user may not
            raise CommandError(str(e)) from None
        self.stdout.write(f"已冲正收款#{payment.pk}（{format_yuan(payment.amount_fen)}元），冲正凭证#{reversal.pk}")
