"""A portal application posted twice makes one case (issue 15: two tabs, a double click, a retried
post). A portal applicant has no staff account, so the (submitted_by, key) constraint did not hold
its posts (submitted_by NULL never clashes): now its key is its own and a partial unique index holds
it, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading

import pytest

from shebao.cases.models import Case
from shebao.registry.models import EmploymentSpell
from tests.nothing_written import nothing_written
from tests.portal.conftest import identity_checked, sign_in_employer, sign_in_person
from tests.portal.test_employer import BACK_PAYMENT

CARD = {"reason": "lost", "recipient_name": "王小明", "recipient_phone": "13900139000",
        "postal_address": "北京市朝阳区朝阳门外大街1号院2单元301", "postal_code": "100020"}


@pytest.fixture
def employee(employer_chaoyang, person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    return person_chaoyang


@pytest.mark.django_db
def test_the_same_form_posted_twice_makes_one_case_and_other_content_is_refused(client, settings, admin_chaoyang,
                                                                                employee):
    sign_in_employer(client, settings, admin_chaoyang)
    data = {**BACK_PAYMENT, "id_number": employee.id_number, "token": "f" * 32}
    first = client.post("/portal/employer/cases/new/", data)
    second = client.post("/portal/employer/cases/new/", data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    case = Case.objects.get()
    assert case.idempotency_key.startswith(f"portal:a{admin_chaoyang.pk}:") and "f" * 32 not in case.idempotency_key
    with nothing_written():  # the same form sent again with other bases: said, nothing stored
        r = client.post("/portal/employer/cases/new/", {**data, "bases": "2019-11,9000\n2019-12,9000"})
    assert r.status_code == 400 and "该申请表已经提交过" in r.content.decode()


@pytest.mark.django_db
def test_two_applicants_with_the_same_token_never_meet(client, settings, insured, insured_haidian):
    for person in (insured, insured_haidian):
        c = client.__class__()
        sign_in_person(c, settings, person)
        identity_checked(c, person)
        r = c.post("/portal/person/card/", {**CARD, "recipient_name": person.name, "submission": "same-token"})
        assert r.status_code == 302, r.content.decode()
    assert sorted(Case.objects.values_list("person_id", flat=True)) == sorted([insured.pk, insured_haidian.pk])
    assert Case.objects.values("idempotency_key").distinct().count() == 2


@pytest.mark.django_db
def test_a_person_double_click_makes_one_card_case(client, settings, insured):
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    answers = [client.post("/portal/person/card/", {**CARD, "submission": "dbl"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302] and answers[0]["Location"] == answers[1]["Location"]
    assert Case.objects.filter(person=insured).count() == 1


@pytest.mark.django_db
def test_the_portal_key_is_a_public_documented_function_the_pages_use(client, settings, insured):
    """The portal's pages compare a resent form's token with the stored key through the case service's
    public `portal_idempotency_key` (it was the private `_portal_key`, imported across modules)."""
    import inspect

    from shebao.cases import services
    from shebao.portal import person as person_pages

    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    client.post("/portal/person/card/", {**CARD, "submission": "tok"})
    case = Case.objects.get(person=insured)
    actor = type("Actor", (), {"account_id": None, "person_id": insured.pk})()
    assert case.idempotency_key == services.portal_idempotency_key(actor, "tok")
    assert services.portal_idempotency_key(actor, "") is None and services.portal_idempotency_key.__doc__
    assert not hasattr(services, "_portal_key")
    assert "_portal_key" not in inspect.getsource(person_pages)


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_form_make_one_case(settings, admin_chaoyang, employee):
    """Six real threads on their own connections post the same form at once (the test database is a
    file: writers wait their turn as in production). Before: six cases."""
    from django.db import connection
    from django.test import Client

    signed = Client()
    sign_in_employer(signed, settings, admin_chaoyang)
    cookie = signed.cookies["sessionid"].value
    data = {**BACK_PAYMENT, "id_number": employee.id_number, "token": "race-" + "0" * 27}
    barrier = threading.Barrier(6)
    answers: list[tuple[int, str]] = []

    def post() -> None:
        try:
            c = Client()
            c.cookies["sessionid"] = cookie
            barrier.wait()
            r = c.post("/portal/employer/cases/new/", data)
            answers.append((r.status_code, r.get("Location", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(answers) == 6, answers
    case = Case.objects.get(employer=admin_chaoyang.employer)
    assert answers == [(302, f"/portal/employer/cases/{case.pk}/")] * 6
