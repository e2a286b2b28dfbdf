"""Effects on the registry: a change of a person's data (1.3a) and a registration (1.4, 0.3).

A change writes each field's new value through `registry.services.person_update` (normalised and
checked as any registry write) and one `PersonHistory` row per field with the old and the new
value, the case's number and who completed it. A registration creates the person (citizen ID,
Hong Kong/Macao/Taiwan and foreign documents alike), the employment spell from the TRUE start
month even when registered late (0.3: late registration in the window is accepted with the true
start month) and the dues of the months from then to the month before the application: those
months lie in the relief window and carry no late fee when paid by its end (Reading 0.3a).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from shebao.cases.effects import EffectRefused, EffectResult, effect
from shebao.cases.effects.back_payment import PersonMonth, back_dues_create
from shebao.core.audit import audit_create
from shebao.core.permissions import actor_label, actor_user
from shebao.registry.models import EmploymentSpell, Person, PersonHistory
from shebao.registry.selectors import kept_record
from shebao.registry.services import person_register, person_update
from shebao.rules.business_fields import FieldError
from shebao.rules.catalog import label
from shebao.rules.dates import month_index, month_str

# person_field (catalog) -> the Person column that holds it; the others live in Person.other_data.
PERSON_COLUMNS = {"name": "name", "id_number": "id_number", "ethnicity": "ethnicity", "household_type": "hukou_type",
                  "contributor_category": "contributor_category", "cadre_status": "is_cadre", "gender": "gender",
                  "birth_date": "birth_date", "mobile": "phone"}


def _as_column(person_field: str, value: Any) -> Any:
    if person_field == "cadre_status":
        return value == "true"
    if person_field == "birth_date":
        return dt.date.fromisoformat(value)
    return value


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


def _refused(e: ValidationError, prefix: str = "details.changes") -> EffectRefused:
    errors = []
    for name, messages in (e.message_dict.items() if hasattr(e, "error_dict") else [("", e.messages)]):
        errors.append(FieldError(f"{prefix}.{name}" if name else prefix, "；".join(messages)))
    return EffectRefused.of(errors)


@effect("registry.person_change")
def person_change(case: Any, actor: Any) -> EffectResult:
    from shebao.cases.checks import derived_identity

    person = Person.objects.select_for_update().get(pk=case.person_id)
    stated: dict[str, Any] = case.details["changes"]
    # A new citizen ID number brings its birth date and gender where the change does not state them, as
    # at registration (review-input5 F6); a stated one equal to the registered value changes nothing.
    derived = derived_identity(person, stated)
    changes = {**{f: v for f, v in stated.items() if not (
        f in ("birth_date", "gender") and "id_number" in stated
        and _shown(getattr(person, PERSON_COLUMNS[f])) == _shown(_as_column(f, v)))}, **derived}
    columns = {PERSON_COLUMNS[f]: _as_column(f, v) for f, v in changes.items() if f in PERSON_COLUMNS}
    old = {f: (getattr(person, PERSON_COLUMNS[f]) if f in PERSON_COLUMNS else (person.other_data or {}).get(f))
           for f in changes}
    others = {f: v for f, v in changes.items() if f not in PERSON_COLUMNS}
    if others:
        columns["other_data"] = {**(person.other_data or {}), **others}
    try:
        person = person_update(actor=actor, person=person, reason=f"申请#{case.pk}参保人员信息变更", **columns)
    except ValidationError as e:
        raise _refused(e) from None
    rows = []
    for f in changes:
        new = getattr(person, PERSON_COLUMNS[f]) if f in PERSON_COLUMNS else (person.other_data or {}).get(f)
        rows.append(PersonHistory.objects.create(
            person=person, field=f, field_zh=label("person_field", f), old_value=_shown(old[f]),
            new_value=_shown(new), case_number=case.pk, actor=actor_user(actor), actor_label=actor_label(actor)))
    names = "、".join(r.field_zh + ("（按新证件号码）" if r.field in derived else "") for r in rows)
    return EffectResult(f"已更新{person.name}的登记信息：{names}（原值与新值已记入变更记录）",
                        {"person": person.pk, "history": [r.pk for r in rows], "fields": list(changes)})


@effect("registry.insured_registration")
def insured_registration(case: Any, actor: Any) -> EffectResult:
    d = case.details
    employer = case.employer
    # A merged record's number registers on the record kept (registry.merge), never on the merged shell.
    person = kept_record(Person.objects.filter(id_number=d["insured_id_number"]).first())
    created = person is None
    if created:
        extra: dict[str, Any] = {}
        if d.get("insured_birth_date"):
            extra["birth_date"] = dt.date.fromisoformat(d["insured_birth_date"])
        if d.get("insured_nationality"):
            extra["nationality"] = d["insured_nationality"]
        try:
            person = person_register(
                actor=actor, id_number=d["insured_id_number"], name=d["insured_name"], district=employer.district,
                id_type=Person.IdType(d["insured_id_type"]), gender=d.get("insured_gender", ""),
                phone=d["insured_mobile"], category=d["category"], account_type="general",
                account_opened_on=case.applied_on, **extra)
        except ValidationError as e:
            raise _refused(e, "details") from None
    spell = EmploymentSpell.objects.create(person=person, employer=employer, from_month=d["start_month"])
    audit_create(actor=actor, instance=spell, reason=f"申请#{case.pk}参保登记（起始月{d['start_month']}）")
    applied_month = case.applied_on.strftime("%Y-%m")
    months = [month_str(i) for i in range(month_index(d["start_month"]), month_index(applied_month))]
    owed = back_dues_create(case=case, employer=employer, rows=[PersonMonth(person, m, d["base_fen"]) for m in months],
                            actor=actor) if months else None
    late = f"，补登记起始月{d['start_month']}（按实际用工月份）" if months else ""
    summary = f"已为{person.name}办理参保登记，{employer.name}参保自{d['start_month']}{late}"
    if owed is not None:
        summary += f"；{owed.summary_zh}"
    return EffectResult(summary, {"person": person.pk, "person_created": created, "spell": spell.pk,
                                  **({"dues": owed.result["dues"], "amount_fen": owed.result["amount_fen"],
                                      "ledger": owed.result["ledger"]} if owed else {"dues": [], "amount_fen": 0})})
