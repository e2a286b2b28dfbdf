"""Applications an insured person makes in the portal (issue 15): a card replacement through the same
definition as the desk, refused next to the field and followed to its EMS number, certificate and
messages; a residents' pension registration after a fresh identity check (6.1)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from shebao.cards import services as card_services
from shebao.cards.models import CardOrder
from shebao.cases import services as cases
from shebao.cases.models import Case, OutboxMessage
from shebao.core import clock
from shebao.portal.person_identity import SESSION_KEY
from tests.nothing_written import nothing_written
from tests.portal.conftest import identity_checked, sign_in_person

pytestmark = pytest.mark.django_db

# Until the portal's case_submit accepts an applicant acting on its own data (portal15's next landing,
# which adds cases.services.PORTAL_CHANNELS), an online application is refused at the district line.
APPLICANTS_SUBMIT = pytest.mark.skipif(not hasattr(__import__("shebao.cases.services", fromlist=["x"]),
                                                   "PORTAL_CHANNELS"),
                                       reason="case_submit does not yet take a portal applicant (portal15)")
ADDRESS = {"reason": "lost", "recipient_name": "王小明", "recipient_phone": "13900139000",
           "postal_address": "北京市朝阳区朝阳门外大街1号院2单元301", "postal_code": "100020"}


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@APPLICANTS_SUBMIT
def test_a_card_replacement_is_applied_for_online_and_followed_to_its_certificate(
        client, settings, insured, clerk_chaoyang, reviewer_chaoyang):
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)  # where the card goes is typed after a fresh check (issue 15)
    form = client.get("/portal/person/card/").content.decode()
    assert "补换原因" in form and "邮寄地址" in form
    with nothing_written():  # a bad address: said next to the field, nothing stored
        bad = client.post("/portal/person/card/", {**ADDRESS, "postal_address": "朝阳", "submission": "a1"})
    assert bad.status_code == 400
    assert 'id="bf-postal_address-error"' in bad.content.decode() and "邮寄地址" in bad.content.decode()
    r = client.post("/portal/person/card/", {**ADDRESS, "submission": "a2"})
    case = Case.objects.get(person=insured)
    assert r.status_code == 302 and r["Location"] == f"/portal/person/cases/{case.pk}/"
    assert (case.channel, case.applicant_kind, case.business, case.details["postal_code"]) == (
        "online", "person", "card_replacement", "100020")
    assert case.submitted_by is None and case.transitions.get().actor_label.startswith("网上办事：参保人")
    assert client.get("/portal/person/cases/").content.decode().count(f'href="/portal/person/cases/{case.pk}/"') == 1
    assert client.get(f"/portal/person/cases/{case.pk}/card-certificate.pdf").status_code == 404  # not yet
    # The district's clerk and reviewer handle it in the back office: the card is ordered.
    case = cases.case_accept(case=case, actor=clerk_chaoyang)
    case = cases.case_approve(case=case, actor=reviewer_chaoyang)
    order = CardOrder.objects.get(case=case)
    card_services.card_order_advance(actor=clerk_chaoyang, order=order, status="made")
    order.refresh_from_db()
    with settings_today(settings, dt.date(2020, 2, 20)):
        card_services.card_order_advance(actor=clerk_chaoyang, order=order, status="posted",
                                         tracking_number="EA123456785CN")
    page = client.get(f"/portal/person/cases/{case.pk}/").content.decode()
    assert "已交EMS寄出" in page and "EA123456785CN" in page and "打印领卡证明" in page
    pdf = client.get(f"/portal/person/cases/{case.pk}/card-certificate.pdf")
    assert pdf.status_code == 200 and order.certificate_code_display in pdf_text(pdf.content)
    messages = client.get("/portal/person/messages/").content.decode()
    assert all(m.subject in messages for m in OutboxMessage.objects.filter(case=case))
    # review-user12 F15: the card's steps are on the case's history and each was sent to the applicant
    from shebao.cases.timeline import case_timeline

    # (as a set: the test posts the card on a business day set before the day it was made)
    told = {(e.label, e.detail) for e in case_timeline(case) if e.action == "card_progress"}
    assert told == {("新社会保障卡已制作完成", "即将由EMS寄出"),
                    ("新社会保障卡已交EMS寄出", "EMS邮件号EA123456785CN，可在EMS官网查询寄递进度，或拨打96102查询")}, told
    assert "新社会保障卡已制作完成" in page and "新社会保障卡已交EMS寄出" in page
    sent = {m.event: m.body for m in OutboxMessage.objects.filter(case=case, event__startswith="card_")}
    assert set(sent) == {"card_made", "card_posted"}, sent
    assert "EA123456785CN" in sent["card_posted"] and "96102" in sent["card_posted"]
    # review-user14 (5): not 已办结 while the card is on its way, and no sentence said twice
    assert "当前状态：已制卡，待寄出" in sent["card_made"] and "当前状态：已寄出，待妥投" in sent["card_posted"]
    for body in sent.values():
        assert "已办结" not in body and body.count("已制作完成") <= 1 and body.count("寄出") <= 2, body
    case.refresh_from_db()
    assert case.get_status_display() == "已寄出，待妥投"
    assert "已办结" not in page and "已受理，制卡中" in page  # the history's approval step
    assert "已寄出，待妥投" in client.get("/portal/person/cases/").content.decode()
    card_services.card_order_advance(actor=clerk_chaoyang, order=CardOrder.objects.get(pk=order.pk), status="delivered")
    assert case.get_status_display() == "已办结"
    assert "已办结" in client.get(f"/portal/person/cases/{case.pk}/").content.decode()


class settings_today:
    def __init__(self, settings, day):
        self.settings, self.day = settings, day

    def __enter__(self):
        self.before = getattr(self.settings, "SHEBAO_TODAY", None)
        self.settings.SHEBAO_TODAY = self.day

    def __exit__(self, *exc):
        self.settings.SHEBAO_TODAY = self.before


@APPLICANTS_SUBMIT
def test_a_residents_pension_registration_is_submitted_after_a_fresh_identity_check(client, settings, db):
    from shebao.registry.services import person_update
    from tests import personas
    from tests.portal.conftest import SETUP

    resident = person_update(actor=SETUP, person=personas.make_person("李居民", serial=61, birth=dt.date(1965, 3, 1),
                                                                      account_type=None), phone="13900139061")
    sign_in_person(client, settings, resident)
    session = client.session
    session[SESSION_KEY] = {"person_id": resident.pk, "at": clock.now().isoformat(), "subject": "t"}
    session.save()
    data = {"contribution_grade_fen": "1000", "bank_name": "北京农商银行", "bank_account": "6217000010001234567",
            "submission": "rp1"}
    r = client.post("/portal/person/resident-pension/register/", data)
    case = Case.objects.get(person=resident)
    assert r.status_code == 302 and case.business == "resident_pension_registration" and case.channel == "online"
    assert case.details["contribution_grade_fen"] == 100_000


@APPLICANTS_SUBMIT
def test_a_second_card_replacement_while_one_is_open_is_refused_and_led_to_the_open_one(client, settings, insured):
    """Review 3, E5: eight card replacements of one person, each with a new submission token, were all
    open at once. One open application per person of a business that makes one card, one pension or
    one transfer (the `one_open_per_person` check its definition names)."""
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    assert client.post("/portal/person/card/", {**ADDRESS, "submission": "b1"}).status_code == 302
    first = Case.objects.get(person=insured)
    with nothing_written():
        again = client.post("/portal/person/card/", {**ADDRESS, "submission": "b2"})
    html = again.content.decode()
    assert again.status_code == 400 and f"已有一笔社会保障卡补换卡申请正在办理（申请编号{first.pk}" in html
    assert f'href="/portal/person/cases/{first.pk}/"' in html
    assert Case.objects.filter(person=insured).count() == 1
    form = client.get("/portal/person/card/").content.decode()  # the form says so before anything is typed
    assert f"申请编号{first.pk}" in form and f'href="/portal/person/cases/{first.pk}/"' in form
    assert 'name="postal_address"' not in form  # and offers no form to fill in (review-user12 F3)
    Case.objects.filter(pk=first.pk).update(status="rejected")  # closed: a new application may be made
    assert client.post("/portal/person/card/", {**ADDRESS, "submission": "b3"}).status_code == 302
    assert Case.objects.filter(person=insured).count() == 2


@APPLICANTS_SUBMIT
def test_a_second_card_is_refused_while_the_first_is_on_its_way_on_every_road(
        client, settings, insured, clerk_chaoyang, reviewer_chaoyang):
    """review-user11 F5: the first card replacement was completed (so no longer open) and its card was being
    made, yet a second one to another address was accepted. A card ordered, made or posted refuses a new
    application, online and at the desk, naming the case, its state and its EMS number; delivered, it no
    longer does."""
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    assert client.post("/portal/person/card/", {**ADDRESS, "submission": "c1"}).status_code == 302
    first = cases.case_approve(case=cases.case_accept(case=Case.objects.get(person=insured), actor=clerk_chaoyang),
                               actor=reviewer_chaoyang)
    assert first.status == "completed"
    order = CardOrder.objects.get(case=first)
    elsewhere = {**ADDRESS, "postal_address": "北京市海淀区中关村大街27号", "submission": "c2"}
    for step in ("made", "posted"):
        order = card_services.card_order_advance(actor=clerk_chaoyang, order=order, status=step,
                                                 tracking_number="EA123456785CN" if step == "posted" else "")
        with nothing_written():
            again = client.post("/portal/person/card/", elsewhere)
        html = again.content.decode()
        assert again.status_code == 400 and f"新社会保障卡正在办理（申请编号{first.pk}，{order.get_status_display()}" in html
        assert ("EMS邮件号EA123456785CN" in re.sub(r"<[^>]+>", "", html)) == (step == "posted")
        with nothing_written(), pytest.raises(cases.DetailsRefused) as desk:
            cases.case_submit(actor=clerk_chaoyang, business="card_replacement", channel="counter", person=insured,
                              applicant_kind="person", applied_on=clock.today(), details=dict(ADDRESS))
        assert f"申请编号{first.pk}" in str(desk.value) and "送达前不能再次申请补换卡" in str(desk.value)
    form = client.get("/portal/person/card/").content.decode()  # said before anything is typed, with the way to it
    assert "您的新社会保障卡正在办理" in form and f'href="/portal/person/cases/{first.pk}/"' in form
    # review-user12 F3: the notice comes first and no form is offered under it; the card line (5.1) is
    # given; and it is said without asking the identity check first (nothing is typed on this page)
    assert 'name="postal_address"' not in form and "提交申请" not in form
    assert '社会保障卡寄递进度和补换卡咨询：<a class="tel" href="tel:96102">96102</a>' in form
    from shebao.portal.person_identity import SESSION_KEY

    session = client.session
    del session[SESSION_KEY]  # no fresh identity check
    session.save()
    unchecked = client.get("/portal/person/card/")
    assert unchecked.status_code == 200 and "您的新社会保障卡正在办理" in unchecked.content.decode()
    # the case's basis is the notice's 5.1 alone (review-user12 F4: 常态规则 beside 第5.1条)
    case_page = client.get(f"/portal/person/cases/{first.pk}/").content.decode()
    assert "依第5.1条" in case_page and "常态规则" not in case_page
    identity_checked(client, insured)
    card_services.card_order_advance(actor=clerk_chaoyang, order=order, status="delivered")
    assert "您的新社会保障卡正在办理" not in client.get("/portal/person/card/").content.decode()
    assert client.post("/portal/person/card/", {**elsewhere, "submission": "c3"}).status_code == 302
    assert Case.objects.filter(person=insured).count() == 2


def test_the_businesses_of_one_person_that_make_one_thing_each_name_the_check():
    from shebao.cases.checks import ONE_OPEN_PER_PERSON
    from shebao.rules.business_fields import definition

    for business in ("card_replacement", "retirement_declaration", "transfer_out",
                     "resident_pension_registration", "resident_pension_claim", "resident_pension_cancellation",
                     "resident_pension_change", "account_backfill"):
        assert ONE_OPEN_PER_PERSON in definition(business).checks, business
    # A person who worked in several provinces transfers in from each of them at once.
    assert ONE_OPEN_PER_PERSON not in definition("transfer_in").checks
