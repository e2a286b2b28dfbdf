"""The back office's one answer to a refused service call: the Chinese messages and the HTTP status.

Every staff page that calls a service turns a refusal into its message here, so the same refusal
reads the same on every page (the API's counterpart is `shebao.api.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError

from shebao.core.errors import DomainError


@dataclass(frozen=True)
class Refusal:
    messages: list[str]  # in Chinese, one per input at fault
    status: int  # the HTTP status of the page that shows them

    @property
    def text(self) -> str:
        return "；".join(self.messages)


def refusal(e: Exception) -> Refusal:
    """The page's answer to a known refusal: a domain error (core.errors: its texts, its kind's status;
    ActionRefused is its 403 kind), PermissionDenied (403), or Django's ValidationError (400; 409 when
    it names `version`: the record changed since the page was read). Anything else is re-raised: an
    unexpected error is not a refusal."""
    if isinstance(e, DomainError):
        return Refusal([zh for _field, zh, _en in e.entries()], e.status)
    if isinstance(e, PermissionDenied):
        return Refusal([str(e) or "无权进行此操作"], 403)
    if isinstance(e, ValidationError):
        stale = hasattr(e, "error_dict") and "version" in e.error_dict
        return Refusal(list(e.messages), 409 if stale else 400)
    raise e


def refusal_text(e: Exception) -> tuple[str, int]:
    """`refusal` as one line of text (messages joined with "；") and the status."""
    found = refusal(e)
    return found.text, found.status
