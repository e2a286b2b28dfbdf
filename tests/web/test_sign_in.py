"""Staff sign-in in the wrong hands (issue 16 §3): a second factor (TOTP, django-otp), lockout after
repeated failures (django-axes), Django's password validators, sessions that end after 15 idle
minutes. The rest of the suite signs in with a password alone (SHEBAO_STAFF_MFA=false, a development
copy's setting the production settings refuse); these tests turn the second factor on."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from shebao.core.models import AuditEvent
from shebao.staff.otp import code_now, secret_base32
from shebao.staff.services import staff_otp_enroll
from shebao.web.forms import WRONG_WITH_SECOND_FACTOR
from tests.personas import PASSWORD, SETUP

pytestmark = pytest.mark.django_db


@pytest.fixture
def mfa(settings):
    settings.SHEBAO_STAFF_MFA = True


@pytest.fixture
def device(clerk_chaoyang):
    return staff_otp_enroll(actor=SETUP, user=clerk_chaoyang)


def sign_in(client, code: str, password: str = PASSWORD):
    return client.post("/login/", {"username": "clerk_cy", "password": password, "otp_token": code})


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_a_password_alone_no_longer_signs_in(client, mfa, device):
    r = sign_in(client, "")
    assert r.status_code == 400 and WRONG_WITH_SECOND_FACTOR in r.content.decode()
    assert 'name="otp_token"' in r.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username="clerk_cy").failures_since_start == 1


def test_password_and_the_authenticators_code_sign_in(client, mfa, device):
    r = sign_in(client, code_now(device))
    assert r.status_code == 302 and r["Location"] == "/office/queue/"  # a clerk's day starts at the queue
    assert client.session["otp_device_id"] == device.persistent_id
    assert signed_in(client)
    assert not AccessAttempt.objects.filter(username="clerk_cy", failures_since_start__gt=0).exists()


def test_a_wrong_code_is_a_failed_sign_in_and_says_nothing_about_the_password(client, mfa, device):
    wrong = str((int(code_now(device)) + 1) % 1_000_000).zfill(6)
    right_password = sign_in(client, wrong).content.decode()
    wrong_password = sign_in(client, code_now(device), password="not-the-password").content.decode()
    assert WRONG_WITH_SECOND_FACTOR in right_password and WRONG_WITH_SECOND_FACTOR in wrong_password
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username="clerk_cy").failures_since_start == 2


def test_an_account_without_an_authenticator_cannot_sign_in(client, mfa, clerk_chaoyang):
    assert WRONG_WITH_SECOND_FACTOR in sign_in(client, "123456").content.decode()
    assert not signed_in(client)


def test_a_session_without_the_second_factor_is_signed_out(client, mfa, clerk_chaoyang):
    """A session made another way (the admin's sign-in, one from before the second factor) counts for nothing."""
    client.force_login(clerk_chaoyang)
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    assert not Session.objects.exists()


def test_the_admin_signs_in_through_the_staff_sign_in(client):
    r = client.get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r["Location"] == "/login/?next=/admin/"


def test_five_failures_lock_the_account_even_for_the_right_password_and_code(client, mfa, device):
    for _ in range(5):
        sign_in(client, code_now(device), password="guess-" + "x" * 8)
    r = sign_in(client, code_now(device))
    assert r.status_code == 429 and "账号已暂时锁定" in r.content.decode() and "15分钟" in r.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username="clerk_cy").failures_since_start >= 5
    # Another account (a colleague at the same counter, the same address) still signs in.


def test_the_lock_is_per_account_not_per_counter(client, mfa, device, reviewer_chaoyang):
    for _ in range(5):
        sign_in(client, "000000", password="guess-" + "x" * 8)
    other = staff_otp_enroll(actor=SETUP, user=reviewer_chaoyang)
    r = client.post("/login/", {"username": "reviewer_cy", "password": PASSWORD, "otp_token": code_now(other)})
    assert r.status_code == 302 and signed_in(client)


@pytest.mark.parametrize("password", ["short-pw1!", "12345678901234", "password1234", "clerk_cy_clerk"])
def test_weak_passwords_are_refused(clerk_chaoyang, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=clerk_chaoyang)


def test_a_long_uncommon_password_passes(clerk_chaoyang):
    validate_password("窗口-朝阳-2020-春", user=clerk_chaoyang)


def test_a_session_ends_after_fifteen_idle_minutes(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    Session.objects.update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    r = client.get("/")
    # Each request moves the end on to 15 minutes from now: the timeout counts idle time, not time
    # since sign-in; the cookie itself ends with the browser.
    assert r.status_code == 200 and r.cookies["sessionid"]["max-age"] == "" and not r.cookies["sessionid"]["expires"]
    expires = Session.objects.get().expire_date
    assert timezone.now() + dt.timedelta(minutes=14) < expires <= timezone.now() + dt.timedelta(minutes=15)
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))  # 15 minutes without a request
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_the_command_binds_an_authenticator_and_the_trail_keeps_no_secret(clerk_chaoyang):
    out = io.StringIO()
    call_command("staff_otp", "clerk_cy", stdout=out)
    device = TOTPDevice.objects.get(user=clerk_chaoyang)
    assert secret_base32(device) in out.getvalue() and device.confirmed
    event = AuditEvent.objects.get(model="otp_totp.TOTPDevice", object_pk=str(device.pk))
    assert event.actor_label == "系统作业：命令行 shebao staff_otp" and event.changes["user"] == [None, clerk_chaoyang.pk]
    assert device.key not in str(event.changes) and secret_base32(device) not in str(event.changes)
    call_command("staff_otp", "clerk_cy", stdout=io.StringIO())
    assert TOTPDevice.objects.filter(user=clerk_chaoyang).count() == 1  # the old one no longer works


def test_the_code_of_the_moment_is_printed_on_a_demo_copy_only(settings, device):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("staff_otp", "clerk_cy", "--code", stdout=io.StringIO())
    settings.DEBUG = True
    out = io.StringIO()
    call_command("staff_otp", "clerk_cy", "--code", stdout=out)
    assert out.getvalue().strip() == code_now(device)


@pytest.fixture
def auditor(db):
    from tests import personas

    return personas.make_staff("auditor_cy_land", role=personas.Role.AUDITOR, office_code="110105")


@pytest.fixture
def hall_manager(db):
    from tests import personas

    return personas.make_staff("hall_cy_land", role=personas.Role.HALL_MANAGER, office_code="110105")


@pytest.mark.parametrize(("who", "landing"), [
    ("clerk_chaoyang", "/office/queue/"), ("reviewer_chaoyang", "/office/work/"),
    ("leader", "/office/dashboard/"), ("municipal_admin", "/office/work/"),
    # review-user14 (10): these landed on the greeting
    ("collection_clerk", "/collection/remittances/"), ("auditor", "/office/audits/"), ("hall_manager", "/office/halls/"),
])
def test_each_role_lands_where_its_day_starts(request, client, who, landing):
    """review-user13 (18): a clerk signed in to the policy summary and had to find the queue. The landing
    page opens for the role; a page the sign-in was sent from (?next=) still wins."""
    user = request.getfixturevalue(who)
    r = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == landing
    assert client.get(landing).status_code == 200
    client.logout()
    r = client.post("/login/?next=/persons/", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/persons/"


@pytest.mark.parametrize("who", ["hall_manager", "auditor", "collection_clerk", "municipal_admin", "reviewer_chaoyang"])
def test_the_home_page_links_each_roles_work(request, client, who):
    """review-user14 (10): the hall's home page had no link to its day log, the auditor's none to the read
    trail, collection's none to its desk."""
    user = request.getfixturevalue(who)
    client.force_login(user)
    home = client.get("/").content.decode()
    mine = home.split('id="my-work"', 1)[1].split("</nav>", 1)[0]
    wanted = {"hall_manager": "/office/halls/", "auditor": "/office/audits/", "collection_clerk": "/collection/remittances/",
              "municipal_admin": "/office/queue/", "reviewer_chaoyang": "/office/queue/"}[who]
    assert f'href="{wanted}"' in mine, mine
    for url in (u.split('"', 1)[0] for u in mine.split('href="')[1:]):
        assert client.get(url).status_code == 200, url  # every link is a page the role may open
