"""A card replacement form answers every field at fault in one round (review-user13 (6)): the
definition's field checks (a recipient left empty, a phone that is no mobile number) and the card's
own postal checks (`card_postal_data`: an address too short, a postal code that is not six digits)
used to come one after the other, the postal checks only once every field passed. On the front desk
(staff) and in the person's portal alike; nothing is stored.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from shebao.cases.models import Case
from tests.nothing_written import nothing_written
from tests.portal.conftest import identity_checked, insured, sign_in_person  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

BAD = {"reason": "lost", "recipient_name": "", "recipient_phone": "12345",
       "postal_address": "朝阳", "postal_code": "1000"}
# the input each fault is shown at, and a word of its message
EXPECTED = {"recipient_name": "收件人", "recipient_phone": "手机", "postal_address": "邮寄地址",
            "postal_code": "邮政编码"}


@pytest.fixture(autouse=True)
def _on_day(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


def _said(html: str) -> dict[str, str]:
    """The message beside each input the page marks invalid (bf-<name>, aria-describedby)."""
    doc = lxml_html.fromstring(html)
    out = {}
    for el in doc.xpath("//*[@aria-invalid='true']"):
        name = (el.get("id") or "").removeprefix("bf-")
        said = el.get("aria-describedby") or ""
        out[name] = " ".join(doc.get_element_by_id(i).text_content() for i in said.split()
                             if doc.xpath(f"//*[@id='{i}']"))
    return out


def test_the_front_desk_names_every_fault_of_a_card_form_at_once(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    with nothing_written(shown=person_chaoyang):
        r = client.post(reverse("backoffice:front_desk"), {
            "business": "card_replacement", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
            **BAD, "token": "t-card", "do": "save"})
    assert r.status_code == 400
    said = _said(r.content.decode())
    for name, word in EXPECTED.items():
        assert word in said.get(name, ""), (name, said)
    assert not Case.objects.exists()


def test_the_person_portal_names_every_fault_of_a_card_form_at_once(client, settings, insured):  # noqa: F811
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    with nothing_written():
        r = client.post("/portal/person/card/", {**BAD, "submission": "c1"})
    assert r.status_code == 400
    said = _said(r.content.decode())
    for name, word in EXPECTED.items():
        assert word in said.get(name, ""), (name, said)
    assert not Case.objects.exists()
