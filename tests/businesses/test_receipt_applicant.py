"""review-user13 (12): the acceptance receipt (受理回执) of an employer's application named only the insured
person: it names the employer and its unified social credit code (in full, as the employer's account page
and statement print it), then the person it concerns; a person's own application names the person."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from pypdf import PdfReader

from tests.businesses.test_refund import refund_details
from tests.businesses.walk import submit
from tests.visible_text import bracket_problems


def _receipt(client, case) -> list[str]:
    r = client.get(reverse("backoffice:case_receipt", args=[case.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages).splitlines()


def test_an_employers_receipt_names_the_employer_and_its_credit_code(client, clerk_chaoyang, employed,
                                                                     employer_chaoyang, person_chaoyang):
    details = {"period": {"from": "2019-11", "to": "2019-12"},
               "bases": [{"month": "2019-11", "base_fen": 800_000}, {"month": "2019-12", "base_fen": 800_000}]}
    case = submit(clerk_chaoyang, "individual_back_payment", employer=employer_chaoyang, person=person_chaoyang,
                  applicant_kind="employer", applied_on=dt.date(2020, 2, 10), details=details)
    client.force_login(clerk_chaoyang)
    lines = _receipt(client, case)
    assert f"申请单位：{employer_chaoyang.name}" in lines, lines
    assert f"统一社会信用代码：{employer_chaoyang.credit_code}" in lines, lines
    assert f"参保人员：{person_chaoyang.name}（证件号码{person_chaoyang.id_number_masked}）" in lines, lines
    assert f"申请编号：{case.pk}" in lines and "受理日期：2020-02-10" in lines, lines
    assert person_chaoyang.id_number not in "".join(lines) and not bracket_problems("\n".join(lines))


def test_a_persons_receipt_names_the_person(client, clerk_chaoyang, person_chaoyang, paid_due):
    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=dt.date(2020, 3, 2),
                  details=refund_details(paid_due))
    client.force_login(clerk_chaoyang)
    lines = _receipt(client, case)
    assert f"申请人：{person_chaoyang.name}（证件号码{person_chaoyang.id_number_masked}）" in lines, lines
    assert not any(ln.startswith("申请单位") for ln in lines), lines


def test_a_refunds_receipt_says_the_amount_the_time_limit_and_the_call(client, clerk_chaoyang, person_chaoyang,
                                                                        paid_due):
    """review-user14 (13): a walk-in asks how much, by when and what happens next: the refund's receipt had
    no amount, no 办理时限 and no word of the verification call; the case page offered two receipt links."""
    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=dt.date(2020, 3, 2),
                  details=refund_details(paid_due))
    assert case.deadline and "phone_verification" in case.requires
    client.force_login(clerk_chaoyang)
    lines = _receipt(client, case)
    assert "申请退费金额：300.00元" in lines, lines
    assert f"办理时限：{case.deadline:%Y-%m-%d}前办结" in lines, lines
    assert any(ln.startswith("电话核实：经办机构将致电申请人核实本人申请") for ln in lines), lines
    page = client.get(reverse("backoffice:case_detail", args=[case.pk]) + "?registered=1").content.decode()
    assert page.count(reverse("backoffice:case_receipt", args=[case.pk])) == 1
