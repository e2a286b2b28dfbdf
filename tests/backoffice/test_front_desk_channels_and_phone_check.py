"""The front desk as a clerk meets it: no red errors before anything was typed, the channel and
date an application was received by (0.4, 1.4, 2.2), the number to dial for a refund's phone check
(1.2c) and a refund the insured person denied, which goes no further."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.cases import services as case_services
from shebao.cases.models import Case, CaseTransition, OutboxMessage, PhoneCheck
from shebao.cases.workflows import GuardFailed
from shebao.core.errors import DomainError
from shebao.core.models import AuditEvent, PersonalDataAccess
from tests.businesses.desk import refund_fields

pytestmark = pytest.mark.django_db

FRONT_DESK = "backoffice:front_desk"


def written() -> tuple[int, int, int, int, int]:
    """Everything a case action may write: cases, transitions, phone checks, audit rows, outbox."""
    return (Case.objects.count(), CaseTransition.objects.count(), PhoneCheck.objects.count(),
            AuditEvent.objects.count(), OutboxMessage.objects.count())


# --- Errors only once there is something to be wrong -------------------------------------------------
@pytest.mark.parametrize("business, kind", [
    ("refund", "person"), ("refund", "employer"), ("individual_back_payment", "employer"),
    ("person_change", "person"), ("monthly_report_back_payment", "employer"),
])
def test_choosing_a_business_shows_its_fields_without_errors(client, clerk_chaoyang, business, kind):
    client.force_login(clerk_chaoyang)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        html = client.get(reverse(FRONT_DESK), {"business": business, "applicant_kind": kind}, **headers)
        html = html.content.decode()
        assert "请填写" not in html and "请选择退费类型" not in html and 'class="bad"' not in html


def test_pressing_a_button_with_empty_fields_shows_each_error(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.post(reverse(FRONT_DESK), {"business": "refund", "applicant_kind": "person", "do": "preview"})
    html = r.content.decode()
    assert "请填写参保人员的证件号码" in html and "请选择退费类型" in html
    assert not Case.objects.exists()


def test_a_typed_number_that_is_not_in_the_district_is_shown_at_once(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    # The desk re-renders by POST (hx-post, refresh=1): an ID number never goes into an address.
    html = client.post(reverse(FRONT_DESK), {"business": "refund", "applicant_kind": "person", "refresh": "1",
                                             "id_number": "110105197505010019"}).content.decode()
    assert "本区没有该证件号码的参保人员" in html and "请选择退费类型" not in html


def test_an_empty_sign_in_says_what_is_missing_in_chinese(client, clerk_chaoyang):
    html = client.post(reverse("web:login"), {"username": "", "password": ""}).content.decode()
    assert "请填写用户名" in html and "请填写密码" in html
    html = client.post(reverse("web:login"), {"username": "clerk_cy", "password": ""}).content.decode()
    assert "请填写密码" in html and "请填写用户名" not in html
    assert "This field" not in html and "_auth_user_id" not in client.session


# --- The channel and the date received ----------------------------------------------------------
@pytest.mark.parametrize("channel", ["fax", "email", "post", "counter"])
def test_an_application_is_registered_with_the_channel_and_date_it_came_by(client, clerk_chaoyang, person_chaoyang,
                                                                            channel):
    client.force_login(clerk_chaoyang)
    received = dt.date(2020, 2, 10)
    r = client.post(reverse(FRONT_DESK), {
        "business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
        "refund_kind": "overpayment", **refund_fields(person_chaoyang), "channel": channel,
        "received_on": received.isoformat(),
        "token": f"t-{channel}", "do": "save"})
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    assert (case.channel, case.applied_on) == (channel, received)
    submit = CaseTransition.objects.get(case=case, action="submit")
    assert case.get_channel_display() in submit.note
    html = client.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    assert case.get_channel_display() in html and "2020-02-10" in html


def test_the_channel_defaults_to_the_counter_and_the_date_to_today(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    html = client.get(reverse(FRONT_DESK), {"business": "refund"}).content.decode()
    for label in ("传真", "电子邮件", "邮寄", "窗口"):
        assert label in html
    r = client.post(reverse(FRONT_DESK), {
        "business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
        "refund_kind": "overpayment", **refund_fields(person_chaoyang), "token": "t-default", "do": "save"})
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.channel == "counter" and case.applied_on <= dt.date.today() + dt.timedelta(days=1)


@pytest.mark.parametrize("field, value, message", [
    ("channel", "pigeon", "请选择收件渠道"),
    ("channel", "online", "请选择收件渠道"),
    # said as every staff page says a day that is none (core.inputs.read_date; it was 收件日期应为有效日期)
    ("received_on", "2020-02-30", "收件日期“2020-02-30”不存在：2020年2月只有29天"),
    ("received_on", "1989-12-31", "收件日期“1989-12-31”早于1990-01-01，不是有效的日期，请核对"),
    ("received_on", "2020/02/20", "收件日期“2020/02/20”格式错误，应为年-月-日，如2020-02-20"),
    ("received_on", (dt.date.today() + dt.timedelta(days=400)).isoformat(), "收件日期不能晚于今天"),
])
def test_a_wrong_channel_or_date_is_refused_and_nothing_is_written(client, clerk_chaoyang, person_chaoyang,
                                                                   field, value, message):
    client.force_login(clerk_chaoyang)
    fields = refund_fields(person_chaoyang)
    before = written()
    data = {"business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
            "refund_kind": "overpayment", **fields, "token": "t-bad", "do": "save", field: value}
    r = client.post(reverse(FRONT_DESK), data)
    assert r.status_code == 400 and message in r.content.decode()  # a refused save answers 400
    assert written() == before


def test_a_channel_the_business_does_not_take_is_refused_with_a_chinese_reason(client, clerk_chaoyang,
                                                                               employer_chaoyang):
    client.force_login(clerk_chaoyang)
    # retirement_declaration is applied for online only (catalog): not by fax.
    before = written()
    r = client.post(reverse(FRONT_DESK), {
        "business": "retirement_declaration", "applicant_kind": "employer",
        "credit_code": employer_chaoyang.credit_code, "channel": "fax", "token": "t-fax", "do": "save"})
    html = r.content.decode()
    assert r.status_code == 400 and "不能通过“传真”申请" in html
    assert written() == before


# --- The phone check: whom to call ----------------------------------------------------------------
def test_an_employers_refund_names_the_insured_person(client, clerk_chaoyang, employer_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    html = client.get(reverse(FRONT_DESK), {"business": "refund", "applicant_kind": "employer"}).content.decode()
    assert 'id="credit_code"' in html and 'id="id_number"' in html
    fields = refund_fields(person_chaoyang)
    before = written()
    r = client.post(reverse(FRONT_DESK), {
        "business": "refund", "applicant_kind": "employer", "credit_code": employer_chaoyang.credit_code,
        "refund_kind": "overpayment", **fields, "token": "t-e0", "do": "save"})
    assert r.status_code == 400 and "请填写参保人员的证件号码" in r.content.decode()
    assert written() == before
    # The service refuses it too, whatever the page does.
    with pytest.raises(DomainError) as e:
        case_services.case_submit(actor=clerk_chaoyang, business="refund", channel="post",
                                  employer=employer_chaoyang, applicant_kind="employer",
                                  facts={"refund_kind": "overpayment"})
    assert e.value.status == 400 and e.value.field == "person" and "电话核实" in e.value.zh
    assert written() == before


def employer_refund(client, clerk, employer, person) -> Case:
    client.force_login(clerk)
    r = client.post(reverse(FRONT_DESK), {
        "business": "refund", "applicant_kind": "employer", "credit_code": employer.credit_code,
        "id_number": person.id_number, "refund_kind": "overpayment", **refund_fields(person), "channel": "post",
        "token": "t-e1",
        "do": "save"})
    assert r.status_code == 302, r.content.decode()[:2000]
    return Case.objects.get()


def test_the_phone_check_shows_the_persons_number_masked_also_when_the_employer_applies(
        client, clerk_chaoyang, employer_chaoyang, person_chaoyang):
    case = employer_refund(client, clerk_chaoyang, employer_chaoyang, person_chaoyang)
    assert case.applicant_kind == "employer" and case.person_id == person_chaoyang.pk
    html = client.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    dial = html[html.index('id="dial"'):html.index("</form>", html.index('id="dial"'))]
    assert person_chaoyang.phone_masked in dial and "张三" in dial
    assert person_chaoyang.phone not in html
    # Revealing the number is the registry's recorded reveal.
    action = reverse("web:person_reveal", args=[person_chaoyang.pk, "phone"])
    assert action in dial
    r = client.post(action, {"reason": "退费电话核实"}, HTTP_HX_REQUEST="true")
    assert person_chaoyang.phone in r.content.decode()
    # Three rows: the front desk's look-up of the person when the case was entered, the case page's
    # read of the person (core.reads), then the reveal with its reason.
    desk_read, page_read, access = PersonalDataAccess.objects.order_by("pk")
    assert desk_read.object_pk == page_read.object_pk == str(person_chaoyang.pk)
    assert desk_read.field.startswith("前台受理查询（退费")
    assert (page_read.field, page_read.reason) == (f"申请#{case.pk}", "")
    assert (access.field, access.object_pk, access.reason) == ("phone", str(person_chaoyang.pk), "退费电话核实")


def test_the_phone_check_dials_the_registered_number_unless_another_is_given(
        client, clerk_chaoyang, employer_chaoyang, person_chaoyang):
    case = employer_refund(client, clerk_chaoyang, employer_chaoyang, person_chaoyang)
    r = client.post(reverse("backoffice:case_phone_check", args=[case.pk]), {"outcome": "not_reached"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    r = client.post(reverse("backoffice:case_phone_check", args=[case.pk]),
                    {"outcome": "confirmed", "phone": "13900001111"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert list(PhoneCheck.objects.order_by("pk").values_list("phone", flat=True)) == [
        person_chaoyang.phone, "13900001111"]


# --- A refund the insured person denied -------------------------------------------------------------
def refund_with_letter(client, clerk, person) -> Case:
    client.force_login(clerk)
    r = client.post(reverse(FRONT_DESK), {
        "business": "refund", "applicant_kind": "person", "id_number": person.id_number,
        "refund_kind": "base_difference", **refund_fields(person), "token": "t-d", "do": "save"})
    assert r.status_code == 302
    case = Case.objects.get()
    case_services.commitment_letter_capture(case=case, actor=clerk, text="承诺属实", signer="张三")
    case.refresh_from_db()
    return case


def test_a_refund_the_person_denied_cannot_be_accepted_and_nothing_is_written(client, clerk_chaoyang,
                                                                              person_chaoyang):
    case = refund_with_letter(client, clerk_chaoyang, person_chaoyang)
    case_services.phone_check_record(case=case, actor=clerk_chaoyang, outcome="denied", note="本人称未申请")
    case.refresh_from_db()
    html = client.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    assert "参保人本人已否认" in html
    assert "/act/accept/" not in html and "/act/reject/" in html  # only rejection is offered
    before, version = written(), case.version
    # Through the page ...
    r = client.post(reverse("backoffice:case_act", args=[case.pk, "accept"]), {"version": version},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 422 and "本人否认" in r.content.decode()
    # ... and through the service itself.
    with pytest.raises(GuardFailed) as e:
        case_services.case_accept(case=case, actor=clerk_chaoyang, expected_version=version)
    assert e.value.field == "phone_check"
    case.refresh_from_db()
    assert (case.status, case.version) == ("submitted", version)
    assert written() == before
    # It can still be rejected, with a reason.
    case_services.case_reject(case=case, actor=clerk_chaoyang, reason="参保人本人否认申请")
    case.refresh_from_db()
    assert case.status == "rejected"


def test_a_denial_stops_the_approval_even_after_a_later_confirmation(client, clerk_chaoyang, reviewer_chaoyang,
                                                                      person_chaoyang):
    case = refund_with_letter(client, clerk_chaoyang, person_chaoyang)
    case_services.case_accept(case=case, actor=clerk_chaoyang)
    case_services.phone_check_record(case=case, actor=clerk_chaoyang, outcome="denied")
    case_services.phone_check_record(case=case, actor=clerk_chaoyang, outcome="confirmed")
    case.refresh_from_db()
    before = written()
    with pytest.raises(GuardFailed) as e:
        case_services.case_approve(case=case, actor=reviewer_chaoyang, expected_version=case.version)
    assert "本人否认" in e.value.zh
    case.refresh_from_db()
    assert case.status == "in_review" and written() == before


def test_a_confirmed_refund_still_goes_through(client, clerk_chaoyang, reviewer_chaoyang, person_chaoyang):
    case = refund_with_letter(client, clerk_chaoyang, person_chaoyang)
    case_services.phone_check_record(case=case, actor=clerk_chaoyang, outcome="not_reached")
    case_services.case_accept(case=case, actor=clerk_chaoyang)
    case_services.phone_check_record(case=case, actor=clerk_chaoyang, outcome="confirmed")
    case_services.case_approve(case=case, actor=reviewer_chaoyang)
    case.refresh_from_db()
    assert case.status == "completed"


def test_a_checked_form_with_a_day_that_is_none_answers_400(client, clerk_chaoyang, person_chaoyang):
    """Bad-input review 16, 6: a checked (not saved) form with received_on=2020-02-30 answered 200."""
    client.force_login(clerk_chaoyang)
    data = {"business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
            "refund_kind": "overpayment", **refund_fields(person_chaoyang), "token": "t-check",
            "received_on": "2020-02-30"}
    r = client.post(reverse(FRONT_DESK), data)
    assert r.status_code == 400 and "收件日期“2020-02-30”不存在" in r.content.decode()
