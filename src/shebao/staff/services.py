"""Writes of staff accounts: API keys made and revoked, each with its audit row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from shebao.core.audit import audit_create_event, audit_update, snapshot
from shebao.core.permissions import require
from shebao.staff.models import ApiToken, User, token_digest, token_prefix


@transaction.atomic
def api_token_create(*, actor: Any, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a key for `user`. Returns the row and the key, which is not stored and cannot be shown again."""
    require(actor, "api_token.create")
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, digest=token_digest(key), prefix=token_prefix(key))
    event = audit_create_event(actor=actor, instance=token, reason=f"为{user.get_username()}创建接口密钥")
    event.changes.pop("digest", None)  # of no use to a reader of the trail
    event.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken, reason: str) -> ApiToken:
    """Revoke a key at once (the API refuses it from the next call); the reason goes to the trail."""
    require(actor, "api_token.revoke")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        before = snapshot(locked)
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_update(actor=actor, instance=locked, before=before, reason=reason)
    return locked
