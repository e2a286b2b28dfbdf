"""A deferral's page and statements say its rule truthfully (review-user10 F6): the registration form's
example months lie inside the rules it offers (on 2020-03-10 only 人社部发〔2020〕11号's February to June:
the example 2020-07,2020-08 was outside it), and an approved deferral's citation is said once on the
employer's account, the staff's and the portal's, not on every month's row."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shebao.collection.relief import (
    deferral_apply,
    deferral_decide,
    employer_facts_record,
    relief_pack_publish,
)
from shebao.collection.services import dues_build
from shebao.rules.dates import month_index
from tests.collection.conftest import contribution
from tests.personas import SETUP
from tests.portal.conftest import sign_in_employer

pytestmark = pytest.mark.django_db
PACK = "relief-2020-covid"
CLAUSE_11 = "缓缴期限原则上不超过6个月"  # the clause of 人社部发〔2020〕11号 第三条, as the pack words it


@pytest.fixture
def published(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 10)
    relief_pack_publish(pack=PACK, actor=SETUP, on=dt.date(2020, 3, 8))


def test_the_form_s_example_months_lie_inside_every_rule_it_offers(client, clerk_chaoyang, published):
    client.force_login(clerk_chaoyang)
    page = client.get("/collection/relief/deferrals/").content.decode()
    rules = re.findall(r"<li>[^<]*：费款所属期(\d{4}-\d{2})至(\d{4}-\d{2})；依据", page)
    offered = re.findall(r'<option value="([^"]+)"', page.split('id="deferral-form"')[1].split("</select>")[0])
    assert rules and len(rules) == len(offered)
    example = re.search(r'name="months" value="" placeholder="如([^"]+)"', page)[1].split(",")
    assert example == ["2020-02", "2020-03"]
    for lo, hi in rules:
        assert all(month_index(lo) <= month_index(m) <= month_index(hi) for m in example), (lo, hi, example)
    assert "2020-07" not in page.split('id="deferral-form"')[1].split("</form>")[0]


@pytest.fixture
def deferred(published, employer_chaoyang, person_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    """February and March 2020 of a large enterprise deferred under 11号: three insurances a month."""
    employer_facts_record(employer=employer_chaoyang, effective_from=dt.date(2020, 1, 1), unit_type="enterprise",
                          size_class="large", source="划型结果", actor=SETUP)
    for m in ("2020-02", "2020-03"):
        contribution(person_chaoyang, employer_chaoyang, m, 1_000_000)
    dues_build(actor=SETUP, months=["2020-02", "2020-03"])
    d = deferral_apply(employer=employer_chaoyang, pack=PACK, rule="hardship-deferral", months=["2020-02", "2020-03"],
                       due_until=dt.date(2020, 8, 31), reason="停工停产", actor=clerk_chaoyang)
    d = deferral_decide(deferral=d, approve=True, actor=reviewer_chaoyang)
    assert d.dues_deferred == 6
    return d


def test_the_staff_account_says_the_citation_once_and_each_row_its_date(client, reviewer_chaoyang, deferred,
                                                                       employer_chaoyang):
    client.force_login(reviewer_chaoyang)
    page = client.get(f"/collection/employers/{employer_chaoyang.pk}/").content.decode()
    assert page.count(CLAUSE_11) == 1
    assert page.count("缓缴至2020-08-31，缓缴期间免收滞纳金（依据见缓缴申请）") == 6


def test_the_portal_account_says_the_citation_once_and_each_row_its_date(client, settings, admin_chaoyang, deferred):
    sign_in_employer(client, settings, admin_chaoyang)
    page = client.get("/portal/employer/account/").content.decode()
    assert page.count(CLAUSE_11) == 1
    assert page.count("缓缴：缓缴至2020-08-31") == 6
    listed = page.split('id="deferrals"')[1].split("</ul>")[0]
    assert "2020-02、2020-03" in listed and "人社部发〔2020〕11号" in listed
