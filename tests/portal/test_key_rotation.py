"""A rotated SECRET_KEY keeps the portal's keyed values (issue 16, left open at stop 18): the employer
session's digest, the lockout keys of a number or an unknown login, and the hashes of SMS codes in
flight were keyed under SECRET_KEY alone, so a rotation signed every portal user out, restarted every
lockout count and voided every code sent a moment before. With the old key in SECRET_KEY_FALLBACKS each
still verifies, and what is written again is keyed under the new key."""

from __future__ import annotations

import base64

import pytest
from axes.models import AccessAttempt
from django.test import override_settings

from shebao.core import crypto
from shebao.portal import signin
from shebao.portal.access import SESSION_KEY, account_session_hash
from shebao.portal.models import SignInCode
from tests.portal.conftest import sign_in_employer, sms_codes

pytestmark = pytest.mark.django_db
OLD = "old-secret-key-of-this-install-0123456789abcdef"
NEW = "new-secret-key-of-this-install-fedcba9876543210"
ROTATED = {"SECRET_KEY": NEW, "SECRET_KEY_FALLBACKS": [OLD]}


@pytest.fixture(autouse=True)
def _keys(settings):
    """The data's keys set apart from SECRET_KEY, as in production (docs/encryption.md); the site
    starts under the old key."""
    settings.SHEBAO_FIELD_KEYS = [base64.urlsafe_b64encode(crypto.derived_key("field-encryption")).decode()]
    settings.SHEBAO_BLIND_INDEX_KEY = crypto.derived_key("blind-index").hex()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD, []
    settings.SHEBAO_PORTAL_CODE_GAP_SECONDS = 0


def test_an_employer_session_survives_the_rotation_and_is_rekeyed(client, settings, admin_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    old_digest = client.session[SESSION_KEY]["auth"]
    with override_settings(**ROTATED):
        r = client.get("/portal/employer/")
        assert r.status_code == 200 and "北京朝阳测试科技有限公司" in r.content.decode()
        new_digest = client.session[SESSION_KEY]["auth"]
        assert new_digest != old_digest and new_digest == account_session_hash(admin_chaoyang)
    # Rewritten under the new key: the old key may now be dropped without signing this session out.
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        assert client.get("/portal/employer/").status_code == 200


def test_without_the_fallback_the_old_session_ends(client, settings, admin_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        assert client.get("/portal/employer/").status_code == 302


def test_a_code_sent_before_the_rotation_still_verifies(client, settings, insured):
    r = client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
    assert r.status_code == 302
    [code] = sms_codes(settings, insured.phone)
    with override_settings(**ROTATED):
        r = client.post("/portal/person/sign-in/code/", {"code": code})
        assert r.status_code == 302 and r["Location"] == "/portal/person/"
        assert client.get("/portal/person/").status_code == 200
    assert SignInCode.objects.get().used_at is not None


def test_a_code_sent_before_the_rotation_verifies_after_the_number_is_typed_again(client, settings, insured):
    """Typing the number again after the rotation moves the code (and its sending limits) to the
    new lock key; the code is still the one to type."""
    settings.SHEBAO_PORTAL_CODE_GAP_SECONDS = 60
    client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
    [code] = sms_codes(settings, insured.phone)
    with override_settings(**ROTATED):
        r = client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
        assert r.status_code == 302 and len(sms_codes(settings)) == 1  # the minute's limit still counts
        row = SignInCode.objects.get()
        assert row.subject == signin.person_lock_key(insured.id_number)
        r = client.post("/portal/person/sign-in/code/", {"code": code})
        assert r.status_code == 302 and client.get("/portal/person/").status_code == 200


def test_a_new_code_is_hashed_under_the_new_key(client, settings, insured):
    with override_settings(**ROTATED):
        client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
        [code] = sms_codes(settings, insured.phone)
        row = SignInCode.objects.get()
        assert row.code_hash == crypto.keyed_digests("shebao.portal.sign_in_code", f"{row.pk}:{code}",
                                                     algorithm="sha256")[0]
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        assert client.post("/portal/person/sign-in/code/", {"code": code}).status_code == 302


def test_the_failures_before_the_rotation_still_count(client, settings, insured):
    client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/portal/person/sign-in/code/", {"code": "000000"}).status_code == 400
    old_key = signin.person_lock_key(insured.id_number)
    with override_settings(**ROTATED):
        new_key = signin.person_lock_key(insured.id_number)
        assert new_key != old_key
        fresh = client.__class__()
        assert fresh.post("/portal/person/sign-in/", {"id_number": insured.id_number}).status_code == 302
        assert set(AccessAttempt.objects.values_list("username", flat=True)) == {new_key}
        # One more wrong code under the new key reaches the limit: the count went on.
        r = fresh.post("/portal/person/sign-in/code/", {"code": "000000"})
        assert r.status_code == 429 and "已暂时锁定" in r.content.decode()
        r = client.__class__().post("/portal/person/sign-in/", {"id_number": insured.id_number})
        assert r.status_code == 400 and "暂时锁定" in r.content.decode()


def test_a_lockout_of_an_unknown_login_holds_across_the_rotation(client, settings, employer_chaoyang):
    data = {"credit_code": employer_chaoyang.credit_code, "login": "nobody", "password": "nope-nope-nope"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/portal/employer/sign-in/", data)
    assert client.post("/portal/employer/sign-in/", data).status_code in (400, 429)
    with override_settings(**ROTATED):
        r = client.post("/portal/employer/sign-in/", data)
        assert "暂时锁定" in r.content.decode()
        [name] = set(AccessAttempt.objects.values_list("username", flat=True))
        assert name == signin.employer_lock_key(None, employer_chaoyang.credit_code, "nobody")


def test_a_demo_copy_opens_its_columns_after_the_rotation(settings):
    """Without SHEBAO_FIELD_KEYS the column key is derived from SECRET_KEY; the old key's derived key
    still opens a value written before the rotation."""
    settings.SHEBAO_FIELD_KEYS = []
    token = crypto.encrypt("110105196001011234")
    with override_settings(**ROTATED):
        assert crypto.decrypt(token) == "110105196001011234"
        rotated = crypto.rotate(token)
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        assert crypto.decrypt(rotated) == "110105196001011234"
