"""The words of a card replacement's status while its card is on the way (5.1): the one table the case's
status (`cases.models.Case.get_status_display`: every page, list, message and API answer), its history
(`cases.timeline`) and the applicant's messages read.

A card's case is completed when the card is ordered, but the person has no card until it is delivered
(review-user14 (5): the case and its SMS said 已办结 while the card was being made or posted): the case
shows where the card stands, and 已办结 only once it has reached the person.
"""

from __future__ import annotations

CARD_ORDERED_ZH = "已受理，制卡中"

# cards.models.CardOrder.Status code -> the case's status while the card is on its way.
CARD_CASE_STATUS_ZH: dict[str, str] = {
    "ordered": CARD_ORDERED_ZH,
    "made": "已制卡，待寄出",
    "posted": "已寄出，待妥投",
    "delivered": "已办结",
}

__all__ = ["CARD_CASE_STATUS_ZH", "CARD_ORDERED_ZH"]
