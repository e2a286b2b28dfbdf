"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest

from shebao.core import clock


def business_date(request: HttpRequest) -> dict:
    """``business_date``: the set training/demo date (core.clock), or None; the top bar shows it."""
    return {"business_date": clock.business_date()}


def contact(request: HttpRequest) -> dict:
    """``helpline`` (questions, clause 10) and ``card_line`` (the card, clause 5.1): core.contact."""
    from shebao.core.contact import card_line, helpline

    return {"helpline": helpline(), "card_line": card_line()}
