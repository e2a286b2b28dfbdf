"""Payroll and work-injury pages answer what they refuse and show what a clerk needs (review-input3
E13, E17; review-user3 U14, U15): an unknown run kind is refused, not taken as a regular run; the run
page offers the payment file only once released and says why before; granting survivors' pensions
again is refused with its reason on the page; each survivor's monthly amount is shown."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from shebao.benefits import payroll
from shebao.benefits.models import PayrollRun, SurvivorPension, Transfer
from shebao.collection import releases
from tests import personas
from tests.benefits.district_line_objects import death_award
from tests.benefits.test_survivor_pages import form
from tests.nothing_written import nothing_written
from tests.personas import SETUP

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["bogus", "REGULAR ", "retry", "immediate"])
def test_an_unknown_run_kind_is_refused_and_no_run_is_made(client, three_retirees, collection_clerk, kind):
    client.force_login(collection_clerk)
    with nothing_written():
        r = client.post(reverse("backoffice:payroll_run_start"), {"month": "2020-02", "kind": kind})
    assert r.status_code == 400  # the page again, the typed month kept, the message at the kind
    html = r.content.decode()
    said = re.search(r'id="error-kind">([^<]*)<', html).group(1)
    assert "批次类型" in said and "无效" in said and "未生成批次" in said, said
    assert 'value="2020-02"' in html and 'aria-invalid="true" aria-describedby="error-kind"' in html
    assert not PayrollRun.objects.exists() and not Transfer.objects.exists()


def test_a_regular_run_is_still_started_by_its_kind(client, three_retirees, collection_clerk):
    client.force_login(collection_clerk)
    r = client.post(reverse("backoffice:payroll_run_start"), {"month": "2020-02", "kind": "regular"}, follow=True)
    run = PayrollRun.objects.get()
    assert run.kind == PayrollRun.Kind.REGULAR and "复核放行后，才能下载发送银行" in r.content.decode()


def test_the_run_page_offers_the_payment_file_only_once_released(client, three_retirees, collection_clerk,
                                                                  municipal_admin):
    run = payroll.payroll_run_start(actor=SETUP, month="2020-02")
    client.force_login(collection_clerk)
    url = reverse("backoffice:payroll_run", args=[run.pk])
    download = reverse("backoffice:payroll_file_download", args=[run.pk])
    page = client.get(url).content.decode()
    assert download + '"' not in page and "复核放行后才能下载" in page
    assert reverse("backoffice:payroll_file_checksum", args=[run.pk]) in page  # the checksum is no money
    releases.payroll_file_release(run=run, actor=municipal_admin)
    page = client.get(url).content.decode()
    assert download + '"' in page and "复核放行后才能下载" not in page


@pytest.fixture
def award(db, settings):
    settings.SHEBAO_TODAY = dt.date(2020, 6, 10)
    return death_award(personas.make_person("医生丙", birth=dt.date(1978, 6, 1), serial=52), reference="P1")


def test_granting_again_is_refused_with_its_reason_on_the_page(client, award, reviewer_chaoyang):
    client.force_login(reviewer_chaoyang)
    url = reverse("backoffice:survivor_grant", args=[award.pk])
    assert client.post(url, form()).status_code == 302
    for wage in ("12500", "-1", "1e9"):
        with nothing_written():
            r = client.post(url, form(wage=wage))
        assert r.status_code == 400
        page = r.content.decode()
        assert 'id="survivor-error"' in page
        assert "供养亲属抚恤金已核定" in page or "死者生前本人工资" in page
    assert SurvivorPension.objects.count() == 2
    assert set(SurvivorPension.objects.values_list("wage_fen", flat=True)) == {1_000_000}


def test_each_survivor_shows_the_monthly_amount(client, award, reviewer_chaoyang):
    client.force_login(reviewer_chaoyang)
    client.post(reverse("backoffice:survivor_grant", args=[award.pk]), form(lone_2="on"))
    page = client.get(reverse("backoffice:work_injury_award", args=[award.pk])).content.decode()
    # 10,000 yuan: the spouse 40 %, the orphan 30 % + 10 % (第三十九条), before any run has paid them
    assert page.count('class="survivor-monthly"') == 2
    assert "<strong>4,000.00元</strong>" in page and "含孤儿或孤寡老人加发" in page
    assert page.count("<strong>4,000.00元</strong>") == 2
