"""The words of a refund's status (退费, 1.2c): the one table every page, PDF, statement, list, message
and API answer reads (review-user13 (2): one refund read 待支付 on the office's account page and the
employer's statement, 待退款 in a column and 已核准，待退款 on the case pages).

A refund is approved when its case completes, and nothing is refunded until the bank pays it: the case
shows where the money stands (`cases.models.Case.get_status_display`), the refund row the same words
(`collection.models.Refund.Status`), and the case's history names the approval step 已核准
(`cases.timeline`).
"""

from __future__ import annotations

REFUND_APPROVED_ZH = "已核准"
REFUND_NOT_PAID_ZH = f"{REFUND_APPROVED_ZH}，待退款"

# collection.models.Refund.Status code -> its words.
REFUND_STATUS_ZH: dict[str, str] = {
    "payable": REFUND_NOT_PAID_ZH,
    "in_file": f"{REFUND_APPROVED_ZH}，银行支付中",
    "failed": "退款未成功，待重新支付",
    "paid": "已退款",
    "cancelled": "退费已撤销",
}

__all__ = ["REFUND_APPROVED_ZH", "REFUND_NOT_PAID_ZH", "REFUND_STATUS_ZH"]
