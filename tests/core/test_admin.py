"""The admin: Chinese, searchable by name, the last digits of an ID number, and credit code; scoped; trail read-only."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from shebao.core.models import AuditEvent
from shebao.core.permissions import may
from tests import personas
from tests.nothing_written import nothing_written


def _admin_clerk(user):
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["registry", "core"]))
    return user


def test_the_admin_is_chinese_and_finds_a_person_by_the_last_digits(client, municipal_admin, person_chaoyang):
    client.force_login(_admin_clerk(municipal_admin))
    html = client.get("/admin/registry/person/", {"q": person_chaoyang.id_number[-6:]}).content.decode()
    assert "参保人员" in html and "张三" in html
    assert person_chaoyang.id_number not in html  # masked in the list too
    html = client.get("/admin/registry/person/", {"q": "张三"}).content.decode()
    assert "张三" in html


def test_the_admin_finds_an_employer_by_credit_code(client, municipal_admin, employer_chaoyang):
    client.force_login(_admin_clerk(municipal_admin))
    html = client.get("/admin/registry/employer/", {"q": employer_chaoyang.credit_code}).content.decode()
    assert employer_chaoyang.name in html


def test_a_district_clerk_in_the_admin_sees_only_their_district(client, clerk_haidian, person_chaoyang,
                                                                person_haidian):
    client.force_login(_admin_clerk(clerk_haidian))
    html = client.get("/admin/registry/person/").content.decode()
    assert "李四" in html and "张三" not in html
    assert client.get(f"/admin/registry/person/{person_chaoyang.pk}/change/").status_code == 302  # not found


def test_an_admin_change_is_in_the_trail_and_the_trail_is_read_only(client, municipal_admin, employer_chaoyang):
    client.force_login(_admin_clerk(municipal_admin))
    url = f"/admin/registry/employer/{employer_chaoyang.pk}/change/"
    r = client.post(url, {"credit_code": employer_chaoyang.credit_code, "name": "新名称有限公司",
                          "district": employer_chaoyang.district_id, "payment_method": "remittance",
                          "bank_name": "", "industry_class": 2})
    assert r.status_code == 302, r.content.decode()[:2000]
    event = AuditEvent.objects.get(action="update", model="registry.Employer")
    assert event.actor == municipal_admin and event.changes["name"] == ["北京朝阳测试科技有限公司", "新名称有限公司"]
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200
    with nothing_written():
        r = client.post(f"/admin/core/auditevent/{event.pk}/change/", {"reason": "改"})
    assert r.status_code == 403
    with nothing_written():
        refused = client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, reason="后台管理修改").exists()


def test_staff_accounts_have_a_role_and_an_office(db):
    user = personas.make_staff("x", role=personas.Role.LEADER, office_code="110000")
    assert user.get_role_display() == "领导" and user.sees_whole_city and not may(user, "person.update")
