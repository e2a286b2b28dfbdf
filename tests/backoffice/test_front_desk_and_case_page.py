"""The back office through its pages: a walk-in refund from the front desk to approval."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.cases.models import Case, CaseTransition, PhoneCheck
from tests.businesses.desk import refund_fields
from tests.nothing_written import nothing_written


@pytest.fixture
def refund_case(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    data = {"business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
            "refund_kind": "base_difference", **refund_fields(person_chaoyang), "token": "t-1", "do": "save"}
    r = client.post(reverse("backoffice:front_desk"), data)
    assert r.status_code == 302, r.content.decode()[:3000]
    return Case.objects.get()


def test_the_front_desk_asks_only_what_the_business_needs(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    html = client.get(reverse("backoffice:front_desk"), {"business": "refund"}).content.decode()
    assert "退费类型" in html and "补缴期间" not in html
    html = client.get(reverse("backoffice:front_desk"), {"business": "individual_back_payment"}).content.decode()
    assert "补缴期间" in html and "退费类型" not in html and "统一社会信用代码" in html


def test_the_front_desk_shows_the_decision_before_saving(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:front_desk"), {
        "business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
        "refund_kind": "base_difference", **refund_fields(person_chaoyang), "token": "t-0", "do": "preview"})
    html = r.content.decode()
    assert "承诺制办理" in html and "1.2c" in html and "确认登记" in html
    assert not Case.objects.exists()


def test_a_double_submitted_form_registers_one_application(client, clerk_chaoyang, person_chaoyang, refund_case):
    data = {"business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
            "refund_kind": "base_difference", **refund_fields(person_chaoyang), "token": "t-1", "do": "save"}
    r = client.post(reverse("backoffice:front_desk"), data)
    assert r.status_code == 302 and Case.objects.count() == 1
    assert refund_case.channel == "counter" and refund_case.office.code == "110105"


def test_the_receipt_is_a_pdf_with_the_case_number(client, refund_case):
    r = client.get(reverse("backoffice:case_receipt", args=[refund_case.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


def test_a_refund_cannot_be_approved_before_a_confirmed_phone_check(client, clerk_chaoyang, reviewer_chaoyang,
                                                                      refund_case):
    pk = refund_case.pk
    r = client.post(reverse("backoffice:case_letter", args=[pk]), {"text": "承诺属实", "signer": "张三"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "承诺书已录入" in r.content.decode()
    refund_case.refresh_from_db()
    r = client.post(reverse("backoffice:case_act", args=[pk, "accept"]), {"version": refund_case.version},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()[:500]
    refund_case.refresh_from_db()
    assert refund_case.status == "in_review"
    client.force_login(reviewer_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:case_act", args=[pk, "approve"]), {"version": refund_case.version},
                        HTTP_HX_REQUEST="true")
    assert r.status_code in (409, 422) and "电话" in r.content.decode()
    refund_case.refresh_from_db()
    assert refund_case.status == "in_review"
    # The clerk makes the call: the reviewer who approves money out did none of the case's earlier steps.
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:case_phone_check", args=[pk]), {"outcome": "confirmed", "note": "本人确认"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and PhoneCheck.objects.filter(case_id=pk, outcome="confirmed").exists()
    client.force_login(reviewer_chaoyang)
    r = client.post(reverse("backoffice:case_act", args=[pk, "approve"]), {"version": refund_case.version},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()[:800]
    refund_case.refresh_from_db()
    assert refund_case.status == "completed"
    # A second click with the old version is a clear conflict, not a second approval.
    with nothing_written():
        r = client.post(reverse("backoffice:case_act", args=[pk, "approve"]), {"version": refund_case.version - 1},
                        HTTP_HX_REQUEST="true")
    assert r.status_code == 409
    assert CaseTransition.objects.filter(case_id=pk, action="approve").count() == 1


def test_a_clerk_of_another_district_cannot_open_the_case(client, clerk_haidian, refund_case):
    client.force_login(clerk_haidian)
    with nothing_written():
        refused = client.get(reverse("backoffice:case_detail", args=[refund_case.pk]))
    assert refused.status_code == 404
    with nothing_written():
        refused = client.get(reverse("backoffice:case_receipt", args=[refund_case.pk]))
    assert refused.status_code == 404
    with nothing_written():
        r = client.post(reverse("backoffice:case_act", args=[refund_case.pk, "accept"]), {"version": 1})
    assert r.status_code == 404


def test_the_queue_puts_medical_staff_work_injury_first_and_marks_overdue(client, clerk_chaoyang, refund_case):
    Case.objects.filter(pk=refund_case.pk).update(deadline=dt.date.today() - dt.timedelta(days=1))
    other = Case.objects.get(pk=refund_case.pk)
    other.pk = None
    other.idempotency_key = None
    other.priority = 100
    other.deadline = dt.date.today() + dt.timedelta(days=30)
    other.save()
    html = client.get(reverse("backoffice:queue")).content.decode()
    assert html.index(f"#{other.pk}<") < html.index(f"#{refund_case.pk}<")
    assert "已超期" in html and "优先" in html
    html = client.get(reverse("backoffice:queue"), {"deadline": "overdue"}).content.decode()
    assert f"#{refund_case.pk}<" in html and f"#{other.pk}<" not in html


def test_a_period_that_is_not_a_back_payment_gets_a_clear_chinese_error(client, clerk_chaoyang, employer_chaoyang,
                                                                        person_chaoyang):
    client.force_login(clerk_chaoyang)
    next_month = (dt.date.today().replace(day=1) + dt.timedelta(days=40)).strftime("%Y-%m")
    with nothing_written(shown=person_chaoyang):
        r = client.post(reverse("backoffice:front_desk"), {
            "business": "individual_back_payment", "applicant_kind": "employer",
            "credit_code": employer_chaoyang.credit_code, "id_number": person_chaoyang.id_number,
            "period_from": "2019-01", "period_to": next_month, "token": "t-9", "do": "preview"})
    html = r.content.decode()
    # A month after this one is refused first as a future month (issue 13 review: plausible months).
    # a typed value refused answers 400 on a preview too, as every page (bad-input review 16, 6)
    assert r.status_code == 400 and "晚于本月" in html and "不能申报未来的月份" in html
    assert not Case.objects.exists()


def test_queue_counts_stop_at_the_cap_and_are_exact_below_it(client, clerk_chaoyang, refund_case, monkeypatch):
    from shebao.backoffice import selectors

    for _ in range(4):
        copy = Case.objects.get(pk=refund_case.pk)
        copy.pk, copy.idempotency_key = None, None
        copy.save()
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    html = client.get(reverse("backoffice:queue")).content.decode()
    assert "已提交待受理 3+</span>" in html
    html = client.get(reverse("backoffice:queue"), {"mode": "commitment"}).content.decode()
    assert "全部 3+" in html
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    html = client.get(reverse("backoffice:queue"), {"mode": "commitment"}).content.decode()
    assert "已提交待受理 5</span>" in html


def test_the_form_re_renders_by_post_so_an_id_number_never_goes_into_a_url(client, clerk_chaoyang, person_chaoyang):
    """Choosing a business or an applicant re-renders the form with what is typed (an ID number): by a
    POST marked "refresh", which neither shows errors nor saves (issue 16 §4)."""
    client.force_login(clerk_chaoyang)
    html = client.get(reverse("backoffice:front_desk"), {"business": "refund"}).content.decode()
    assert "hx-get" not in html and "hx-post" in html and '"refresh": "1"' in html
    with nothing_written(shown=person_chaoyang):
        r = client.post(reverse("backoffice:front_desk"), {"business": "refund", "applicant_kind": "person",
                                                           "id_number": person_chaoyang.id_number, "refresh": "1",
                                                           "do": "save", "token": "t-2"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "退费类型" in r.content.decode() and 'role="alert"' not in r.content.decode()
