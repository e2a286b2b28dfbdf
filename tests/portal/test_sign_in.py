"""Signing in to the portal (issue 15): a person by ID number and an SMS code, an employer's account by
password and an SMS code; codes hashed, expiring, single use, rate-limited; lockout; the trail."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from shebao.portal.models import SignInCode, SignInEvent
from tests.nothing_written import nothing_written
from tests.portal.conftest import PASSWORD, sign_in_employer, sign_in_person, sms_codes

pytestmark = pytest.mark.django_db


def test_a_person_signs_in_with_the_code_sent_to_the_registered_mobile(client, settings, insured):
    r = client.post("/portal/person/sign-in/", {"id_number": insured.id_number.lower()})
    assert r.status_code == 302 and r["Location"].startswith("/portal/person/sign-in/code/")
    [code] = sms_codes(settings, "13900139000")
    row = SignInCode.objects.get()
    assert code not in row.code_hash and len(row.code_hash) == 64 and row.sent_to == "139****9000"
    assert row.expires_at - row.created_at == dt.timedelta(minutes=5)
    page = client.get(r["Location"]).content.decode()
    assert insured.id_number not in page and insured.id_number_masked in page
    r = client.post("/portal/person/sign-in/code/", {"code": code})
    assert r.status_code == 302 and r["Location"] == "/portal/person/"
    home = client.get("/portal/person/")
    assert home.status_code == 200 and "王小明" in home.content.decode()
    assert list(SignInEvent.objects.order_by("pk").values_list("outcome", flat=True)) == ["code_sent", "signed_in"]
    assert insured.id_number not in "".join(SignInEvent.objects.values_list("subject", "subject_label").first())


def test_a_code_is_used_once(client, settings, insured):
    sign_in_person(client, settings, insured)
    code = sms_codes(settings)[-1]
    other = client.__class__()
    r = other.post("/portal/person/sign-in/", {"id_number": insured.id_number})  # within the minute: no new code
    assert r.status_code == 302 and len(sms_codes(settings)) == 1
    r = other.post("/portal/person/sign-in/code/", {"code": code})
    assert r.status_code == 400 and "验证码不正确或已失效" in r.content.decode()
    assert other.get("/portal/person/").status_code == 302


def test_a_code_expires_after_five_minutes(client, settings, insured):
    client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
    code = sms_codes(settings)[-1]
    later = timezone.now() + dt.timedelta(minutes=5, seconds=1)
    with mock.patch("shebao.portal.codes.clock.wall_now", return_value=later):
        r = client.post("/portal/person/sign-in/code/", {"code": code})
    assert r.status_code == 400 and "已失效" in r.content.decode()
    assert SignInCode.objects.get().used_at is None
    assert client.get("/portal/person/").status_code == 302


def test_an_unknown_number_gets_the_same_answer_and_no_message(client, settings, insured):
    from tests import personas

    stranger = personas.citizen_id("110105", dt.date(1990, 1, 1), 99, male=True)
    r = client.post("/portal/person/sign-in/", {"id_number": stranger})
    assert r.status_code == 302 and r["Location"].startswith("/portal/person/sign-in/code/")
    # Counted like a registered number's code (the limits answer alike), sent to no one.
    assert sms_codes(settings) == [] and SignInCode.objects.get().sent_to == ""
    assert SignInEvent.objects.get().outcome == "code_unknown"
    r = client.post("/portal/person/sign-in/code/", {"code": "123456"})
    assert r.status_code == 400 and "验证码不正确" in r.content.decode()


def test_a_malformed_id_number_is_refused_next_to_its_field(client, settings, insured):
    with nothing_written():
        r = client.post("/portal/person/sign-in/", {"id_number": insured.id_number[:17] + "0"
                                                    if insured.id_number[-1] != "0" else insured.id_number[:17] + "1"})
    body = r.content.decode()
    assert r.status_code == 400 and 'class="field-error"' in body and "证件号码有误" in body


def test_sending_is_limited_per_number_and_per_address(client, settings, insured, insured_haidian):
    settings.SHEBAO_PORTAL_CODE_GAP_SECONDS = 0
    settings.SHEBAO_PORTAL_CODES_PER_HOUR = 2
    settings.SHEBAO_PORTAL_CODES_PER_ADDRESS_HOUR = 3
    for _ in range(2):
        assert client.post("/portal/person/sign-in/", {"id_number": insured.id_number}).status_code == 302
    # A refused limit goes on to the code step (a code already sent is still good) and says why there.
    r = client.post("/portal/person/sign-in/", {"id_number": insured.id_number}, follow=True)
    assert r.redirect_chain[0][0].startswith("/portal/person/sign-in/code/")
    assert "一小时内获取验证码次数过多" in r.content.decode()
    assert len(sms_codes(settings, insured.phone)) == 2
    assert client.post("/portal/person/sign-in/", {"id_number": insured_haidian.id_number}).status_code == 302
    r = client.post("/portal/person/sign-in/", {"id_number": insured_haidian.id_number}, follow=True)
    assert "本网络一小时内" in r.content.decode()
    assert len(sms_codes(settings, insured_haidian.phone)) == 1
    assert SignInEvent.objects.filter(outcome="code_limited").count() == 2


def test_one_code_a_minute(client, settings, insured):
    client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
    r = client.post("/portal/person/sign-in/code/", {"resend": "1"}, follow=True)
    assert "60秒后再重新获取" in r.content.decode()
    assert len(sms_codes(settings)) == 1


def test_repeated_wrong_codes_lock_the_number(client, settings, insured):
    settings.SHEBAO_PORTAL_CODE_GAP_SECONDS = 0
    client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        r = client.post("/portal/person/sign-in/code/", {"code": "000000"})
        assert r.status_code == 400
    r = client.post("/portal/person/sign-in/code/", {"code": "000000"})
    assert r.status_code == 429 and "已暂时锁定" in r.content.decode()
    # Locked: even the right code of a new message is refused, and no new code is sent.
    sent = len(sms_codes(settings))
    r = client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
    assert r.status_code == 400 and "暂时锁定" in r.content.decode() and len(sms_codes(settings)) == sent
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get()
    assert attempt.username.startswith("portal-person:") and insured.id_number not in attempt.username
    assert SignInEvent.objects.filter(outcome="wrong_code").count() == settings.AXES_FAILURE_LIMIT
    assert SignInEvent.objects.filter(outcome="locked").exists()


def test_an_employer_signs_in_with_password_and_a_code(client, settings, admin_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    page = client.get("/portal/employer/").content.decode()
    assert "北京朝阳测试科技有限公司" in page and "经办人账户管理" in page
    assert list(SignInEvent.objects.filter(kind="employer").values_list("outcome", flat=True).order_by("pk")) == [
        "code_sent", "signed_in"]


def test_a_wrong_password_sends_no_code_and_counts(client, settings, admin_chaoyang):
    r = client.post("/portal/employer/sign-in/", {"credit_code": admin_chaoyang.employer.credit_code,
                                                  "login": "boss", "password": "wrong-password-123"})
    assert r.status_code == 400 and "密码不正确" in r.content.decode() and 'class="field-error"' in r.content.decode()
    assert sms_codes(settings) == [] and not SignInCode.objects.exists()
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get().username == f"portal-employer:{admin_chaoyang.pk}"
    assert SignInEvent.objects.get().outcome == "wrong_password"


def test_the_password_alone_does_not_sign_in(client, settings, admin_chaoyang):
    client.post("/portal/employer/sign-in/", {"credit_code": admin_chaoyang.employer.credit_code,
                                              "login": "boss", "password": PASSWORD})
    assert client.get("/portal/employer/").status_code == 302
    r = client.post("/portal/employer/sign-in/code/", {"code": "12345a"})
    assert r.status_code == 400 and "验证码为6位数字" in r.content.decode()
    assert client.get("/portal/employer/").status_code == 302


def test_repeated_wrong_passwords_lock_the_account(client, settings, admin_chaoyang):
    data = {"credit_code": admin_chaoyang.employer.credit_code, "login": "boss", "password": "nope-nope-nope"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/portal/employer/sign-in/", data).status_code == 400
    r = client.post("/portal/employer/sign-in/", data)
    assert r.status_code == 429 and "已暂时锁定" in r.content.decode()
    r = client.post("/portal/employer/sign-in/", {**data, "password": PASSWORD})
    assert r.status_code == 400 and "暂时锁定" in r.content.decode() and sms_codes(settings) == []


def test_sign_out_ends_the_portal_session(client, settings, insured):
    sign_in_person(client, settings, insured)
    r = client.post("/portal/sign-out/")
    assert r.status_code == 302 and client.get("/portal/person/").status_code == 302
    assert SignInEvent.objects.filter(outcome="signed_out").count() == 1


# --- Review D4: the sign-in tells no one whether an ID number is registered -------------------------
def _step_one(client, number: str):
    r = client.post("/portal/person/sign-in/", {"id_number": number}, follow=True)
    assert r.redirect_chain and r.redirect_chain[0][0].startswith("/portal/person/sign-in/code/"), r.content[:400]
    return r.content.decode()


def _same(page: str, number: str) -> str:
    """The page without what differs by design: the masked number, the CSRF token, the CSP nonce."""
    import re

    from shebao.core.masking import mask_id_number

    page = page.replace(mask_id_number(number), "<number>")
    return re.sub(r'(csrfmiddlewaretoken" value|nonce)="[^"]*"', r"\1=", page)


def test_a_registered_and_an_unregistered_number_get_the_same_answers(client, settings, insured):
    """Twice within the minute, then over the hourly limit, then a resend: the same redirects, the
    same pages (but for the masked number) and the same rows, registered or not. The registered
    number was refused at its second try with 验证码已发送，请60秒后再重新获取 while an unknown one
    went on to the code step (D4)."""
    from tests import personas

    settings.SHEBAO_PORTAL_CODES_PER_HOUR = 3
    stranger = personas.citizen_id("110105", dt.date(1990, 1, 1), 99, male=True)
    pages = {}
    for i, number in enumerate((insured.id_number, stranger)):
        settings.SHEBAO_PORTAL_CODE_GAP_SECONDS = 60
        c = client.__class__(REMOTE_ADDR=f"10.0.0.{i + 1}")
        answers = [_step_one(c, number) for _ in range(2)]
        settings.SHEBAO_PORTAL_CODE_GAP_SECONDS = 0
        answers += [_step_one(c, number) for _ in range(3)]
        answers.append(c.post("/portal/person/sign-in/code/", {"resend": "1"}, follow=True).content.decode())
        pages[number] = [_same(a, number) for a in answers]
    assert pages[insured.id_number] == pages[stranger]
    assert "60秒后再重新获取" in pages[stranger][1] and "一小时内获取验证码次数过多" in pages[stranger][4]
    assert "一小时内获取验证码次数过多" in pages[stranger][5]
    assert len(sms_codes(settings, insured.phone)) == 3
    assert SignInCode.objects.filter(ip_address="10.0.0.1").count() == 3
    assert SignInCode.objects.filter(ip_address="10.0.0.2").count() == 3
    assert (sorted(SignInEvent.objects.filter(ip_address="10.0.0.1").values_list("outcome", flat=True))
            == sorted(o.replace("code_unknown", "code_sent") for o in
                      SignInEvent.objects.filter(ip_address="10.0.0.2").values_list("outcome", flat=True)))


def test_the_sign_in_does_not_wait_for_the_sms_gateway(client, settings, insured):
    """Timing: the code goes to a background sender, so a registered number's step one does not take
    the gateway's time (an unregistered one sends nothing). The gateway here blocks until released."""
    import threading

    release, delivered = threading.Event(), []

    class SlowGateway:
        def send(self, message):
            release.wait(30)
            delivered.append(message.recipient)

    settings.SHEBAO_NOTIFY_ADAPTERS = {"sms": f"{__name__}._slow_gateway"}
    global _slow_gateway
    _slow_gateway = SlowGateway
    try:
        r = client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
        assert r.status_code == 302 and delivered == []  # answered while the gateway still holds the message
    finally:
        release.set()
    from shebao.portal.codes import deliveries_wait

    deliveries_wait()
    assert delivered == [insured.phone]


_slow_gateway = None


# --- Review D10/D12: what is typed is normalised before it is looked up -------------------------------
def test_an_id_number_with_spaces_full_width_digits_or_a_lower_x_signs_in(client, settings, insured):
    number = insured.id_number
    typed = " ".join([number[:6], number[6:14], number[14:]]).translate(
        {ord(d): ord(d) + 0xFEE0 for d in "0123456789"}).replace("X", "x")
    r = client.post("/portal/person/sign-in/", {"id_number": typed})
    assert r.status_code == 302
    code = sms_codes(settings, insured.phone)[-1]
    full_width = f"{code[:3]} {code[3:]}".translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    r = client.post("/portal/person/sign-in/code/", {"code": full_width})
    assert r.status_code == 302 and r["Location"] == "/portal/person/"


def test_a_digit_of_another_script_is_refused_naming_its_position(client, settings, insured):
    typed = insured.id_number[:2] + "\u0663" + insured.id_number[3:]  # ARABIC-INDIC DIGIT THREE
    with nothing_written():
        r = client.post("/portal/person/sign-in/", {"id_number": typed})
    body = r.content.decode()
    assert r.status_code == 400 and "第3位" in body and "第18位" not in body


def test_a_full_width_credit_code_with_spaces_and_a_login_in_capitals_sign_in(client, settings, admin_chaoyang):
    code = admin_chaoyang.employer.credit_code
    typed = f"{code[:6]} {code[6:12]} {code[12:]}".lower().translate(
        {c: c + 0xFEE0 for c in range(ord("0"), ord("z") + 1) if chr(c).isalnum()})
    r = client.post("/portal/employer/sign-in/", {"credit_code": typed, "login": "ＢＯＳＳ", "password": PASSWORD})
    assert r.status_code == 302, r.content.decode()
    r = client.post("/portal/employer/sign-in/code/", {"code": sms_codes(settings, admin_chaoyang.mobile)[-1]})
    assert r.status_code == 302 and r["Location"] == "/portal/employer/"
    from axes.models import AccessAttempt

    assert not AccessAttempt.objects.exists()  # no failure was counted


# --- Review D17: `next` is a plain path under /portal/ -----------------------------------------------
@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/portal/", "/\\evil.example/", "/portal/../admin/",
    "/portal/%2e%2e/admin/", "/portal//evil", "/portal/./x/..", "\\\\evil", "/admin/", "/portal/%0d%0aX:y",
    "javascript:alert(1)"])
def test_next_outside_the_portal_is_replaced_by_the_home_page(client, settings, insured, target):
    r = client.post("/portal/person/sign-in/", {"id_number": insured.id_number, "next": target})
    assert r.status_code == 302
    from urllib.parse import parse_qs, urlsplit

    assert parse_qs(urlsplit(r["Location"]).query)["next"] == ["/portal/person/"]
    r = client.post("/portal/person/sign-in/code/", {"code": sms_codes(settings)[-1], "next": target})
    assert r["Location"] == "/portal/person/"


def test_next_with_a_query_survives_both_steps_whole(client, settings, insured):
    target = "/portal/person/cases/?a=1&b=2"
    r = client.post("/portal/person/sign-in/", {"id_number": insured.id_number, "next": target})
    from urllib.parse import parse_qs, urlsplit

    assert parse_qs(urlsplit(r["Location"]).query)["next"] == [target]
    r = client.post(r["Location"], {"code": sms_codes(settings)[-1]})
    assert r["Location"] == target


def test_a_record_merged_into_another_signs_in_as_the_one_kept(client, settings, insured, municipal_admin):
    """A person registered twice (once under 护照, the number typed as the 15-digit form) and merged
    (registry.merge): the merged record's number signs in as the record kept, with the code sent to that
    record's mobile; a session opened on the merged record before the merge is ended, not carried on
    over a record whose business now lives elsewhere."""
    from shebao.registry import merge
    from shebao.registry.models import Person

    twice = Person.objects.create(id_type="passport", id_number="E12345678", name=insured.name,
                                  gender=insured.gender, birth_date=insured.birth_date, district=insured.district,
                                  phone="13700137000")
    client.post("/portal/person/sign-in/", {"id_number": twice.id_number})
    client.post("/portal/person/sign-in/code/", {"code": sms_codes(settings, "13700137000")[-1]})
    assert client.get("/portal/person/").status_code == 200  # signed in on the second record, before the merge
    merge.person_merge(actor=municipal_admin, keep=insured, other=twice, reason="核实身份证原件")
    r = client.get("/portal/person/")
    assert r.status_code == 302 and "/portal/person/sign-in/" in r["Location"]
    later = timezone.now() + dt.timedelta(minutes=2)  # past the minute between two codes for one number
    with mock.patch("shebao.portal.codes.clock.wall_now", return_value=later):
        r = client.post("/portal/person/sign-in/", {"id_number": twice.id_number})
        assert r.status_code == 302
        assert len(sms_codes(settings, "13900139000")) == 1 and len(sms_codes(settings, "13700137000")) == 1
        r = client.post("/portal/person/sign-in/code/", {"code": sms_codes(settings, "13900139000")[-1]})
    assert r.status_code == 302 and r["Location"] == "/portal/person/"
    assert "王小明" in client.get("/portal/person/").content.decode()
    assert client.session["portal"]["id"] == insured.pk
