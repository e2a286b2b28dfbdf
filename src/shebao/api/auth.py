"""API authentication: `Authorization: Bearer shb_…` keys for systems, the session for the pages' own calls.

One indexed query finds the key's account with its office and district (which scoping reads on every
request) and the policy's announcement state; HTTP Basic is not offered, since it would run the password
hash on every call.
"""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from shebao.core.policy import remember_state, state_annotations
from shebao.staff.models import TOKEN_PREFIX, ApiToken, token_digest


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("接口密钥格式应为“Bearer 密钥”")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("接口密钥无效") from None
        if not key.startswith(TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed("接口密钥无效")
        # One read with the account, its office and that office's parent (the district scoping reads).
        # Not read: the timestamps and the password hash (converting timestamps is most of a read's cost).
        # Read with it: the policy's announcement state, which then holds for this request (core.policy).
        # A slice, not first(): the digest is unique, and first()'s ORDER BY costs a compile on every call.
        found = (ApiToken.objects.select_related("user", "user__office", "user__office__parent")
                 .defer("created_at", "user__password", "user__last_login", "user__date_joined")
                 .annotate(**state_annotations()).filter(digest=token_digest(key), revoked_at=None)[:1])
        token = found[0] if found else None
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("接口密钥无效或已吊销")
        remember_state(token.policy_announcements, token.policy_newest)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ActsAsTheTableSays:
    """A write (POST, PUT, PATCH, DELETE) by a caller who may make none of the route's actions of the
    permission table is refused (403 problem details) before its body is parsed or validated
    (review-input12 F14: an auditor's empty submission was told which fields were missing).
    The routes' actions are `core.route_actions`; the service still checks the district and the object."""

    def has_permission(self, request: Request, view: Any) -> bool:
        from shebao.core.route_actions import SAFE_METHODS, body_chooses, write_refusal

        match = getattr(request, "resolver_match", None)
        if match is None or not getattr(request.user, "is_authenticated", False):
            return True  # IsAuthenticated (listed before) answers nobody signed in
        # A route whose body chooses the step (a transition's action, a flag's step): the step is read,
        # nothing else of the body judged, and the right to that step asked (review-input13 F11)
        body = request.data if request.method not in SAFE_METHODS and body_chooses(match.view_name) else None
        refused = write_refusal(request.user, request.method, match.view_name, match.kwargs, body)
        if refused is not None:
            raise refused  # ActionRefused: the API's 403 problem with the table's Chinese reason
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return True
