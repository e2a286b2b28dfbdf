"""An employer clerk's name is held to the one rule of a person's name (`core.person_name`), as every
other name the system stores: "HR 01" or "<b>张三</b>" was stored (review-input12 F16).
"""

from __future__ import annotations

import pytest

from shebao.portal.models import EmployerAccount
from tests.nothing_written import nothing_written
from tests.portal.conftest import sign_in_employer


@pytest.mark.parametrize(("name", "says"), [
    ("HR 01", "不是姓名用字"),
    ("<b>张三</b>", "不是姓名用字"),
    ("王 五", "空格请删除"),
    ("·张三", "间隔号"),
])
def test_an_employer_clerks_name_is_held_to_the_name_rule(client, settings, admin_chaoyang, name, says):
    sign_in_employer(client, settings, admin_chaoyang)
    with nothing_written():
        r = client.post("/portal/employer/accounts/", {"login": "hr9", "display_name": name,
                                                       "mobile": "13700137009", "password": "clerk-password-2020"})
    assert r.status_code == 400 and says in r.content.decode()
    assert not EmployerAccount.objects.filter(login="hr9").exists()


def test_a_clerks_name_with_a_dot_look_alike_is_stored_with_the_middle_dot(client, settings, admin_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    r = client.post("/portal/employer/accounts/", {"login": "hr8", "display_name": "阿依古丽•买买提",
                                                   "mobile": "13700137008", "password": "clerk-password-2020"})
    assert r.status_code == 302
    assert EmployerAccount.objects.get(login="hr8").display_name == "阿依古丽·买买提"
