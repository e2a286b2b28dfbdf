"""The numbers people call, on the pages they read (review-user13 (10), (11)).

- (10) 12333 and 96102 were plain text on the phone-first portal: every page shows them as ``tel:`` links
  (the ``phone_links`` filter of core/templatetags/phones.py), and no template writes them without it;
- (11) the card service line (96102, clause 5.1) was missing from the card's case page, the person's and
  the staff's, and from the card case's messages (they gave only 12333).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse

from shebao.cases import services as cases
from shebao.cases.notifications import outbox_messages
from tests.collection.conftest import book_due
from tests.portal.conftest import identity_checked, sign_in_employer, sign_in_person

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "shebao"
HELPLINE, CARD_LINE = "010-87654321", "010-11112222"


@pytest.fixture(autouse=True)
def _numbers(settings):
    settings.SHEBAO_HELPLINE, settings.SHEBAO_CARD_LINE = HELPLINE, CARD_LINE


def _link(number: str) -> str:
    return f'<a class="tel" href="tel:{number}">{number}</a>'


def bare(html: str) -> list[str]:
    """The configured numbers a page shows as plain text (not inside their tel: link)."""
    rest = html.replace(_link(HELPLINE), "").replace(_link(CARD_LINE), "")
    return re.findall(rf"{HELPLINE}|{CARD_LINE}", rest)


def test_no_user_template_shows_a_number_without_its_link():
    found = []
    for folder in ("portal", "web"):
        for path in (SRC / folder / "templates").rglob("*.html"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"\{\{\s*(helpline|card_line)\s*\}\}", line):
                    found.append(f"{path.relative_to(SRC)}:{n}")
    assert not found, "用 {{ helpline|phone_links }} / {{ card_line|phone_links }}：\n" + "\n".join(found)


def test_the_filter_links_the_numbers_and_escapes_the_rest():
    from shebao.core.templatetags.phones import phone_links

    out = phone_links(f"<b>请致电{HELPLINE}或{CARD_LINE}</b>；010-876543210不是")
    assert out == f"&lt;b&gt;请致电{_link(HELPLINE)}或{_link(CARD_LINE)}&lt;/b&gt;；010-876543210不是"


def test_the_portals_pages_link_every_number(client, settings, insured, admin_chaoyang):
    sign_in = client.get(reverse("portal:person_sign_in")).content.decode()
    assert _link(HELPLINE) in sign_in and not bare(sign_in)
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    card = client.get(reverse("portal:person_card_apply")).content.decode()
    assert card.count(_link(CARD_LINE)) == 2 and _link(HELPLINE) in card and not bare(card)  # the line, the lead
    client.logout()
    settings.SHEBAO_TODAY = "2020-06-30"
    book_due(admin_chaoyang.employer, "2019-10", 300_000)  # open and late: the late fee says whom to call
    sign_in_employer(client, settings, admin_chaoyang)
    account = client.get(reverse("portal:employer_account")).content.decode()
    status = re.search(r'<p id="late-fee-status">(.*?)</p>', account, re.S).group(1)
    assert f"咨询电话{_link(HELPLINE)}" in status and not bare(account)


def test_a_card_case_gives_the_card_line_on_its_pages_and_in_its_messages(client, settings, insured, clerk_chaoyang,
                                                                        reviewer_chaoyang):
    case, _ = cases.case_submit(actor=clerk_chaoyang, business="card_replacement", channel="counter", person=insured,
                                applicant_kind="person", applied_on=dt.date(2020, 2, 10),
                                details={"reason": "lost", "recipient_name": insured.name,
                                         "recipient_phone": "138 1234 5678", "postal_code": "100020",
                                         "postal_address": "北京市朝阳区朝阳门外大街1号院2单元301"})
    # the person's case page, while in handling and once completed (with its order)
    sign_in_person(client, settings, insured)
    for step in ("submitted", "completed"):
        if step == "completed":
            cases.case_approve(case=cases.case_accept(case=case, actor=clerk_chaoyang), actor=reviewer_chaoyang)
        page = client.get(reverse("portal:person_case", args=[case.pk])).content.decode()
        line = re.search(r'<p class="muted" id="card-line">(.*?)</p>', page, re.S)
        assert line and _link(CARD_LINE) in line.group(1), (step, page)
        assert not bare(page)
    client.logout()
    # the staff's case page
    client.force_login(clerk_chaoyang)
    staff = client.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    assert CARD_LINE in re.search(r'id="card-line">(.*?)</p>', staff, re.S).group(1)
    # the case's messages: the card line, and the helpline for the rest
    case.contact_phone = "13812345678"
    for event in ("submitted", "accept", "complete"):
        [sms] = outbox_messages(case=case, event=event)
        assert f"社会保障卡寄递进度和补换卡咨询请拨打{CARD_LINE}，其他问题请致电{HELPLINE}。" in sms.body, sms.body


def test_another_case_s_message_gives_the_helpline_only(person_chaoyang):
    from shebao.cases.models import Case

    case = Case(pk=5, business="refund", business_zh="退费", status="submitted", contact_phone="13812345678")
    [sms] = outbox_messages(case=case, event="submitted")
    assert sms.body.endswith(f"如有疑问请致电{HELPLINE}。") and CARD_LINE not in sms.body


def test_numbers_inside_messages_and_the_history_are_links(client, settings, insured, clerk_chaoyang,
                                                           reviewer_chaoyang, admin_chaoyang):
    """review-user14 (11): the 12333/96102 inside a message's body (the person's and the employer's
    messages), inside the case's history (或拨打96102查询) and in the staff account's late-fee note were
    plain text while the footers were links."""
    from shebao.cards import services as card_services
    from shebao.cards.models import CardOrder

    case, _ = cases.case_submit(actor=clerk_chaoyang, business="card_replacement", channel="counter", person=insured,
                                applicant_kind="person", applied_on=dt.date(2020, 2, 10),
                                details={"reason": "lost", "recipient_name": insured.name,
                                         "recipient_phone": "138 1234 5678", "postal_code": "100020",
                                         "postal_address": "北京市朝阳区朝阳门外大街1号院2单元301"},
                                contact_phone="13900139000")
    case = cases.case_approve(case=cases.case_accept(case=case, actor=clerk_chaoyang), actor=reviewer_chaoyang)
    order = CardOrder.objects.get(case=case)
    order = card_services.card_order_advance(actor=clerk_chaoyang, order=order, status="made")
    card_services.card_order_advance(actor=clerk_chaoyang, order=order, status="posted",
                                     tracking_number="EA123456785CN")
    sign_in_person(client, settings, insured)
    messages = client.get(reverse("portal:person_messages")).content.decode()
    assert _link(CARD_LINE) in messages and _link(HELPLINE) in messages and not bare(messages)
    page = client.get(reverse("portal:person_case", args=[case.pk])).content.decode()
    history = page.split('id="timeline"', 1)[1]
    assert f"或拨打{_link(CARD_LINE)}查询" in history and not bare(page)
    client.logout()
    settings.SHEBAO_TODAY = "2020-06-30"
    book_due(admin_chaoyang.employer, "2019-10", 300_000)
    client.force_login(clerk_chaoyang)
    account = client.get(f"/collection/employers/{admin_chaoyang.employer.pk}/").content.decode()
    assert f"咨询电话{_link(HELPLINE)}" in account
