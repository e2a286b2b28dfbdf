"""The benefits API (api/benefits.py) and the /office/benefits/ index: retirees and their payments read
within the district line (another district's retiree is a 404 and nothing is recorded), the read of a
retiree recorded in the personal-data trail, the payroll runs only for the center's staff."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from shebao.benefits import payroll
from shebao.core.models import PersonalDataAccess
from tests.benefits.conftest import MONTHLY_2019, declare
from tests.nothing_written import nothing_written
from tests.personas import SETUP


@pytest.fixture
def retirees(db):
    zhao = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))
    hai = declare("海二", birth=dt.date(1959, 11, 15), serial=12, declared_on=dt.date(2019, 11, 1),
                  district_code="110108")
    run = payroll.payroll_run_start(actor=SETUP, month="2019-12")
    return zhao, hai, run


def api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_a_district_clerk_reads_their_districts_retirees_masked_and_each_read_is_recorded(retirees, clerk_chaoyang):
    zhao, hai, run = retirees
    c = api(clerk_chaoyang)
    body = c.get("/api/v1/benefits/retirees/").json()
    assert [r["name"] for r in body["results"]] == ["赵一"]
    row = body["results"][0]
    assert row["bank_account"] == zhao.bank_account_masked and zhao.bank_account not in str(body)
    assert row["entitlement"]["monthly_fen"] == MONTHLY_2019 and row["status_display"] == "正常发放"
    assert c.get("/api/v1/benefits/retirees/", {"status": "suspended"}).json()["results"] == []
    bad = c.get("/api/v1/benefits/retirees/", {"status": "x"})
    assert bad.status_code == 400 and "发放状态" in bad.content.decode()
    r = c.get(f"/api/v1/benefits/retirees/{zhao.pk}/")
    assert r.status_code == 200 and r.json()["retirement_month"] == "2019-10"
    read = PersonalDataAccess.objects.get(model="registry.Person", object_pk=str(zhao.person_id))
    assert read.actor == clerk_chaoyang and "退休人员待遇" in read.field
    pays = c.get(f"/api/v1/benefits/retirees/{zhao.pk}/payments/").json()["results"]
    assert [(p["month"], p["amount_fen"], p["kind"], p["run"]) for p in pays] == [
        ("2019-11", MONTHLY_2019, "arrears", run.pk), ("2019-12", MONTHLY_2019, "regular", run.pk)]


def test_another_districts_retiree_is_not_found_and_nothing_is_recorded(retirees, clerk_chaoyang):
    _, hai, _ = retirees
    c = api(clerk_chaoyang)
    for url in (f"/api/v1/benefits/retirees/{hai.pk}/", f"/api/v1/benefits/retirees/{hai.pk}/payments/"):
        with nothing_written():
            r = c.get(url)
        assert r.status_code == 404 and "海二" not in r.content.decode()


def test_the_payroll_runs_are_the_centers(retirees, clerk_chaoyang, municipal_admin):
    _, _, run = retirees
    refused = api(clerk_chaoyang).get("/api/v1/benefits/payroll-runs/")
    assert refused.status_code == 403 and refused["Content-Type"].startswith("application/problem+json")
    assert api(clerk_chaoyang).get(f"/api/v1/benefits/payroll-runs/{run.pk}/").status_code == 403
    c = api(municipal_admin)
    rows = c.get("/api/v1/benefits/payroll-runs/").json()["results"]
    assert [(r["id"], r["month"], r["transfers_count"]) for r in rows] == [(run.pk, "2019-12", 2)]
    detail = c.get(f"/api/v1/benefits/payroll-runs/{run.pk}/").json()
    assert (detail["pending"], detail["paid"], detail["amount_fen"]) == (2, 0, run.amount_fen)
    # the whole city's retirees for the center
    assert {r["name"] for r in c.get("/api/v1/benefits/retirees/").json()["results"]} == {"赵一", "海二"}


def test_the_benefits_index_shows_what_each_may_see(retirees, client, clerk_chaoyang, municipal_admin):
    _, _, run = retirees
    client.force_login(clerk_chaoyang)
    page = client.get("/office/benefits/").content.decode()
    assert "正常发放：<strong>1</strong>人" in page and "最近的养老金发放批次" not in page
    client.force_login(municipal_admin)
    page = client.get("/office/benefits/").content.decode()
    assert "正常发放：<strong>2</strong>人" in page and f"/office/benefits/payroll/{run.pk}/" in page
