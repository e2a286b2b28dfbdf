"""Portal accounts and staff accounts are kept apart (issue 15, walls): no portal session reaches a
staff page or the staff API, a staff session is no portal session; the administrator manages its own
clerks only; a disabled clerk is signed out at the next click."""

from __future__ import annotations

import pytest

from shebao.core.models import AuditEvent
from shebao.portal.models import EmployerAccount
from tests.nothing_written import nothing_written
from tests.portal.conftest import PASSWORD, make_admin, sign_in_employer, sign_in_person

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/", "/office/queue/", "/office/front-desk/", "/persons/", "/employers/", "/collection/assessment-runs/"]
STAFF_API = ["/api/v1/cases/", "/api/v1/persons/", "/api/v1/employers/"]


@pytest.mark.parametrize("who", ["person", "employer"])
def test_a_portal_session_reaches_no_staff_page_or_api(client, settings, who, insured, admin_chaoyang):
    if who == "person":
        sign_in_person(client, settings, insured)
    else:
        sign_in_employer(client, settings, admin_chaoyang)
    for url in STAFF_PAGES:
        r = client.get(url)
        assert r.status_code in (302, 404), f"{url} -> {r.status_code}"
        if r.status_code == 302:
            assert r["Location"].startswith("/login/"), url
    for url in STAFF_API:
        r = client.get(url)
        assert r.status_code in (401, 403), f"{url} -> {r.status_code}"
    with nothing_written():
        r = client.post("/api/v1/cases/", {"business": "monthly_report_back_payment", "channel": "online"})
    assert r.status_code in (401, 403)


def test_a_staff_session_is_no_portal_session(client, clerk_chaoyang, admin_chaoyang):
    client.force_login(clerk_chaoyang)
    for url in ("/portal/person/", "/portal/employer/", "/portal/employer/accounts/"):
        r = client.get(url)
        assert r.status_code == 403 and "工作人员账户不能使用网上办事" in r.content.decode(), url
    s = client.session
    s["portal"] = {"kind": "employer", "id": admin_chaoyang.pk}  # a session holding both is still refused
    s.save()
    assert client.get("/portal/employer/").status_code == 403


def test_signing_in_to_the_portal_signs_staff_out(client, settings, clerk_chaoyang, insured):
    client.force_login(clerk_chaoyang)
    sign_in_person(client, settings, insured)
    assert client.get("/portal/person/").status_code == 200
    assert client.get("/office/queue/")["Location"].startswith("/login/")


def test_the_administrator_adds_a_clerk_who_signs_in_and_cannot_manage_accounts(client, settings, admin_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    r = client.post("/portal/employer/accounts/", {"login": "hr1", "display_name": "人事专员", "mobile": "13700137000",
                                                   "password": "clerk-password-2020"})
    assert r.status_code == 302
    clerk = EmployerAccount.objects.get(login="hr1")
    assert clerk.role == "employer_clerk" and clerk.employer_id == admin_chaoyang.employer_id
    assert clerk.created_by_label.startswith("网上办事：单位管理员 boss")
    event = AuditEvent.objects.get(model="portal.EmployerAccount", object_pk=str(clerk.pk))
    assert "password" not in event.changes and event.actor is None
    other = client.__class__()
    sign_in_employer(other, settings, clerk, password="clerk-password-2020")
    assert other.get("/portal/employer/").status_code == 200
    with nothing_written():
        assert other.get("/portal/employer/accounts/").status_code == 403
        assert other.post(f"/portal/employer/accounts/{admin_chaoyang.pk}/disable/").status_code == 403
    # Disabled by the administrator: the clerk's next request is signed out.
    r = client.post(f"/portal/employer/accounts/{clerk.pk}/disable/")
    assert r.status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active and clerk.disabled_by_label.startswith("网上办事：单位管理员")
    assert other.get("/portal/employer/")["Location"].startswith("/portal/employer/sign-in/")


def test_a_clerk_form_error_is_shown_next_to_its_field_and_nothing_is_written(client, settings, admin_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    with nothing_written():
        r = client.post("/portal/employer/accounts/", {"login": "x", "display_name": "张", "mobile": "12345",
                                                       "password": "123"})
    body = r.content.decode()
    assert r.status_code == 400 and body.count('class="field-error"') >= 1
    assert "登录名须为3至40位" in body


def test_an_administrator_cannot_disable_another_employers_clerk(client, settings, admin_chaoyang, employer_haidian):
    other_admin = make_admin(employer_haidian, login="hdboss", mobile="13800138009")
    from shebao.portal.access import employer_actor
    from shebao.portal.services import employer_clerk_add

    hd_clerk = employer_clerk_add(actor=employer_actor(other_admin), login="hdhr", display_name="海淀人事",
                                  mobile="13700137009", password=PASSWORD)
    sign_in_employer(client, settings, admin_chaoyang)
    with nothing_written():
        r = client.post(f"/portal/employer/accounts/{hd_clerk.pk}/disable/")
    assert r.status_code == 404
    hd_clerk.refresh_from_db()
    assert hd_clerk.is_active


@pytest.mark.parametrize(("login", "name", "field"), [
    ("BOSS", "另一个人", "login"), ("Boss", "另一个人", "login"),          # the administrator's login in other case
    ("hr2", "\u200b\u200b", "display_name"), ("hr2", "张\u202e三", "display_name"), ("hr2", "　 ", "display_name")])
def test_a_login_differing_only_in_case_or_an_invisible_name_is_refused(client, settings, admin_chaoyang, login,
                                                                        name, field):
    """Review D11: CLERK1 was accepted next to clerk1, and a name of two zero-width spaces showed as
    a blank account."""
    sign_in_employer(client, settings, admin_chaoyang)
    with nothing_written():
        r = client.post("/portal/employer/accounts/", {"login": login, "display_name": name, "mobile": "13700137000",
                                                       "password": "clerk-password-2020"})
    assert r.status_code == 400 and f'id="id_{field}-error"' in r.content.decode()


def test_the_lower_cased_login_is_unique_in_the_database_too(admin_chaoyang):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        EmployerAccount.objects.create(employer=admin_chaoyang.employer, login="BOSS", display_name="x",
                                       role="employer_clerk", mobile="13700137000", password="!", created_by_label="t")


def test_a_clerk_typed_with_full_width_letters_and_spaces_is_stored_normalised(client, settings, admin_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    r = client.post("/portal/employer/accounts/", {"login": "ｈｒ３", "display_name": " Ｌｉ　Ｍｉｎｇ ",
                                                   "mobile": "+86 137-0013-7000", "password": "clerk-password-2020"})
    assert r.status_code == 302
    clerk = EmployerAccount.objects.get(login="hr3")
    assert (clerk.display_name, clerk.mobile) == ("Li Ming", "13700137000")
