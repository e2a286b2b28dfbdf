"""The audit trail keeps no personal number in clear (review-input4 F1, issue 16).

The trail is read by auditors and kept for years; its snapshot of an application's content
(`Case.details`), of an effect's result, of a person's other data and of any other JSON or text
column used to keep ID numbers, mobiles and bank accounts whole. These tests read the stored rows
(the raw `changes` text, as the database holds it) after real applications, and snapshot every
JSON and text column of every model.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.apps import apps
from django.db import connection, models

from shebao.core.audit import audited_bulk_update, snapshot
from shebao.core.fields import EncryptedTextField
from shebao.core.masking import mask_text
from shebao.core.models import AuditEvent
from shebao.registry.models import Person
from tests.businesses.test_refund import refund_details
from tests.businesses.walk import complete, submit
from tests.cases.conftest import valid_details
from tests.personas import citizen_id

APPLIED = dt.date(2020, 3, 2)


def stored_trail() -> str:
    """Every audit row's changes and reason as the database holds them (JSON text, any escaping)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT changes, reason FROM {AuditEvent._meta.db_table}")
        rows = cursor.fetchall()
    text = " ".join(f"{c} {r}" for c, r in rows)
    # JSON text may escape non-ASCII; digits never are, but read it decoded as well.
    decoded = " ".join(json.dumps(json.loads(c) if isinstance(c, str) else c, ensure_ascii=False) for c, _ in rows)
    return text + " " + decoded


def test_applications_leave_no_id_number_mobile_or_account_in_the_stored_trail(
        clerk_chaoyang, reviewer_chaoyang, employer_chaoyang, person_chaoyang, paid_due):
    number = citizen_id("110105", dt.date(1965, 7, 13), 997, male=True)
    registration = {"insured_id_type": "citizen_id", "insured_id_number": number, "insured_name": "陈大文",
                    "insured_gender": "male", "insured_birth_date": "1965-07-13", "insured_nationality": "中国",
                    "insured_mobile": "13912345678", "category": "standard", "start_month": "2020-01",
                    "base_fen": 700_000}
    registered = complete(submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang,
                                 applied_on=APPLIED, details=registration), clerk_chaoyang, reviewer_chaoyang)
    assert registered.status == "completed" and Person.objects.filter(id_number=number).exists()
    refund = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                    details=refund_details(paid_due))
    new_number = citizen_id("110105", person_chaoyang.birth_date, 321, male=person_chaoyang.gender == "male")
    change = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
                    details={"changes": {"mobile": "13900001111", "id_number": new_number,
                                         "address": "北京市朝阳区光华路1号 电话13811112222"}})
    complete(change, clerk_chaoyang, reviewer_chaoyang)

    trail = stored_trail()
    # The content is in the trail, masked with a fingerprint, under its field names.
    assert "insured_id_number" in trail and "bank_account" in trail and "id_number" in trail
    assert mask_text(number) + "（指纹 " in trail and "6222***********4567（指纹 " in trail
    for full in (number, "13912345678", "6222020000001234567", new_number, "13900001111", "13811112222"):
        assert full not in trail, full
    assert AuditEvent.objects.filter(model="cases.Case", object_pk__in=[str(registered.pk), str(refund.pk),
                                                                         str(change.pk)]).count() >= 3


NUMBER, MOBILE, ACCOUNT = "110105196507139977", "13912345678", "6222020200112233445"


def _clear_value(field: models.Field) -> object:
    if isinstance(field, models.JSONField) or getattr(field, "holds_json", False):
        return {"insured_id_number": NUMBER, "lines": [{"mobile": MOBILE}], ACCOUNT: ["账号 " + ACCOUNT]}
    return f"{NUMBER} {MOBILE} {ACCOUNT}"[: field.max_length or None] if field.max_length and field.max_length < 50 \
        else f"身份证{NUMBER}，手机{MOBILE}，账号{ACCOUNT}"


def _text_and_json_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.JSONField, models.CharField, models.TextField)) and not field.choices:
                yield pytest.param(model, field, id=f"{model._meta.label}.{field.name}")


@pytest.mark.parametrize(("model", "field"), list(_text_and_json_fields()))
def test_every_json_and_text_column_is_snapshotted_masked(model, field):
    """Whatever a column holds (JSON at any depth, keys included, or free text), its snapshot in the
    trail holds no personal number whole. No database: the snapshot reads the instance."""
    instance = model()
    value = _clear_value(field)
    setattr(instance, field.attname, value)
    shown = json.dumps(snapshot(instance)[field.attname], ensure_ascii=False)
    for full in (NUMBER, MOBILE, ACCOUNT):
        assert full not in shown, (model, field.name, shown)
    if not isinstance(field, EncryptedTextField) and isinstance(value, str) and NUMBER in value:
        assert mask_text(NUMBER) in shown  # still readable: masked, not dropped


def test_text_without_a_personal_number_is_kept_as_it_is(person_chaoyang):
    person_chaoyang.other_data = {"remark": "北京市朝阳区光华路1号", "rooms": 3, "dates": ["2020-02-20"],
                                  "address": "北京市朝阳区光华路1号"}
    shown = snapshot(person_chaoyang)
    # an address is a contact item, masked by its kind (review-input7 F4); other text is kept as it is
    address = shown["other_data"].pop("address")
    assert address.startswith("北京市朝阳区***") and "光华路" not in address and "（指纹 " in address
    assert shown["other_data"] == {"remark": "北京市朝阳区光华路1号", "rooms": 3, "dates": ["2020-02-20"]}
    assert shown["name"] == person_chaoyang.name


def test_a_bulk_update_keeps_numbers_masked_and_two_numbers_apart(clerk_chaoyang, person_chaoyang):
    person_chaoyang.other_data = {"emergency_mobile": "13911112222"}
    audited_bulk_update(actor=clerk_chaoyang, objs=[person_chaoyang], fields=["other_data"], reason=f"据{NUMBER}更正")
    person_chaoyang.other_data = {"emergency_mobile": "13999992222"}  # the same masked digits, another number
    audited_bulk_update(actor=clerk_chaoyang, objs=[person_chaoyang], fields=["other_data"], reason="更正")
    events = list(AuditEvent.objects.filter(model="registry.Person", object_pk=str(person_chaoyang.pk), action="update",
                                            changes__has_key="other_data").order_by("pk"))
    assert len(events) == 2
    before, after = events[1].changes["other_data"]
    assert before["emergency_mobile"].startswith("139****2222（指纹 ") and after["emergency_mobile"] != \
        before["emergency_mobile"]
    trail = stored_trail()
    assert "13911112222" not in trail and "13999992222" not in trail and NUMBER not in trail
    assert mask_text(NUMBER) in events[0].reason


def test_a_message_to_the_applicant_keeps_its_address_whole_and_numbers_in_its_text_masked(
        clerk_chaoyang, person_chaoyang):
    """The outbox row must reach the applicant (its recipient stays whole) but its text needs no
    personal number whole: a rejection reason quoting one is masked in the message and the trail."""
    from shebao.cases import services
    from shebao.cases.models import Case, OutboxMessage

    case, _ = services.case_submit(actor=clerk_chaoyang, business="person_change", channel="online",
                                   person=person_chaoyang, applied_on=APPLIED, contact_phone="13800138000",
                                   details=valid_details("person_change", person=person_chaoyang,
                                                         facts={"fields": ["phone", "ethnicity"]},
                                                         applied_on=APPLIED))
    reason = f"证件号码{NUMBER}与户籍记录不符，请核对银行账号{ACCOUNT}"
    services.case_transition(case=case, actor=clerk_chaoyang, action="reject", payload={"reason": reason})
    message = OutboxMessage.objects.get(case=case, event="reject")
    assert message.recipient == "13800138000"
    assert mask_text(NUMBER) in message.body and "6222***********3445" in message.body
    assert NUMBER not in message.body and ACCOUNT not in message.body
    assert Case.objects.get(pk=case.pk).rejection_reason == reason  # the case itself keeps what was typed
    trail = stored_trail()
    assert NUMBER not in trail and ACCOUNT not in trail and "rejection_reason" in trail
