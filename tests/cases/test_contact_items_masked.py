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
