"""The hot-path helpers below the ORM read and write exactly the ORM's rows."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.cases.models import Case, CaseTransition
from shebao.core.fastsql import allocate_pk, fetch_one, insert_together
from shebao.registry.models import Employer
from shebao.staff.models import User


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_fetch_one_returns_what_the_orm_returns_with_relations_attached(clerk_chaoyang, employer_chaoyang):
    fast = fetch_one(User, related=("office", "office__parent"), username=clerk_chaoyang.username)
    slow = User.objects.select_related("office__parent").get(username=clerk_chaoyang.username)
    assert _fields(fast) == _fields(slow)
    assert _fields(fast.office) == _fields(slow.office)
    assert fast.office.parent is None and slow.office.parent is None  # a district office has no parent set
    with CaptureQueriesContext(connection) as q:  # following the attached relations needs no query
        assert fast.office.district.code == "110105"
    assert len(q.captured_queries) == 0

    e = fetch_one(Employer, related=("district",), id=employer_chaoyang.pk)
    assert _fields(e) == _fields(Employer.objects.get(pk=employer_chaoyang.pk))
    assert fetch_one(Employer, id=employer_chaoyang.pk + 1000) is None


def test_fetch_one_refuses_to_defer_what_it_does_not_read_or_joins_on(clerk_chaoyang):
    for wrong in (("office",), ("office_id",), ("nonsense",), ("office__nonsense",)):
        with pytest.raises(ValueError, match="cannot defer"):
            fetch_one(User, related=("office",), defer=wrong, username=clerk_chaoyang.username)


def test_fetch_one_reads_extra_expressions_in_the_same_statement(clerk_chaoyang):
    user, extra = fetch_one(User, extra=(["(SELECT COUNT(*) FROM staff_user WHERE username = %s)", "%s + 1"],
                                         [clerk_chaoyang.username, 41]), username=clerk_chaoyang.username)
    assert user.pk == clerk_chaoyang.pk and tuple(int(v) for v in extra) == (1, 42)
    assert fetch_one(User, extra=(["1"], []), username="nobody") == (None, None)


def test_a_read_nested_in_another_gets_its_own_cursor(clerk_chaoyang, employer_chaoyang):
    from shebao.core.fastsql import hot_cursor

    with hot_cursor() as outer:
        outer.execute("SELECT id FROM staff_user WHERE username = %s", [clerk_chaoyang.username])
        # A read while the outer cursor's row is still unread must not take its cursor.
        assert fetch_one(Employer, id=employer_chaoyang.pk).pk == employer_chaoyang.pk
        assert outer.fetchone()[0] == clerk_chaoyang.pk


def test_fetch_one_defers_columns_as_the_orm_does(clerk_chaoyang):
    fast = fetch_one(User, related=("office",), defer=("last_login", "date_joined", "office__name"),
                     username=clerk_chaoyang.username)
    slow = User.objects.select_related("office").defer("last_login", "date_joined", "office__name").get(
        username=clerk_chaoyang.username)
    assert fast.get_deferred_fields() == slow.get_deferred_fields() == {"last_login", "date_joined"}
    assert fast.office.get_deferred_fields() == {"name"}
    with CaptureQueriesContext(connection) as q:  # a deferred column is read when asked for, as with the ORM
        assert fast.date_joined == clerk_chaoyang.date_joined
    assert len(q.captured_queries) == 1


def _case(actor, office, **kw) -> Case:
    return Case(business="monthly_report_back_payment", business_zh="月报补缴", applicant_kind="employer",
                channel="online", applied_on="2020-02-10", mode="direct", explanation_zh="x", pack="p",
                pack_version="1", office=office, submitted_by=actor, **kw)


@pytest.mark.parametrize("with_key", [True, False])
def test_insert_together_writes_the_row_and_its_dependents_or_nothing(clerk_chaoyang, with_key):
    office = clerk_chaoyang.office
    key = "k-1" if with_key else None
    with transaction.atomic():
        case = _case(clerk_chaoyang, office, idempotency_key=key)
        case.pk = allocate_pk(Case)
        t = CaseTransition(case=case, action="submit", from_status="", to_status="submitted", actor_label="x")
        assert insert_together(case, t, conflict=("submitted_by", "idempotency_key") if with_key else ())
    stored = Case.objects.get(pk=case.pk)
    assert stored.created_at is not None and stored.updated_at is not None and stored.facts == {}
    assert list(CaseTransition.objects.filter(case=stored).values_list("action", flat=True)) == ["submit"]

    with transaction.atomic():
        twin = _case(clerk_chaoyang, office, idempotency_key=key)
        twin.pk = allocate_pk(Case)
        t2 = CaseTransition(case=twin, action="submit", from_status="", to_status="submitted", actor_label="x")
        inserted = insert_together(twin, t2, conflict=("submitted_by", "idempotency_key") if with_key else ())
    # Same key: nothing at all is written; no key: a second case, with its own transition.
    assert inserted is (not with_key)
    assert Case.objects.count() == (1 if with_key else 2)
    assert CaseTransition.objects.count() == (1 if with_key else 2)


def test_allocated_keys_are_unique_and_unused(clerk_chaoyang):
    with transaction.atomic():
        ids = set()
        for _ in range(40):
            case = _case(clerk_chaoyang, clerk_chaoyang.office)
            case.pk = allocate_pk(Case)
            assert case.pk not in ids
            ids.add(case.pk)
            assert insert_together(case)
    assert set(Case.objects.values_list("pk", flat=True)) == ids
    # The ORM's own inserts draw from the same sequence and never collide with allocated keys.
    orm = _case(clerk_chaoyang, clerk_chaoyang.office)
    orm.save()
    assert orm.pk not in ids


@pytest.mark.django_db(transaction=True)
def test_a_failing_dependent_leaves_no_row_behind(clerk_chaoyang):
    """All or none: on PostgreSQL the single statement is atomic with no transaction open; elsewhere
    the caller's transaction (as documented) rolls the first row back."""
    from django.db import IntegrityError

    case = _case(clerk_chaoyang, clerk_chaoyang.office)
    broken = CaseTransition(case=case, action=None, from_status="", to_status="submitted", actor_label="x")
    with pytest.raises(IntegrityError):
        if connection.vendor == "postgresql":
            case.pk = allocate_pk(Case)
            assert not connection.in_atomic_block
            insert_together(case, broken)
        else:
            with transaction.atomic():
                case.pk = allocate_pk(Case)
                insert_together(case, broken)
    assert not Case.objects.exists() and not CaseTransition.objects.exists()


def test_allocated_keys_go_out_in_ascending_order(clerk_chaoyang):
    ids = []
    with transaction.atomic():
        for _ in range(40):
            case = _case(clerk_chaoyang, clerk_chaoyang.office)
            case.pk = allocate_pk(Case)
            insert_together(case)
            ids.append(case.pk)
    assert ids == sorted(ids) and len(set(ids)) == 40


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's statement conversion")
def test_a_long_statement_is_converted_once_not_on_every_run(clerk_chaoyang):
    """psycopg caches conversions only up to 4096 bytes and 50 parameters; our hot cursor caches its
    few fixed shapes whatever their size (this also fails if psycopg's internals it uses change)."""
    from shebao.core.fastsql import _hot_cursor_class

    conversions = _hot_cursor_class().conversions
    transitions = [CaseTransition(action="submit", from_status="", to_status="submitted", actor_label="x")
                   for _ in range(6)]  # a case and six dependents: well over 50 parameters
    with transaction.atomic():
        for _ in range(3):
            case = _case(clerk_chaoyang, clerk_chaoyang.office)
            case.pk = allocate_pk(Case)
            for t in transitions:
                t.case = case
            before = conversions.cache_info()
            assert insert_together(case, *transitions)
    after = conversions.cache_info()
    assert after.hits >= before.hits + 1 and after.misses == before.misses  # the third run converted nothing
    assert CaseTransition.objects.filter(case=case).count() == 6


@pytest.mark.django_db(transaction=True)
def test_the_kept_cursor_follows_the_connection_when_it_is_reopened(clerk_chaoyang):
    """The hot cursor is kept per connection; after the connection closes (a restart of the database,
    CONN_MAX_AGE) the next read opens a new one instead of using a dead cursor."""
    assert fetch_one(User, username=clerk_chaoyang.username).pk == clerk_chaoyang.pk
    connection.close()
    assert fetch_one(User, username=clerk_chaoyang.username).pk == clerk_chaoyang.pk
    if connection.vendor == "postgresql":
        assert connection._shebao_hot_cursor.connection is connection.connection


@given(text=st.text(max_size=40), flag=st.booleans())
@settings(max_examples=200, deadline=None)
def test_the_unchanged_shortcut_equals_get_db_prep_save(text, flag):
    """For the exact field classes _row passes on unchanged, Django's get_db_prep_save returns the very
    value (of that type) on this backend: for every such field of the rows a submission writes."""
    from shebao.cases.models import OutboxMessage
    from shebao.core.fastsql import _insert_shape
    from shebao.core.models import AuditEvent

    checked = 0
    for model in (Case, CaseTransition, AuditEvent, OutboxMessage):
        for field, unchanged in _insert_shape(model, True, connection.vendor)[2]:
            if unchanged is None:
                continue
            value = text if unchanged is str else flag
            prepared = field.get_db_prep_save(value, connection)
            assert prepared == value and type(prepared) is unchanged, field
            checked += 1
    assert checked >= 20
