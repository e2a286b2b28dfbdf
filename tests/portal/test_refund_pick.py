"""The employer's online refund (1.2c) offers its own paid dues to tick, with the numbers its bill
shows; a due of another employer or one not paid is refused at the field and nothing is written
(review user3 U4)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shebao.cases.models import Case
from shebao.registry.models import EmploymentSpell
from tests.collection.conftest import book_due
from tests.nothing_written import nothing_written
from tests.portal.conftest import sign_in_employer

pytestmark = pytest.mark.django_db
NEW = "/portal/employer/cases/new/"


@pytest.fixture
def signed_in(client, settings, admin_chaoyang, employer_chaoyang, person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    sign_in_employer(client, settings, admin_chaoyang)
    return client


def _refund(person, dues, amount="300.00", token="r1"):
    return {"business": "refund", "id_number": person.id_number, "refund_kind": "overpayment",
            "amount_fen": amount, "dues": dues, "payee_name": "北京朝阳测试科技有限公司",
            "bank_name": "中国工商银行北京朝阳支行", "bank_account": "6222020000001234567", "token": token}


def test_the_refund_form_lists_the_employer_s_paid_dues_with_the_numbers_of_its_bill(
        signed_in, employer_chaoyang, employer_haidian):
    paid = book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    unpaid = book_due(employer_chaoyang, "2020-01", 50_000)
    other = book_due(employer_haidian, "2019-12", 70_000, paid_on=dt.date(2020, 1, 15))
    form = signed_in.get(NEW, {"business": "refund"}).content.decode()
    boxes = set(re.findall(r'type="checkbox" name="dues" value="(\d+)"', form))
    assert boxes == {str(paid.pk)}  # neither the unpaid due nor another employer's
    assert f"编号{paid.pk}：2019-12" in form and "可退1,000.00元" in form
    bill = signed_in.get("/portal/employer/account/").content.decode()
    assert f"编号{paid.pk}" in bill and f"编号{unpaid.pk}" in bill and f"编号{other.pk}" not in bill


def test_a_refund_is_submitted_by_ticking_a_paid_due(signed_in, employer_chaoyang, person_chaoyang):
    paid = book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    r = signed_in.post(NEW, _refund(person_chaoyang, [str(paid.pk)]))
    assert r.status_code == 302, r.content.decode()[:3000]
    case = Case.objects.get(business="refund")
    assert case.details["dues"] == [paid.pk] and case.details["amount_fen"] == 30_000
    assert case.person == person_chaoyang and case.employer == employer_chaoyang


@pytest.mark.parametrize("which", ["unpaid", "other_employer"])
def test_a_due_not_paid_or_not_the_employer_s_is_refused_at_the_field(signed_in, employer_chaoyang,
                                                                      employer_haidian, person_chaoyang, which):
    due = (book_due(employer_chaoyang, "2020-01", 50_000) if which == "unpaid"
           else book_due(employer_haidian, "2019-12", 70_000, paid_on=dt.date(2020, 1, 15)))
    with nothing_written():
        r = signed_in.post(NEW, _refund(person_chaoyang, [str(due.pk)], token=f"r-{which}"))
    html = r.content.decode()
    assert r.status_code == 400 and 'id="bf-dues-error"' in html
    reason = html.split('id="bf-dues-error"')[1][:300]
    assert ("没有已缴金额" in reason) if which == "unpaid" else ("不是北京朝阳测试科技有限公司的应缴费款" in reason)


def test_the_form_offers_what_relief_left_to_refund_and_refuses_more(signed_in, employer_chaoyang, person_chaoyang):
    """Review input8 F1: relief credited to the prepaid balance for a paid due is not refundable again."""
    from tests.businesses.test_refund_after_relief import _credit

    relieved_due = _credit(book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15)))
    client = signed_in
    form = client.get("/portal/employer/cases/new/", {"business": "refund"}).content.decode()
    assert f"编号{relieved_due.pk}：2019-12" in form
    assert "已缴1,000.00元，减免已退至预缴余额400.00元，可退600.00元" in form
    with nothing_written():
        r = client.post("/portal/employer/cases/new/", {
            "business": "refund", "id_number": person_chaoyang.id_number, "refund_kind": "overpayment",
            "amount_fen": "1000.00", "dues": [str(relieved_due.pk)], "payee_name": employer_chaoyang.name,
            "bank_name": "中国工商银行北京朝阳支行", "bank_account": "6222020000001234567", "token": "p-relief"})
    html = r.content.decode()
    assert r.status_code == 400 and "600.00元" in html and "不能多退" in html


def test_the_form_and_the_refusal_count_the_refunds_in_handling(signed_in, employer_chaoyang, person_chaoyang):
    """Issue 13: every road asks one room (`collection.refundable`): a refund of 700.00 in handling
    leaves 300.00 of a due paid 1000.00, on the form's list and at submission; nothing is written."""
    paid = book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    assert signed_in.post(NEW, _refund(person_chaoyang, [str(paid.pk)], amount="700.00", token="h1")).status_code == 302
    form = signed_in.get(NEW, {"business": "refund"}).content.decode()
    assert "已缴1,000.00元，可退300.00元" in form
    with nothing_written():
        r = signed_in.post(NEW, _refund(person_chaoyang, [str(paid.pk)], amount="300.01", token="h2"))
    reason = r.content.decode().split('id="bf-amount_fen-error"')[1][:400]
    assert r.status_code == 400 and "在办理中（合计700.00元）" in reason and "不能多退" in reason


def test_another_employer_s_due_is_answered_like_a_missing_one_and_tells_nothing_about_it(
        signed_in, employer_chaoyang, employer_haidian, person_chaoyang, clerk_chaoyang):
    """Review-input12 F1: a refund naming another employer's paid due was refused, but the refusal
    also told that due's paid, unrefunded amount (the amount check ran on it), and 不存在 versus
    没有参保关系 told which numbers exist. Now a due that is not the applicant's gets the answer of a
    number that does not exist, and nothing is read about it: on the portal and on the API (which
    names the person only, so the spell decides whose dues are theirs)."""
    from shebao.collection.models import Due
    from tests.businesses.test_refund import refund_details
    from tests.cases.conftest import client_for
    from tests.cases.conftest import submit as api_submit

    other = book_due(employer_haidian, "2019-12", 1_587_629, paid_on=dt.date(2020, 1, 15))
    missing = Due.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000

    def portal_reason(due_pk):
        with nothing_written():
            r = signed_in.post(NEW, _refund(person_chaoyang, [str(due_pk)], amount="90000.00", token=f"t{due_pk}"))
        html = r.content.decode()
        assert r.status_code == 400, html[:2000]
        return html.split('id="bf-dues-error"')[1].split("</p>")[0].replace(str(due_pk), "N"), html

    (theirs, page), (absent, _) = portal_reason(other.pk), portal_reason(missing)
    assert theirs == absent and "不是北京朝阳测试科技有限公司的应缴费款（或不存在）" in theirs
    assert "15876.29" not in page and "15,876.29" not in page and "已缴未退金额" not in page

    api = client_for(clerk_chaoyang)

    def api_answer(due_pk):
        with nothing_written():
            r = api_submit(api, business="refund", channel="counter", person=person_chaoyang.pk,
                           details=refund_details(other, amount_fen=9_000_000, dues=[due_pk]))
        assert r.status_code == 400, r.content
        return r.content.decode().replace(str(due_pk), "N")

    a, b = api_answer(other.pk), api_answer(missing)
    assert a == b and "15876.29" not in a and "没有参保关系" not in a and "已缴未退金额" not in a
