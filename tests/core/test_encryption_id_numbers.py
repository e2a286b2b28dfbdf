"""ID numbers (公民身份号码 and other documents) encrypted at rest (issue 16 §4, docs/encryption.md):
`registry.Person.id_number` is a Fernet token looked up, and kept unique, through its keyed hash;
`filter(id_number=…)` everywhere goes to the hash; the staff search by the start of a number works
through the region kept in clear and the birth date; the generator's COPY, the declaration import's
staging rows, the change history and the rotation all hold tokens; the masked form is unchanged."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import FieldError, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.core import crypto
from shebao.core.models import AuditEvent
from shebao.registry.models import Contribution, Person, PersonHistory
from shebao.registry.selectors import birth_dates_of_prefix, person_search
from tests import personas
from tests.personas import SETUP, citizen_id

pytestmark = pytest.mark.django_db


def raw_person(person: Person) -> tuple[str, str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, id_number_hash, id_region, id_last4 FROM {Person._meta.db_table} "
                       "WHERE id = %s", [person.pk])
        return cursor.fetchone()


def test_the_column_holds_a_token_and_every_lookup_by_number_goes_through_the_blind_index():
    person = personas.make_person("王伟", serial=3)
    number = person.id_number
    stored, index, region, last4 = raw_person(person)
    assert stored.startswith(crypto.TOKEN_PREFIX) and number not in stored
    assert index == crypto.blind_index(number, kind="id_number") and number not in index
    assert (region, last4) == (number[:6], number[-4:])
    # Lookups as the modules write them, on the number itself or across a relation:
    assert Person.objects.get(id_number=number) == person
    spaced = "１１０１０５ " + number[6:14] + " " + number[14:].lower()  # typed anywhere: full-width, spaces, x
    assert Person.objects.get(id_number=spaced) == person
    assert Person.objects.get(id_number__iexact=number.lower()) == person  # the admin's "=id_number"
    assert list(Person.objects.filter(id_number__in=[number, "110105197505010000"])) == [person]
    assert not Person.objects.filter(id_number="110105197505010000").exists()
    assert not Contribution.objects.filter(person__id_number=number).exists()  # a join compiles to the hash
    where = str(Person.objects.filter(id_number=number).query).split("WHERE")[1]
    assert "id_number_hash" in where and '"id_number" ' not in where and number not in where
    # The masked form (pages, API, exports) is what it was.
    assert person.id_number_masked == number[:6] + "********" + number[-4:]
    assert str(person) == f"王伟（{number[:6]}********{number[-4:]}）"
    # What cannot work on tokens is refused, never silently empty.
    for bad in ({"id_number__startswith": number[:8]}, {"id_number__contains": "1975"},
                {"id_number__endswith": number[-4:]}, {"id_number": F("name")}):
        with pytest.raises(FieldError):
            Person.objects.filter(**bad).exists()
    with pytest.raises(FieldError):
        Person.objects.filter(id_number__in=Person.objects.values("name")).exists()


def test_the_number_stays_unique_through_its_hash_said_at_the_number():
    person = personas.make_person("王伟", serial=3)
    with pytest.raises(ValidationError) as refused:
        personas.make_person("李四", serial=3)  # the same number
    assert "id_number" in refused.value.message_dict and "id_number_hash" not in refused.value.message_dict
    assert Person.objects.filter(name="李四").count() == 0
    twin = Person(id_number=person.id_number, name="李四", gender="male", birth_date=person.birth_date,
                  district=person.district)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.bulk_create([twin])  # below the model's checks: the database's unique key on the hash
    assert Person.objects.count() == 1


def test_a_changed_number_moves_its_hash_region_and_last_four_and_the_trails_keep_no_number():
    from shebao.registry.services import person_update

    person = personas.make_person("王伟", serial=3)
    old = person.id_number
    new = citizen_id("110108", dt.date(1975, 5, 1), 7, male=True)
    person_update(actor=SETUP, person=person, reason="证件号码更正", id_number=new)
    stored, index, region, _ = raw_person(person)
    assert index == crypto.blind_index(new, kind="id_number") and region == "110108"
    assert Person.objects.get(id_number=new) == person and not Person.objects.filter(id_number=old).exists()
    person.id_number = old
    person.save(update_fields=["id_number"])  # a narrow save keeps the hash and the region too
    assert raw_person(person)[1:3] == (crypto.blind_index(old, kind="id_number"), "110105")
    trail = " ".join(str(e.changes) for e in AuditEvent.objects.filter(model="registry.Person"))
    assert new not in trail and old not in trail
    history = PersonHistory.objects.create(person=person, field="id_number", field_zh="证件号码", old_value=old,
                                           new_value=new, actor_label="测试")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT old_value, new_value FROM {PersonHistory._meta.db_table} WHERE id = %s", [history.pk])
        assert all(v.startswith(crypto.TOKEN_PREFIX) for v in cursor.fetchone())
    assert PersonHistory.objects.get(pk=history.pk).new_value == new


def _people() -> list[Person]:
    """Citizens of two regions and several birth dates, a Hong Kong permit of 18 characters and two
    short documents (a passport and a permit), registered as the front desk does."""
    people = []
    births = [dt.date(1960, 1, 5), dt.date(1960, 1, 15), dt.date(1960, 10, 5), dt.date(1961, 2, 28),
              dt.date(1975, 5, 1), dt.date(1999, 12, 31)]
    for i, birth in enumerate(births):
        for region in ("110105", "110108"):
            people.append(personas.make_person(personas.numbered("居民", f"{region}{i}"), district_code=region, birth=birth, serial=i + 1))
    for number, id_type in (("810000196001050015", "hmt_permit"), ("E12345678", "passport"),
                            ("H01234567", "hmt_permit"), ("1101051960", "passport")):
        from shebao.registry.services import person_register

        people.append(person_register(actor=SETUP, id_number=number, id_type=id_type, name=personas.numbered("证件", number),
                                      district=personas.office("110105"), gender="female",
                                      birth_date=dt.date(1960, 1, 5), nationality="中国香港"))
    return people


def test_the_staff_search_by_the_start_of_a_number_finds_exactly_who_starts_so():
    """Every start of every registered number (1 to 17 characters), and starts that nobody has,
    find exactly the people whose number starts so (compared in Python on the plain numbers)."""
    people = _people()
    clerk = personas.make_staff("admin_search", role=personas.Role.MUNICIPAL_ADMIN, office_code="110000")
    starts = {p.id_number[:k] for p in people for k in range(1, min(len(p.id_number), 18))}
    starts |= {"1101051960011", "11010519601", "1101052", "110105196013", "1101051961022", "E1", "H0", "9", "8100"}
    numbers = {p.pk: p.id_number for p in people}
    checked = 0
    for start in sorted(starts):
        if len(start) == 4 and start.isdigit() or not start[-1].isdigit() and len(start) < 2:
            continue  # four digits are the last four; a lone letter is not a number
        expected = {pk for pk, n in numbers.items() if n.startswith(start)}
        got = set(person_search(user=clerk, query=start).values_list("pk", flat=True))
        assert got == expected, start
        checked += 1
    assert checked > 100
    # Typed as anywhere else: full-width digits and spaces.
    assert set(person_search(user=clerk, query="１１０１０５ １９６０").values_list("pk", flat=True)) == \
        {pk for pk, n in numbers.items() if n.startswith("1101051960")}
    # The full number and the last four still work.
    target = people[0]
    assert list(person_search(user=clerk, query=target.id_number)) == [target]
    assert target in person_search(user=clerk, query=target.id_number[-4:])


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a loaded machine is not a failure
@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)), st.integers(1, 8),
       st.text("0123456789", min_size=0, max_size=2))
def test_the_birth_dates_of_a_start_are_exactly_the_dates_written_so(day, k, noise):
    """`birth_dates_of_prefix(p)` is a range holding a date exactly when its YYYYMMDD starts with p
    (p a start of a real date, or one mangled by other digits)."""
    digits = f"{day.year:04d}{day.month:02d}{day.day:02d}"
    prefix = (digits[:k] + noise)[:8] if noise else digits[:k]
    window = birth_dates_of_prefix(prefix)
    for other in (day, day - dt.timedelta(days=1) if day.toordinal() > 1 else day,
                  day + dt.timedelta(days=1) if day < dt.date(9999, 12, 31) else day):
        written = f"{other.year:04d}{other.month:02d}{other.day:02d}"
        inside = window is not None and window[0] <= other <= window[1]
        assert inside == written.startswith(prefix), (prefix, other, window)


def test_impossible_birth_dates_find_no_citizen():
    assert birth_dates_of_prefix("196013") is None
    assert birth_dates_of_prefix("19600230") is None
    assert birth_dates_of_prefix("0000") is None
    assert birth_dates_of_prefix("1960") == (dt.date(1960, 1, 1), dt.date(1960, 12, 31))
    assert birth_dates_of_prefix("1960022") == (dt.date(1960, 2, 20), dt.date(1960, 2, 29))
    assert birth_dates_of_prefix("19610229") is None


def test_rotation_and_the_migration_cover_the_id_columns():
    person = personas.make_person("王伟", serial=3)
    number = person.id_number
    with connection.cursor() as cursor:  # as before the migration (or a raw writer): clear, no hash, no region
        cursor.execute(f"UPDATE {Person._meta.db_table} SET id_number = %s, id_number_hash = %s, id_region = '' "
                       "WHERE id = %s", [number, "x" * 64, person.pk])
    assert Person.objects.get(pk=person.pk).id_number == number  # readable meanwhile
    migration = importlib.import_module("shebao.registry.migrations.0014_person_id_number_encrypt_rows")
    migration.encrypt_existing(apps, None)
    stored, index, region, _ = raw_person(person)
    assert stored.startswith(crypto.TOKEN_PREFIX)
    assert (index, region) == (crypto.blind_index(number, kind="id_number"), "110105")
    assert not migration.Migration.operations[-1].reversible  # forward only
    counts = crypto.rotate_all()
    assert counts["registry.Person"] >= 1
    assert {"registry.PersonHistory", "collection.DeclarationRow", "benefits.SurvivorPension"} <= set(counts)
    assert raw_person(person)[0] != stored and Person.objects.get(id_number=number) == person


def test_a_declarations_staging_rows_hold_tokens_and_still_match_people(employer_chaoyang, clerk_chaoyang):
    from shebao.collection.declarations import declaration_stage
    from shebao.collection.models import DeclarationRow
    from shebao.registry.models import EmploymentSpell

    person = personas.make_person("王伟", serial=3)
    EmploymentSpell.objects.create(person=person, employer=employer_chaoyang, from_month="2019-01", to_month="")
    # Registered before the month it declares (collection.declarations.first_declarable_month).
    type(employer_chaoyang).objects.filter(pk=employer_chaoyang.pk).update(
        created_at=dt.datetime(2019, 1, 2, tzinfo=dt.UTC))
    employer_chaoyang.refresh_from_db()
    typed = person.id_number[:6] + " " + person.id_number[6:]  # spaced as a spreadsheet may hold it
    data = f"证件号码,姓名,变动类型,缴费基数（元）\n{typed},王伟,在职,8000\n".encode()
    declaration = declaration_stage(employer=employer_chaoyang, month="2020-02", data=data, filename="m.csv",
                                    actor=clerk_chaoyang)
    row = DeclarationRow.objects.get(declaration=declaration)
    assert row.person_id == person.pk and row.id_number == person.id_number
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {DeclarationRow._meta.db_table} WHERE id = %s", [row.pk])
        assert cursor.fetchone()[0].startswith(crypto.TOKEN_PREFIX)


def test_the_generators_copy_writes_tokens_hashes_and_regions():
    from shebao.registry.generator import GenerateOptions, generate

    generate(GenerateOptions(employers=4, persons=120, from_month="2019-07", months=1, seed=11, batch_employers=4))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number, id_number_hash, id_region FROM {Person._meta.db_table}")
        rows = cursor.fetchall()
    assert len(rows) == 120
    for pk, stored, index, region in rows:
        number = Person.objects.get(pk=pk).id_number
        assert stored.startswith(crypto.TOKEN_PREFIX) and number not in stored
        assert index == crypto.blind_index(number, kind="id_number")
        assert region == (number[:6] if len(number) >= 15 else "")
    sample = Person.objects.order_by("pk").last()
    assert Person.objects.get(id_number=sample.id_number) == sample
