"""Two imports of one bank file at the same moment (review-input12 F5): both looked for the file's
SHA-256 before either had written it, and the second's insert broke the unique constraint: a 500.
The twin is answered as a file imported a minute before ("already imported", nothing written); a page
says so as a refusal of the file (409, at the file input); a unique constraint broken by another
import at the same moment (the same bank line in two files) refuses the file in Chinese.
"""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shebao.collection import importers
from shebao.collection.importers import IMPORT_RACE_PROBLEM, import_remittances, import_transaction
from shebao.collection.models import BankFile, Payment, RemittanceLine
from tests.collection.conftest import book_due
from tests.nothing_written import nothing_written
from tests.personas import SETUP

HEADER = "bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"


def _statement(employer) -> bytes:
    return (HEADER + f"R9,2020-01-06,100.00,某公司,,{employer.credit_code},社保费\n").encode()


def _twin_did_not_see_it(monkeypatch):
    """The second import looked for the file before the first had committed: it found nothing."""
    monkeypatch.setattr(importers, "_known_file", lambda data: (hashlib.sha256(data).hexdigest(), None))


@pytest.mark.django_db
def test_a_twin_import_of_the_same_file_is_answered_already_imported(remittance_employer, monkeypatch):
    book_due(remittance_employer, "2019-12", 10_000)
    data = _statement(remittance_employer)
    first = import_remittances(actor=SETUP, data=data, filename="s.csv")
    assert first.matched == 1
    _twin_did_not_see_it(monkeypatch)
    with nothing_written():
        twin = import_remittances(actor=SETUP, data=data, filename="s-again.csv")
    assert twin.already_imported and twin.notes[0].startswith("该文件已于") and "未做任何更改" in twin.notes[0]
    assert (BankFile.objects.count(), Payment.objects.count(), RemittanceLine.objects.count()) == (1, 1, 1)


@pytest.mark.django_db
def test_a_unique_constraint_broken_by_an_import_beside_refuses_in_chinese(remittance_employer):
    BankFile.objects.create(kind=BankFile.Kind.REMITTANCE_STATEMENT, sha256="a" * 64, filename="a.csv", lines=1)
    with nothing_written(), pytest.raises(ValidationError) as refused, import_transaction():
        BankFile.objects.create(kind=BankFile.Kind.REMITTANCE_STATEMENT, sha256="b" * 64, filename="b.csv",
                                lines=1)
        BankFile.objects.create(kind=BankFile.Kind.REMITTANCE_STATEMENT, sha256="a" * 64, filename="c.csv",
                                lines=1)
    assert refused.value.messages == [IMPORT_RACE_PROBLEM]
    assert list(BankFile.objects.values_list("filename", flat=True)) == ["a.csv"]


@pytest.mark.django_db
def test_the_page_refuses_a_file_imported_before_or_at_the_same_moment(client, collection_clerk,
                                                                      remittance_employer, monkeypatch):
    book_due(remittance_employer, "2019-12", 10_000)
    data = _statement(remittance_employer)
    client.force_login(collection_clerk)
    url = reverse("collection:bank_file_import", args=["remittances"])
    assert client.post(url, {"file": SimpleUploadedFile("s.csv", data, "text/csv")}).status_code == 200
    for twin in (False, True):
        if twin:
            _twin_did_not_see_it(monkeypatch)
        with nothing_written():
            again = client.post(url, {"file": SimpleUploadedFile("copy.csv", data, "text/csv")})
        html = again.content.decode()
        assert again.status_code == 409
        assert 'role="alert">该文件已于' in html and "未做任何更改" in html
    assert (BankFile.objects.count(), Payment.objects.count(), RemittanceLine.objects.count()) == (1, 1, 1)
