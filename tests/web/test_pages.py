"""The registry pages: Chinese, scoped, masked, and nothing loaded from outside the app."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shebao.core.models import PersonalDataAccess
from tests.nothing_written import nothing_written

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["'](?:https?:)?//(?!testserver|127\.0\.0\.1|localhost)""",
                      re.I)


def assert_offline(html: str) -> None:
    assert not EXTERNAL.search(html), EXTERNAL.search(html).group(0)


def test_the_login_page_is_chinese_and_offline(client, db):
    r = client.get(reverse("web:login"))
    html = r.content.decode()
    assert r.status_code == 200 and "工作人员登录" in html and 'lang="zh-CN"' in html
    assert_offline(html)


def test_pages_need_a_login(client, db):
    r = client.get(reverse("web:home"))
    assert r.status_code == 302 and r.url.startswith(reverse("web:login"))


def test_a_wrong_password_gets_a_chinese_error(client, clerk_chaoyang):
    r = client.post(reverse("web:login"), {"username": "clerk_cy", "password": "wrong"})
    assert r.status_code == 400 and "请输入" in r.content.decode()


def test_the_home_page_greets_the_clerk_in_chinese(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    html = client.get(reverse("web:home")).content.decode()
    assert "欢迎" in html and "朝阳区" in html and "可查看朝阳区" in html
    assert_offline(html)


def test_person_pages_show_numbers_masked(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    html = client.get(reverse("web:person_detail", args=[person_chaoyang.pk])).content.decode()
    assert person_chaoyang.id_number not in html and person_chaoyang.phone not in html
    assert person_chaoyang.id_number_masked in html
    html = client.post(reverse("web:person_search"), {"q": "zs"}).content.decode()
    assert "张三" in html and person_chaoyang.id_number not in html


def test_show_reveals_one_value_and_records_the_read(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    url = reverse("web:person_reveal", args=[person_chaoyang.pk, "id_number"])
    r = client.post(url, {"reason": "核对身份"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and person_chaoyang.id_number in r.content.decode()
    assert PersonalDataAccess.objects.filter(actor=clerk_chaoyang, field="id_number").count() == 1
    with nothing_written():
        r = client.post(url, {"reason": ""})
    assert r.status_code == 400 and "原因" in r.content.decode()


@pytest.mark.parametrize("route", ["web:person_detail", "web:employer_detail"])
def test_another_districts_clerk_gets_not_found(client, clerk_haidian, person_chaoyang, employer_chaoyang, route):
    client.force_login(clerk_haidian)
    obj = person_chaoyang if "person" in route else employer_chaoyang
    with nothing_written():
        refused = client.get(reverse(route, args=[obj.pk]))
    assert refused.status_code == 404


def test_the_municipal_center_sees_every_district(client, municipal_admin, person_chaoyang, person_haidian):
    client.force_login(municipal_admin)
    for p in (person_chaoyang, person_haidian):
        assert client.get(reverse("web:person_detail", args=[p.pk])).status_code == 200


def test_large_type_mode_is_a_remembered_choice(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.get(reverse("web:toggle_large_type"), {"next": reverse("web:home")})
    assert r.cookies["large_type"].value == "1"
    assert 'class="large-type"' in client.get(reverse("web:home")).content.decode()
    r = client.get(reverse("web:toggle_large_type"), {"next": "https://evil.example/"})
    assert r.url == reverse("web:home")
