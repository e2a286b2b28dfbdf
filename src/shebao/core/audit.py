"""Writing the audit trail. Every registry write goes through these, bulk writes included.

Each function writes its rows in the caller's transaction, so a change and its trail are
committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile
from django.dispatch import Signal

from shebao.core.models import AuditEvent
from shebao.core.permissions import actor_label, actor_user

# Sent with ``labels`` (model labels) when events were written by bulk_create, which sends no
# post_save: the leaders' tallies refresh after such writes too (reports.refresher).
events_written = Signal()


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or None
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of an instance, as JSON-able values keyed by attname, with every
    personal number masked (`field_shown`): the trail is read by auditors and kept for years, so it
    must not be a second copy in clear of an ID number, a mobile or a bank account (review-input4 F1:
    it kept `Case.details` whole, the insured person's ID number and the refund account included).

    A value encrypted at rest (core.fields.EncryptedTextField) is kept masked, with a keyed
    fingerprint (`encrypted_shown`): the trail must not hold in clear what its column hides, yet a
    change that keeps the masked digits (13812345678 → 13899995678, both 138****5678) is still a
    change in the trail. Any other text, and every string inside a JSON value (an application's
    content, a person's other data, an effect's result, at any depth), is kept the same way when it
    holds a personal number (`trail_shown`); text without one is kept as it is. `fields`: only these
    attnames (a writer that changes a known few, `cases.batch`), else every concrete field.
    """
    only = None if fields is None else set(fields)
    return {f.attname: field_shown(f, getattr(instance, f.attname)) for f in instance._meta.concrete_fields
            if only is None or f.attname in only}


def field_shown(field: models.Field, value: Any) -> Any:
    """How the trail keeps `value` of `field`: an encrypted text masked with its fingerprint
    (`encrypted_shown`), anything else through `trail_shown`."""
    from shebao.core.fields import EncryptedTextField

    if isinstance(field, EncryptedTextField) and not getattr(field, "holds_json", False):
        return encrypted_shown(value)
    return trail_shown(value)


def trail_shown(value: Any) -> Any:
    """A JSON-able value with every personal number in its text masked (`core.masking.mask_text`):
    dicts and lists at any depth (keys included), and a string that holds an ID, mobile or account
    number kept as its masked text followed by its keyed fingerprint, e.g.
    "110105********9977（指纹 1a2b3c4d）", so that two different numbers still read as a change.
    Strings without a personal number, numbers, booleans and None are kept as they are; dates become
    ISO text and model instances their key (`_jsonable`)."""
    from shebao.core.masking import mask_text

    if isinstance(value, dict):
        return {(mask_text(k) if isinstance(k, str) else k): (contact_shown(k, v) if k in CONTACT_KEYS and isinstance(
            v, str) and v else trail_shown(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [trail_shown(v) for v in value]
    if isinstance(value, str):
        return encrypted_shown(value) if value and mask_text(value) != value else value
    return _jsonable(value)


# Items that say where a person is reached, masked by what they are wherever the trail keeps them (the
# case page and the API mask them so: review-input7 F4 found a change's landline, e-mail and postal
# address kept whole in the trail, because mask_text reads only numbers).
CONTACT_KEYS = frozenset({"phone", "email", "address", "postal_address", "emergency_contact", "contact_email",
                          "contact_phone", "contact_wechat", "wechat", "wechat_openid", "recipient"})


def contact_shown(key: str, value: str) -> str:
    """How the trail keeps a contact item ``value`` of kind ``key`` (CONTACT_KEYS): an e-mail as
    ``v***@example.com``, an address as its first six characters, anything else as `encrypted_shown`
    masks it (a number masked, other text its last four characters), each followed by its keyed
    fingerprint so that a change still reads as one."""
    from shebao.core.crypto import blind_index
    from shebao.core.masking import mask_address, mask_email

    if "email" in key:
        shown = mask_email(value)
    elif "address" in key:
        shown = mask_address(value)
    else:
        return encrypted_shown(value)
    return f"{shown}（指纹 {blind_index(value, kind='audit')[:8]}）"


def encrypted_shown(value: str | None) -> str:
    """How the trail keeps an encrypted value: masked (`core.masking.mask_text`) and followed by the
    first 8 hex digits of its keyed hash (`core.crypto.blind_index`, kind "audit"), e.g.
    "138****5678（指纹 1a2b3c4d）"; "" for no value. The fingerprint tells two values apart without
    revealing either (it needs the blind-index key; it changes when that key is rotated). A value
    the masker does not read as a personal number (a landline) keeps only its last 4 characters."""
    from shebao.core.crypto import blind_index
    from shebao.core.masking import mask_text

    text = str(value or "")
    if not text:
        return ""
    shown = mask_text(text)
    if shown == text:  # not read as a personal number (a landline, a short account): the last 4 only
        shown = "*" * max(len(text) - 4, 0) + text[-4:] if len(text) > 4 else "*" * len(text)
    return f"{shown}（指纹 {blind_index(text, kind='audit')[:8]}）"


def _reason(reason: str) -> str:
    """A reason as the trail keeps it: any personal number in it masked (`core.masking.mask_text`)."""
    from shebao.core.masking import mask_text

    return mask_text(reason or "")


def _actor_fields(actor: Any) -> dict[str, Any]:
    """Who acted: a staff account, or a named system job (`core.permissions.SystemActor`), never nobody."""
    return {"actor": actor_user(actor), "actor_label": actor_label(actor)}


def _district(instance: models.Model) -> str:
    return str(getattr(instance, "audit_district_code", "") or "")


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_create(*, actor: Any, instance: models.Model, reason: str = "") -> AuditEvent:
    event = audit_create_event(actor=actor, instance=instance, reason=reason)
    event.save()
    return event


def audit_create_event(*, actor: Any, instance: models.Model, reason: str = "") -> AuditEvent:
    """The unsaved event for a creation, for writers that insert it together with the row."""
    after = snapshot(instance)
    return AuditEvent(
        **_actor_fields(actor),
        action=AuditEvent.Action.CREATE,
        model=instance._meta.label,
        object_pk=str(instance.pk),
        district_code=_district(instance),
        changes={k: [None, v] for k, v in after.items() if v not in (None, "")},
        reason=_reason(reason),
    )


def audit_update(
    *, actor: Any, instance: models.Model, before: dict[str, Any], reason: str = ""
) -> AuditEvent | None:
    event = audit_update_event(actor=actor, instance=instance, before=before, reason=reason)
    if event is not None:
        event.save()
    return event


def audit_update_event(
    *, actor: Any, instance: models.Model, before: dict[str, Any], reason: str = ""
) -> AuditEvent | None:
    """The unsaved event for an update (None when nothing changed), for writers that insert many at
    once (`cases.batch`)."""
    changes = diff(before, snapshot(instance, before.keys()))
    if not changes:
        return None
    return AuditEvent(
        **_actor_fields(actor),
        action=AuditEvent.Action.UPDATE,
        model=instance._meta.label,
        object_pk=str(instance.pk),
        district_code=_district(instance),
        changes=changes,
        reason=_reason(reason),
    )


def audit_bulk_create(
    *, actor: Any, model: type[models.Model], objs: Sequence[models.Model], district_code: str = "",
    reason: str = "",
) -> AuditEvent | None:
    """One event for a batch: the key range and count. The rows themselves hold what was created."""
    if not objs:
        return None
    pks = [o.pk for o in objs if o.pk is not None]
    return audit_bulk_range(actor=actor, model=model, first_pk=min(pks) if pks else None,
                            last_pk=max(pks) if pks else None, count=len(objs), district_code=district_code,
                            reason=reason)


def audit_bulk_range(
    *, actor: Any, model: type[models.Model], first_pk: Any, last_pk: Any, count: int, district_code: str = "",
    reason: str = "",
) -> AuditEvent:
    """The event of a batch written by SQL (INSERT … SELECT, COPY): its key range and count, as
    `audit_bulk_create` records a batch of objects."""
    return AuditEvent.objects.create(
        **_actor_fields(actor),
        action=AuditEvent.Action.BULK_CREATE,
        model=model._meta.label,
        object_pk="" if first_pk is None else str(first_pk),
        object_pk_last="" if last_pk is None else str(last_pk),
        count=count,
        district_code=district_code,
        changes={},
        reason=_reason(reason),
    )


def _update_events(actor: Any, objs: list[models.Model], fields: Sequence[str], reason: str) -> list[AuditEvent]:
    """One unsaved UPDATE event per object of `objs` whose `fields` differ from the stored row (read first)."""
    model = type(objs[0])
    by_name = {f.name: f for f in model._meta.concrete_fields} | {f.attname: f for f in model._meta.concrete_fields}

    def shown(name: str, value: Any) -> Any:
        field = by_name.get(name)
        return field_shown(field, value) if field is not None else trail_shown(value)

    current = {
        row["pk"]: row
        for row in model.objects.filter(pk__in=[o.pk for o in objs]).values("pk", *fields)
    }
    events = []
    for obj in objs:
        old = current.get(obj.pk, {})
        changes = {
            f: [shown(f, old.get(f)), shown(f, getattr(obj, f))]
            for f in fields
            if _jsonable(old.get(f)) != _jsonable(getattr(obj, f))
        }
        if changes:
            events.append(
                AuditEvent(
                    **_actor_fields(actor),
                    action=AuditEvent.Action.UPDATE,
                    model=model._meta.label,
                    object_pk=str(obj.pk),
                    district_code=_district(obj),
                    changes=changes,
                    reason=_reason(reason),
                )
            )
    return events


def _events_write(model: type[models.Model], events: list[AuditEvent]) -> int:
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    if events:
        events_written.send(sender=AuditEvent, labels={model._meta.label})
    return len(events)


def audited_bulk_update(
    *, actor: Any, objs: Iterable[models.Model], fields: Sequence[str], reason: str = ""
) -> int:
    """`bulk_update` with one audit row per changed object, old and new values read first.

    Returns the number of audit rows (objects changed)."""
    objs = list(objs)
    if not objs:
        return 0
    events = _update_events(actor, objs, fields, reason)
    type(objs[0]).objects.bulk_update(objs, fields, batch_size=1000)
    return _events_write(type(objs[0]), events)


def audited_update_all(*, actor: Any, objs: Iterable[models.Model], values: dict[str, Any], reason: str = "") -> int:
    """Set the same `values` (field name → value) on every object of `objs`, in the database by one
    UPDATE per 1,000 keys, with the audit rows `audited_bulk_update` writes (one per changed object,
    old and new values). `bulk_update`'s CASE per object cost a second for 1,500 spells ended by one
    roster; this is one statement. Returns the number of audit rows."""
    objs = list(objs)
    if not objs:
        return 0
    for obj in objs:
        for name, value in values.items():
            setattr(obj, name, value)
    model = type(objs[0])
    events = _update_events(actor, objs, list(values), reason)
    pks = [o.pk for o in objs]
    for i in range(0, len(pks), 1000):
        model.objects.filter(pk__in=pks[i:i + 1000]).update(**values)
    return _events_write(model, events)
