"""Personal numbers encrypted at rest (issue 16 §4): employers' bank accounts are Fernet tokens in
their column, looked up through a keyed hash (blind index); keys rotate with MultiFernet and
`shebao encryption_rotate`; existing rows are encrypted by a forward-only migration; the audit
trail does not keep in clear what the column hides."""

from __future__ import annotations

import importlib

import pytest
from cryptography.fernet import Fernet, MultiFernet
from django.apps import apps
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from shebao.core import crypto
from shebao.core.models import AuditEvent
from shebao.registry.models import Employer
from shebao.registry.services import employer_update
from tests import personas
from tests.personas import SETUP

pytestmark = pytest.mark.django_db
ACCOUNT = "6222020200112233445"
K1, K2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def raw(employer: Employer) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT bank_account, bank_account_hash FROM {Employer._meta.db_table} WHERE id = %s",
                       [employer.pk])
        return cursor.fetchone()


def test_the_column_holds_a_token_the_model_the_account_and_a_blind_index_finds_it():
    employer = personas.make_employer(bank_account=ACCOUNT)
    stored, index = raw(employer)
    assert stored.startswith(crypto.TOKEN_PREFIX) and ACCOUNT not in stored
    assert index == crypto.blind_index(ACCOUNT, kind="bank_account") and ACCOUNT not in index
    assert Employer.objects.get(pk=employer.pk).bank_account == ACCOUNT
    # Typed with spaces or full-width digits, the same index (normalised as everywhere).
    spaced = "６２２２ 0202 0011 2233 445"
    assert Employer.objects.get(bank_account_hash=crypto.blind_index(spaced, kind="bank_account")) == employer
    # Two encryptions of one number differ, so the column itself cannot be compared ...
    assert crypto.encrypt(ACCOUNT) != crypto.encrypt(ACCOUNT)
    with pytest.raises(FieldError, match="blind index"):
        Employer.objects.filter(bank_account=ACCOUNT).exists()
    with pytest.raises(FieldError, match="blind index"):
        Employer.objects.filter(bank_account__startswith="6222").exists()
    # ... except against "no account", which stays "".
    blank = personas.make_employer("无账号单位", serial=5)
    assert raw(blank) == ("", "")
    assert set(Employer.objects.filter(bank_account="")) == {blank}


def test_a_changed_account_changes_its_index_and_the_trail_keeps_it_masked():
    employer = personas.make_employer(bank_account=ACCOUNT)
    employer_update(actor=SETUP, employer=employer, bank_account="6222029999888877776")
    assert raw(employer)[1] == crypto.blind_index("6222029999888877776", kind="bank_account")
    employer.bank_account = "6222021111222233334"
    employer.save(update_fields=["bank_account"])  # a narrow save keeps the index too
    assert raw(employer)[1] == crypto.blind_index("6222021111222233334", kind="bank_account")
    trail = " ".join(str(e.changes) for e in AuditEvent.objects.filter(model="registry.Employer"))
    for number in (ACCOUNT, "6222029999888877776"):
        assert number not in trail
    assert "6222***" in trail


def test_keys_rotate_old_tokens_still_open_and_rotation_moves_every_row_to_the_new_key():
    with override_settings(SHEBAO_FIELD_KEYS=[K1]):
        employer = personas.make_employer(bank_account=ACCOUNT)
        old = raw(employer)[0]
    assert Fernet(K1).decrypt(old.encode()).decode() == ACCOUNT
    with override_settings(SHEBAO_FIELD_KEYS=[K2, K1]):
        assert Employer.objects.get(pk=employer.pk).bank_account == ACCOUNT  # the old key still opens it
        call_command("encryption_rotate")
        new = raw(employer)[0]
    assert new != old and Fernet(K2).decrypt(new.encode()).decode() == ACCOUNT
    with override_settings(SHEBAO_FIELD_KEYS=[K2]):  # the old key dropped after rotation
        assert Employer.objects.get(pk=employer.pk).bank_account == ACCOUNT
    with override_settings(SHEBAO_FIELD_KEYS=[K1]), pytest.raises(Exception, match="SHEBAO_FIELD_KEYS"):
        Employer.objects.get(pk=employer.pk)  # dropped too soon: said, never garbage
    assert MultiFernet([Fernet(K2)]).decrypt(new.encode()).decode() == ACCOUNT


def test_a_new_blind_index_key_is_applied_by_rotation():
    employer = personas.make_employer(bank_account=ACCOUNT)
    with override_settings(SHEBAO_BLIND_INDEX_KEY="a-new-index-key-of-the-agency"):
        assert not Employer.objects.filter(bank_account_hash=crypto.blind_index(ACCOUNT, kind="bank_account"))
        crypto.rotate_all()
        assert Employer.objects.get(bank_account_hash=crypto.blind_index(ACCOUNT, kind="bank_account")) == employer


def test_the_migration_encrypts_rows_written_in_clear_and_rotation_catches_stragglers():
    employer = personas.make_employer(bank_account=ACCOUNT)
    with connection.cursor() as cursor:  # as before the migration (or a raw writer): clear text, no index
        cursor.execute(f"UPDATE {Employer._meta.db_table} SET bank_account = %s, bank_account_hash = '' "
                       "WHERE id = %s", [ACCOUNT, employer.pk])
    assert Employer.objects.get(pk=employer.pk).bank_account == ACCOUNT  # readable meanwhile
    migration = importlib.import_module("shebao.registry.migrations.0010_employer_bank_account_encrypted")
    migration.encrypt_existing(apps, None)
    stored, index = raw(employer)
    assert stored.startswith(crypto.TOKEN_PREFIX) and index == crypto.blind_index(ACCOUNT, kind="bank_account")
    assert Employer.objects.get(pk=employer.pk).bank_account == ACCOUNT
    ops = migration.Migration.operations
    assert not ops[-1].reversible  # forward only


def test_a_payer_is_recognised_by_its_account_through_the_index(employer_chaoyang, employer_haidian):
    from shebao.collection.models import RemittanceLine
    from shebao.collection.releases import remittance_second_person_reason

    employer_update(actor=SETUP, employer=employer_chaoyang, bank_account=ACCOUNT)
    line = RemittanceLine(payer_account="6222 0202 0011 2233 445", amount_fen=1, bank_reference="R")
    assert "北京朝阳测试科技有限公司" in remittance_second_person_reason(line, employer_haidian)
    assert remittance_second_person_reason(line, employer_chaoyang) == ""


# Bank-account columns still in clear (docs/encryption.md): none. Kept as a name so that a column
# left in clear one day is listed here, with its reason, not slipped past the guard.
NOT_YET: set[tuple[str, str, str]] = set()


def _holds_account_numbers(field) -> bool:
    """A text column named or labelled as a bank account number (账号), not its blind index."""
    from django.db import models

    from shebao.core.fields import BlindIndexField

    if not isinstance(field, (models.CharField, models.TextField)) or isinstance(field, BlindIndexField):
        return False
    return field.name in ("bank_account", "payer_account", "account_number") or "账号" in str(field.verbose_name)


def test_every_bank_account_column_is_encrypted_but_the_listed_remainder():
    """The class: any text column of any shebao model that holds account numbers, by name or by its
    Chinese label (a new model's 收款账号 too), is an EncryptedTextField."""
    from shebao.core.fields import EncryptedTextField

    seen = set()
    for model in apps.get_models():
        if not model.__module__.startswith("shebao."):
            continue
        for field in model._meta.concrete_fields:
            if _holds_account_numbers(field):
                key = (model._meta.app_label, model._meta.model_name, field.name)
                seen.add(key)
                assert isinstance(field, EncryptedTextField) or key in NOT_YET, f"{key} holds accounts in clear"
    assert {("registry", "employer", "bank_account"), ("registry", "residentpension", "bank_account"),
            ("collection", "refund", "bank_account"), ("collection", "remittanceline", "payer_account"),
            ("benefits", "retiree", "bank_account"), ("benefits", "transfer", "bank_account"),
            ("benefits", "disabilityallowance", "bank_account")} <= seen
    assert not NOT_YET


def _raw_account(model, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT bank_account FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_pension_accounts_and_the_payrolls_transfers_are_tokens_and_the_bank_file_has_the_account(settings):
    """A retiree's account is stored as a token; the set-based payroll copies the token into each
    transfer in SQL (never the number), and the bank's payment file, read through the model, has the
    full account the bank needs."""
    import datetime as dt

    from shebao.benefits import payroll
    from shebao.benefits.models import PayrollFile, Retiree, Transfer
    from tests.benefits.conftest import declare

    retiree = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))
    account = "6222020000000000011"
    assert Retiree.objects.get(pk=retiree.pk).bank_account == account
    stored = _raw_account(Retiree, retiree.pk)
    assert stored.startswith(crypto.TOKEN_PREFIX) and account not in stored
    run = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    transfer = Transfer.objects.get(run=run)
    assert transfer.bank_account == account
    stored = _raw_account(Transfer, transfer.pk)
    assert stored.startswith(crypto.TOKEN_PREFIX) and account not in stored
    data = (settings.SHEBAO_BANK_FILE_DIR / PayrollFile.objects.get(run=run).filename).read_bytes()
    assert account.encode() in data
    trail = " ".join(str(e.changes) for e in AuditEvent.objects.filter(model__startswith="benefits."))
    assert account not in trail
    with pytest.raises(FieldError, match="blind index"):
        Retiree.objects.filter(bank_account=account).exists()
    assert crypto.rotate_all()["benefits.Transfer"] == 1


def test_the_benefits_migration_encrypts_accounts_written_in_clear():
    import datetime as dt

    from shebao.benefits import payroll
    from shebao.benefits.models import Retiree, Transfer
    from tests.benefits.conftest import declare

    retiree = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))
    transfer = Transfer.objects.get(run=payroll.payroll_run_start(actor=SETUP, month="2020-02"))
    account = "6222020000000000011"
    with connection.cursor() as cursor:  # as before the migration: clear text
        for model, pk in ((Retiree, retiree.pk), (Transfer, transfer.pk)):
            cursor.execute(f"UPDATE {model._meta.db_table} SET bank_account = %s WHERE id = %s", [account, pk])
    assert Retiree.objects.get(pk=retiree.pk).bank_account == account  # readable meanwhile
    migration = importlib.import_module("shebao.benefits.migrations.0004_bank_accounts_encrypted")
    migration.encrypt_existing(apps, None)
    for model, pk in ((Retiree, retiree.pk), (Transfer, transfer.pk)):
        stored = _raw_account(model, pk)
        assert stored.startswith(crypto.TOKEN_PREFIX) and account not in stored
        assert model.objects.get(pk=pk).bank_account == account
    assert not migration.Migration.operations[-1].reversible  # forward only


def test_an_imported_statement_line_keeps_the_payer_account_as_a_token():
    from shebao.collection.importers import import_remittances
    from shebao.collection.models import RemittanceLine

    import_remittances(actor=SETUP, filename="s.csv", data=(
        "bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"
        f"E1,2020-01-06,3.21,某公司,{ACCOUNT},,\n").encode())  # written by bulk_create
    line = RemittanceLine.objects.get(bank_reference="E1")
    assert line.payer_account == ACCOUNT
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT payer_account FROM {RemittanceLine._meta.db_table} WHERE id = %s", [line.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith(crypto.TOKEN_PREFIX) and ACCOUNT not in stored
    assert crypto.rotate_all()["collection.RemittanceLine"] == 1


def test_the_generators_employers_are_written_encrypted_with_their_index():
    from shebao.registry.generator import GenerateOptions, generate

    generate(GenerateOptions(employers=3, persons=12, from_month="2019-11", months=2, seed=5, batch_employers=3))
    employers = list(Employer.objects.order_by("pk"))
    assert employers and all(e.bank_account.startswith("6222") for e in employers)
    for employer in employers:
        stored, index = raw(employer)
        assert stored.startswith(crypto.TOKEN_PREFIX) and index == crypto.blind_index(employer.bank_account,
                                                                                       kind="bank_account")


# ID-number columns still in clear (docs/encryption.md): none since registry/0013-0015 and
# collection/0016. Kept as a name so that a column left in clear one day is listed here, with its
# reason, not slipped past the guard.
ID_NOT_YET: set[tuple[str, str, str]] = set()


def _holds(field, names: tuple[str, ...], suffix: str, labels: tuple[str, ...]) -> bool:
    from django.db import models

    from shebao.core.fields import BlindIndexField

    if not isinstance(field, (models.CharField, models.TextField)) or isinstance(field, BlindIndexField):
        return False
    label = str(field.verbose_name)
    if "遮蔽" in label:  # stored masked (portal.SignInCode.sent_to): nothing to hide
        return False
    return field.name in names or field.name.endswith(suffix) or any(w in label for w in labels)


def _columns(**kw) -> set[tuple[str, str, str]]:
    return {(m._meta.app_label, m._meta.model_name, f.name) for m in apps.get_models()
            if m.__module__.startswith("shebao.") for f in m._meta.concrete_fields if _holds(f, **kw)}


def test_every_phone_column_is_encrypted():
    """The class: any text column named phone/mobile/…_phone or labelled 电话/手机 is encrypted."""
    from shebao.core.fields import EncryptedTextField

    found = _columns(names=("phone", "mobile"), suffix="_phone", labels=("电话", "手机"))
    assert {("registry", "person", "phone"), ("portal", "employeraccount", "mobile"), ("cases", "case", "contact_phone"),
            ("cases", "phonecheck", "phone"), ("cards", "cardorder", "recipient_phone"),
            ("operations", "auditcase", "complainant_phone"), ("operations", "employercontact", "phone")} <= found
    for app, model, name in found:
        assert isinstance(apps.get_model(app, model)._meta.get_field(name), EncryptedTextField), (app, model, name)


def test_id_number_columns_are_encrypted_but_the_listed_remainder():
    """The class: any text column named as an ID number (…_id_number, id_no, document_number) or
    labelled 证件号码/身份证/身份号码 is encrypted; so is the change history that keeps an old and a new
    number (registry.PersonHistory)."""
    from shebao.core.fields import EncryptedTextField
    from shebao.registry.models import PersonHistory

    for name in ("old_value", "new_value"):
        assert isinstance(PersonHistory._meta.get_field(name), EncryptedTextField), name

    found = _columns(names=("id_number", "id_no", "identity_number", "document_number"),
                     suffix="_id_number", labels=("证件号码", "身份证", "身份号码"))
    assert {("registry", "person", "id_number"), ("collection", "declarationrow", "id_number"),
            ("benefits", "survivorpension", "id_number")} <= found
    assert found >= ID_NOT_YET
    for app, model, name in found - ID_NOT_YET:
        assert isinstance(apps.get_model(app, model)._meta.get_field(name), EncryptedTextField), (app, model, name)


def test_a_persons_phone_is_a_token_read_back_in_clear_and_kept_masked_in_the_trail():
    from shebao.registry.models import Person
    from shebao.registry.services import person_update

    person = personas.make_person("王伟", serial=3)
    person_update(actor=SETUP, person=person, reason="电话变更", phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith(crypto.TOKEN_PREFIX) and "13912345678" not in stored
    assert Person.objects.get(pk=person.pk).phone == "13912345678"
    assert Person.objects.get(pk=person.pk).phone_masked != "13912345678"
    trail = " ".join(str(e.changes) for e in AuditEvent.objects.filter(model="registry.Person"))
    assert "13912345678" not in trail
    with pytest.raises(FieldError, match="blind index"):
        Person.objects.filter(phone="13912345678").exists()
    assert Person.objects.filter(pk=person.pk).exclude(phone="").exists()  # "no phone" stays comparable
    assert crypto.rotate_all()["registry.Person"] >= 1


def test_the_phone_migrations_encrypt_rows_written_in_clear():
    from shebao.registry.models import Person

    person = personas.make_person("王伟", serial=3)
    with connection.cursor() as cursor:  # as before the migration: clear text
        cursor.execute(f"UPDATE {Person._meta.db_table} SET phone = %s WHERE id = %s", ["13912345678", person.pk])
    assert Person.objects.get(pk=person.pk).phone == "13912345678"
    for module in ("registry.migrations.0012_phones_encrypted", "cases.migrations.0007_phones_encrypted",
                   "cards.migrations.0002_phones_encrypted", "operations.migrations.0004_phones_encrypted",
                   "portal.migrations.0004_phones_encrypted"):
        migration = importlib.import_module(f"shebao.{module}")
        migration.encrypt_existing(apps, None)
        assert not migration.Migration.operations[-1].reversible  # forward only
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
        assert cursor.fetchone()[0].startswith(crypto.TOKEN_PREFIX)
    assert Person.objects.get(pk=person.pk).phone == "13912345678"


def test_a_change_that_keeps_the_masked_digits_is_still_a_change_in_the_trail():
    """138****5678 before and after: the keyed fingerprint beside the masked value tells them apart,
    and a landline (not masked as a mobile) keeps only its last four digits in the trail."""
    from shebao.core.audit import encrypted_shown
    from shebao.registry.services import person_update

    person = personas.make_person("王伟", serial=3, phone="13812345678")
    person_update(actor=SETUP, person=person, reason="电话变更", phone="13899995678")
    event = AuditEvent.objects.filter(model="registry.Person", action="update").get()
    before, after = event.changes["phone"]
    assert before != after and before.startswith("138****5678（指纹 ") and after.startswith("138****5678（指纹 ")
    assert encrypted_shown("010-65123456").startswith("********3456（指纹 ")
    assert encrypted_shown("") == ""


def test_bulk_tokens_are_fernet_tokens_that_open_to_their_values():
    """`encrypt_many` (the generator's bulk path) writes what Fernet itself opens, of any length."""
    from cryptography.fernet import Fernet

    from shebao.core import crypto

    values = ["11010519491231002X", "13800001234", "6222000000000000001", "x", "一二三" * 9, "a" * 16, "b" * 15]
    tokens = crypto.encrypt_many(values)
    assert [crypto.decrypt(t) for t in tokens] == values
    assert Fernet(crypto.field_keys()[0]).decrypt(tokens[0].encode()) == values[0].encode()
    assert all(crypto.is_token(t) for t in tokens) and len(set(crypto.encrypt_many(["1"] * 50))) == 50  # random IVs
    with pytest.raises(ValueError):
        crypto.encrypt_many(["", "1"])
