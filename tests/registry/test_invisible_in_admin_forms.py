"""The registry's admin forms (employers, persons) judge invisible characters as the business forms do
(`core.forms.VisibleModelForm`, the base of every registry admin form): a name with a U+202E or a soft
hyphen is refused beside its box with the character and its position, the box is drawn again without
it, and nothing is stored."""

from __future__ import annotations

import pytest

from shebao.core.models import AuditEvent
from shebao.registry.models import Employer, Person
from tests import personas

pytestmark = pytest.mark.django_db


def _admin(user):
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["registry", "core"]))
    return user


def test_a_new_employers_name_with_an_invisible_character_is_refused_and_named(client, municipal_admin):
    client.force_login(_admin(municipal_admin))
    r = client.post("/admin/registry/employer/add/", {
        "credit_code": "91110105MA01XYZ123", "name": "北京\u202e某某有限公司", "district": personas.office("110105").pk,
        "payment_method": "remittance", "bank_name": "", "industry_class": 1})
    page = r.content.decode()
    assert r.status_code == 200 and "单位名称第3位是不可见的字符U+202E（从右向左覆盖）" in page
    assert "\u202e" not in page and 'value="北京某某有限公司"' in page
    assert not Employer.objects.filter(name__contains="某某").exists()
    assert not AuditEvent.objects.filter(model="registry.Employer").exists()


def test_a_persons_name_changed_with_a_soft_hyphen_is_refused_and_named(client, municipal_admin, person_chaoyang):
    client.force_login(_admin(municipal_admin))
    url = f"/admin/registry/person/{person_chaoyang.pk}/change/"
    form = client.get(url)
    assert form.status_code == 200
    r = client.post(url, {
        "id_type": person_chaoyang.id_type, "name": "张\u00ad三", "ethnicity": person_chaoyang.ethnicity or "",
        "hukou_type": person_chaoyang.hukou_type or "", "contributor_category": person_chaoyang.contributor_category or "",
        "category": person_chaoyang.category, "nationality": person_chaoyang.nationality or "",
        "district": person_chaoyang.district_id})
    page = r.content.decode()
    assert r.status_code == 200 and "姓名第2位是不可见的字符U+00AD（软连字符）" in page
    assert "\u00ad" not in page
    person_chaoyang.refresh_from_db()
    assert "\u00ad" not in person_chaoyang.name
    assert not Person.objects.filter(name__contains="\u00ad").exists()
