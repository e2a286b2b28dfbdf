"""What the portal's pages say is shaped for reading (review-user13 (20), (21)):

- (20) no bracket inside a bracket (the late fee read “滞纳金…元（未缴，已定额（费款已缴清））”; a relief's
  citation put the clause's own brackets inside its own): a value that may hold brackets is put in
  brackets by rules.brackets.bracketed;
- (21) no heading with nothing under it (a case with no documents, and none to upload, showed 材料 over an
  empty part).

The employer's and the insured person's pages, with a late fee fixed and one accruing, a relief and a
deferral on the books, a refund, and cases open and completed with and without documents; the staff's
case and account pages for the same; tests/visible_text.py's `bracket_problems` and `empty_headings`.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from shebao.registry.models import EmploymentSpell
from tests.businesses.walk import complete, submit
from tests.collection.conftest import book_due
from tests.portal.conftest import identity_checked, sign_in_employer, sign_in_person
from tests.visible_text import bracket_problems, empty_headings

pytestmark = pytest.mark.django_db


def _problems(name: str, html: str) -> list[str]:
    return [f"{name}: {p}" for p in bracket_problems(html)] + [f"{name}: 标题下没有内容 {h!r}" for h in
                                                             empty_headings(html)]


@pytest.fixture
def books(settings, admin_chaoyang, insured, clerk_chaoyang, reviewer_chaoyang):
    settings.SHEBAO_TODAY = "2020-06-30"
    employer = admin_chaoyang.employer
    EmploymentSpell.objects.create(person=insured, employer=employer, from_month="2015-01")
    book_due(employer, "2019-09", 500_000, paid_on=dt.date(2019, 12, 20))  # paid late: a fixed late fee
    paid = book_due(employer, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    book_due(employer, "2019-10", 300_000)  # open (booked after the payments): a late fee accruing
    refund = complete(submit(clerk_chaoyang, "refund", person=insured, applied_on=dt.date(2020, 3, 2),
                             details={"refund_kind": "overpayment", "amount_fen": 30_000, "dues": [paid.pk],
                                      "payee_name": insured.name, "bank_name": "中国工商银行北京朝阳支行",
                                      "bank_account": "6222020000001234567"}), clerk_chaoyang, reviewer_chaoyang)
    details = {"period": {"from": "2019-11", "to": "2019-12"},
               "bases": [{"month": "2019-11", "base_fen": 800_000}, {"month": "2019-12", "base_fen": 800_000}]}
    done = complete(submit(clerk_chaoyang, "individual_back_payment", employer=employer, person=insured,
                           applicant_kind="employer", applied_on=dt.date(2020, 2, 10), details=details),
                    clerk_chaoyang, reviewer_chaoyang)
    return {"employer": employer, "refund": refund, "employer_case": done}


def test_a_completed_case_without_documents_has_no_documents_heading(client, settings, books, admin_chaoyang,
                                                                      insured):
    case = books["employer_case"]
    assert not case.documents.exists() and not case.owed_documents.exists() and case.status == "completed"
    sign_in_employer(client, settings, admin_chaoyang)
    page = client.get(reverse("portal:employer_case", args=[case.pk])).content.decode()
    assert 'id="documents"' not in page and not empty_headings(page), empty_headings(page)
    client.logout()
    sign_in_person(client, settings, insured)
    refund = books["refund"]
    page = client.get(reverse("portal:person_case", args=[refund.pk])).content.decode()
    assert 'id="documents"' not in page and not empty_headings(page), empty_headings(page)


def test_the_portals_pages_have_no_bracket_in_a_bracket_and_no_empty_heading(
        client, settings, books, admin_chaoyang, insured, clerk_chaoyang):
    problems = []
    sign_in_employer(client, settings, admin_chaoyang)
    for name in ("employer_home", "employer_cases", "employer_account", "employer_declarations",
                 "employer_messages", "employer_case_new"):
        problems += _problems(name, client.get(reverse(f"portal:{name}")).content.decode())
    for case in (books["employer_case"],):
        problems += _problems(f"employer_case {case.pk}",
                              client.get(reverse("portal:employer_case", args=[case.pk])).content.decode())
    pdf = client.get(reverse("portal:employer_account_statement")).content
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "滞纳金" in text
    problems += [f"statement.pdf: {p}" for p in bracket_problems(text)]
    client.logout()

    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    for name in ("person_home", "person_cases", "person_rights", "person_pension", "person_messages",
                 "person_card_apply", "person_transfer", "person_resident_pension"):
        problems += _problems(name, client.get(reverse(f"portal:{name}")).content.decode())
    problems += _problems("person_case", client.get(
        reverse("portal:person_case", args=[books["refund"].pk])).content.decode())
    client.logout()

    client.force_login(clerk_chaoyang)
    for url in (reverse("backoffice:case_detail", args=[books["refund"].pk]),
                reverse("backoffice:case_detail", args=[books["employer_case"].pk]),
                reverse("collection:employer_account", args=[books["employer"].pk])):
        problems += _problems(url, client.get(url).content.decode())
    assert not problems, "\n".join(problems)
