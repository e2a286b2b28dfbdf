"""A user name that is no staff account's is kept by django-axes only as a keyed hash (issue 16 §4,
review-input6 F9): an ID number typed as the user name is in no column of `axes_accessattempt` (read
with raw SQL), lockout still counts per name, and `shebao axes_usernames_hash` rewrites the rows kept
before. The portal's sign-in trail keeps no unknown login name either."""

from __future__ import annotations

import io

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db import connection

from shebao.core import crypto
from shebao.portal.models import SignInEvent
from shebao.staff import lockout
from tests import personas

pytestmark = pytest.mark.django_db
ID_NUMBER = "11010519491231002X"


def attempt_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT username, post_data, get_data, failures_since_start FROM {AccessAttempt._meta.db_table}")
        return cursor.fetchall()


def test_an_id_number_typed_as_the_user_name_is_kept_as_a_keyed_hash_and_still_locks(client, settings,
                                                                                   clerk_chaoyang):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        r = client.post("/login/", {"username": ID_NUMBER, "password": "wrong-password-1"})
        assert r.status_code == 400
    [(username, post_data, get_data, failures)] = attempt_rows()
    assert username == "unknown:" + crypto.blind_index(ID_NUMBER, kind=lockout.KIND)
    assert failures == settings.AXES_FAILURE_LIMIT - 1
    for column in (username, post_data, get_data):
        assert ID_NUMBER not in column and ID_NUMBER[:14] not in column
    # The same name, typed in lower case or full width, counts on the same row: the fifth locks it.
    r = client.post("/login/", {"username": ID_NUMBER.lower(), "password": "wrong-password-1"})
    assert r.status_code == 429 and "锁定" in r.content.decode()
    assert len(attempt_rows()) == 1
    # A staff user name is kept as it is (the admin sees whose account is locked).
    client.post("/login/", {"username": "clerk_cy", "password": "wrong-password-1"})
    assert AccessAttempt.objects.filter(username="clerk_cy").exists()


def test_the_command_rewrites_attempts_kept_in_clear(clerk_chaoyang):
    hashed = lockout.stored_username(ID_NUMBER)
    common = {"ip_address": "10.0.0.9", "user_agent": "ua", "http_accept": "*/*", "path_info": "/login/",
              "get_data": ""}
    AccessAttempt.objects.create(username=ID_NUMBER, post_data=f"username={ID_NUMBER}\nlogin={ID_NUMBER}",
                                 failures_since_start=2, **common)
    AccessAttempt.objects.create(username=hashed, post_data="username=********************",
                                 failures_since_start=1, **common)  # the same name, hashed since
    AccessAttempt.objects.create(username="clerk_cy", post_data="username=********************",
                                 failures_since_start=1, **common)
    event = SignInEvent.objects.create(kind="employer", outcome="wrong_password", subject="portal-employer:x",
                                       subject_label=f"91110105MA00000000 {ID_NUMBER}")
    out = io.StringIO()
    call_command("axes_usernames_hash", stdout=out)
    assert "登录失败记录：改写1条" in out.getvalue() and "网上办事登录记录：改写1条" in out.getvalue()
    rows = attempt_rows()
    assert sorted(r[0] for r in rows) == sorted(["clerk_cy", hashed])
    assert [r[3] for r in rows if r[0] == hashed] == [3]  # merged: the failures add up
    assert all(ID_NUMBER not in "".join(map(str, r)) for r in rows)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT subject_label FROM {SignInEvent._meta.db_table} WHERE id = %s", [event.pk])
        assert cursor.fetchone()[0] == "91110105MA00000000 （未注册的登录名）"
    call_command("axes_usernames_hash", stdout=io.StringIO())  # again: nothing changes
    assert attempt_rows() == rows


def test_the_portal_keeps_no_unknown_login_name(client, settings):
    from tests.portal.conftest import make_admin

    admin = make_admin(personas.make_employer())
    r = client.post("/portal/employer/sign-in/", {"credit_code": admin.employer.credit_code, "login": ID_NUMBER,
                                                  "password": "wrong-password-123"})
    assert r.status_code == 400
    [event] = SignInEvent.objects.all()
    assert ID_NUMBER not in event.subject_label and "未注册的登录名" in event.subject_label
    for row in attempt_rows():
        assert ID_NUMBER not in "".join(map(str, row))
    # A known login is still named in the trail.
    client.post("/portal/employer/sign-in/", {"credit_code": admin.employer.credit_code, "login": admin.login,
                                              "password": "wrong-password-123"})
    assert SignInEvent.objects.filter(subject_label__endswith=f" {admin.login}").exists()


def test_an_id_number_in_the_credit_code_box_is_kept_nowhere_in_clear(client, settings):
    """review-input7 F3: the employer sign-in's credit-code box took an ID number, and the trail
    (portal_signinevent.subject_label) and django-axes' POST data (credit_code=…) kept it in clear."""
    from shebao.portal.models import SignInEvent as Event
    from shebao.portal.signin import rewrite_event_labels

    for typed in (ID_NUMBER, f"{ID_NUMBER[:6]}.{ID_NUMBER[6:14]}.{ID_NUMBER[14:]}"):
        r = client.post("/portal/employer/sign-in/", {"credit_code": typed, "login": "boss",
                                                      "password": "wrong-password-123"})
        assert r.status_code == 400
    labels = list(Event.objects.values_list("subject_label", flat=True))
    assert labels and all(ID_NUMBER not in label and "********" in label for label in labels), labels
    for row in attempt_rows():
        assert ID_NUMBER[6:14] not in "".join(map(str, row)), row
    # A trail kept before: the command's rewrite masks the number typed as the credit code.
    old = Event.objects.create(kind="employer", outcome="failed", subject="x", subject_label=f"{ID_NUMBER} 未注册的登录名")
    assert rewrite_event_labels() == 1 and rewrite_event_labels() == 0  # once, then nothing left
    old.refresh_from_db()
    assert ID_NUMBER not in old.subject_label
    # A real credit code is still named as typed.
    from tests.portal.conftest import make_admin

    admin = make_admin(personas.make_employer())
    client.post("/portal/employer/sign-in/", {"credit_code": admin.employer.credit_code, "login": admin.login,
                                              "password": "wrong-password-123"})
    assert Event.objects.filter(subject_label=f"{admin.employer.credit_code} {admin.login}").exists()


def _migration():
    import importlib

    return importlib.import_module("shebao.staff.migrations.0006_axes_usernames_hashed")


def _state_apps():
    from django.db.migrations.executor import MigrationExecutor

    return MigrationExecutor(connection).loader.project_state([("staff", "0006_axes_usernames_hashed")]).apps


def test_migrating_rewrites_the_names_kept_in_clear_without_a_manual_step(clerk_chaoyang):
    """staff 0006 runs the command's code once when a deployed copy migrates (issue 16); the command
    run afterwards changes nothing."""
    common = {"ip_address": "10.0.0.9", "user_agent": "ua", "http_accept": "*/*", "path_info": "/login/",
              "get_data": ""}
    AccessAttempt.objects.create(username=ID_NUMBER, post_data=f"username={ID_NUMBER}", failures_since_start=2,
                                 **common)
    event = SignInEvent.objects.create(kind="employer", outcome="wrong_password", subject="portal-employer:x",
                                       subject_label=f"91110105MA00000000 {ID_NUMBER}")
    _migration().hash_kept_usernames(_state_apps(), None)
    rows = attempt_rows()
    assert [r[0] for r in rows] == [lockout.stored_username(ID_NUMBER)]
    assert all(ID_NUMBER not in "".join(map(str, r)) for r in rows)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT subject_label FROM {SignInEvent._meta.db_table} WHERE id = %s", [event.pk])
        assert cursor.fetchone()[0] == "91110105MA00000000 （未注册的登录名）"
    _migration().hash_kept_usernames(_state_apps(), None)  # idempotent
    assert attempt_rows() == rows
    out = io.StringIO()
    call_command("axes_usernames_hash", stdout=out)  # the command is kept, and finds nothing left
    assert "登录失败记录：改写0条" in out.getvalue() and "网上办事登录记录：改写0条" in out.getvalue()


def _current_models_refused():
    """Patches that make any read through the CURRENT models of the tables staff 0006 rewrites fail:
    the migration must go through its historical ones (apps.get_model)."""
    from contextlib import ExitStack
    from unittest import mock

    from axes.models import AccessFailureLog, AccessLog
    from django.contrib.auth import get_user_model

    from shebao.portal.models import EmployerAccount

    stack = ExitStack()
    for model in (AccessAttempt, AccessFailureLog, AccessLog, SignInEvent, EmployerAccount):
        stack.enter_context(mock.patch.object(model, "objects", new=mock.Mock(side_effect=AssertionError,
                                                                             **{"filter.side_effect": AssertionError,
                                                                                "exclude.side_effect": AssertionError,
                                                                                "all.side_effect": AssertionError})))
    user = get_user_model()
    stack.enter_context(mock.patch.object(user._meta, "default_manager", new=mock.Mock(
        **{"filter.side_effect": AssertionError})))
    return stack


def test_the_migration_reads_and_writes_through_its_historical_models(clerk_chaoyang):
    """issue 16, left open at stop 18: staff 0006 called the command's code through the current
    models. Now every read and write goes through the migration state's models."""
    common = {"ip_address": "10.0.0.9", "user_agent": "ua", "http_accept": "*/*", "path_info": "/login/",
              "get_data": ""}
    AccessAttempt.objects.create(username=ID_NUMBER, post_data=f"username={ID_NUMBER}", failures_since_start=2,
                                 **common)
    AccessAttempt.objects.create(username="clerk_cy", post_data="username=clerk_cy", failures_since_start=1,
                                 **common)
    SignInEvent.objects.create(kind="employer", outcome="wrong_password", subject="portal-employer:x",
                               subject_label=f"91110105MA00000000 {ID_NUMBER}")
    state = _state_apps()
    with _current_models_refused():
        _migration().hash_kept_usernames(state, None)
    assert sorted(r[0] for r in attempt_rows()) == sorted(["clerk_cy", lockout.stored_username(ID_NUMBER)])
    assert SignInEvent.objects.get().subject_label == "91110105MA00000000 （未注册的登录名）"
    from django.db.migrations.loader import MigrationLoader

    node = MigrationLoader(connection).graph.nodes[("staff", "0006_axes_usernames_hashed")]
    [op] = node.operations
    assert op.reversible and op.reverse_code is op.noop


@pytest.mark.django_db(transaction=True)
def test_the_migration_executor_runs_staff_0006_on_rows_kept_in_clear():
    """The real road: the executor takes staff back to 0005 (0006's way back changes nothing), rows
    kept in clear are there, and migrating forward hashes them through the historical models."""
    from django.db.migrations.executor import MigrationExecutor

    target = ("staff", "0006_axes_usernames_hashed")
    MigrationExecutor(connection).migrate([("staff", "0005_stamps_from_business_clock")])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {AccessAttempt._meta.db_table} (username, ip_address, user_agent, http_accept, "
                "path_info, get_data, post_data, failures_since_start, attempt_time) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, CURRENT_TIMESTAMP)",
                [ID_NUMBER, "10.0.0.9", "ua", "*/*", "/login/", "", f"username={ID_NUMBER}", 3])
        executor = MigrationExecutor(connection)
        with _current_models_refused():
            executor.migrate([target])
    finally:
        executor = MigrationExecutor(connection)
        if target not in executor.loader.applied_migrations:
            executor.migrate([target])
    [(username, post_data, _get, failures)] = attempt_rows()
    assert username == lockout.stored_username(ID_NUMBER) and ID_NUMBER not in post_data and failures == 3
