"""The user name django-axes counts sign-in failures under, and keeps (issue 16 §4, review-input6 F9).

django-axes stores the user name of every failed sign-in in `axes_accessattempt` (and in its log
lines). A clerk who types an ID number, a phone number or a password into the user-name box left it
there in clear. Now (``AXES_USERNAME_CALLABLE = "shebao.staff.lockout.attempt_username"``):

* an existing staff user name is kept as it is (the admin sees whose account is locked, and a
  successful sign-in resets that account's count);
* a portal lockout key (``portal-person:<keyed hash>``, ``portal-employer:<pk or keyed hash>``,
  shebao.portal.signin) is kept: it already holds no personal data;
* anything else is kept only as ``unknown:<keyed hash>``: HMAC-SHA256 under the blind-index key
  (core.crypto.blind_index, kind ``staff_sign_in_name``) of the name as typed, normalised. The same
  name typed again gives the same key, so lockout still counts per user name.

`hash_kept_usernames` rewrites the rows kept before this: the data migration staff 0006 runs it once
when a deployed copy migrates, and `shebao axes_usernames_hash` runs the same again (docs/encryption.md).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from shebao.core import crypto

UNKNOWN_PREFIX = "unknown:"
KIND = "staff_sign_in_name"
# Keys already free of personal data: the portal's lock keys and a name already hashed here.
_KEPT = re.compile(r"^(portal-person:[0-9a-f]{1,64}|portal-employer:(\d{1,19}|[0-9a-f]{1,64})|unknown:[0-9a-f]{64})$")


def _models(apps: Any) -> Any:
    # The app registry the rewrite reads through: Django's (the command, the sign-in) or a
    # migration's historical one (staff 0006), whose models match the schema at that point.
    if apps is None:
        from django.apps import apps as current

        return current
    return apps


def stored_username(typed: str | None, *, apps: Any = None) -> str | None:
    """The user name django-axes keeps for `typed`: the name itself when it is a staff account's (or
    a key free of personal data, see the module), else ``unknown:`` and its keyed hash (64 hex).
    None and "" are kept as they are. `apps`: a migration's historical app registry (else Django's)."""
    if not typed:
        return typed
    typed = str(typed)
    if _KEPT.match(typed):
        return typed
    from django.contrib.auth import get_user_model

    field = get_user_model().USERNAME_FIELD  # a name only: the table is read through `apps`
    model = _models(apps).get_model(settings.AUTH_USER_MODEL)
    if model._default_manager.filter(**{field: typed}).exists():
        return typed
    digest = crypto.blind_index(typed, kind=KIND)
    return UNKNOWN_PREFIX + digest if digest else ""


def attempt_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    """django-axes' AXES_USERNAME_CALLABLE: the user name of a sign-in attempt, from the credentials
    (the sign-in form, the portal's lock keys) or else the posted form, as `stored_username` keeps it."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        typed = credentials.get(field)
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        typed = data.get(field) if hasattr(data, "get") else None
    return stored_username(typed)


def cleansed(post_data: str) -> str:
    """django-axes' stored POST data ("name=value" lines) with the value of every field named in
    AXES_SENSITIVE_PARAMETERS (and the password) replaced, as django-axes now writes it."""
    names = {"password", *getattr(settings, "AXES_SENSITIVE_PARAMETERS", [])}
    lines = []
    for line in (post_data or "").split("\n"):
        name, eq, _value = line.partition("=")
        lines.append(f"{name}=********************" if eq and name in names else line)
    return "\n".join(lines)


def rewrite_attempts(apps: Any = None) -> dict[str, int]:
    """Rewrite the user names django-axes kept before `attempt_username` (attempts, failure log,
    access log): each becomes what `stored_username` keeps, and the attempts' POST data is cleansed
(`cleansed`). Two attempt rows that then share a user
    name, address and browser are merged (failures added, the latest time kept), as django-axes holds
    them unique. Returns the rows changed per table. Idempotent. `apps`: a migration's historical
    app registry (staff 0006), else Django's."""
    from django.db import transaction

    registry = _models(apps)
    AccessAttempt, AccessFailureLog, AccessLog = (registry.get_model("axes", name) for name in (
        "AccessAttempt", "AccessFailureLog", "AccessLog"))
    changed = {"axes.AccessAttempt": 0, "axes.AccessFailureLog": 0, "axes.AccessLog": 0}
    with transaction.atomic():
        for model in (AccessFailureLog, AccessLog):
            for name in model.objects.exclude(username__isnull=True).values_list("username", flat=True).distinct():
                new = stored_username(name, apps=apps)
                if new != name:
                    changed[model._meta.label] += model.objects.filter(username=name).update(username=new)
        for attempt in AccessAttempt.objects.select_for_update().order_by("pk"):
            new, post = stored_username(attempt.username, apps=apps), cleansed(attempt.post_data)
            if new == attempt.username and post == attempt.post_data:
                continue
            attempt.post_data = post
            _move_attempt(AccessAttempt, attempt, new)
            changed["axes.AccessAttempt"] += 1
    return changed


def _move_attempt(model: type, attempt: Any, username: str) -> None:
    """Keep `attempt` under `username`: two attempt rows that then share a user name, address and
    browser become one (failures added, the latest time kept), as django-axes holds them unique."""
    twin = model.objects.filter(username=username, ip_address=attempt.ip_address,
                                user_agent=attempt.user_agent).exclude(pk=attempt.pk).first()
    if twin is not None:
        twin.failures_since_start += attempt.failures_since_start
        twin.attempt_time = max(twin.attempt_time, attempt.attempt_time)
        twin.post_data = cleansed(twin.post_data)
        twin.save(update_fields=["failures_since_start", "attempt_time", "post_data"])
        attempt.delete()
    else:
        attempt.username = username
        attempt.save(update_fields=["username", "post_data"])


def rename_attempts(old: list[str], new: str) -> int:
    """Move django-axes' rows kept under any user name of `old` to `new` (attempts, failure log,
    access log), so their failures count under `new`: a portal lock key made under a key of
    SECRET_KEY_FALLBACKS becomes the current key's (`portal.signin.carried_lock_key`) and a rotation
    of SECRET_KEY neither lifts a lockout nor restarts its count. Returns the rows moved."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.db import transaction

    old = [name for name in old if name and name != new]
    if not old:
        return 0
    moved = 0
    with transaction.atomic():
        for model in (AccessFailureLog, AccessLog):
            moved += model.objects.filter(username__in=old).update(username=new)
        for attempt in AccessAttempt.objects.select_for_update().filter(username__in=old).order_by("pk"):
            _move_attempt(AccessAttempt, attempt, new)
            moved += 1
    return moved


def hash_kept_usernames(apps: Any = None) -> dict[str, int]:
    """Every rewrite of sign-in rows kept before user names were hashed: django-axes' tables
    (`rewrite_attempts`) and the portal's employer sign-in labels (`portal.signin.rewrite_event_labels`).
    Returns the rows changed per table (model label). Idempotent: a second run changes nothing. Run by
    the data migration staff 0006 with its historical app registry (`apps`) and by
    `shebao axes_usernames_hash` with Django's."""
    from shebao.portal.signin import rewrite_event_labels

    changed = rewrite_attempts(apps)
    changed["portal.SignInEvent"] = rewrite_event_labels(apps)
    return changed
