"""The staff pages of work-injury monthly benefits: the list, an award with its allowance months or its
survivors' pensions, granting them from the form and ending one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.benefits import payroll
from shebao.benefits.models import SurvivorPension
from shebao.core.models import AuditEvent
from tests import personas
from tests.benefits.district_line_objects import death_award
from tests.nothing_written import nothing_written
from tests.personas import SETUP


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 6, 10)


@pytest.fixture
def award(db):
    return death_award(personas.make_person("医生丙", birth=dt.date(1978, 6, 1), serial=52), reference="P1")


def form(**change) -> dict[str, str]:
    return {"wage": "10,000", "name_1": "配偶甲", "relation_1": "spouse", "bank_account_1": "6222020000000000881",
            "id_number_1": personas.citizen_id("110105", dt.date(1981, 2, 3), 81, male=False),
            "name_2": "子女乙", "relation_2": "child", "bank_account_2": "6222020000000000882",
            "id_number_2": personas.citizen_id("110105", dt.date(2012, 7, 9), 82, male=True), **change}


def test_a_reviewer_grants_the_pensions_from_the_form_and_the_page_shows_them_paid(client, award, reviewer_chaoyang):
    client.force_login(reviewer_chaoyang)
    page = client.get(reverse("backoffice:work_injury_award", args=[award.pk])).content.decode()
    assert 'id="survivor-grant"' in page and "第三十九条" in page
    listing = client.get(reverse("backoffice:work_injury_benefits")).content.decode()
    assert "医生丙" in listing and "供养亲属抚恤金待核定" in listing
    r = client.post(reverse("backoffice:survivor_grant", args=[award.pk]), form())
    assert r.status_code == 302
    spouse, child = SurvivorPension.objects.order_by("pk")
    assert (spouse.relation, spouse.wage_fen, child.last_month) == ("spouse", 1_000_000, "2030-07")
    assert AuditEvent.objects.filter(model="benefits.SurvivorPension").count() == 2
    payroll.payroll_run_start(actor=SETUP, month="2020-05")
    page = client.get(reverse("backoffice:work_injury_award", args=[award.pk])).content.decode()
    assert "配偶甲" in page and "4,000.00" in page and "3,000.00" in page
    assert spouse.id_number not in page and "6222020000000000881" not in page  # masked
    assert 'id="survivor-grant"' not in page  # granted once


@pytest.mark.parametrize(("change", "says"), [
    ({"id_number_2": "11010520120709082"}, "第2位供养亲属的公民身份号码应为18位"),
    ({"wage": "一万"}, "死者生前本人工资应为金额"),
    ({"relation_2": "spouse", "id_number_2": personas.citizen_id("110105", dt.date(1980, 7, 9), 83, male=False)},
     "配偶只能有一人"),
    ({"relation_2": "spouse"}, "未满22周岁（法定婚龄），不能是死者的配偶"),  # a child's number (review-input7 F12)
])
def test_a_bad_form_is_refused_with_the_typed_values_kept_and_nothing_written(client, award, reviewer_chaoyang,
                                                                             change, says):
    client.force_login(reviewer_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:survivor_grant", args=[award.pk]), form(**change))
    assert r.status_code == 400
    page = r.content.decode()
    assert says in page and 'value="配偶甲"' in page


def test_a_clerk_ends_a_pension_and_another_district_sees_nothing(client, award, reviewer_chaoyang, clerk_chaoyang,
                                                                 clerk_haidian):
    client.force_login(reviewer_chaoyang)
    client.post(reverse("backoffice:survivor_grant", args=[award.pk]), form())
    spouse = SurvivorPension.objects.get(relation="spouse")
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:survivor_end", args=[spouse.pk]), {"last_month": "2020-05",
                                                                          "reason": "remarriage"}, follow=True)
    assert "已停发配偶甲的供养亲属抚恤金，发放至2020-05" in r.content.decode()
    spouse.refresh_from_db()
    assert (spouse.status, spouse.last_month, spouse.end_reason) == ("ended", "2020-05", "配偶再婚")
    client.force_login(clerk_haidian)
    assert "医生丙" not in client.get(reverse("backoffice:work_injury_benefits")).content.decode()
    assert client.get(reverse("backoffice:work_injury_award", args=[award.pk])).status_code == 404
    with nothing_written():
        assert client.post(reverse("backoffice:survivor_end", args=[spouse.pk]),
                           {"last_month": "2020-05", "reason": "death"}).status_code == 404


def test_the_api_shows_the_pensions_masked_and_records_the_read(award, reviewer_chaoyang, clerk_haidian):
    from rest_framework.test import APIClient

    from shebao.core.models import PersonalDataAccess

    client = APIClient()
    client.force_authenticate(reviewer_chaoyang)
    from shebao.benefits.survivors import DependantInput, survivor_pensions_grant

    survivor_pensions_grant(actor=reviewer_chaoyang, award=award, wage_fen=1_000_000, dependants=[DependantInput(
        "配偶甲", personas.citizen_id("110105", dt.date(1981, 2, 3), 81, male=False), "spouse", "6222020000000000881")])
    payroll.payroll_run_start(actor=SETUP, month="2020-04")
    listed = client.get("/api/v1/benefits/work-injury-awards/").json()
    assert [a["id"] for a in listed["results"]] == [award.pk] and listed["results"][0]["died_on"] == "2020-03-02"
    detail = client.get(f"/api/v1/benefits/work-injury-awards/{award.pk}/").json()
    (spouse,) = detail["survivors"]
    assert spouse["relation_display"] == "配偶" and spouse["months"][0]["amount_fen"] == 400_000
    assert "6222020000000000881" not in str(detail) and spouse["id_number"].count("*") >= 8
    assert PersonalDataAccess.objects.filter(model="registry.Person", object_pk=str(award.person_id)).exists()
    client.force_authenticate(clerk_haidian)
    with nothing_written():
        assert client.get(f"/api/v1/benefits/work-injury-awards/{award.pk}/").status_code == 404
    assert client.get("/api/v1/benefits/work-injury-awards/").json()["results"] == []
