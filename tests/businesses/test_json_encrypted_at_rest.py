"""An application's content (`Case.details`) and a person's other registered data
(`Person.other_data`) are encrypted at rest (issue 16 §4, review-input4 F1): the column holds one
Fernet token of the JSON, the program reads the value whole, nothing can look inside it in SQL, and
the forward-only migrations encrypt rows written in clear before them."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
from django.apps import apps
from django.core.exceptions import FieldError
from django.db import connection

from shebao.cases.models import Case
from shebao.core import crypto
from shebao.registry.models import Person
from tests.businesses.walk import complete, submit
from tests.personas import citizen_id

APPLIED = dt.date(2020, 3, 2)


def raw(model, pk, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_an_applications_content_is_one_token_read_back_whole(clerk_chaoyang, employer_chaoyang):
    number = citizen_id("110105", dt.date(1990, 1, 1), 12, male=True)
    details = {"insured_id_type": "citizen_id", "insured_id_number": number, "insured_name": "陈大文",
               "insured_gender": "male", "insured_birth_date": "1990-01-01", "insured_nationality": "中国",
               "insured_mobile": "13912345678", "category": "standard", "start_month": "2020-01",
               "base_fen": 700_000}
    case = submit(clerk_chaoyang, "insured_registration", employer=employer_chaoyang, applied_on=APPLIED,
                  details=details)
    stored = raw(Case, case.pk, "details")
    assert stored.startswith(crypto.TOKEN_PREFIX) and number not in stored and "13912345678" not in stored
    assert Case.objects.get(pk=case.pk).details["insured_id_number"] == number
    assert dict(Case.objects.values_list("pk", "details"))[case.pk]["insured_mobile"] == "13912345678"
    assert Case.objects.get(pk=case.pk).details["base_fen"] == 700_000  # numbers stay numbers
    with pytest.raises(FieldError):
        Case.objects.filter(details__insured_id_number=number).exists()
    with pytest.raises(FieldError):
        Case.objects.filter(details__contains="1990").exists()


def test_a_persons_other_data_is_one_token_after_a_change(clerk_chaoyang, reviewer_chaoyang, person_chaoyang):
    change = submit(clerk_chaoyang, "person_change", person=person_chaoyang, applied_on=APPLIED,
                    details={"changes": {"bank_account": "6222 0202 0011 2233 445", "address": "北京市朝阳区光华路1号"}})
    complete(change, clerk_chaoyang, reviewer_chaoyang)
    person = Person.objects.get(pk=person_chaoyang.pk)
    assert person.other_data["address"] == "北京市朝阳区光华路1号"
    assert person.other_data["bank_account"].replace(" ", "") == "6222020200112233445"
    stored = raw(Person, person.pk, "other_data")
    assert stored.startswith(crypto.TOKEN_PREFIX) and "6222" not in stored and "光华路" not in stored
    with pytest.raises(FieldError):
        Person.objects.filter(other_data__bank_account="6222020200112233445").exists()


def test_rows_written_in_clear_before_the_migrations_are_read_then_encrypted_by_them(
        clerk_chaoyang, employer_chaoyang, person_chaoyang):
    # A case of a business without fields (its content is written below, in clear, by SQL).
    case = submit(clerk_chaoyang, "medical_manual_reimbursement", person=person_chaoyang, applied_on=APPLIED,
                  details=None)
    clear = {"insured_id_number": "110105199001011232", "lines": [{"mobile": "13912345678"}]}
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Case._meta.db_table} SET details = %s WHERE id = %s", [json.dumps(clear), case.pk])
        cursor.execute(f"UPDATE {Person._meta.db_table} SET other_data = %s WHERE id = %s",
                       [json.dumps({"phone": "010-65012345"}, ensure_ascii=False), person_chaoyang.pk])
    assert Case.objects.get(pk=case.pk).details == clear  # a clear row reads as it is
    assert Person.objects.get(pk=person_chaoyang.pk).other_data == {"phone": "010-65012345"}
    importlib.import_module("shebao.cases.migrations.0011_case_details_encrypt_rows").encrypt_existing(apps, None)
    importlib.import_module("shebao.registry.migrations.0017_person_other_data_encrypt_rows").encrypt_existing(
        apps, None)
    assert raw(Case, case.pk, "details").startswith(crypto.TOKEN_PREFIX)
    assert raw(Person, person_chaoyang.pk, "other_data").startswith(crypto.TOKEN_PREFIX)
    assert Case.objects.get(pk=case.pk).details == clear
    assert Person.objects.get(pk=person_chaoyang.pk).other_data == {"phone": "010-65012345"}
    rotated = crypto.rotate_all()
    assert rotated["cases.Case"] >= 1 and rotated["registry.Person"] >= 1
    assert raw(Case, case.pk, "details").startswith(crypto.TOKEN_PREFIX)
    # A bulk load that names no other data leaves NULL: read as none, kept NULL by the rewrite.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Person._meta.db_table} SET other_data = NULL WHERE id = %s", [person_chaoyang.pk])
    crypto.rewrite_rows(Person)
    assert raw(Person, person_chaoyang.pk, "other_data") is None
    assert Person.objects.get(pk=person_chaoyang.pk).other_data is None
