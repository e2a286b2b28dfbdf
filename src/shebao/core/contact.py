"""The telephone numbers every page, letter, message and PDF gives people (review U15: the portal
said 12333 and the public check page 96102 for the same questions).

- `helpline()`: questions about social insurance business, a case's progress, a statement, a fee:
  the 12333 hotline of clause 10 of the notice ("the 12333 hotline … answer questions").
- `card_line()`: the social security card's delivery and replacement (clause 5.1: "follow the
  delivery by tracking number (or by calling 96102)").

Both are settings (``SHEBAO_HELPLINE``, ``SHEBAO_CARD_LINE``), so a district or a training copy
changes them in one place; no page writes a number of its own (tests/web/test_helpline.py greps).
"""

from __future__ import annotations

from django.conf import settings


def helpline() -> str:
    """The consultation hotline (clause 10), e.g. ``12333``."""
    return str(settings.SHEBAO_HELPLINE)


def card_line() -> str:
    """The social security card service line (clause 5.1), e.g. ``96102``."""
    return str(settings.SHEBAO_CARD_LINE)


__all__ = ["card_line", "helpline"]
