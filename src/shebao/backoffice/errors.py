"""The back office's one answer to a refused service call: the Chinese messages and the HTTP status.

Every staff page that calls a service turns a refusal into its message here, so the same refusal
reads the same on every page (the API's counterpart is `shebao.api.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError

from shebao.core.errors import DomainError


@dataclass(frozen=True)
class Refusal:
    messages: list[str]  # in Chinese, one per input at fault
    status: int  # the HTTP status of the page that shows them
    fields: dict[str, str] = field(default_factory=dict)  # input name -> its message(s), shown at the input

    def at(self, prefix: str) -> dict[str, str]:
        """`fields` keyed ``<prefix>-<input name>``: the keys a page with several forms gives to
        `core.templatetags.field_errors` (``{% invalid field_errors "fever-celsius" %}``)."""
        return {f"{prefix}-{name}": text for name, text in self.fields.items()}

    @property
    def text(self) -> str:
        return "；".join(self.messages)


def refusal(e: Exception) -> Refusal:
    """The page's answer to a known refusal: a domain error (core.errors: its texts, its kind's status;
    ActionRefused is its 403 kind), PermissionDenied (403), or Django's ValidationError (400; 409 when
    it names `version`: the record changed since the page was read). Anything else is re-raised: an
    unexpected error is not a refusal. `Refusal.fields` names the inputs at fault, so the page shows each
    message at its input (aria-invalid, aria-describedby) and the list at the top only as a summary."""
    if isinstance(e, DomainError):
        fields: dict[str, str] = {}
        for name, zh, _en in e.entries():
            if name:
                fields[name] = f"{fields[name]}；{zh}" if name in fields else zh
        return Refusal([zh for _field, zh, _en in e.entries()], e.status, fields)
    if isinstance(e, PermissionDenied):
        return Refusal([str(e) or "无权进行此操作"], 403)
    if isinstance(e, ValidationError):
        stale = hasattr(e, "error_dict") and "version" in e.error_dict
        fields = ({name: "；".join(ValidationError(errs).messages) for name, errs in e.error_dict.items()
                   if name != "__all__"} if hasattr(e, "error_dict") else {})
        return Refusal(list(e.messages), 409 if stale else 400, fields)
    raise e


def refusal_text(e: Exception) -> tuple[str, int]:
    """`refusal` as one line of text (messages joined with "；") and the status."""
    found = refusal(e)
    return found.text, found.status
