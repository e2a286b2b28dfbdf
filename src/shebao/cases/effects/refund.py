"""Refunds (退费, 1.2c): on approval a payable in the ledger, paid later through a bank payment file.

The workflow refuses approval before a confirmed phone check and after the insured person denied
the refund (`workflows._phone_confirmed`, `_not_denied`). Here the amount is split over the dues
named, oldest first, as `collection.refundable.refund_room` places it (the books: paid less other
refunds and the relief credited to the prepaid balance; every other refund application in handling
keeping its amount; read under the lock of the dues' employer), so a refund never returns more than
was paid. The ledger moves the amount from income (per insurance type) to `refund_payable` (per employer);
`collection.refunds` pays it through a bank file and settles it on the bank's result.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from shebao.cases.effects import EffectRefused, EffectResult, effect
from shebao.collection import ledger
from shebao.collection.ledger import Line
from shebao.collection.models import INSURANCE_ORDER, Due, LedgerTransaction, Refund, RefundItem
from shebao.collection.refund_words import REFUND_NOT_PAID_ZH
from shebao.collection.refundable import refund_room
from shebao.core import clock
from shebao.core.audit import audit_create
from shebao.core.money import format_yuan
from shebao.rules.business_fields import FieldError

REFUND_PAYABLE = "refund_payable"


@effect("refund.payable")
def refund_payable(case: Any, actor: Any) -> EffectResult:
    d = case.details
    dues = list(Due.objects.select_for_update().filter(pk__in=d["dues"]))
    dues.sort(key=lambda x: (x.month_no, INSURANCE_ORDER[x.insurance], x.pk))
    split = refund_room([x.pk for x in dues], exclude_case=case.pk).split(d["amount_fen"])
    if split is None:  # checked by refund_within_paid a moment ago, under the same locks: defence in depth
        raise EffectRefused.of([FieldError("details.amount_fen", "退费金额超过所退费款的已缴未退金额，不能多退")])
    by_pk = {x.pk: x for x in dues}
    parts: list[tuple[Due, int]] = [(by_pk[pk], amount) for pk, amount in split]
    employer = dues[0].employer
    by_insurance: dict[str, int] = defaultdict(int)
    for due, amount in parts:
        by_insurance[due.insurance] += amount
    lines = [Line(ledger.income_account(k), None, amt) for k, amt in sorted(by_insurance.items())]
    lines.append(Line(REFUND_PAYABLE, employer.pk, -d["amount_fen"]))
    txn = ledger.ledger_post(kind=LedgerTransaction.Kind.REFUND, occurred_on=clock.today(), lines=lines, actor=actor,
                             memo=f"申请#{case.pk}退费核准：{d['payee_name']}")
    refund = Refund.objects.create(case=case, employer=employer, kind=d["refund_kind"], amount_fen=d["amount_fen"],
                                   payee_name=d["payee_name"], bank_name=d["bank_name"],
                                   bank_account=d["bank_account"], approval=txn)
    RefundItem.objects.bulk_create([RefundItem(refund=refund, due=due, amount_fen=amt) for due, amt in parts])
    audit_create(actor=actor, instance=refund, reason=f"申请#{case.pk}退费核准")
    return EffectResult(
        # the refund's own words first (collection.refund_words; review-user14 (4))
        f"{REFUND_NOT_PAID_ZH}：退费{format_yuan(d['amount_fen'])}元记入应付退费，由银行支付至{d['payee_name']}"
        f"（{refund.bank_account_masked}）",
        {"refund": refund.pk, "amount_fen": d["amount_fen"], "ledger": [txn.pk]})
