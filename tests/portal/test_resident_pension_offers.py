"""The portal's residents' pension page offers only the businesses that apply to the person's record
(6.1; a fresh user's walk of the demo: 周淑芬, registered, was offered 参保登记 beside 待遇申领):
without a record, or with a cancelled one, registration only; while contributing a change, the claim and
cancellation, the claim named but not linked before the claim age; while drawing the pension a change
of the bank account and cancellation."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shebao.registry.resident_pension import (
    resident_pension_cancel,
    resident_pension_claim,
    resident_pension_register,
)
from shebao.registry.services import person_update
from tests import personas
from tests.portal.conftest import SETUP, sign_in_person

pytestmark = pytest.mark.django_db
PAGE = "/portal/person/resident-pension/"
BANK = {"bank_name": "中国农业银行", "bank_account": "6228480010123456789"}


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


def resident(birth: dt.date):
    person = personas.make_person("周居民", serial=71, birth=birth, male=False, account_type=None)
    return person_update(actor=SETUP, person=person, phone="13900139071")


def offered(client) -> tuple[list[str], str]:
    """The links of the page's business list (their last path part) and the list's text."""
    page = client.get(PAGE)
    assert page.status_code == 200
    menu = re.search(r'<ul class="menu" id="businesses">(.*?)</ul>', page.content.decode(), re.S).group(1)
    return re.findall(r'href="/portal/person/resident-pension/([a-z]+)/"', menu), re.sub(r"<[^>]+>", "", menu)


def test_a_registered_resident_is_offered_change_claim_and_cancellation_not_registration(client, settings):
    person = resident(dt.date(1959, 12, 1))  # sixty on the business date, as the demo's 周淑芬
    resident_pension_register(actor=SETUP, person=person, contribution_grade_fen=200_000, **BANK)
    sign_in_person(client, settings, person)
    links, text = offered(client)
    assert links == ["change", "claim", "cancel"] and "参保登记" not in text


def test_before_the_claim_age_the_claim_is_named_with_its_age_but_not_linked(client, settings):
    person = resident(dt.date(1970, 3, 1))
    resident_pension_register(actor=SETUP, person=person, contribution_grade_fen=200_000, **BANK)
    sign_in_person(client, settings, person)
    links, text = offered(client)
    assert links == ["change", "cancel"]
    assert "待遇申领" in text and "年满60周岁方可申领" in text and "参保登记" not in text


def test_one_drawing_the_pension_is_offered_a_bank_change_and_cancellation(client, settings):
    person = resident(dt.date(1959, 12, 1))
    resident_pension_register(actor=SETUP, person=person, contribution_grade_fen=200_000, **BANK)
    resident_pension_claim(actor=SETUP, person=person)
    sign_in_person(client, settings, person)
    links, text = offered(client)
    assert links == ["change", "cancel"] and "变更待遇发放银行账户" in text
    assert "参保登记" not in text and "待遇申领" not in text and "缴费档次" not in text


@pytest.mark.parametrize("cancelled", [False, True], ids=["never-registered", "cancelled"])
def test_without_an_open_record_only_registration_is_offered(client, settings, cancelled):
    person = resident(dt.date(1959, 12, 1))
    if cancelled:
        resident_pension_register(actor=SETUP, person=person, contribution_grade_fen=200_000, **BANK)
        resident_pension_cancel(actor=SETUP, person=person, reason="moved_away")
    sign_in_person(client, settings, person)
    links, text = offered(client)
    assert links == ["register"] and "待遇申领" not in text and "注销" not in text and "变更" not in text


def test_one_in_the_employee_scheme_is_told_why_registration_is_not_open(client, settings, insured,
                                                                         employer_chaoyang):
    from shebao.registry.models import EmploymentSpell

    EmploymentSpell.objects.create(person=insured, employer=employer_chaoyang, from_month="2019-06")
    sign_in_person(client, settings, insured)
    links, text = offered(client)
    assert links == [] and "参保登记" in text and "正在参加职工基本养老保险" in text
