"""A refund names the dues it takes money from by what they are, and its correction offers them to
tick (review-user10 F4: the case read "所退费款 12", a bare number, and the correction form asked the
clerk to type due numbers). Every page that shows a refund's content (the staff case page, the
applicant's portal page, the correction's history row) reads `business_forms.details_display`; the
correction form offers the applicant's refundable dues (`collection.selectors.refund_dues_offered`)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shebao.cases import services
from shebao.cases.business_forms import details_display, details_prefill
from shebao.cases.models import Case, CaseTransition
from shebao.registry.models import EmploymentSpell
from tests.cases.conftest import valid_details
from tests.collection.conftest import book_due

pytestmark = pytest.mark.django_db
APPLIED = dt.date(2020, 2, 10)
DEC = "2019-12 养老保险 应缴1,000.00元（编号{}）"


@pytest.fixture
def refund(clerk_chaoyang, person_chaoyang, employer_chaoyang, paid_due):
    EmploymentSpell.objects.get_or_create(person=person_chaoyang, employer=employer_chaoyang,
                                          defaults={"from_month": "2015-01"})
    nov = book_due(employer_chaoyang, "2019-11", 80_000, paid_on=dt.date(2019, 12, 15))
    unpaid = book_due(employer_chaoyang, "2020-01", 50_000)
    content = valid_details("refund", person=person_chaoyang, facts={"refund_kind": "overpayment"},
                            applied_on=APPLIED)
    content["dues"] = [paid_due.pk]
    case, _ = services.case_submit(actor=clerk_chaoyang, business="refund", channel="counter", person=person_chaoyang,
                                   applicant_kind="person", applied_on=APPLIED, details=content)
    return case, paid_due, nov, unpaid


def test_the_content_names_each_due_by_month_insurance_and_amount(refund):
    case, dec, *_ = refund
    shown = dict(details_display("refund", case.details))
    assert shown["所退费款"] == DEC.format(dec.pk)
    # a number with no due stays as typed, said as a number
    assert dict(details_display("refund", {"dues": [dec.pk, 999999]}))["所退费款"] == f"{DEC.format(dec.pk)}；编号999999"


def test_the_staff_page_shows_the_due_and_the_correction_offers_the_refundable_dues_to_tick(
        client, clerk_chaoyang, reviewer_chaoyang, refund):
    case, dec, nov, unpaid = refund
    client.force_login(clerk_chaoyang)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert DEC.format(dec.pk) in page and not re.search(r"所退费款</dt>\s*<dd>\d+</dd>", page)
    form = page.split('id="correct"')[1].split("</form>")[0]
    assert not re.search(r'<input type="text" name="dues"', form)  # no number typed by hand
    boxes = dict(re.findall(r'<input type="checkbox" name="dues" value="(\d+)" (checked)?', form))
    assert set(boxes) == {str(dec.pk), str(nov.pk)} and boxes[str(dec.pk)] == "checked" and not boxes[str(nov.pk)]
    assert str(unpaid.pk) not in boxes  # nothing paid: nothing to refund
    assert "2019-11 养老保险" in form
    # Ticking November instead corrects the content; the history row names the dues by what they are.
    data = details_prefill("refund", case.details).copy()
    data.setlist("dues", [str(nov.pk)])
    data.update({"amount_fen": "100.00", "version": str(case.version), "correct_reason": "申请人更正所退费款"})
    r = client.post(f"/office/cases/{case.pk}/correct/", data, HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()[-1500:]
    assert Case.objects.get(pk=case.pk).details["dues"] == [nov.pk]
    row = CaseTransition.objects.filter(case=case, action=services.CORRECT_EVENT).get()
    assert f"所退费款：{DEC.format(dec.pk)}→2019-11 养老保险 应缴800.00元（编号{nov.pk}）" in row.note


def test_a_due_named_but_no_longer_refundable_stays_listed_ticked(client, clerk_chaoyang, refund):
    """A due refunded meanwhile is still what the application names: listed, ticked, said why."""
    from shebao.collection.selectors import refund_dues_offered

    case, dec, nov, _ = refund
    offered = dict(refund_dues_offered(person=case.person, chosen=[dec.pk, 424242]))
    assert offered[str(dec.pk)].startswith(f"编号{dec.pk}：2019-12") and str(nov.pk) in offered
    assert offered["424242"] == "编号424242（已无可退金额或不属于本申请人）"
