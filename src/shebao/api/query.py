"""Query parameters an API view reads, and the refusal of every other one (issue 16, review-input9 F5).

``GET /api/v1/relief/newly-known/?on=2020-12-31`` answered the business day's figures as if the date had
been read, and ``/relief/packs/?on=garbage`` the whole list: a parameter a view does not read was
silently ignored, so a client that believed it asked for something else was not told. Every view of the
API is a `KnownQueryParams`: it lists, per method (an APIView) or per action (a ViewSet), the query
parameters it reads (`query_params`); any other one is 400 problem details, an entry per parameter
naming it and the ones the view takes, in Chinese. ``format`` (DRF's format override) is taken
everywhere. A paging parameter the view does not page by keeps the paging module's own words
(`api.pagination`: "按游标分页…", "此列表一次答复全部结果…").

The check runs after authentication and the view's permission classes (401/403 first) and before the
handler, so a refused request reads and writes nothing. tests/api/test_strict_input.py holds every
view's list equal to the parameters its OpenAPI operation declares, and sends an unknown one to each.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError

from shebao.api.pagination import NOT_BY_NUMBER, NOT_PAGED, OTHER_STYLES

ALWAYS = ("format",)  # DRF's format override (?format=json), taken by every view
PAGING = ("cursor", "page_size")


def unknown_query_problems(query: Any, allowed: tuple[str, ...] | list[str]) -> dict[str, str]:
    """The query parameters in `query` (a QueryDict) that are not in `allowed` (nor `ALWAYS`), each with
    the Chinese reason, keyed by name (cut to 40 characters, masked): {} when every one is known."""
    from shebao.core.masking import mask_text

    known = set(allowed) | set(ALWAYS)
    paged = "cursor" in known
    shown = "、".join(a for a in allowed) or "（无）"
    problems: dict[str, str] = {}
    for name in query:
        if name in known:
            continue
        label = mask_text(str(name)[:40])
        if name in OTHER_STYLES and paged:
            problems[label] = NOT_BY_NUMBER.format(name=label)
        elif name in (*OTHER_STYLES, *PAGING):
            problems[label] = NOT_PAGED.format(name=label)
        else:
            problems[label] = f"不认识的查询参数“{label}”，本接口可用的查询参数：{shown}"
    return problems


class KnownQueryParams:
    """Mixin of every API view: ``query_params`` maps a method (``"get"``, an APIView) or an action
    (``"list"``, ``"retrieve"``, a ViewSet) to the query parameters it reads; a method or action not
    listed reads none. Any other parameter is refused with 400 before the handler runs."""

    query_params: dict[str, tuple[str, ...]] = {}

    def allowed_query_params(self, request: Any) -> tuple[str, ...]:
        """The parameters this request's method or action reads."""
        key = getattr(self, "action", None) or request.method.lower()
        return tuple(self.query_params.get(key, ()))

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.query_params:
            problems = unknown_query_problems(request.query_params, self.allowed_query_params(request))
            if problems:
                raise ValidationError({k: [v] for k, v in problems.items()})
