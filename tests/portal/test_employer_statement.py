"""review-user12 F7: the employer portal had no statement, and its bill did not show the refunds. The bill
lists each approved refund with where its money stands, and the employer downloads its own statement
(the PDF the district prints, refunds included)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from shebao.collection.models import Refund
from tests.businesses.walk import complete, submit
from tests.collection.conftest import book_due
from tests.portal.conftest import sign_in_employer

pytestmark = pytest.mark.django_db


def test_the_bill_shows_the_refunds_and_the_statement_is_downloaded(
        client, settings, admin_chaoyang, employer_chaoyang, employer_haidian, person_chaoyang, clerk_chaoyang,
        reviewer_chaoyang):
    from shebao.registry.models import EmploymentSpell

    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    paid = book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    case = complete(submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=dt.date(2020, 3, 2),
                           details={"refund_kind": "overpayment", "amount_fen": 30_000, "dues": [paid.pk],
                                    "payee_name": "张三", "bank_name": "中国工商银行北京朝阳支行",
                                    "bank_account": "6222020000001234567"}), clerk_chaoyang, reviewer_chaoyang)
    refund = Refund.objects.get(case=case)
    sign_in_employer(client, settings, admin_chaoyang)
    bill = client.get("/portal/employer/account/").content.decode()
    refunds = bill.split('id="refunds"', 1)[1].split("</ul>", 1)[0]
    assert "300.00元" in refunds and "已核准，待退款" in refunds and "个人申请" in refunds
    # the person's own refund is not the employer's to open: no number, no link (review-user13 (5))
    assert f"退费申请编号{case.pk}" not in refunds and f"/portal/employer/cases/{case.pk}/" not in refunds
    assert f"2019-12（编号{paid.pk}）300.00元" in re.sub(r"<[^>]+>", "", refunds)
    assert 'href="/portal/employer/account/statement.pdf"' in bill
    pdf = client.get("/portal/employer/account/statement.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace("\n", "")
    assert employer_chaoyang.name in text and "三、退费" in text and "已核准，待退款" in text and "个人申请" in text
    assert refund.amount_fen == 30_000
    # another employer's statement has none of it
    other = employer_haidian
    assert other.name not in text


def test_the_bill_links_the_employers_own_refund_and_names_no_case_it_cannot_open(
        client, settings, admin_chaoyang, employer_chaoyang, person_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    """review-user13 (5): the bill named a person's own refund of the employer's due by its number, and that
    number answered 404 on the employer's portal. Its own refund is a link that opens; the person's says
    个人申请, in the bill and in the statement PDF; every case link on the bill opens."""
    import re

    from shebao.registry.models import EmploymentSpell

    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    first = book_due(employer_chaoyang, "2019-11", 100_000, paid_on=dt.date(2019, 12, 10))
    second = book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    bank = {"refund_kind": "overpayment", "amount_fen": 20_000, "payee_name": "张三",
            "bank_name": "中国工商银行北京朝阳支行", "bank_account": "6222020000001234567"}
    persons = complete(submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=dt.date(2020, 3, 2),
                              details={**bank, "dues": [first.pk]}), clerk_chaoyang, reviewer_chaoyang)
    own = complete(submit(clerk_chaoyang, "refund", employer=employer_chaoyang, person=person_chaoyang,
                          applicant_kind="employer", applied_on=dt.date(2020, 3, 2),
                          details={**bank, "payee_name": employer_chaoyang.name, "dues": [second.pk]}),
                   clerk_chaoyang, reviewer_chaoyang)
    assert (persons.applicant_kind, own.applicant_kind) == ("person", "employer")
    sign_in_employer(client, settings, admin_chaoyang)
    bill = client.get("/portal/employer/account/").content.decode()
    refunds = bill.split('id="refunds"', 1)[1].split("</ul>", 1)[0]
    assert f'href="/portal/employer/cases/{own.pk}/"' in refunds and "个人申请" in refunds
    line = next(li for li in refunds.split("<li")[1:] if "个人申请" in li)
    assert "<a " not in line and f"编号{persons.pk} " not in line and f"编号{persons.pk}<" not in line
    assert f"退费申请编号{persons.pk}" not in refunds
    for pk in re.findall(r'href="/portal/employer/cases/(\d+)/"', bill):
        assert client.get(f"/portal/employer/cases/{pk}/").status_code == 200, pk
    assert client.get(f"/portal/employer/cases/{persons.pk}/").status_code == 404  # why it is not named
    pdf = client.get("/portal/employer/account/statement.pdf").content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    section = text.split("三、退费", 1)[1]
    assert "个人申请" in section and str(own.pk) in section
    # ux14 finding 7: the column holds both kinds of row, so its head names neither a number nor one kind
    assert "退费申请" in section and "申请编号" not in section
    assert f"本单位申请（编号{own.pk}）" in section
