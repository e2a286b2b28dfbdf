"""The immediate payment of a fast-track work-injury claim through the API (api/benefits.AwardPayView):
the pay page's service on one road, its permission (the district's reviewer), its refusals as problem
details keyed by the request's fields in Chinese, nothing paid on a refusal and nothing paid twice; and
the retiree API states the pension paid now, not only the amount at retirement."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from rest_framework.test import APIClient

from shebao.benefits import selectors
from shebao.benefits.models import PayrollRun, Transfer, WorkInjuryAward
from tests.benefits.conftest import MONTHLY_2019, declare
from tests.benefits.test_award_payee import WIFE, _claim
from tests.benefits.test_payroll import RAISED_2020
from tests.nothing_written import nothing_written

URL = "/api/v1/benefits/work-injury-claims/{}/pay/"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 20)


def api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def post(user, case, body):
    return api(user).post(URL.format(case.pk), json.dumps(body), content_type="application/json")


def test_a_death_is_paid_to_the_relative_through_the_api(clerk_chaoyang, reviewer_chaoyang):
    case = _claim(clerk_chaoyang, 321, died=True)
    body = {"bank_account": "6222020000000003211", "payee_name": "王丽", "payee_relation": "spouse",
            "payee_id_number": WIFE}
    r = post(reviewer_chaoyang, case, body)
    assert r.status_code == 201, r.content
    got = r.json()
    award = WorkInjuryAward.objects.get(case=case)
    assert got["id"] == award.pk and got["paid_now"] is True and got["amount_fen"] == award.amount_fen
    assert got["payee"] == {"name": "王丽", "relation": "spouse", "relation_display": "配偶",
                            "id_number": award.payee_id_number_masked, "registered": True}
    assert WIFE not in r.content.decode()
    assert PayrollRun.objects.get(pk=got["run"]).kind == PayrollRun.Kind.IMMEDIATE
    assert Transfer.objects.get(run_id=got["run"]).amount_fen == award.amount_fen
    # again, the same request: the award already made, nothing paid twice
    with nothing_written():
        again = post(reviewer_chaoyang, case, body)
    assert again.status_code == 200 and again.json()["paid_now"] is False and again.json()["id"] == award.pk
    # the award's reads carry the payee too
    detail = api(reviewer_chaoyang).get(f"/api/v1/benefits/work-injury-awards/{award.pk}/").json()
    assert detail["payee"]["name"] == "王丽"


def test_bad_input_is_refused_field_by_field_in_chinese_and_nothing_is_paid(clerk_chaoyang, reviewer_chaoyang):
    case = _claim(clerk_chaoyang, 322, died=True)
    with nothing_written():
        r = post(reviewer_chaoyang, case, {"bank_account": "12", "medical_costs_fen": -5,
                                           "payee_name": "王丽", "payee_relation": "spouse",
                                           "payee_id_number": case.person.id_number})
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    errors = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert set(errors) == {"bank_account", "medical_costs_fen", "payee_id_number"}, errors
    assert "死者本人的号码" in errors["payee_id_number"] and "8至32位数字" in errors["bank_account"]
    with nothing_written():
        r = post(reviewer_chaoyang, case, {"bank_account": "6222020000000003221"})
    fields = {e["field"] for e in r.json()["errors"]}
    assert r.status_code == 400 and fields == {"payee_name", "payee_relation", "payee_id_number"}
    with nothing_written():
        r = post(reviewer_chaoyang, case, {"bank_account": "6222020000000003221", "amount_fen": 1})
    assert r.status_code == 400 and "不认识的项目" in r.json()["errors"][0]["reason_zh"]
    with nothing_written():
        r = post(reviewer_chaoyang, case, {"bank_account": "6222020000000003221", "wage_fen": "很多"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "wage_fen"
    assert not WorkInjuryAward.objects.exists()


def test_a_disability_award_needs_the_wage(clerk_chaoyang, reviewer_chaoyang):
    case = _claim(clerk_chaoyang, 323, died=False)
    with nothing_written():
        r = post(reviewer_chaoyang, case, {"bank_account": "6222020000000003231"})
    assert r.status_code == 400 and "请填写本人工资" in {e["field"]: e["reason_zh"] for e in r.json()["errors"]}["wage_fen"]
    r = post(reviewer_chaoyang, case, {"bank_account": "6222020000000003231", "wage_fen": 900_000})
    assert r.status_code == 201 and r.json()["payee"] is None and r.json()["grade"] == 5


def test_only_the_districts_reviewer_pays(clerk_chaoyang, reviewer_chaoyang, clerk_haidian, reviewer_haidian):
    case = _claim(clerk_chaoyang, 324, died=False)
    body = {"bank_account": "6222020000000003241", "wage_fen": 900_000}
    with nothing_written():
        r = post(clerk_chaoyang, case, body)
    assert r.status_code == 403 and r["Content-Type"] == "application/problem+json"
    # A role that pays nowhere is refused before the id is read: the same 403 for this claim and a missing one.
    with nothing_written():
        r = post(clerk_haidian, case, body)
    missing = api(clerk_haidian).post(URL.format(case.pk + 1000), body, format="json")
    assert r.status_code == missing.status_code == 403 and case.person.name not in r.content.decode()
    # Another district's reviewer may pay, but not this district's claim: it is not there for them.
    with nothing_written():
        r = post(reviewer_haidian, case, body)
    assert r.status_code == 404 and case.person.name not in r.content.decode()
    anonymous = APIClient().post(URL.format(case.pk), json.dumps(body), content_type="application/json")
    assert anonymous.status_code in (401, 403)
    assert not WorkInjuryAward.objects.exists()


def test_the_openapi_document_describes_the_payment(reviewer_chaoyang):
    doc = api(reviewer_chaoyang).get("/api/schema/openapi/", {"format": "json"}).json()
    op = doc["paths"]["/api/v1/benefits/work-injury-claims/{id}/pay/"]["post"]
    assert op["operationId"] == "benefits_work_injury_claims_pay" and "领取人" in op["description"]
    assert {"201", "200"} <= set(op["responses"])
    request = doc["components"]["schemas"]["AwardPayIn"]["properties"]
    assert {"wage_fen", "bank_account", "medical_costs_fen", "payee_name", "payee_relation", "payee_id_number"} == set(request)
    retiree = doc["components"]["schemas"]["Retiree"]["properties"]
    assert retiree["monthly_now_fen"]["type"] == "integer" and "本月应发" in retiree["monthly_now_fen"]["description"]


def test_the_retiree_api_states_the_pension_paid_now(db, settings, clerk_chaoyang):
    """Before the 2020 notice (issued 2020-04-17) the pension now is the amount at retirement; after it,
    the raised one, as the retirees page and the payroll say (selectors.monthly_now_fen)."""
    settings.SHEBAO_TODAY = dt.date(2019, 10, 1)
    zhao = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))
    c = api(clerk_chaoyang)
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    row = c.get("/api/v1/benefits/retirees/").json()["results"][0]
    assert (row["entitlement"]["monthly_fen"], row["monthly_now_fen"], row["monthly_now_month"]) == (
        MONTHLY_2019, MONTHLY_2019, "2020-02")
    settings.SHEBAO_TODAY = dt.date(2020, 4, 20)
    row = c.get("/api/v1/benefits/retirees/").json()["results"][0]
    one = c.get(f"/api/v1/benefits/retirees/{zhao.pk}/").json()
    assert row["entitlement"]["monthly_fen"] == MONTHLY_2019
    assert row["monthly_now_fen"] == one["monthly_now_fen"] == RAISED_2020 > MONTHLY_2019
    assert one["monthly_now_fen"] == selectors.monthly_now_fen([zhao], month="2020-04",
                                                               known_on=dt.date(2020, 4, 20))[zhao.pk]
