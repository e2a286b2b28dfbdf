"""A business the person cannot apply for now is said so on the business list and on its form's
address, before any identity check (a fresh user's walk): one with an application of the person still
being handled is shown as in progress with the way to that application, not offered (待遇申领 was
offered while the claim was handled, and only after the face check did the form say 您已有一笔…申请正在
办理); a transfer out with nothing in the account to move is not offered, and says why (it was offered
to a person without an account, whose form then said 已预先填入 above 个人账户中暂无可转出的月份)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shebao.cases.models import Case
from shebao.portal.access import person_actor
from shebao.portal.person_services import person_case_submit
from shebao.registry.resident_pension import resident_pension_register
from tests.nothing_written import nothing_written
from tests.portal.conftest import sign_in_person
from tests.portal.test_resident_pension_offers import BANK, offered, resident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


def _claim_being_handled():
    from tests.portal.conftest import SETUP

    person = resident(dt.date(1959, 12, 1))
    resident_pension_register(actor=SETUP, person=person, contribution_grade_fen=200_000, **BANK)
    case, _ = person_case_submit(actor=person_actor(person), person=person, business="resident_pension_claim",
                                 details=dict(BANK), identity_checked=True)
    return person, case


def test_a_claim_being_handled_is_shown_in_progress_with_its_link_and_not_offered(client, settings):
    person, case = _claim_being_handled()
    sign_in_person(client, settings, person)
    links, text = offered(client)
    assert links == ["change", "cancel"]
    assert "待遇申领" in text and f"申请正在办理（申请编号{case.pk}" in text
    menu = client.get("/portal/person/resident-pension/").content.decode()
    assert f'href="/portal/person/cases/{case.pk}/"' in menu


def test_the_claims_address_says_it_is_being_handled_without_the_identity_check(client, settings):
    person, case = _claim_being_handled()
    sign_in_person(client, settings, person)
    r = client.get("/portal/person/resident-pension/claim/")  # no identity check done
    page = r.content.decode()
    assert r.status_code == 200 and "您已有一笔" in page and f"申请编号{case.pk}" in page
    assert 'class="form"' not in page
    with nothing_written():
        r = client.post("/portal/person/resident-pension/claim/", {**BANK, "submission": "again"})
    assert r.status_code == 400 and Case.objects.filter(person=person).count() == 1
    # the other businesses are still behind the check
    r = client.get("/portal/person/resident-pension/change/")
    assert r.status_code == 302 and r["Location"].startswith("/portal/person/identity/")


def test_a_transfer_out_is_not_offered_without_months_in_the_account(client, settings):
    person = resident(dt.date(1959, 12, 1))  # no employee pension account
    sign_in_person(client, settings, person)
    page = client.get("/portal/person/transfer/").content.decode()
    menu = re.search(r'<ul class="menu">(.*?)</ul>', page, re.S).group(1)
    assert "/portal/person/transfer/out/" not in menu and "/portal/person/transfer/in/" in menu
    assert "基本养老保险关系转出" in menu and "没有可转出的个人账户" in menu
    r = client.get("/portal/person/transfer/out/")  # no identity check asked for: nothing to transfer
    page = r.content.decode()
    assert r.status_code == 200 and "没有可转出的个人账户" in page
    assert "已预先填入" not in page and "提交申请" not in page and 'class="form"' not in page
    assert 'href="/portal/person/transfer/"' in page
    with nothing_written():
        assert client.post("/portal/person/transfer/out/", {"region": "上海市", "lines": ""}).status_code == 400


def test_a_transfer_out_being_handled_is_shown_in_progress(client, settings, insured):
    from shebao.registry.accounts import account_transfer_in
    from tests.portal.conftest import SETUP

    account_transfer_in(actor=SETUP, person=insured, region="天津市",
                        lines=[{"month": "2016-03", "base_fen": 300_000, "amount_fen": 24_000}])
    case, _ = person_case_submit(actor=person_actor(insured), person=insured, business="transfer_out",
                                 details={"region": "上海市", "lines": [{"month": "2016-03", "amount_fen": 24_000}]},
                                 identity_checked=True)
    sign_in_person(client, settings, insured)
    page = client.get("/portal/person/transfer/").content.decode()
    menu = re.search(r'<ul class="menu">(.*?)</ul>', page, re.S).group(1)
    assert "/portal/person/transfer/out/" not in menu and f'href="/portal/person/cases/{case.pk}/"' in menu
    r = client.get("/portal/person/transfer/out/")
    assert r.status_code == 200 and "您已有一笔" in r.content.decode()


def test_the_pension_page_points_a_residents_pension_receiver_to_their_page(client, settings, insured):
    """我的养老金 said only 您目前没有领取基本养老金的记录 to one drawing the residents' pension."""
    from shebao.registry.resident_pension import resident_pension_claim
    from tests.portal.conftest import SETUP

    person = resident(dt.date(1959, 12, 1))
    resident_pension_register(actor=SETUP, person=person, contribution_grade_fen=200_000, **BANK)
    resident_pension_claim(actor=SETUP, person=person)
    sign_in_person(client, settings, person)
    page = client.get("/portal/person/pension/").content.decode()
    assert "城乡居民养老保险待遇" in page and 'href="/portal/person/resident-pension/"' in page.split('id="no-pension"')[1]
    client.logout()
    sign_in_person(client, settings, insured)  # drawing nothing: not pointed there
    assert 'id="resident-pension-pointer"' not in client.get("/portal/person/pension/").content.decode()
