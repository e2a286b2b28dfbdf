"""Telephone numbers people can call from the page (review-user13 (10): the helpline and the card line were
plain text on a phone-first portal). ``{{ helpline|phone_links }}``, ``{{ text|phone_links }}``: the text, escaped, with
each number of core.contact (the helpline, the card line) as a ``tel:`` link. Every page that shows one
of them uses this filter (tests/portal/test_phone_links.py greps the templates)."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _numbers() -> re.Pattern[str]:
    from shebao.core.contact import card_line, helpline

    numbers = sorted({n for n in (helpline(), card_line()) if n}, key=len, reverse=True)
    return re.compile(r"(?<![\d-])(?:" + "|".join(map(re.escape, numbers)) + r")(?![\d-])")


def phone_links_html(value: Any) -> SafeString:
    """``value`` escaped, the configured numbers in it as tel: links."""
    text = str(conditional_escape("" if value is None else value))
    # the text is escaped above; a number is the settings' own digits and dashes
    return mark_safe(_numbers().sub(
        lambda m: f'<a class="tel" href="tel:{m.group(0)}">{m.group(0)}</a>', text))


@register.filter
def phone_links(value: Any) -> SafeString:
    """{{ text|phone_links }}: the text with the helpline and the card line as tel: links."""
    return phone_links_html(value)
