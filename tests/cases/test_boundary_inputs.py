"""What people type reaches the API and the front desk in every layout (issue 12, class 1): a phone
written in groups or with +86, a full-width ID number, a lower-case credit code, a month as 2020年1月."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.cases.models import Case
from shebao.core.normalize import normalize_month
from tests.businesses.desk import refund_fields
from tests.cases.conftest import submit

FULL_WIDTH = str.maketrans("0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ")


@pytest.mark.parametrize("phone", ["+86 138 0013 8000", "138-0013-8000", "１３８００１３８０００", " 13800138000 "])
def test_the_api_stores_a_contact_phone_in_any_layout_as_eleven_digits(cy, employer_chaoyang, phone):
    r = submit(cy, business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk,
               applied_on="2020-02-10", contact_phone=phone)
    assert r.status_code == 201, r.content.decode()
    assert Case.objects.get().contact_phone == "13800138000"
    assert r.json()["contact_phone"] == "138****8000"


def test_a_phone_that_is_no_mobile_number_is_still_refused(cy, employer_chaoyang):
    r = submit(cy, business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk,
               applied_on="2020-02-10", contact_phone="010-6512-3456")
    assert r.status_code == 400 and not Case.objects.exists()


def test_the_front_desk_finds_a_person_by_a_full_width_id_number(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    typed = " ".join([person_chaoyang.id_number[:6], person_chaoyang.id_number[6:14], person_chaoyang.id_number[14:]])
    r = client.post(reverse("backoffice:front_desk"), {
        "business": "refund", "applicant_kind": "person", "id_number": typed.translate(FULL_WIDTH).lower(),
        "refund_kind": "base_difference", **refund_fields(person_chaoyang), "token": "t-fw", "do": "save", "contact_phone": "+86 138 1234 5678"})
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    assert (case.person, case.contact_phone) == (person_chaoyang, "13812345678")


def test_the_front_desk_finds_an_employer_by_a_lower_case_credit_code(client, clerk_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:front_desk"), {
        "business": "monthly_report_back_payment", "applicant_kind": "employer",
        "credit_code": employer_chaoyang.credit_code.lower(), "token": "t-lc", "do": "preview"})
    html = r.content.decode()
    assert "本区没有该统一社会信用代码" not in html and employer_chaoyang.name in html


@pytest.mark.parametrize(("typed", "month"), [("2020-01", "2020-01"), ("2020-1", "2020-01"), ("2020/01", "2020-01"),
                                              ("2020.1", "2020-01"), ("2020年1月", "2020-01"), ("２０２０－１２", "2020-12"),
                                              (" 2020 年 3 月 ", "2020-03")])
def test_months_in_every_layout_read_as_yyyy_mm(typed, month):
    assert normalize_month(typed) == month


@pytest.mark.parametrize("typed", ["2020-13", "2020-00", "20-01", "一月"])
def test_impossible_months_are_left_for_the_strict_parser_to_refuse(typed):
    from shebao.rules.dates import InputError, month_index

    with pytest.raises(InputError):
        month_index(normalize_month(typed))
