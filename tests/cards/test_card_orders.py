"""Card replacement (5.1): the order made on completion, its progress with the EMS number, the
certificate (领卡证明) PDF and its public check; every refusal names the field in Chinese and writes
nothing."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from shebao.cards import selectors, services
from shebao.cards.models import CardOrder
from shebao.cases import services as cases
from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused, SystemActor
from tests import personas
from tests.cases.conftest import employ, valid_details
from tests.nothing_written import nothing_written

ADDRESS = {"reason": "lost", "recipient_name": "张三", "recipient_phone": "138 1234 5678",
           "postal_address": "北京市朝阳区朝阳门外大街1号院2单元301", "postal_code": "100020"}


def card_case(person, clerk, reviewer=None, **details):
    """A card replacement registered at the counter with its content and accepted; approved (and so
    completed, with its effect) when a reviewer is given."""
    case, _ = cases.case_submit(actor=clerk, business="card_replacement", channel="counter", person=person,
                                applicant_kind="person", applied_on=dt.date(2020, 2, 10),
                                details={**ADDRESS, **details})
    case = cases.case_accept(case=case, actor=clerk)
    return cases.case_approve(case=case, actor=reviewer) if reviewer is not None else case


@pytest.fixture
def completed(person_chaoyang, clerk_chaoyang):
    """Accepted, in review: the order is made by the tests themselves (the service, not the effect)."""
    return card_case(person_chaoyang, clerk_chaoyang)


@pytest.mark.django_db
def test_completing_a_card_replacement_makes_the_order_once(person_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    from shebao.cases.models import CaseEffect

    with override_settings(SHEBAO_TODAY=dt.date(2020, 2, 10)):
        case = card_case(person_chaoyang, clerk_chaoyang, reviewer_chaoyang)
    assert case.status == "completed"
    order = CardOrder.objects.get(case=case)
    assert (order.status, order.reason, order.postal_address, order.recipient_phone) == (
        "ordered", "lost", "北京市朝阳区朝阳门外大街1号院2单元301", "13812345678")
    assert order.certificate_issued_on == dt.date(2020, 2, 10) and order.certificate_valid
    effect = CaseEffect.objects.get(case=case)
    assert effect.effect == "card.replacement" and effect.result == {"card_order": order.pk}
    assert "已出具领卡证明" in effect.summary_zh and effect.actor == reviewer_chaoyang
    assert AuditEvent.objects.filter(model="cards.CardOrder", object_pk=str(order.pk), action="create").count() == 1
    # The case page shows the order and the certificate's link.
    from django.test import Client

    c = Client()
    c.force_login(clerk_chaoyang)
    page = c.get(f"/office/cases/{case.pk}/").content.decode()
    assert "补换卡订单（第5.1条）" in page and f"/office/cards/{order.pk}/certificate.pdf" in page


@pytest.mark.django_db
@pytest.mark.parametrize("field,value,message", [
    ("postal_address", "朝阳区", "请填写完整的邮寄地址"),
    ("recipient_phone", "12345678901", "手机"),
    ("reason", "stolen", "补换原因"),
])
def test_the_desks_submission_refuses_bad_postal_data_and_stores_nothing(person_chaoyang, clerk_chaoyang, field,
                                                                         value, message):
    from shebao.cases.services import DetailsRefused

    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        cases.case_submit(actor=clerk_chaoyang, business="card_replacement", channel="counter",
                          person=person_chaoyang, applicant_kind="person", applied_on=dt.date(2020, 2, 10),
                          details={**ADDRESS, field: value})
    assert any(e.field == f"details.{field}" and message in e.zh for e in refused.value.errors), refused.value.errors


@pytest.mark.django_db
def test_the_service_keeps_the_address_and_a_certificate_code_and_makes_one_order(completed, reviewer_chaoyang):
    with override_settings(SHEBAO_TODAY=dt.date(2020, 2, 10)):
        order = services.card_order_create(actor=reviewer_chaoyang, case=completed, **ADDRESS)
    order.refresh_from_db()
    assert order.status == CardOrder.Status.ORDERED and order.person_id == completed.person_id
    assert order.office_id == completed.office_id
    assert order.recipient_phone == "13812345678"  # normalised
    assert order.postal_address == "北京市朝阳区朝阳门外大街1号院2单元301" and order.postal_code == "100020"
    assert order.certificate_issued_on == dt.date(2020, 2, 10)
    assert len(order.certificate_code) == 12 and set(order.certificate_code) <= set(services.CODE_ALPHABET)
    assert order.certificate_valid
    event = AuditEvent.objects.get(model="cards.CardOrder", object_pk=str(order.pk))
    assert event.actor == reviewer_chaoyang and "领卡证明" in event.reason
    # Completing twice (a retry) makes no second order and no second audit row.
    again = services.card_order_create(actor=reviewer_chaoyang, case=completed, **{**ADDRESS, "reason": "damaged"})
    assert again.pk == order.pk and again.reason == "lost"
    assert CardOrder.objects.count() == 1
    assert AuditEvent.objects.filter(model="cards.CardOrder").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("field,value,message", [
    ("postal_address", "朝阳", "请填写完整的邮寄地址"),
    ("postal_address", "", "请填写完整的邮寄地址"),
    ("recipient_phone", "12345", "收件人电话应为11位大陆手机号码"),
    ("recipient_phone", "", "请填写收件人电话"),
    ("recipient_name", "  ", "请填写收件人姓名"),
    ("postal_code", "10002", "邮政编码应为6位数字"),
    ("reason", "stolen", "请选择补换卡原因"),
])
def test_bad_postal_data_is_refused_naming_the_field_and_nothing_is_written(completed, reviewer_chaoyang, field,
                                                                           value, message):
    with nothing_written(), pytest.raises(ValidationError) as refused:
        services.card_order_create(actor=reviewer_chaoyang, case=completed, **{**ADDRESS, field: value})
    assert message in refused.value.message_dict[field][0]


@pytest.mark.django_db
def test_another_districts_staff_and_the_leader_are_refused(completed, clerk_haidian, leader):
    for actor in (clerk_haidian, leader):
        with nothing_written(), pytest.raises(ActionRefused) as refused:
            services.card_order_create(actor=actor, case=completed, **ADDRESS)
        assert "补换卡订单" in refused.value.zh


@pytest.mark.django_db
def test_an_order_is_only_for_a_card_replacement(employer_chaoyang, person_chaoyang, clerk_chaoyang):
    employ(person_chaoyang, employer_chaoyang)  # whom the report's content declares
    case, _ = cases.case_submit(actor=clerk_chaoyang, business="monthly_report_back_payment", channel="counter",
                                employer=employer_chaoyang, applicant_kind="employer", applied_on=dt.date(2020, 2, 10),
                                details=valid_details("monthly_report_back_payment", employer=employer_chaoyang,
                                                      applied_on=dt.date(2020, 2, 10)))
    with nothing_written(), pytest.raises(ValidationError) as refused:
        services.card_order_create(actor=SystemActor("t", "测试"), case=case, **ADDRESS)
    assert "不是社会保障卡补换卡申请" in refused.value.message_dict["business"][0]


@pytest.mark.django_db
def test_the_card_moves_one_step_at_a_time_and_posting_needs_an_ems_number(completed, reviewer_chaoyang,
                                                                          clerk_chaoyang):
    order = services.card_order_create(actor=reviewer_chaoyang, case=completed, **ADDRESS)
    with override_settings(SHEBAO_TODAY=dt.date(2020, 2, 20)):
        # Skipping "made" is refused, and nothing changes.
        with pytest.raises(ValidationError) as skipped:
            services.card_order_advance(actor=clerk_chaoyang, order=order, status="posted",
                                        tracking_number="EA123456785CN")
        assert "下一步只能是“已制卡”" in skipped.value.message_dict["status"][0]
        order.refresh_from_db()
        assert order.status == "ordered" and order.version == 1
        order = services.card_order_advance(actor=clerk_chaoyang, order=order, status="made")
        assert order.made_at is not None
        # The S10 check digit is checked (EA123456789CN has the form but its check digit is 5), for
        # every serial: each one-digit change of a good number is refused.
        wrong = [f"EA{n:08d}{(int(services.s10_check_digit(f'{n:08d}')) + k) % 10}CN"
                 for n in (12345678, 47312482, 0, 99999999) for k in (1, 3)]
        for bad, message in (("", "请填写EMS邮件号"), ("EA1234CN", "EMS邮件号应为13位"),
                             ("EA123456789CN", "校验位）应为5"), *((w, "校验位") for w in wrong)):
            with nothing_written(), pytest.raises(ValidationError) as refused:
                services.card_order_advance(actor=clerk_chaoyang, order=order, status="posted", tracking_number=bad)
            assert message in refused.value.message_dict["tracking_number"][0]
        order = services.card_order_advance(actor=clerk_chaoyang, order=order, status="posted",
                                            tracking_number="ea 1234 5678 5cn")
        assert order.ems_tracking_number == "EA123456785CN" and order.certificate_valid
        order = services.card_order_advance(actor=clerk_chaoyang, order=order, status="delivered",
                                            expected_version=order.version)
    order.refresh_from_db()
    assert order.status == "delivered" and order.delivered_at is not None and not order.certificate_valid
    trail = list(AuditEvent.objects.filter(model="cards.CardOrder", action="update").values_list("reason", flat=True))
    assert trail == ["补换卡进度：已制卡", "补换卡进度：已交EMS寄出（EMS邮件号EA123456785CN）", "补换卡进度：已妥投"]
    with pytest.raises(ValidationError) as done:
        services.card_order_advance(actor=clerk_chaoyang, order=order, status="delivered")
    assert "进度已结束" in done.value.message_dict["status"][0]


@pytest.mark.django_db
def test_a_stale_version_and_posting_before_ems_delivers_are_refused(completed, reviewer_chaoyang, clerk_chaoyang):
    order = services.card_order_create(actor=reviewer_chaoyang, case=completed, **ADDRESS)
    with pytest.raises(ValidationError) as stale:
        services.card_order_advance(actor=clerk_chaoyang, order=order, status="made", expected_version=7)
    assert "已被他人更新" in stale.value.message_dict["version"][0]
    order = services.card_order_advance(actor=clerk_chaoyang, order=order, status="made")
    # 5.1: EMS delivers replacement cards from 2020-02-03 (pack parameter cards.ems_delivery_from).
    with override_settings(SHEBAO_TODAY=dt.date(2020, 2, 2)), nothing_written(), \
            pytest.raises(ValidationError) as early:
        services.card_order_advance(actor=clerk_chaoyang, order=order, status="posted",
                                    tracking_number="EA123456785CN")
    assert "2020-02-03" in early.value.message_dict["status"][0] and "第5.1条" in early.value.message_dict["status"][0]


@pytest.mark.django_db
def test_the_public_check_shows_masked_data_and_lapses_on_delivery(completed, reviewer_chaoyang, clerk_chaoyang,
                                                                  client):
    order = services.card_order_create(actor=reviewer_chaoyang, case=completed, **ADDRESS)
    typed = order.certificate_code_display.lower().replace("-", " ")
    check = selectors.certificate_check(typed)
    assert check is not None and check.valid and check.name_masked == "张*"
    assert check.id_number_masked.startswith("110105") and "*" in check.id_number_masked
    page = client.get("/public/card-certificates/", {"code": order.certificate_code_display})
    html = page.content.decode()
    assert page.status_code == 200 and "该领卡证明真实有效" in html and "张*" in html
    person = order.person
    assert person.name not in html and person.id_number not in html and "朝阳门外大街" not in html
    assert "138" not in html.split("result")[-1]  # no phone number in the answer
    for step in ("made", "posted", "delivered"):
        order = services.card_order_advance(actor=clerk_chaoyang, order=order, status=step,
                                            tracking_number="EA123456785CN" if step == "posted" else "")
    html = client.get("/public/card-certificates/", {"code": order.certificate_code}).content.decode()
    assert "该领卡证明已失效" in html and "新卡已送达本人" in html
    missing = client.get("/public/card-certificates/", {"code": "ABCD-EFGH-JKMN"}).content.decode()
    assert "没有该验证码的领卡证明" in missing
    assert selectors.certificate_check("short") is None


@pytest.mark.django_db
def test_the_certificate_pdf_prints_a_name_beyond_the_bmp_in_full(reviewer_chaoyang, clerk_chaoyang, client):
    from shebao.core.pdffonts import StrictCanvas
    from tests.backoffice.test_receipt_fonts import pdf_text

    person = personas.make_person("王𠮷", serial=9)
    case = card_case(person, clerk_chaoyang, reviewer_chaoyang, recipient_name="王𠮷")
    order = case.card_order
    client.force_login(clerk_chaoyang)
    drawn: list[str] = []
    check = StrictCanvas._check

    def record(self, text):
        drawn.append(str(text))
        return check(self, text)

    with mock.patch.object(StrictCanvas, "_check", record):
        r = client.get(f"/office/cards/{order.pk}/certificate.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert b"/FontFile2" in r.content and "𠮷" in pdf_text(r.content)  # embedded, mapped back to Unicode
    text = "\n".join(drawn)
    assert "姓名：王𠮷" in text and "社会保障卡领卡证明" in text and "可用于就医" in text
    assert f"验证码：{order.certificate_code_display}" in text
    assert f"http://testserver/public/card-certificates/?code={order.certificate_code_display}" in text
    assert person.id_number not in text and f"证件号码：{person.id_number_masked}" in text


@pytest.mark.django_db
def test_a_character_the_font_lacks_stops_the_certificate(completed, reviewer_chaoyang, clerk_chaoyang, client):
    from shebao.core import pdffonts

    order = services.card_order_create(actor=reviewer_chaoyang, case=completed, **ADDRESS)
    client.force_login(clerk_chaoyang)
    with mock.patch.object(pdffonts, "missing_characters", return_value=["张"]):
        r = client.get(f"/office/cards/{order.pk}/certificate.pdf")
    assert r.status_code == 500 and "无法生成领卡证明" in r.content.decode() and r["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_the_staff_pages_list_and_advance_an_order_within_the_district(completed, reviewer_chaoyang, clerk_chaoyang,
                                                                      clerk_haidian, client):
    order = services.card_order_create(actor=reviewer_chaoyang, case=completed, **ADDRESS)
    client.force_login(clerk_chaoyang)
    listing = client.get("/office/cards/").content.decode()
    assert "张三" in listing and "已申请制卡" in listing and order.person.id_number not in listing
    found = client.get("/office/cards/", {"q": order.certificate_code_display}).content.decode()
    assert f"/office/cards/{order.pk}/" in found
    page = client.get(f"/office/cards/{order.pk}/").content.decode()
    assert "北京市朝阳区朝阳门外大街1号院2单元301" in page and "138****5678" in page and "13812345678" not in page
    r = client.post(f"/office/cards/{order.pk}/", {"status": "made", "version": order.version})
    assert r.status_code == 302
    client.post(f"/office/cards/{order.pk}/", {"status": "posted", "version": order.version + 1,
                                               "tracking_number": "EA12"})
    order.refresh_from_db()
    assert order.status == "made"
    bad = client.post(f"/office/cards/{order.pk}/", {"status": "posted", "version": order.version,
                                                     "tracking_number": "EA12"})
    assert bad.status_code == 400 and "EMS邮件号应为13位" in bad.content.decode()
    client.post(f"/office/cards/{order.pk}/", {"status": "posted", "version": order.version,
                                               "tracking_number": "EA123456785CN"})
    order.refresh_from_db()
    assert order.status == "posted" and order.ems_tracking_number == "EA123456785CN"
    # Another district's clerk finds nothing: not in the list, 404 on the page, nothing written.
    client.force_login(clerk_haidian)
    assert "张三" not in client.get("/office/cards/").content.decode()
    with nothing_written():
        assert client.get(f"/office/cards/{order.pk}/").status_code == 404
        assert client.post(f"/office/cards/{order.pk}/", {"status": "delivered"}).status_code == 404
        assert client.get(f"/office/cards/{order.pk}/certificate.pdf").status_code == 404
