"""A person's contribution months are counted one way on every surface (review-user13 (8): for the demo
person 贾岚卿 the staff case page said 在京缴费月数7个月 and the portal's rights record 累计缴费6个月). Three
readings of "a paid month" had grown apart: the case's fact (and the contribution index) read the rows'
own payment days before the business month, the pension account read any recorded payment, and the
rights record read the employer's dues (a month whose due is open again is not paid). All now read
`collection.selectors.paid_contributions`: the employer's books decide, up to and including the month of
the day asked about, paid on or before it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from shebao.benefits.selectors import contribution_index
from shebao.cases import services as cases
from shebao.collection.selectors import rights_totals
from shebao.core import clock
from shebao.registry.accounts import account_summary
from shebao.registry.models import Contribution, EmploymentSpell, PensionAccount
from shebao.registry.selectors import pension_months_in_beijing
from tests.collection.conftest import book_due
from tests.portal.conftest import insured, sign_in_person  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 20)
MONTHS = ["2019-07", "2019-08", "2019-09", "2019-10", "2019-11", "2019-12", "2020-01", "2020-02"]


@pytest.fixture
def record(settings, insured, employer_chaoyang):  # noqa: F811 (the fixture imported above)
    """The demo person's record: eight months, each row with its own payment day; the employer's dues of
    2019-11 and 2019-12 still open (so not paid), 2019-08 paid, the business month 2020-02 paid on the
    16th; the other months without dues (their rows' own day decides)."""
    settings.SHEBAO_TODAY = DAY
    PensionAccount.objects.get_or_create(person=insured, defaults={
        "account_type": "general", "opened_on": dt.date(2010, 1, 1), "district": insured.district})
    EmploymentSpell.objects.create(person=insured, employer=employer_chaoyang, from_month="2019-07")
    for m in MONTHS:
        Contribution.objects.create(
            person=insured, employer=employer_chaoyang, month=m, paid_on=dt.date(int(m[:4]), int(m[5:]), 16),
            **{**{f"{t}_{part}_fen": 0 for t in Contribution.INSURANCE_TYPES for part in ("base", "employer")},
               "unemployment_personal_fen": 0, "medical_personal_fen": 0, "pension_base_fen": 1_105_417,
               "pension_employer_fen": 176_867, "pension_personal_fen": 88_433})
    book_due(employer_chaoyang, "2019-08", 90_000, paid_on=dt.date(2019, 11, 15))
    book_due(employer_chaoyang, "2019-11", 80_000)
    book_due(employer_chaoyang, "2019-12", 95_000)
    book_due(employer_chaoyang, "2020-02", 100_000, paid_on=dt.date(2020, 2, 16))
    return insured


def test_every_reading_counts_the_same_months(record):
    expected = 6  # eight months less 2019-11 and 2019-12, whose dues are open
    assert rights_totals(person=record, as_of=DAY)["pension"]["months"] == expected
    assert pension_months_in_beijing(person=record, on=DAY) == expected
    assert contribution_index(record).months == expected
    assert account_summary(record.pension_account).months == expected
    # a month paid after the day asked about is not yet a month, on every reading
    assert pension_months_in_beijing(person=record, on=dt.date(2020, 2, 15)) == expected - 1
    assert rights_totals(person=record, as_of=dt.date(2020, 2, 15))["pension"]["months"] == expected - 1


def test_the_staff_pages_and_the_portal_say_the_same_count(record, client, settings, clerk_chaoyang):
    case, _ = cases.case_submit(actor=clerk_chaoyang, business="card_replacement", channel="counter", person=record,
                                applicant_kind="person", applied_on=clock.today(),
                                details={"reason": "lost", "recipient_name": record.name,
                                         "recipient_phone": "13900139000",
                                         "postal_address": "北京市朝阳区朝阳门外大街1号院2单元301"})
    client.force_login(clerk_chaoyang)
    page = re.sub(r"<[^>]+>", "", client.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode())
    assert "在京缴费月数6个月" in page.replace("\n", "")
    person_page = re.sub(r"<[^>]+>", "", client.get(reverse("web:person_detail", args=[record.pk])).content.decode())
    assert "账户月数：6个月" in person_page
    client.logout()
    sign_in_person(client, settings, record)
    rights = re.sub(r"<[^>]+>", "", client.get("/portal/person/rights/").content.decode())
    assert "养老保险累计缴费6个月" in rights.replace("\n", "")
