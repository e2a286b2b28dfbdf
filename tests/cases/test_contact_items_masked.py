"""review-input7 F4: the case's notification e-mail came back whole from the case API to every role, and a
change of personal data showed its landline, e-mail, address and emergency contact (a mobile and an ID
number in it) whole on the case page and in the API, to the hall manager and the leader among others.
Each personal item of a change is masked by what it is; any other free text goes through mask_text."""

from __future__ import annotations

import pytest

from shebao.cases.business_forms import details_display, details_masked
from shebao.core.masking import mask_address, mask_email, mask_tail

CHANGE = {"phone": "010-88886666", "email": "private.person@example.com",
          "address": "北京市朝阳区某某路1号院2号楼3单元401", "emergency_contact": "李四 13812345678 110105197001011233",
          "household_type": "rural"}
WHOLE = ("88886666", "private.person", "某某路1号院", "13812345678", "110105197001011233")


def test_a_change_shows_no_contact_item_whole_in_the_api_or_on_the_page():
    masked = details_masked("person_change", {"changes": CHANGE})["changes"]
    assert masked == {"phone": "********6666", "email": "p***@example.com", "address": "北京市朝阳区************",
                      "emergency_contact": "李四 138****5678 110105********1233", "household_type": "rural"}
    shown = "；".join(v for _, v in details_display("person_change", {"changes": CHANGE}))
    assert not any(w in shown for w in WHOLE), shown
    assert "p***@example.com" in shown and "农业" in shown  # a code is still shown by its label


@pytest.mark.parametrize("mask, value, shown", [
    (mask_tail, "010-88886666", "********6666"), (mask_tail, "123", "***"),
    (mask_email, "victim.mail@example.com", "v***@example.com"), (mask_email, "no-at-sign", "******sign"),
    (mask_address, "北京市朝阳区", "北京市朝阳区"), (mask_address, "", ""),
])
def test_the_maskers(mask, value, shown):
    assert mask(value) == shown


def test_the_case_api_masks_the_notification_email(cy, employer_chaoyang, person_chaoyang):
    from tests.cases.conftest import submit

    r = submit(cy, business="insured_registration", employer=employer_chaoyang.pk, person=person_chaoyang.pk,
               applicant_kind="employer", channel="online", applied_on="2020-02-10",
               contact_email="victim.mail@example.com")
    assert r.status_code == 201, r.content
    case_id = r.json()["id"]
    for body in (r.json(), cy.get(f"/api/v1/cases/{case_id}/").json(),
                 next(c for c in cy.get("/api/v1/cases/").json()["results"] if c["id"] == case_id)):
        assert body["contact_email"] == "v***@example.com", body["contact_email"]


@pytest.mark.django_db
def test_the_handling_clerk_reveals_a_changed_item_and_the_read_is_recorded(
        person_chaoyang, clerk_chaoyang, clerk_haidian, leader):
    """review-user11 F6: the clerk deciding on a change of address read 北京市朝阳区************ and had no way
    to the new address. Each masked item has a reveal on the case page, for those who may read personal
    data in the case's district, each read recorded; no reason, another district, or a role that may not
    read personal data: refused, nothing recorded."""
    import datetime as dt

    from django.test import Client

    from shebao.cases import services as cases
    from shebao.core.models import PersonalDataAccess
    from tests.nothing_written import nothing_written

    case, _ = cases.case_submit(actor=clerk_chaoyang, business="person_change", channel="counter",
                                person=person_chaoyang, applicant_kind="person", applied_on=dt.date(2020, 2, 10),
                                details={"changes": {"address": CHANGE["address"], "household_type": "rural"}})
    c = Client()
    c.force_login(clerk_chaoyang)
    page = c.get(f"/office/cases/{case.pk}/").content.decode()
    url = f"/office/cases/{case.pk}/reveal-change/address/"
    assert CHANGE["address"] not in page and f'action="{url}"' in page and "变更后的完整内容" in page
    assert "/reveal-change/household_type/" not in page  # shown whole already (农业): nothing to reveal
    with nothing_written():
        no_reason = c.post(url, {"reason": ""})
    assert no_reason.status_code == 400 and "请填写查看原因" in no_reason.content.decode()
    r = c.post(url, {"reason": "核对新地址"})
    assert r.status_code == 200 and CHANGE["address"] in r.content.decode() and "已记录本次查看" in r.content.decode()
    read = PersonalDataAccess.objects.get(field="变更后通讯地址")  # (opening the page is a read of its own)
    assert (read.actor, read.model, read.object_pk, read.subject_label, read.field, read.reason) == (
        clerk_chaoyang, "cases.Case", str(case.pk), person_chaoyang.name, "变更后通讯地址", "核对新地址")
    for other in (clerk_haidian, leader):
        c.force_login(other)
        with nothing_written():
            refused = c.post(url, {"reason": "核对新地址"})
        assert refused.status_code in (403, 404) and CHANGE["address"] not in refused.content.decode()
    c.force_login(clerk_chaoyang)
    with nothing_written():
        assert c.post(f"/office/cases/{case.pk}/reveal-change/household_type/", {"reason": "核对"}).status_code == 400
