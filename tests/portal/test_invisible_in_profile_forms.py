"""The portal's own forms (an employer's clerk accounts, the staff page that opens an employer's
administrator account, the sign-in boxes) judge invisible characters as the business forms do
(`core.forms.VisibleTextForm`): named with their position beside the box, never drawn again in it, and
nothing stored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.portal.models import EmployerAccount
from tests.nothing_written import nothing_written
from tests.portal.conftest import sign_in_employer

pytestmark = pytest.mark.django_db


def test_the_administrators_clerk_form_names_the_character_and_redraws_the_box_clean(client, settings,
                                                                                     admin_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    with nothing_written():
        r = client.post("/portal/employer/accounts/", {"login": "hr1", "display_name": "人事\u200b专员",
                                                       "mobile": "1370013\u20607000", "password": "clerk-password-2020"})
    page = r.content.decode()
    assert r.status_code in (200, 400)
    assert "姓名第3位是不可见的字符U+200B（零宽空格）" in page
    assert "手机号码第8位是不可见的字符U+2060（词连接符）" in page and "须为11位" not in page
    assert "\u200b" not in page and "\u2060" not in page and 'value="人事专员"' in page
    assert not EmployerAccount.objects.filter(login="hr1").exists()


def test_the_desk_opening_an_employers_administrator_names_the_character(client, clerk_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    url = reverse("backoffice:employer_portal_accounts", args=[employer_chaoyang.pk])
    with nothing_written():
        r = client.post(url, {"do": "open", "login": "boss", "display_name": "\u202e单位管理员",
                              "mobile": "13800138000", "password": "portal-demo-password-2020"})
    page = r.content.decode()
    assert r.status_code == 400 and "姓名第1位是不可见的字符U+202E（从右向左覆盖）" in page
    assert "\u202e" not in page and 'value="单位管理员"' in page


def test_the_person_sign_in_box_is_redrawn_clean(client):
    r = client.post("/portal/person/sign-in/", {"id_number": "1101051965\u200b07131772"})
    page = r.content.decode()
    assert "第11位是不可见的字符U+200B（零宽空格）" in page and "\u200b" not in page
