"""The pages' flash messages, each made safe to show before it is kept (review-input5 F7).

A refusal said on the next page ("发放月份应为“年-月”…，填写的是“…”") quoted what was typed as it was
typed: a citizen ID unmasked, 5,000 characters uncut, a U+202E turning the message around. Every view
should quote through core.masking.echo; this storage is the backstop for all of them, present and
future: each message's quoted parts go through `echo` and no bidi or control character stays in it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.messages.storage.fallback import FallbackStorage

from shebao.core.masking import echo_quotes


class EchoSafeStorage(FallbackStorage):
    """Django's default message storage (cookie, then session), with each message passed through
    core.masking.echo_quotes as it is added (settings.MESSAGE_STORAGE)."""

    def add(self, level: int, message: Any, extra_tags: str = "") -> None:
        if message:
            message = echo_quotes(str(message))
        super().add(level, message, extra_tags)
