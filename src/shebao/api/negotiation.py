"""Content negotiation with a shortcut for what systems send: no Accept header, `*/*` or
`application/json`, and no ?format=. DRF would parse the header and each renderer's media type on
every request to reach the same answer (the first renderer, JSON); everything else still goes
through DRF's own negotiation. tests/api/test_negotiation.py holds the two equal."""

from __future__ import annotations

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation

PLAIN_ACCEPT = frozenset({None, "*/*", "application/json"})


def plain_json_answer(meta: Any) -> bool:
    """The request asks for nothing but JSON: no query (so no ?format=), no Accept or a plain one."""
    return not meta.get("QUERY_STRING") and meta.get("HTTP_ACCEPT") in PLAIN_ACCEPT


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request: Any, renderers: list[Any], format_suffix: str | None = None) -> Any:
        if (format_suffix is None and plain_json_answer(request.META)
                and renderers and renderers[0].media_type == "application/json"):
            return renderers[0], "application/json"
        return super().select_renderer(request, renderers, format_suffix)
