"""Portal personas: an employer's administrator and clerk, an insured person with a mobile, and the
SMS file their codes go to."""

from __future__ import annotations

import json
import re

import pytest

from shebao.core.permissions import SystemActor
from shebao.portal.services import employer_admin_create
from tests import personas

PASSWORD = "portal-demo-password-2020"
SETUP = SystemActor("portal_tests", "网上办事测试")


@pytest.fixture(autouse=True)
def _sms_dir(settings, tmp_path):
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"


def sms_codes(settings, mobile: str | None = None) -> list[str]:
    """The sign-in codes sent by SMS so far (to `mobile`), oldest first (a person's codes go through
    the background sender: waited for)."""
    from shebao.portal.codes import deliveries_wait

    deliveries_wait()
    path = settings.SHEBAO_NOTIFY_DIR / "sms.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [re.search(r"\d{6}", r["body"]).group(0) for r in rows
            if r["event"] == "portal_sign_in_code" and (mobile is None or r["to"] == mobile)]


def make_admin(employer, *, login: str = "boss", mobile: str = "13800138000"):
    return employer_admin_create(actor=SETUP, employer=employer, login=login, display_name="单位管理员",
                                 mobile=mobile, password=PASSWORD)


@pytest.fixture
def admin_chaoyang(employer_chaoyang):
    return make_admin(employer_chaoyang)


@pytest.fixture
def admin_haidian(employer_haidian):
    return make_admin(employer_haidian, login="hdboss", mobile="13800138001")


@pytest.fixture
def insured(db):
    """A person of 朝阳区 with a registered mobile."""
    from shebao.registry.services import person_update

    person = personas.make_person("王小明", serial=31)
    return person_update(actor=SETUP, person=person, phone="13900139000")


@pytest.fixture
def insured_haidian(db):
    from shebao.registry.services import person_update

    person = personas.make_person("赵海淀", district_code="110108", serial=32, male=False,
                                  birth=personas.dt.date(1982, 5, 6))
    return person_update(actor=SETUP, person=person, phone="13900139001")


def sign_in_person(client, settings, person) -> None:
    r = client.post("/portal/person/sign-in/", {"id_number": person.id_number})
    assert r.status_code == 302, r.content.decode()
    code = sms_codes(settings, person.phone)[-1]
    r = client.post("/portal/person/sign-in/code/", {"code": code})
    assert r.status_code == 302 and r["Location"] == "/portal/person/", r.content.decode()


def sign_in_employer(client, settings, account, password: str = PASSWORD) -> None:
    r = client.post("/portal/employer/sign-in/", {"credit_code": account.employer.credit_code,
                                                  "login": account.login, "password": password})
    assert r.status_code == 302, r.content.decode()
    code = sms_codes(settings, account.mobile)[-1]
    r = client.post("/portal/employer/sign-in/code/", {"code": code})
    assert r.status_code == 302 and r["Location"] == "/portal/employer/", r.content.decode()


def identity_checked(client, person) -> None:
    """Mark the signed-in person's session as having passed the identity check just now, as the
    provider's callback does (`portal.person_identity.identity_check_callback`): for tests of pages
    behind the check that are not about the check itself. The check through a real OpenID Connect
    provider is tested in test_person_identity.py."""
    from shebao.core import clock
    from shebao.portal.person_identity import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = {"person_id": person.pk, "at": clock.now().isoformat(), "subject": "city-id-test"}
    session.save()


# A person's transfer in from the portal, the application most document tests start from: it owes the
# catalog's 参保缴费凭证 once accepted.
TRANSFER_IN = {"region": "河北省石家庄市", "lines": "2015-01,3000,240\n2015-02,3000,240", "submission": "d1"}


@pytest.fixture
def document_day(settings):
    """The business day of the document tests (2020-02-20, inside the emergency); uploads go to the
    test's own folder (the root conftest's MEDIA_ROOT), returned as a Path."""
    from pathlib import Path

    settings.SHEBAO_TODAY = personas.dt.date(2020, 2, 20)
    return Path(settings.MEDIA_ROOT)


def transfer_in_submitted(client, settings, person):
    """``person`` signed in on ``client`` with the identity check passed submits TRANSFER_IN: their case
    (submitted, not yet accepted, nothing owed yet)."""
    from shebao.cases.models import Case

    sign_in_person(client, settings, person)
    identity_checked(client, person)
    assert client.post("/portal/person/transfer/in/", TRANSFER_IN).status_code == 302
    return Case.objects.get(person=person)


def sign_in_person_page(page, settings, person, mobile: str) -> None:
    """A browser ``page`` (with ``page.base``) signed in to the person portal as ``person``, with the SMS
    code sent to ``mobile`` (the person's registered phone): the person's sign-in of the browser tests."""
    page.goto(page.base + "/portal/person/sign-in/")
    page.get_by_label("证件号码").fill(person.id_number)
    page.get_by_role("button", name="获取短信验证码").click()
    page.get_by_label("短信验证码").fill(sms_codes(settings, mobile)[-1])
    page.get_by_role("button", name="登录").click()


def sign_in_employer_page(page, settings, employer, account=None):
    """A browser ``page`` (with ``page.base``, the live server) signed in to the employer portal as
    ``account`` (a new admin of ``employer`` by default) with password and SMS code, on the employer's
    home page; returns the account. The one sign-in of the portal's browser tests."""
    from playwright.sync_api import expect

    account = account or make_admin(employer)
    page.goto(page.base + "/portal/employer/sign-in/")
    page.get_by_label("统一社会信用代码").fill(employer.credit_code)
    page.get_by_label("登录名").fill(account.login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="下一步：获取短信验证码").click()
    page.get_by_label("短信验证码").fill(sms_codes(settings, account.mobile)[-1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=employer.name)).to_be_visible()
    return account
