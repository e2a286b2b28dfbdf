"""The person's rights record and the employer's bill tell one story (review F3): on the demo the rights
record said 按时缴费 for 2019-11 and 2019-12 while the employer's bill showed those months' dues unpaid.

The rights record read the contribution's own recorded day (`Contribution.paid_on`, history loaded
before the books) before the employer's dues; the dues are what payments settle and reversals reopen,
and what the bill shows. The dues now decide a month that has any; the recorded day only a month
without dues."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from shebao.collection.models import Due, Payment
from shebao.collection.selectors import (
    employer_account,
    medical_coverage,
    rights_record,
    rights_statement_content,
)
from shebao.collection.services import dues_build, payment_reverse, payment_reverse_approve
from shebao.core.policy import current_policy
from tests.collection.conftest import book_due, contribution
from tests.personas import SETUP
from tests.portal.conftest import sign_in_employer, sign_in_person

pytestmark = pytest.mark.django_db


def _rights_row(html: str, month: str) -> str:
    """The first line of the rights page's section of `month` (month, employer, status), tags dropped."""
    found = re.search(rf'<section class="item" aria-label="{month}">\s*<p>(.*?)</p>', html, re.S)
    assert found, f"no section of {month} on the rights page"
    return re.sub(r"<[^>]+>", " ", found.group(1))


def test_a_month_the_bill_shows_unpaid_is_not_on_time_in_the_rights_record(client, settings, insured,
                                                                           admin_chaoyang):
    """The demo's case: the history says the person's 2019-11 and 2019-12 were paid on the 16th, the
    employer's bill has those months' dues open (`staff.demo_cases.demo_books_create`)."""
    settings.SHEBAO_TODAY = "2020-02-20"
    employer = admin_chaoyang.employer
    for month in ("2019-10", "2019-11", "2019-12"):
        contribution(insured, employer, month, 1_000_000, paid_on=dt.date(int(month[:4]), int(month[5:]), 16))
    book_due(employer, "2019-10", 120_000, paid_on=dt.date(2019, 10, 20))
    book_due(employer, "2019-11", 80_000)
    book_due(employer, "2019-12", 95_000)
    as_of = dt.date(2020, 2, 20)
    bill = {r.due.month: r for r in employer_account(employer=employer, as_of=as_of, policy=current_policy()).dues}
    assert not bill["2019-11"].paid and not bill["2019-12"].paid and bill["2019-10"].paid
    record = {m.month: m for m in rights_record(person=insured, as_of=as_of, policy=current_policy())}
    assert (record["2019-11"].status, record["2019-11"].paid_on, record["2019-11"].counts_as_on_time) == \
        ("unpaid", None, False)
    assert (record["2019-12"].status, record["2019-12"].counts_as_on_time) == ("unpaid", False)
    # A month the books settled: paid on the day the bill says, not the history's.
    assert (record["2019-10"].status, record["2019-10"].paid_on) == ("on_time", dt.date(2019, 10, 20))
    # The statement counts only the month paid; the portal's page says 欠缴 where the bill says unpaid.
    content = rights_statement_content(person=insured, as_of=as_of, policy=current_policy())
    assert content["totals"]["pension"]["months"] == 1
    sign_in_person(client, settings, insured)
    html = client.get("/portal/person/rights/").content.decode()
    assert "欠缴" in _rights_row(html, "2019-11") and "按时缴费" not in _rights_row(html, "2019-11")
    assert "欠缴" in _rights_row(html, "2019-12")
    assert "按时缴费" in _rights_row(html, "2019-10")
    client.logout()
    sign_in_employer(client, settings, admin_chaoyang)
    bill_html = client.get(reverse("portal:employer_account")).content.decode()
    assert "2019-11" in bill_html and "2019-12" in bill_html


def test_a_reversed_payment_reopens_the_month_in_the_rights_record(insured, employer_chaoyang, clerk_chaoyang,
                                                                  municipal_admin):
    """Through the services alone: history paid on 2019-12-20 becomes a settled due (`dues_build`); the
    payment is reversed (maker and checker), the due is open again, and so is the person's month."""
    contribution(insured, employer_chaoyang, "2019-12", 1_000_000, paid_on=dt.date(2019, 12, 20))
    dues_build(actor=SETUP, months=["2019-12"])
    as_of = dt.date(2020, 1, 10)
    before = rights_record(person=insured, as_of=as_of, policy=current_policy())[0]
    assert (before.status, before.paid_on) == ("on_time", dt.date(2019, 12, 20))
    assert medical_coverage(person=insured, on=dt.date(2019, 12, 28), policy=current_policy()).covered
    payment = Payment.objects.get(employer=employer_chaoyang)
    request = payment_reverse(payment=payment, actor=clerk_chaoyang, reason="汇款误入本单位")
    payment_reverse_approve(reversal=request, actor=municipal_admin)
    assert not Due.objects.filter(employer=employer_chaoyang, paid_on__isnull=False).exists()
    after = rights_record(person=insured, as_of=as_of, policy=current_policy())[0]
    assert (after.status, after.paid_on, after.counts_as_on_time) == ("unpaid", None, False)
    cover = medical_coverage(person=insured, on=dt.date(2019, 12, 28), policy=current_policy())
    assert not cover.covered and "欠缴" in cover.reason


def test_a_month_without_dues_keeps_the_recorded_day(insured, employer_chaoyang):
    """History loaded before the books: no due for the month, the contribution's own day decides."""
    contribution(insured, employer_chaoyang, "2019-12", 1_000_000, paid_on=dt.date(2019, 12, 20))
    contribution(insured, employer_chaoyang, "2020-01", 1_000_000)
    record = {m.month: m for m in rights_record(person=insured, as_of=dt.date(2020, 3, 1), policy=current_policy())}
    assert (record["2019-12"].status, record["2019-12"].paid_on) == ("on_time", dt.date(2019, 12, 20))
    assert record["2020-01"].status in ("unpaid", "not_yet_due") and record["2020-01"].paid_on is None
