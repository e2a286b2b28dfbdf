"""Every transfer-out form shows the account it moves (closing18's open item for issue 15: only the
person's own portal form showed it; the employer's portal form and the front desk refused rows that
did not match the account without showing the account). One selector
(`registry.accounts.transfer_out_shown`) and one partial (``web/_transfer_out_account.html``); a
refused form draws the table again beside the refusal, and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.cases.models import Case
from shebao.registry.accounts import account_transfer_in, transfer_out_shown
from shebao.registry.models import EmploymentSpell
from tests.nothing_written import nothing_written
from tests.portal.conftest import SETUP, sign_in_employer

pytestmark = pytest.mark.django_db
MONTHS = [{"month": "2016-03", "base_fen": 300_000, "amount_fen": 24_000},
          {"month": "2016-04", "base_fen": 300_000, "amount_fen": 97_392}]


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


@pytest.fixture
def leaver(employer_chaoyang, person_chaoyang):
    """A former employee of 朝阳 (the spell closed) whose account holds two months from 天津市."""
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01",
                                   to_month="2019-12")
    account_transfer_in(actor=SETUP, person=person_chaoyang, region="天津市", lines=MONTHS)
    return person_chaoyang


def _table_shown(page: str) -> None:
    assert "个人账户记录（将全部转出）" in page and "共2个月，余额1,213.92元" in page
    assert '<th scope="row">2016-03</th>' in page and "240.00" in page
    assert '<th scope="row">2016-04</th>' in page and "973.92" in page


def test_the_selector_lists_every_month_the_transfer_moves(leaver):
    shown = transfer_out_shown(leaver)
    assert [(x.month, x.amount_fen) for x in shown.lines] == [("2016-03", 24_000), ("2016-04", 97_392)]
    assert (shown.total_fen, shown.blocked, shown.typed) == (121_392, "", "2016-03,240.00\n2016-04,973.92")


def test_the_employers_portal_form_shows_the_account_and_keeps_it_beside_a_refusal(
        client, settings, admin_chaoyang, leaver):
    sign_in_employer(client, settings, admin_chaoyang)
    form = client.get("/portal/employer/cases/new/?business=transfer_out").content.decode()
    assert "页面将列出其个人账户的全部月份和金额" in form  # before the employee is named
    base = {"business": "transfer_out", "id_number": leaver.id_number, "region": "上海市", "token": "e-t1"}
    with nothing_written():
        r = client.post("/portal/employer/cases/new/", {**base, "lines": "2016-03,240.00"})
    page = r.content.decode()
    assert r.status_code == 400 and "不能只转部分月份" in page and "2016-04（973.92元）" in page
    _table_shown(page)
    r = client.post("/portal/employer/cases/new/", {**base, "lines": "2016-03,240.00\n2016-04,973.92"})
    assert r.status_code == 302
    assert Case.objects.get(business="transfer_out").details["lines"][1] == {"month": "2016-04", "amount_fen": 97_392}


def test_the_employers_form_says_why_a_still_employed_person_cannot_transfer(
        client, settings, admin_chaoyang, employer_chaoyang, leaver):
    EmploymentSpell.objects.create(person=leaver, employer=employer_chaoyang, from_month="2020-01")
    sign_in_employer(client, settings, admin_chaoyang)
    with nothing_written():
        r = client.post("/portal/employer/cases/new/", {
            "business": "transfer_out", "id_number": leaver.id_number, "region": "上海市", "token": "e-t2",
            "lines": "2016-03,240.00\n2016-04,973.92"})
    page = r.content.decode()
    assert r.status_code == 400 and 'id="transfer-blocked"' in page and "须先由单位办理减员（停保）" in page
    _table_shown(page)


def test_the_front_desk_shows_the_account_once_the_person_is_named_and_beside_a_refusal(
        client, clerk_chaoyang, leaver):
    client.force_login(clerk_chaoyang)
    base = {"business": "transfer_out", "applicant_kind": "person", "id_number": leaver.id_number,
            "region": "上海市", "token": "d-t1"}
    _table_shown(client.post(reverse("backoffice:front_desk"), {**base, "refresh": "1"}).content.decode())
    with nothing_written(shown=leaver):
        r = client.post(reverse("backoffice:front_desk"), {**base, "lines": "2016-03,240.00", "do": "save"})
    page = r.content.decode()
    assert r.status_code == 400 and "不能只转部分月份" in page and "2016-04（973.92元）" in page
    _table_shown(page)
    r = client.post(reverse("backoffice:front_desk"), {**base, "lines": "2016-03,240.00\n2016-04,973.92",
                                                        "do": "save"})
    assert r.status_code == 302 and Case.objects.get(business="transfer_out").channel == "counter"
