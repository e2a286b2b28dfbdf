"""The back office's one answer to a refused service call: the Chinese text and the HTTP status.

Every staff page that calls a service turns a refusal into its message here, so the same refusal
reads the same on every page (the API's counterpart is `shebao.api.errors`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from shebao.cases.documents import UploadError
from shebao.cases.routing import RoutingError
from shebao.cases.workflows import TransitionError


def refusal_text(e: Exception) -> tuple[str, int]:
    """(Chinese text, status) for a known refusal: a domain error (its own status, 409 by default for
    a transition, 400 for input), PermissionDenied (403) or a ValidationError (400, its messages
    joined with "；"). Anything else is re-raised: an unexpected error is not a refusal."""
    if isinstance(e, TransitionError):
        return e.zh, getattr(e, "status", 409)
    if isinstance(e, (RoutingError, UploadError)):
        return getattr(e, "zh", str(e)), 400
    if isinstance(e, PermissionDenied):
        return str(e) or "无权进行此操作", 403
    if isinstance(e, ValidationError):
        return "；".join(e.messages), 400
    raise e
