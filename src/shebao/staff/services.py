"""Writes of staff accounts: API keys made and revoked, second-factor authenticators bound; each with
its audit row."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shebao.core import clock
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
        locked.revoked_at = clock.now()
        locked.save(update_fields=["revoked_at"])
        audit_update(actor=actor, instance=locked, before=before, reason=reason)
    return locked


@transaction.atomic
def staff_otp_enroll(*, actor: Any, user: User, key_hex: str | None = None) -> Any:
    """Bind a TOTP authenticator (RFC 6238, 6 digits every 30 s; django-otp) to `user`, replacing any.

    Staff sign in with a password and this second factor (issue 16 §3). Returns the confirmed
    `django_otp.plugins.otp_totp.models.TOTPDevice`; its secret (`device.key`, hex) is shown once by
    the command that called this (`shebao staff_otp`) and never written to the audit trail, which
    records only whose authenticator was bound and by whom. `key_hex` fixes the secret (the demo's
    accounts share a published one); by default a random 20-byte secret.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

    from shebao.core.models import AuditEvent
    from shebao.core.permissions import actor_label, actor_user

    require(actor, "staff_otp.enroll")
    replaced = TOTPDevice.objects.filter(user=user).count()
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="动态口令", key=key_hex or default_key(), confirmed=True)
    AuditEvent.objects.create(
        actor=actor_user(actor), actor_label=actor_label(actor), action=AuditEvent.Action.CREATE,
        model=TOTPDevice._meta.label, object_pk=str(device.pk),
        changes={"user": [None, user.pk], "replaced": [None, replaced]},
        reason=f"为{user.get_username()}绑定动态口令",
    )
    return device
