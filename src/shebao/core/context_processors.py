"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest

from shebao.core import clock


def business_date(request: HttpRequest) -> dict:
    """``business_date``: the set training/demo date (core.clock), or None; the top bar shows it."""
    return {"business_date": clock.business_date()}
