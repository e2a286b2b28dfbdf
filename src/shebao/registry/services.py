"""Writes to the registry. Each runs in one transaction and writes its audit row beside the change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from shebao.core import clock
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.inputs import clean_text
from shebao.core.models import PersonalDataAccess
from shebao.core.normalize import normalize_code, normalize_phone, normalize_text
from shebao.core.permissions import require
from shebao.registry.checks import (
    CodeError,
    citizen_id_under_other_type,
    parse_citizen_id,
    validate_credit_code,
)
from shebao.registry.models import Employer, Office, PensionAccount, Person, PersonNameWord
from shebao.registry.names import name_initials, name_words, text_initials

__all__ = ["name_initials"]  # re-exported: callers read a name's initials from the registry's services


def employer_name_initials(name: str) -> str:
    """The pinyin initials of an employer's name, for search (no surname rule: `names.text_initials`).

    >>> employer_name_initials("北京华信科技有限公司")
    'bjhxkjyxgs'
    """
    return text_initials(name)[:100]


def _check_may_write(actor: Any, action: str, district: Office) -> None:
    """The table's `action` for data of `district` (a system job, e.g. an import, acts by its own name)."""
    require(actor, action, district_id=district.pk)


def derive_person_identity(person: Person, *, new_document: bool = True, new_name: bool = True) -> None:
    """Fill what an ID number fixes (gender, birth date, last four) and the name's initials.

    Everything a person typed is normalised first (`core.normalize`): the name (NFKC, spaces), the
    document number (NFKC, no separators, upper case) and the phone (digits, no +86). A new document
    (`new_document`: a registration, or a change of the number or its type) that is not a citizen ID
    must not read as one (`registry.checks.citizen_id_under_other_type`, review-input5 F3); a person
    registered so before that check keeps their other data changeable. A new name (`new_name`: a
    registration, a change of the name or of the document type) is held to the one rule for a person's
    name by document type (`core.inputs.person_name_problem`: no space on a 居民身份证, a Latin name's
    spaces kept on a passport), whichever road registers or renames the person (a page, the portal, the
    API, a command, the demo); a name registered before keeps the person's other data changeable.
    Raises ValidationError (Chinese, at the field).
    """
    from shebao.core.person_name import person_name_checked

    # The stored spelling (core.person_name: NFKC, the 间隔号's look-alikes as U+00B7), judged as typed
    # (a character no one can see is named where it was typed: review-input9 F1).
    person.name, why = person_name_checked(person.name, id_type=person.id_type)
    if new_name and why:
        raise ValidationError({"name": f"姓名{why}"})
    person.id_number = normalize_code(person.id_number)
    person.phone = normalize_phone(person.phone)
    if person.id_type == Person.IdType.CITIZEN_ID:
        try:
            cid = parse_citizen_id(person.id_number, today=clock.today())
        except CodeError as e:
            raise ValidationError({"id_number": str(e)}) from None
        if person.birth_date and person.birth_date != cid.birth_date:
            raise ValidationError({"birth_date": f"出生日期与证件号码不一致（号码中为{cid.birth_date}）"})
        if person.gender and person.gender != cid.gender:
            raise ValidationError({"gender": "性别与证件号码第17位不一致"})
        person.id_number, person.birth_date, person.gender = cid.number, cid.birth_date, cid.gender
    else:
        if not person.id_number:
            raise ValidationError({"id_number": "证件号码不能为空"})
        if new_document and (problem := citizen_id_under_other_type(person.id_type, person.id_number)):
            raise ValidationError({"id_number": problem})
        if not person.birth_date or not person.gender:
            raise ValidationError({"birth_date": "非身份证件须填写出生日期和性别"})
    person.id_last4 = person.id_number[-4:]
    person.name_initials = name_initials(person.name)


@transaction.atomic
def person_register(
    *, actor: Any, id_number: str, name: str, district: Office, id_type: str = Person.IdType.CITIZEN_ID,
    gender: str = "", birth_date: dt.date | None = None, account_type: str | None = None,
    account_opened_on: dt.date | None = None, **fields: Any,
) -> Person:
    _check_may_write(actor, "person.register", district)
    person = Person(id_type=id_type, id_number=id_number, name=name, district=district,
                    gender=gender, birth_date=birth_date, **fields)
    derive_person_identity(person)
    person.full_clean()
    person.save()
    _name_words_sync(person)
    audit_create(actor=actor, instance=person)
    if account_type:
        account = PensionAccount.objects.create(
            person=person, account_type=account_type, opened_on=account_opened_on or clock.today(),
            district=district,
        )
        audit_create(actor=actor, instance=account)
    return person


@transaction.atomic
def person_update(*, actor: Any, person: Person, reason: str = "", **changes: Any) -> Person:
    _check_may_write(actor, "person.update", person.district)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if refusal := person.merged_refusal():  # registered twice and merged (registry.merge): change the one kept
        raise ValidationError({"__all__": refusal})
    before = snapshot(person)
    for key, value in changes.items():
        setattr(person, key, value)
    if "district" in changes:
        _check_may_write(actor, "person.update", person.district)
    derive_person_identity(person, new_document=bool({"id_number", "id_type"} & changes.keys()),
                           new_name=bool({"name", "id_type"} & changes.keys()))
    person.full_clean()
    person.save()
    _name_words_sync(person)
    audit_update(actor=actor, instance=person, before=before, reason=reason)
    return person


def _name_words_sync(person: Person) -> None:
    """Keep the searchable words of a Latin-script name in step with the name."""
    words = name_words(person.name)
    PersonNameWord.objects.filter(person=person).exclude(word__in=words).delete()
    have = set(PersonNameWord.objects.filter(person=person).values_list("word", flat=True))
    PersonNameWord.objects.bulk_create([PersonNameWord(person=person, word=w) for w in words if w not in have])


OVERRIDE_REASON_MIN_CHARS = 4


@transaction.atomic
def employer_register(
    *, actor: Any, credit_code: str, name: str, district: Office, credit_code_override_reason: str = "",
    **fields: Any,
) -> Employer:
    """Register an employer. The credit code is normalised and checked in full (GB 32100).

    A code issued before 2016 whose check character does not follow GB 32100 is accepted only
    when a signed-in staff member gives `credit_code_override_reason`: who, why and when are
    stored on the employer and in the audit row, and `Employer.credit_code_warning` shows it.
    Any other fault (length, characters, authority, region) is refused even with a reason.
    Raises ValidationError (nothing written) or PermissionDenied.
    """
    _check_may_write(actor, "employer.register", district)
    reason = normalize_text(credit_code_override_reason)
    override: dict[str, Any] = {}
    try:
        code = validate_credit_code(credit_code)
    except CodeError as e:
        if e.reason != "check_character_mismatch" or not reason:
            message = str(e) + ("（如为2016年前发放的存量代码，可填写例外原因后登记）"
                                if e.reason == "check_character_mismatch" else "")
            raise ValidationError({"credit_code": message}) from None
        if actor is None or not getattr(actor, "is_authenticated", False):
            raise PermissionDenied("校验位例外只能由工作人员登记") from None
        if len(reason) < OVERRIDE_REASON_MIN_CHARS:
            raise ValidationError({"credit_code_override_reason": f"例外原因至少{OVERRIDE_REASON_MIN_CHARS}个字"})
        clean_text(reason, label="例外原因", max_length=200, field="credit_code_override_reason")
        code = validate_credit_code(credit_code, legacy_check_character=True)
        override = {"credit_code_override_reason": reason, "credit_code_override_by": actor,
                    "credit_code_override_at": clock.now()}
    if "bank_account" in fields:
        fields["bank_account"] = normalize_code(fields["bank_account"])
    employer = Employer(credit_code=code, name=normalize_text(name), district=district, **override, **fields)
    employer.name_initials = employer_name_initials(employer.name)
    employer.full_clean()
    employer.save()
    audit_create(actor=actor, instance=employer)
    return employer


@transaction.atomic
def employer_update(*, actor: Any, employer: Employer, reason: str = "", **changes: Any) -> Employer:
    _check_may_write(actor, "employer.update", employer.district)
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    before = snapshot(employer)
    if "credit_code" in changes:
        changes["credit_code"] = normalize_code(changes["credit_code"])
        if changes["credit_code"] != employer.credit_code:
            try:
                validate_credit_code(changes["credit_code"])
            except CodeError as e:
                raise ValidationError({"credit_code": str(e)}) from None
    if "bank_account" in changes:
        changes["bank_account"] = normalize_code(changes["bank_account"])
    if "name" in changes:
        changes["name"] = normalize_text(changes["name"])
    for key, value in changes.items():
        setattr(employer, key, value)
    if "district" in changes:
        _check_may_write(actor, "employer.update", employer.district)
    employer.name_initials = employer_name_initials(employer.name)
    employer.full_clean()
    employer.save()
    audit_update(actor=actor, instance=employer, before=before, reason=reason)
    return employer


REVEALABLE = {
    Person: {"id_number", "phone"},
    Employer: {"bank_account"},
}


@transaction.atomic
def personal_data_reveal(*, actor: Any, obj: Person | Employer, field: str, reason: str) -> str:
    """The full value of a masked field, for staff allowed to see it; the read itself is recorded."""
    allowed = REVEALABLE.get(type(obj), set())
    if field not in allowed:
        raise ValidationError({"field": f"字段“{field}”不能查看"})
    require(actor, "personal_data.reveal", district_id=obj.district_id)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "请填写查看原因"})
    clean_text(reason, label="查看原因", max_length=200, field="reason")  # refused, not cut (review A16 3)
    PersonalDataAccess.objects.create(
        actor=actor, model=obj._meta.label, object_pk=str(obj.pk), subject_label=obj.name[:150], field=field,
        reason=reason,
    )
    return str(getattr(obj, field))
