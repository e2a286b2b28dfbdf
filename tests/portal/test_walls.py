"""The portal's walls (issue 15): every portal route, walked as another employer, another person, the
other kind of applicant, a staff member and nobody. An employer sees only itself, a person only
themself; a staff session is no portal session.

Like tests/core/test_district_line.py, the walk reads the URL configuration: a portal route missing
from `ROUTES` fails the test, so a new route cannot slip past. Add yours with who it is for and, if
its address has a key, how to make the owner's object (`OWNER_OBJECTS`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import get_resolver

from tests import personas
from tests.core.test_district_line import KEY, fill, walk
from tests.nothing_written import nothing_written
from tests.portal.conftest import make_admin, sign_in_employer, sign_in_person

pytestmark = pytest.mark.django_db

PUBLIC, EMPLOYER, EMPLOYER_ADMIN, PERSON = "public", "employer", "employer_admin", "person"
SECRET_EMPLOYER, SECRET_PERSON = "北京朝阳保密网办有限公司", "欧阳网办"
SECRETS = [SECRET_EMPLOYER, SECRET_PERSON, "保密材料", "保密经办人"]

# Route name -> who it is for. PUBLIC: acts for no one (sign-in pages, the front page).
ROUTES: dict[str, str] = {
    "portal:home": PUBLIC,
    "portal:sign_out": PUBLIC,
    "portal:person_sign_in": PUBLIC,
    "portal:person_sign_in_code": PUBLIC,
    "portal:employer_sign_in": PUBLIC,
    "portal:employer_sign_in_code": PUBLIC,
    "portal:demo_sms": PUBLIC,  # the demo's SMS inbox: a DEBUG copy without a gateway only, else 404 (ux14 (3))
    "portal:demo_email": PUBLIC,  # the demo's e-mail inbox: a DEBUG copy without a mail server only, else 404
    "portal:person_home": PERSON,
    "portal:employer_home": EMPLOYER,
    "portal:employer_accounts": EMPLOYER_ADMIN,
    "portal:employer_account_disable": EMPLOYER_ADMIN,
    # The insured person's pages (person15).
    "portal:person_rights": PERSON,
    "portal:person_rights_statement": PERSON,
    "portal:person_pension": PERSON,
    "portal:person_card_apply": PERSON,
    "portal:person_transfer": PERSON,
    "portal:person_transfer_apply": PERSON,
    "portal:person_resident_pension": PERSON,
    "portal:person_resident_pension_apply": PERSON,
    "portal:person_identity": PERSON,
    "portal:person_identity_callback": PERSON,
    "portal:person_cases": PERSON,
    "portal:person_case": PERSON,
    "portal:person_card_certificate": PERSON,
    "portal:person_case_document": PERSON,
    "portal:person_case_document_download": PERSON,
    "portal:person_messages": PERSON,
    "portal:employer_cases": EMPLOYER,
    "portal:employer_case_new": EMPLOYER,
    "portal:employer_case": EMPLOYER,
    "portal:employer_case_commitment": EMPLOYER,
    "portal:employer_case_document": EMPLOYER,
    "portal:employer_case_document_download": EMPLOYER,
    "portal:employer_account": EMPLOYER,
    "portal:employer_account_statement": EMPLOYER,
    "portal:employer_messages": EMPLOYER,
    "portal:employer_declarations": EMPLOYER,
    "portal:employer_declaration": EMPLOYER,
    "portal:employer_declaration_act": EMPLOYER,
}


def _owner_objects(owner: dict[str, Any]) -> dict[str, Callable[[], dict[str, object]]]:
    """Route name -> the URL kwargs of an object of the owner (employer `owner["employer"]`, its
    administrator `owner["admin"]`, person `owner["person"]`). Extend with each keyed route."""
    from shebao.portal.access import employer_actor
    from shebao.portal.services import employer_clerk_add

    def clerk() -> dict[str, object]:
        account = employer_clerk_add(actor=employer_actor(owner["admin"]), login=f"hr{owner['n']()}",
                                     display_name="保密经办人", mobile="13700137077", password="walls-password-2020")
        return {"pk": account.pk}

    def person_case() -> dict[str, object]:
        """A card replacement of the owner person, completed (its certificate exists): one for all the
        routes that need one (a second is refused while the first card is on its way, 5.1)."""
        if "card_case" not in owner:
            owner["card_case"] = _person_card_case()
        return owner["card_case"]

    def _person_card_case() -> dict[str, object]:
        import datetime as dt

        from shebao.cards.services import card_order_create
        from shebao.cases.models import Case
        from shebao.cases.services import case_submit
        from tests.portal.conftest import SETUP

        details = {"reason": "lost", "recipient_name": SECRET_PERSON, "recipient_phone": "13900139078",
                   "postal_address": "北京市朝阳区保密路1号院2单元301", "postal_code": "100020"}
        clerk = personas.make_staff(f"walls_clerk_{owner['n']()}", role="district_clerk", office_code="110105")
        case, _ = case_submit(actor=clerk, business="card_replacement", channel="counter", person=owner["person"],
                              applicant_kind="person", applied_on=dt.date(2020, 2, 10), details=details)
        Case.objects.filter(pk=case.pk).update(status="completed")
        card_order_create(actor=SETUP, case=Case.objects.get(pk=case.pk), **details)
        return {"pk": case.pk}

    def employer_case() -> Any:
        from shebao.cases.services import case_submit
        from tests.cases.conftest import employ, valid_details

        employ(owner["person"], owner["employer"])  # whom the report's content declares
        case, _ = case_submit(actor=employer_actor(owner["admin"]), business="monthly_report_back_payment",
                              channel="online", employer=owner["employer"], applicant_kind="employer",
                              idempotency_key=f"walls-{owner['n']()}",
                              details=valid_details("monthly_report_back_payment", employer=owner["employer"]))
        return case

    def employer_document() -> dict[str, object]:
        import io

        from shebao.cases.services import document_attach
        from tests.businesses.walk import PDF

        case = employer_case()
        doc = document_attach(case=case, actor=employer_actor(owner["admin"]), name="保密材料", stream=io.BytesIO(PDF))
        return {"pk": case.pk, "doc_pk": doc.pk}

    def person_document() -> dict[str, object]:
        """A document of the owner person's own application."""
        import io

        from shebao.cases.models import Case
        from shebao.cases.services import document_attach
        from shebao.portal.access import person_actor
        from tests.businesses.walk import PDF

        pk = person_case()["pk"]
        Case.objects.filter(pk=pk).update(status="in_review")
        doc = document_attach(case=Case.objects.get(pk=pk), actor=person_actor(owner["person"]), name="保密材料",
                              stream=io.BytesIO(PDF))
        Case.objects.filter(pk=pk).update(status="completed")  # as the other person cases of the walk
        return {"pk": pk, "doc_pk": doc.pk}

    def declaration() -> dict[str, object]:
        """A staged monthly declaration of the owner employer."""
        from shebao.collection.models import Declaration
        from shebao.core import clock

        d = Declaration.objects.create(employer=owner["employer"], month="2020-01", filename="保密材料.csv",
                                       sha256="0" * 64, rows=0, staged_by_label="保密经办人", staged_at=clock.now())
        return {"pk": d.pk}

    return {
        "portal:employer_declaration": declaration,
        "portal:employer_declaration_act": declaration,
        "portal:employer_account_disable": clerk,
        "portal:employer_case": lambda: {"pk": employer_case().pk},
        "portal:employer_case_commitment": lambda: {"pk": employer_case().pk},
        "portal:employer_case_document": lambda: {"pk": employer_case().pk},
        "portal:employer_case_document_download": employer_document,
        "portal:person_case": person_case,
        "portal:person_card_certificate": person_case,
        "portal:person_case_document": person_case,
        "portal:person_case_document_download": person_document,
        "portal:person_resident_pension_apply": lambda: {"kind": "claim"},
        "portal:person_transfer_apply": lambda: {"direction": "out"},
    }


def portal_routes() -> list[tuple[str, str]]:
    return [(route, name) for route, name in walk(get_resolver().url_patterns) if route.startswith("portal/")]


def test_every_portal_route_is_known_to_the_walk():
    names = {name for _, name in portal_routes()}
    assert names, "no portal routes found"
    assert not names - set(ROUTES), f"portal routes the walls test does not know: {sorted(names - set(ROUTES))}"


def test_public_routes_are_marked_public_and_the_others_require_a_sign_in():
    """A view meant for everyone says so (`portal.access.portal_public`); every other view is behind
    one of the portal's decorators (checked by behaviour in the walks below)."""
    resolver = get_resolver()
    for route, name in portal_routes():
        view = resolver.resolve(fill(route, {k: 1 for k in ("pk", "doc_pk", "case", "document", "owed", "code", "kind", "direction")})).func
        assert getattr(view, "portal_public", False) == (ROUTES[name] == PUBLIC), name


@pytest.fixture
def world(settings):
    counter = iter(range(1000))
    employer = personas.make_employer(SECRET_EMPLOYER, serial=78)
    owner = {"employer": employer, "admin": make_admin(employer, login="owner", mobile="13800138078"),
             "person": personas.make_person(SECRET_PERSON, serial=78), "n": lambda: next(counter)}
    from shebao.registry.services import person_update
    from tests.portal.conftest import SETUP

    person_update(actor=SETUP, person=owner["person"], phone="13900139078")
    other_employer = personas.make_employer("北京朝阳另一家有限公司", serial=79)
    other_admin = make_admin(other_employer, login="other", mobile="13800138079")
    other_person = personas.make_person("路人甲", serial=79)
    other_person = person_update(actor=SETUP, person=other_person, phone="13900139079")
    return {"owner": owner, "other_admin": other_admin, "other_person": other_person}


# Routes whose key names a business, not an object of anyone: the reader's own page. A person who
# cannot apply now is told why on it without the identity check (no month to transfer out, an
# application being handled), so it may answer 200 / 400 as any page of their own.
OWN_BUSINESS_ROUTES = {"portal:person_resident_pension_apply", "portal:person_transfer_apply"}


def _urls(world: dict[str, Any]) -> list[tuple[str, str, bool]]:
    objects = _owner_objects(world["owner"])
    out, missing = [], []
    for route, name in portal_routes():
        has_key = bool(KEY.search(route))
        if name in OWN_BUSINESS_ROUTES:
            out.append((fill(route, objects[name]()), name, False))
            continue
        if has_key and name not in objects:
            missing.append(name)
            continue
        out.append((fill(route, objects[name]() if has_key else {}), name, has_key))
    assert not missing, f"keyed portal routes without an owner's object in _owner_objects: {missing}"
    return out


def _walk(client, urls, *, expect: Callable[[str, bool, int], bool], secrets: list[str]) -> int:
    checked = 0
    for url, name, has_key in urls:
        if ROUTES[name] == PUBLIC:
            continue
        for method in ("get", "post"):
            with nothing_written() if has_key or method == "post" else contextlib.nullcontext():
                r = getattr(client, method)(url, {})
            assert expect(method, has_key, r.status_code), f"{method.upper()} {url} ({name}) -> {r.status_code}"
            body = r.content.decode(errors="ignore")
            for s in secrets:
                assert s not in body, f"{method.upper()} {url} shows {s}"
            checked += 1
    return checked


def test_another_employer_sees_and_touches_nothing_of_the_owner(client, settings, world):
    urls = _urls(world)
    sign_in_employer(client, settings, world["other_admin"])

    def expect(method: str, has_key: bool, status: int) -> bool:
        # Its own pages answer (a form refused for empty fields is 400); the owner's objects do not exist for it;
        # a person's page sends it to the person's sign-in (302, checked in the walk of the other kind below).
        return status in (302, 403, 404, 405) if has_key else status in (200, 302, 400, 405)

    assert _walk(client, urls, expect=expect, secrets=SECRETS) >= 4


def test_another_person_sees_and_touches_nothing_of_the_owner(client, settings, world):
    urls = _urls(world)
    sign_in_person(client, settings, world["other_person"])

    def expect(method: str, has_key: bool, status: int) -> bool:
        return status in (302, 403, 404, 405) if has_key else status in (200, 302, 400, 405)

    assert _walk(client, urls, expect=expect, secrets=SECRETS) >= 4


def test_the_other_kind_of_applicant_is_sent_to_its_own_sign_in(client, settings, world):
    urls = _urls(world)
    sign_in_person(client, settings, world["other_person"])
    for url, name, _ in urls:
        if ROUTES[name] in (EMPLOYER, EMPLOYER_ADMIN):
            r = client.get(url)
            assert r.status_code in (302, 405) and (r.status_code == 405 or r["Location"].startswith(
                "/portal/employer/sign-in/")), url
    other = client.__class__()
    sign_in_employer(other, settings, world["other_admin"])
    for url, name, _ in urls:
        if ROUTES[name] == PERSON:
            r = other.get(url)
            assert r.status_code in (302, 405) and (r.status_code == 405 or r["Location"].startswith(
                "/portal/person/sign-in/")), url


def test_a_staff_session_is_refused_by_every_portal_route_that_acts_for_someone(client, world, clerk_chaoyang,
                                                                                 municipal_admin):
    urls = _urls(world)
    for staff in (clerk_chaoyang, municipal_admin):
        client.force_login(staff)

        def expect(method: str, has_key: bool, status: int) -> bool:
            return status in (403, 405)

        assert _walk(client, urls, expect=expect, secrets=SECRETS) >= 4


def test_nobody_signed_in_is_sent_to_sign_in(client, world):
    for url, name, _ in _urls(world):
        if ROUTES[name] == PUBLIC:
            continue
        with nothing_written():
            r = client.get(url)
        assert r.status_code in (302, 405), url
        if r.status_code == 302:
            assert r["Location"].startswith("/portal/") and "sign-in" in r["Location"], url
