"""The roster checks' look-ups (`collection.declarations._among`) and the staging rows' encryption
(`crypto.encrypt_many`): the same rows and the same stored values as the look-up by IN lists and the
field's own encryption gave, on either database (issue 13's 100,000-row roster import)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shebao.collection import declarations
from shebao.collection.declarations import _among, declaration_stage
from shebao.collection.models import DeclarationRow
from shebao.core import crypto
from shebao.registry.models import EmploymentSpell, Person
from tests.collection.test_declarations import MONTH, csv_bytes, world  # noqa: F401  (the fixture)


def test_among_reads_the_rows_an_in_list_reads_in_one_query_on_postgresql(world, monkeypatch):  # noqa: F811
    employer, people = world
    monkeypatch.setattr(declarations, "CHUNK", 2)
    ids = sorted(p.pk for p in people.values()) + [999_999]
    with CaptureQueriesContext(connection) as queries:
        got = sorted(pid for part in _among(EmploymentSpell.objects.all(), "person", ids)
                     for pid in part.values_list("person_id", flat=True))
    assert got == sorted(EmploymentSpell.objects.filter(person_id__in=ids).values_list("person_id", flat=True))
    assert len(got) == 3
    # PostgreSQL: one query, the keys one array parameter; SQLite: IN lists of CHUNK (5 keys: 3 queries)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)
    hashes = [p.id_number_hash for p in people.values()]
    found = {h for part in _among(Person.objects.all(), "id_number_hash", hashes)
             for h in part.values_list("id_number_hash", flat=True)}
    assert found == set(hashes)
    assert [list(part) for part in _among(Person.objects.all(), "id_number_hash", [])] in ([[]], [])


def test_staged_numbers_are_stored_as_the_field_encrypts_them(world, clerk_chaoyang):  # noqa: F811
    employer, people = world
    number = people["张三"].id_number
    lines = [f"{number},张三,在职,8000", ",无号码,在职,8000"]
    declaration = declaration_stage(employer=employer, month=MONTH, data=csv_bytes(lines), filename="r.csv",
                                    actor=clerk_chaoyang)
    shown = dict(DeclarationRow.objects.filter(declaration=declaration).values_list("line_no", "id_number"))
    assert shown == {2: number, 3: ""}  # read through the field: decrypted
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT line_no, id_number FROM {DeclarationRow._meta.db_table} WHERE declaration_id = %s "
                       "ORDER BY line_no", [declaration.pk])
        stored = cursor.fetchall()
    assert crypto.is_token(stored[0][1]) and crypto.decrypt(stored[0][1]) == number
    assert stored[1][1] == ""  # an empty number stays empty, as the field keeps it
    assert declaration.error_rows == 1
