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
