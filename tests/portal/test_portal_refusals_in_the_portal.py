"""A refusal in the portal is said in the portal (review-input4 F12): a rights statement for a day
before the person's first contribution reached the staff system's error page ("社保经办系统", "请联系
系统管理员", a link to the staff sign-in). The class is every error page under /portal/: it is the
portal's, saying what an employer or insured person can do."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.collection.models import RightsStatement
from tests.collection.conftest import contribution
from tests.nothing_written import nothing_written
from tests.portal.conftest import sign_in_person

pytestmark = pytest.mark.django_db
STAFF_PAGE = ("社保经办系统", "系统管理员", 'href="/login/"')


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


@pytest.mark.parametrize(("as_of", "said"), [("2019-12-31", "早于本人最早的缴费记录"), ("0001-01-01", "权益记录单的截止日")])
def test_a_statement_before_the_first_contribution_is_refused_on_the_rights_page(
        client, settings, insured, employer_chaoyang, as_of, said):
    contribution(insured, employer_chaoyang, "2020-01", 1_000_000, paid_on=dt.date(2020, 1, 20))
    sign_in_person(client, settings, insured)
    with nothing_written():
        r = client.post("/portal/person/rights/statement/", {"as_of": as_of})
    html = r.content.decode()
    assert r.status_code == 400
    assert said in html and "北京社保网上办事" in html
    assert not any(s in html for s in STAFF_PAGE), html[:1500]
    assert not RightsStatement.objects.exists()


def test_an_error_page_under_the_portal_is_the_portals(client, settings, insured):
    sign_in_person(client, settings, insured)
    r = client.get("/portal/person/cases/987654321/")
    html = r.content.decode()
    assert r.status_code == 404
    assert "未找到" in html and "返回网上办事首页" in html and "咨询电话" in html
    assert not any(s in html for s in STAFF_PAGE), html[:1500]
