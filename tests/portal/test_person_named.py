"""Every business about one person (its definition's ``person:``) asks for that person's ID number,
checks it against the registry (the person exists and is the applying employer's own) and shows the
person, at the front desk in 单位 mode, in the employer portal and through the API; every refusal is
placed at its input (review user3 U2, U3)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shebao.cases.checks import CheckContext, checks_run
from shebao.cases.models import Case
from shebao.core import clock
from shebao.portal.employer import online_businesses
from shebao.registry.models import EmploymentSpell
from shebao.rules.business_fields import definition, definitions
from tests.cases.conftest import client_for, submit
from tests.nothing_written import nothing_written
from tests.portal.conftest import sign_in_employer

pytestmark = pytest.mark.django_db
FRONT_DESK = "backoffice:front_desk"
ABOUT_ONE_PERSON = sorted(c for c, d in definitions().items() if d.names_person)
NEW = "/portal/employer/cases/new/"


@pytest.fixture
def employee(employer_chaoyang, person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    return person_chaoyang


@pytest.fixture
def signed_in(client, settings, admin_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    return client


def _case_of(response) -> Case:
    assert response.status_code == 302, response.content.decode()[:3000]
    return Case.objects.get(pk=int(re.search(r"/(\d+)/", response["Location"]).group(1)))


def test_the_businesses_about_one_person_are_declared_so():
    assert {"person_change", "retirement_declaration", "transfer_in", "transfer_out", "refund",
            "individual_back_payment", "work_injury_fast_track_claim", "account_backfill",
            "card_replacement"} <= set(ABOUT_ONE_PERSON)
    assert not definition("insured_registration").names_person  # it registers a person not yet there
    assert definition("work_injury_fast_track_claim").fields  # the claim carries what happened


@pytest.mark.parametrize("code", ABOUT_ONE_PERSON)
def test_no_application_about_one_person_passes_the_checks_without_the_person(code, employer_chaoyang):
    errors = checks_run(CheckContext(business=code, employer=employer_chaoyang, person=None, details={},
                                     applied_on=clock.today()))
    assert [e.field for e in errors].count("person") == 1, errors
    assert any("请填写其证件号码" in e.zh for e in errors if e.field == "person")


@pytest.mark.parametrize("code", sorted(b.code for b in online_businesses() if definition(b.code).names_person))
def test_every_online_employer_business_about_one_person_asks_for_the_employee(signed_in, code):
    html = signed_in.get(NEW, {"business": code}).content.decode()
    assert 'name="id_number"' in html and "职工证件号码" in html


def test_portal_person_change_without_the_employee_is_refused_at_the_field_and_keeps_the_value(signed_in, employee):
    with nothing_written():
        r = signed_in.post(NEW, {"business": "person_change", "fields": ["phone"], "new_phone": "010-88886666",
                                 "token": "t1"})
    html = r.content.decode()
    assert r.status_code == 400
    assert 'id="f-id_number-error"' in html and "请填写职工的证件号码" in html
    assert 'value="010-88886666"' in html  # what was typed is still there


def test_portal_person_change_names_the_employee_and_the_case_shows_them(signed_in, employee, admin_chaoyang):
    case = _case_of(signed_in.post(NEW, {"business": "person_change", "fields": ["phone"],
                                         "new_phone": "010-88886666", "id_number": employee.id_number,
                                         "token": "t2"}))
    assert case.person == employee and case.employer == admin_chaoyang.employer
    assert case.applicant_kind == "employer" and case.details == {"changes": {"phone": "010-88886666"}}
    page = signed_in.get(f"/portal/employer/cases/{case.pk}/").content.decode()
    assert employee.name in page and employee.id_number_masked in page


def test_portal_refuses_a_former_employee_for_a_business_about_a_current_one(signed_in, employer_chaoyang,
                                                                             person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01",
                                   to_month="2019-12")
    with nothing_written():
        r = signed_in.post(NEW, {"business": "person_change", "fields": ["phone"], "new_phone": "010-88886666",
                                 "id_number": person_chaoyang.id_number, "token": "t3"})
    html = r.content.decode()
    assert r.status_code == 400 and 'id="f-id_number-error"' in html and "不是北京朝阳测试科技有限公司的在职职工" in html
    assert person_chaoyang.name not in html.split('id="f-id_number-error"')[1][:300]  # named by the masked number


def test_portal_work_injury_claim_names_the_injured_worker(signed_in, employee):
    with nothing_written():
        r = signed_in.post(NEW, {"business": "work_injury_fast_track_claim", "token": "t4"})
    html = r.content.decode()
    assert r.status_code == 400 and 'id="f-id_number-error"' in html and 'id="bf-diagnosed_on-error"' in html
    case = _case_of(signed_in.post(NEW, {"business": "work_injury_fast_track_claim", "id_number": employee.id_number,
                                         "diagnosed_on": "2020-02-01", "diagnosis": "新型冠状病毒肺炎（确诊病例）",
                                         "workplace": "发热门诊护士", "token": "t5"}))
    assert case.person == employee and case.details["diagnosed_on"] == "2020-02-01"


def test_portal_transfer_and_retirement_forms_name_the_employee(signed_in, employee):
    for code in ("transfer_in", "transfer_out", "retirement_declaration"):
        with nothing_written():
            r = signed_in.post(NEW, {"business": code, "token": f"t-{code}"})
        assert r.status_code == 400 and 'id="f-id_number-error"' in r.content.decode(), code


def test_front_desk_employer_mode_asks_for_the_employee_and_places_the_error(client, clerk_chaoyang,
                                                                             employer_chaoyang, employee):
    client.force_login(clerk_chaoyang)
    base = {"business": "person_change", "applicant_kind": "employer", "credit_code": employer_chaoyang.credit_code,
            "fields": ["phone"], "new_phone": "010-88886666", "token": "fd1", "do": "save"}
    html = client.get(reverse(FRONT_DESK), {"business": "person_change"}).content.decode()
    assert 'name="id_number"' in html and "职工（参保人员）证件号码" in html
    with nothing_written():
        r = client.post(reverse(FRONT_DESK), base)
    html = r.content.decode()
    assert r.status_code == 400 and "请填写参保人员的证件号码" in html
    field = html.split('id="id_number"')[1][:400]
    assert "请填写参保人员的证件号码" in field  # beside the ID number input, not nowhere
    r = client.post(reverse(FRONT_DESK), {**base, "id_number": employee.id_number, "token": "fd2"})
    case = _case_of(r)
    assert case.person == employee and case.employer == employer_chaoyang and case.applicant_kind == "employer"
    page = client.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    assert employee.name in page and employer_chaoyang.name in page


def test_front_desk_refuses_someone_else_s_employee_at_the_id_number(client, clerk_chaoyang, employer_chaoyang,
                                                                    person_chaoyang):
    client.force_login(clerk_chaoyang)  # 张三 has no employment with the employer
    with nothing_written(shown=person_chaoyang):
        r = client.post(reverse(FRONT_DESK), {
            "business": "person_change", "applicant_kind": "employer", "credit_code": employer_chaoyang.credit_code,
            "id_number": person_chaoyang.id_number, "fields": ["phone"], "new_phone": "010-88886666",
            "token": "fd3", "do": "save"})
    html = r.content.decode()
    assert r.status_code == 400
    assert "不是北京朝阳测试科技有限公司的在职职工" in html.split('id="id_number"')[1][:600]


def test_the_api_refuses_an_employer_application_about_nobody(clerk_chaoyang, employer_chaoyang, employee):
    api = client_for(clerk_chaoyang)
    with nothing_written():
        r = submit(api, business="person_change", channel="online", applicant_kind="employer",
                   employer=employer_chaoyang.pk, details={"changes": {"phone": "010-88886666"}})
    assert r.status_code == 400, r.json()
    assert {e["field"] for e in r.json()["errors"]} == {"person"}
    r = submit(api, business="person_change", channel="online", applicant_kind="employer",
               employer=employer_chaoyang.pk, person=employee.pk, details={"changes": {"phone": "010-88886666"}})
    assert r.status_code == 201, r.json()
    assert r.json()["person"]["id"] == employee.pk and Case.objects.get(pk=r.json()["id"]).person == employee


@pytest.mark.parametrize("code", ["work_injury_fast_track_claim", "transfer_in", "retirement_declaration"])
def test_the_api_refuses_a_case_about_nobody_even_without_content(clerk_chaoyang, employer_chaoyang, code):
    api = client_for(clerk_chaoyang)
    with nothing_written():
        r = submit(api, business=code, channel="online", applicant_kind="employer", employer=employer_chaoyang.pk,
                   applied_on="2020-02-10")
    assert r.status_code == 400, r.json()
    assert r.json()["errors"][0]["field"] == "person" and "须指明所涉参保人员" in r.json()["errors"][0]["reason_zh"]
