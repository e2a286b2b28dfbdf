"""Staff open and reset an employer's administrator account in the back office (issue 15): the page
beside the employer's registry page, audited, for the employer's district only; a reset ends every
session of the account and lifts its lockout."""

from __future__ import annotations

import pytest

from shebao.core.models import AuditEvent
from shebao.portal.models import EmployerAccount
from tests.nothing_written import nothing_written
from tests.portal.conftest import PASSWORD, make_admin, sign_in_employer, sms_codes

pytestmark = pytest.mark.django_db
NEW = {"login": "boss", "display_name": "单位管理员", "mobile": "13800138000", "password": PASSWORD}


def url(employer) -> str:
    return f"/office/employers/{employer.pk}/portal-accounts/"


def test_a_clerk_opens_the_administrator_account_the_employer_then_signs_in_with(client, settings, clerk_chaoyang,
                                                                                 employer_chaoyang):
    client.force_login(clerk_chaoyang)
    assert "网上办事账户" in client.get(f"/employers/{employer_chaoyang.pk}/").content.decode()
    page = client.get(url(employer_chaoyang))
    assert page.status_code == 200 and "尚未开通" in page.content.decode()
    r = client.post(url(employer_chaoyang), {**NEW, "do": "open", "mobile": "138 0013 8000"})
    assert r.status_code == 302
    account = EmployerAccount.objects.get(employer=employer_chaoyang)
    assert (account.role, account.login, account.mobile) == ("employer_admin", "boss", "13800138000")
    event = AuditEvent.objects.get(model="portal.EmployerAccount", object_pk=str(account.pk))
    assert event.actor == clerk_chaoyang and "password" not in event.changes
    listed = client.get(url(employer_chaoyang)).content.decode()
    assert "138****8000" in listed and "13800138000" not in listed and "重置管理员账户" in listed
    portal = client.__class__()
    sign_in_employer(portal, settings, account)


def test_a_refused_field_is_said_beside_it_and_nothing_is_written(client, clerk_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(url(employer_chaoyang), {**NEW, "do": "open", "mobile": "12345", "display_name": "\u200b"})
    body = r.content.decode()
    assert r.status_code == 400 and 'id="id_mobile-error"' in body and 'id="id_display_name-error"' in body


def test_another_districts_clerk_finds_no_such_employer(client, clerk_haidian, employer_chaoyang):
    client.force_login(clerk_haidian)
    with nothing_written():
        assert client.get(url(employer_chaoyang)).status_code == 404
        assert client.post(url(employer_chaoyang), {**NEW, "do": "open"}).status_code == 404


def test_a_leader_may_look_but_not_open(client, leader, employer_chaoyang):
    client.force_login(leader)
    page = client.get(url(employer_chaoyang))
    assert page.status_code == 200 and "确认开通" not in page.content.decode()
    with nothing_written():
        r = client.post(url(employer_chaoyang), {**NEW, "do": "open"})
    assert r.status_code == 403 and "无权" in r.content.decode()


def test_a_reset_ends_every_session_lifts_the_lockout_and_keeps_no_hash(client, settings, clerk_chaoyang,
                                                                         employer_chaoyang):
    admin = make_admin(employer_chaoyang)
    portal = client.__class__()
    sign_in_employer(portal, settings, admin)
    assert portal.get("/portal/employer/").status_code == 200
    stranger = client.__class__()  # someone guessing locks the account
    for _ in range(settings.AXES_FAILURE_LIMIT):
        stranger.post("/portal/employer/sign-in/", {"credit_code": employer_chaoyang.credit_code, "login": "boss",
                                                    "password": "guess-guess-guess"})
    client.force_login(clerk_chaoyang)
    r = client.post(url(employer_chaoyang), {"do": "reset", "display_name": "新管理员", "mobile": "13800138099",
                                             "password": "a-new-initial-password"})
    assert r.status_code == 302
    admin.refresh_from_db()
    assert (admin.display_name, admin.mobile, admin.login) == ("新管理员", "13800138099", "boss")
    event = AuditEvent.objects.filter(model="portal.EmployerAccount", object_pk=str(admin.pk)).latest("pk")
    assert event.reason == "重置单位网上办事管理员账户" and event.actor == clerk_chaoyang
    assert event.changes["password"] == ["（原密码）", "（新密码）"] and "pbkdf2" not in str(event.changes)
    # The old session ends at its next request; the old password no longer works; the new one does.
    assert portal.get("/portal/employer/")["Location"].startswith("/portal/employer/sign-in/")
    r = portal.post("/portal/employer/sign-in/", {"credit_code": employer_chaoyang.credit_code, "login": "boss",
                                                  "password": PASSWORD})
    assert r.status_code == 400
    sign_in_employer(client.__class__(), settings, admin, password="a-new-initial-password")
    assert sms_codes(settings)[-1] and sms_codes(settings, "13800138099")


def test_no_reset_without_an_administrator_and_no_second_administrator(client, clerk_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(url(employer_chaoyang), {**NEW, "do": "reset"})
    assert r.status_code == 400 and "还没有有效的管理员账户" in r.content.decode()
    make_admin(employer_chaoyang)
    with nothing_written():
        r = client.post(url(employer_chaoyang), {**NEW, "login": "boss2", "do": "open"})
    assert r.status_code == 400 and "已有有效的网上办事管理员账户" in r.content.decode()
