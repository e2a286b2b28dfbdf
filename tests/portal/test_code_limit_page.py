"""The code step over the hourly limit (a fresh user's walk): the banner said 该账户一小时内获取验证码次数
过多 while the page still said 验证码已发送到该手机 and offered 重新获取验证码. Refused, the page says no
new code was sent and in how many minutes to ask again, and offers no other request; for a person and
for an employer's account."""

from __future__ import annotations

import pytest

from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.django_db

def test_a_person_over_the_limit_is_not_told_a_code_was_sent_nor_offered_another(client, settings, insured):
    settings.SHEBAO_PORTAL_CODE_GAP_SECONDS = 0
    settings.SHEBAO_PORTAL_CODES_PER_HOUR = 2
    for _ in range(2):
        client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
    page = client.get("/portal/person/sign-in/code/").content.decode()
    assert "验证码已发送到该手机" in page and "重新获取验证码" in page  # a code was sent: said, may ask again
    r = client.post("/portal/person/sign-in/", {"id_number": insured.id_number}, follow=True)
    page = r.content.decode()
    assert "一小时内获取验证码次数过多" in page
    assert "验证码已发送" not in page and "重新获取验证码" not in page and 'name="resend"' not in page
    assert "本次没有发送新的验证码" in page and "60分钟后再获取" in page
    r = client.post("/portal/person/sign-in/code/", {"resend": "1"}, follow=True)  # an old page's button
    assert "重新获取验证码" not in r.content.decode() and "验证码已发送" not in r.content.decode()

def test_an_employer_over_the_limit_is_not_told_a_code_was_sent(client, settings, admin_chaoyang):
    settings.SHEBAO_PORTAL_CODE_GAP_SECONDS = 0
    settings.SHEBAO_PORTAL_CODES_PER_HOUR = 1
    form = {"credit_code": admin_chaoyang.employer.credit_code, "login": admin_chaoyang.login, "password": PASSWORD}
    r = client.post("/portal/employer/sign-in/", form, follow=True)
    assert "验证码已发送至" in r.content.decode()
    r = client.post("/portal/employer/sign-in/", form, follow=True)
    page = r.content.decode()
    assert "一小时内获取验证码次数过多" in page and "验证码已发送" not in page
    assert "本次没有发送新的验证码" in page and "60分钟后再获取" in page
